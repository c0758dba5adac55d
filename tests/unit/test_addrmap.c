/*
 * Unit tests of src/runtime/addrmap.c: the sampled-address map (insert,
 * replace, remove with backward shift, full shard) and the address filter
 * in front of it, checked against a reference model under random
 * operations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/addrmap.h"

static struct ht_addr_rec rec_of(uint64_t addr, uint32_t stack)
{
	struct ht_addr_rec r;
	memset(&r, 0, sizeof r);
	r.addr = addr;
	r.size = addr & 0xffff;
	r.stack = stack;
	r.w.est_bytes = addr * 2;
	return r;
}

static void test_basic(void **state)
{
	struct ht_addrmap m;
	struct ht_addr_rec r = rec_of(0x1000, 7), out, old;
	(void)state;

	ht_filter_clear();
	assert_int_equal(ht_addrmap_init(&m, 12), 0);
	assert_int_equal(ht_filter[ht_filter_index((void *)0x1000)], 0);
	assert_int_equal(ht_addrmap_insert(&m, &r, &old), 0);
	assert_true(ht_filter[ht_filter_index((void *)0x1000)] != 0);
	assert_int_equal(ht_addrmap_find(&m, 0x1000, &out), 1);
	assert_int_equal(out.stack, 7);
	/* the same address again replaces and returns the old record */
	r.stack = 9;
	assert_int_equal(ht_addrmap_insert(&m, &r, &old), 1);
	assert_int_equal(old.stack, 7);
	assert_int_equal(ht_addrmap_remove(&m, 0x1000, &out), 1);
	assert_int_equal(out.stack, 9);
	assert_int_equal(ht_addrmap_remove(&m, 0x1000, &out), 0);
	assert_int_equal(ht_filter[ht_filter_index((void *)0x1000)], 0);
	assert_int_equal(ht_addrmap_remove(&m, 0, &out), 0);
}

static void test_full_shard(void **state)
{
	struct ht_addrmap m;
	struct ht_addr_rec old;
	int inserted = 0, full = 0;
	(void)state;

	ht_filter_clear();
	/* 2^9 records = 64 shards of 8, 7 usable each */
	assert_int_equal(ht_addrmap_init(&m, 9), 0);
	for (uint64_t a = 1; a <= 2000; a++) {
		struct ht_addr_rec r = rec_of(a * 16, 1);
		int res = ht_addrmap_insert(&m, &r, &old);
		if (res == 0)
			inserted++;
		else if (res == -ENOSPC)
			full++;
	}
	assert_int_equal(inserted, 64 * 7);
	assert_int_equal(full, 2000 - 64 * 7);
}

/* Random inserts and removes against a reference: every present address is
 * found with its record, every removed one is gone. */
static void test_random_model(void **state)
{
	enum { N = 20000 };
	struct ht_addrmap m;
	static uint64_t addrs[N];
	static uint8_t present[N];
	struct ht_addr_rec out, old;
	uint64_t x = 88172645463325252ull;
	(void)state;

	ht_filter_clear();
	assert_int_equal(ht_addrmap_init(&m, 16), 0);
	for (int i = 0; i < N; i++)
		addrs[i] = 0x7f0000000000ull + (uint64_t)i * 48;
	for (int step = 0; step < 400000; step++) {
		int i;
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		i = (int)(x % N);
		if (present[i]) {
			assert_int_equal(ht_addrmap_remove(&m, addrs[i], &out), 1);
			assert_int_equal(out.stack, (uint32_t)i);
			present[i] = 0;
		} else {
			struct ht_addr_rec r = rec_of(addrs[i], (uint32_t)i);
			int res = ht_addrmap_insert(&m, &r, &old);
			assert_true(res == 0 || res == -ENOSPC);
			present[i] = res == 0;
		}
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(ht_addrmap_find(&m, addrs[i], &out), present[i]);
		if (present[i]) {
			assert_int_equal(out.stack, (uint32_t)i);
			assert_true(ht_filter[ht_filter_index((void *)(uintptr_t)addrs[i])] != 0);
		}
	}
	ht_addrmap_clear(&m);
	for (int i = 0; i < N; i++)
		assert_int_equal(ht_addrmap_find(&m, addrs[i], &out), 0);
}

static void test_filter_saturates(void **state)
{
	void *p = (void *)0x123450;
	(void)state;

	ht_filter_clear();
	for (int i = 0; i < 300; i++)
		ht_filter_inc(p);
	assert_int_equal(ht_filter[ht_filter_index(p)], 255);
	for (int i = 0; i < 300; i++)
		ht_filter_dec(p);
	/* sticky: a saturated counter no longer knows its count */
	assert_int_equal(ht_filter[ht_filter_index(p)], 255);
	ht_filter_clear();
	ht_filter_inc(p);
	ht_filter_dec(p);
	ht_filter_dec(p);
	assert_int_equal(ht_filter[ht_filter_index(p)], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full_shard),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_filter_saturates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
