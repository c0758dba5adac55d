/*
 * The 64-bit key hash map: against a plain array as the reference, over
 * a random sequence of puts and deletes (backward-shift deletion must
 * keep every remaining key reachable).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/hash.h"
#include "core/u64map.h"

#define KEYS 4096

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_against_array(void **state)
{
	static uint64_t keys[KEYS];
	static int present[KEYS];
	struct ht_u64map m = { 0 };

	(void)state;
	for (size_t i = 0; i < KEYS; i++)
		/* aligned addresses: the low bits carry nothing */
		keys[i] = 0x7f0000000000ull + (next() % (1u << 20)) * 64 + 64;
	for (int round = 0; round < 200000; round++) {
		size_t i = next() % KEYS;
		size_t *v;
		bool isnew;

		if (next() % 3) {
			assert_int_equal(ht_u64map_put(&m, keys[i], i, &v, &isnew), 0);
			if (!present[i])
				assert_true(isnew || ht_u64map_get(&m, keys[i]));
			present[i] = 1;
		} else {
			size_t old = 0;
			bool had = ht_u64map_del(&m, keys[i], &old);
			bool dup = false;

			for (size_t j = 0; j < KEYS && !dup; j++)
				dup = j != i && keys[j] == keys[i] && present[j];
			if (!dup)
				assert_int_equal(had, present[i]);
			for (size_t j = 0; j < KEYS; j++)
				if (keys[j] == keys[i])
					present[j] = 0;
		}
		if (round % 5000 == 0) {
			size_t n = 0;

			for (size_t j = 0; j < KEYS; j++) {
				int dup = 0;

				for (size_t k = 0; k < j; k++)
					dup |= keys[k] == keys[j] && present[k];
				if (present[j]) {
					assert_non_null(ht_u64map_get(&m, keys[j]));
					n += !dup;
				} else if (!dup) {
					int other = 0;

					for (size_t k = 0; k < KEYS; k++)
						other |= keys[k] == keys[j] && present[k];
					if (!other)
						assert_null(ht_u64map_get(&m, keys[j]));
				}
			}
			assert_int_equal(m.n, n);
		}
	}
	ht_u64map_clear(&m);
	assert_int_equal(m.n, 0);
	assert_null(ht_u64map_get(&m, keys[0]));
	ht_u64map_free(&m);
}

static void test_zero_key(void **state)
{
	struct ht_u64map m = { 0 };
	size_t *v;

	(void)state;
	assert_null(ht_u64map_get(&m, 0));
	assert_false(ht_u64map_del(&m, 5, NULL));
	assert_int_equal(ht_u64map_put(&m, 0, 7, NULL, NULL), 0);
	v = ht_u64map_get(&m, 0);
	assert_non_null(v);
	assert_int_equal(*v, 7);
	assert_true(ht_u64map_del(&m, 0, NULL));
	assert_null(ht_u64map_get(&m, 0));
	ht_u64map_free(&m);
}

/* A copy holds the same entries and lives on its own: changing either
 * leaves the other as it was; copying an empty map empties dst. */
static void test_copy(void **state)
{
	struct ht_u64map a = { 0 }, b = { 0 }, empty = { 0 };

	(void)state;
	for (uint64_t k = 1; k <= 1000; k++)
		assert_int_equal(ht_u64map_put(&a, k * 4096, (size_t)k, NULL,
		                               NULL), 0);
	assert_int_equal(ht_u64map_put(&b, 7, 7, NULL, NULL), 0);
	assert_int_equal(ht_u64map_copy(&b, &a), 0);
	assert_int_equal(b.n, 1000);
	assert_null(ht_u64map_get(&b, 7));
	for (uint64_t k = 1; k <= 1000; k++)
		assert_int_equal(*ht_u64map_get(&b, k * 4096), k);
	assert_true(ht_u64map_del(&a, 4096, NULL));
	assert_non_null(ht_u64map_get(&b, 4096));
	assert_true(ht_u64map_del(&b, 8192, NULL));
	assert_non_null(ht_u64map_get(&a, 8192));
	assert_int_equal(ht_u64map_copy(&b, &empty), 0);
	assert_int_equal(b.n, 0);
	assert_null(ht_u64map_get(&b, 8192));
	ht_u64map_free(&a);
	ht_u64map_free(&b);
}

/* The core's byte hash (core/hash.h) is 64-bit FNV-1a: its published
 * test vectors. */
static void test_hash_bytes(void **state)
{
	(void)state;
	assert_true(ht_fnv(HT_FNV_INIT, "", 0) == UINT64_C(0xcbf29ce484222325));
	assert_true(ht_fnv(HT_FNV_INIT, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(ht_fnv(HT_FNV_INIT, "foobar", 6) ==
	            UINT64_C(0x85944171f73967e8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_array),
		cmocka_unit_test(test_zero_key),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_hash_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
