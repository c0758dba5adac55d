/*
 * Ages of live objects and lifetimes of freed ones from events: a live
 * list with objects born before the follower started, then allocations,
 * frees (one overtaken by the next allocation at its address), a reset.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/ages.h"

#define S 1000000000ull  /* ns per second */

static struct ht_event ev(uint32_t type, uint32_t stack, uint64_t addr,
                          uint64_t t, uint64_t born, double bytes)
{
	struct ht_event e = { 0 };

	e.type = type;
	e.stack = stack;
	e.addr = addr;
	e.time_ns = t;
	e.born_ns = born;
	e.weight_bytes = bytes;
	return e;
}

static void test_ages(void **state)
{
	struct ht_ages *a = ht_ages_new();
	struct ht_ages_summary s;
	/* born at 10 s, 20 s, 30 s (stack 1) and 40 s (stack 2); listed at
	 * 100 s */
	struct ht_live_obj live[] = {
		{ 0x1000, 64, 10 * S, 1, 1000 },
		{ 0x2000, 64, 20 * S, 1, 1000 },
		{ 0x3000, 64, 30 * S, 1, 1000 },
		{ 0x4000, 64, 40 * S, 2, 500 },
	};
	uint32_t one = 1, both[] = { 1, 2, 1 };

	(void)state;
	assert_non_null(a);
	assert_int_equal(ht_ages_load(a, live, 4, 100 * S, true), 0);
	assert_int_equal(ht_ages_count(a), 4);
	assert_int_equal(ht_ages_summarize(a, &one, 1, 100 * S, &s), 0);
	assert_int_equal(s.live, 3);
	assert_true(s.oldest_s > 89.9 && s.oldest_s < 90.1);
	assert_true(s.median_s > 79.9 && s.median_s < 80.1);
	assert_true(s.live_bytes > 2999 && s.live_bytes < 3001);
	/* ages of 70..90 s: the 1-10 min bucket */
	assert_true(s.age_hist[3] > 2999);
	/* duplicates in the stack list count once */
	assert_int_equal(ht_ages_summarize(a, both, 3, 100 * S, &s), 0);
	assert_int_equal(s.live, 4);
	assert_true(s.oldest_s > 89.9 && s.oldest_s < 90.1);

	{
		struct ht_event e[] = {
			/* a new object on stack 1 at 110 s */
			ev(HT_EV_ALLOC, 1, 0x5000, 110 * S, 110 * S, 1000),
			/* the oldest is freed at 120 s: lived 110 s */
			ev(HT_EV_FREE, 1, 0x1000, 120 * S, 10 * S, 1000),
			/* 0x2000 is freed and reused; the reuse's ALLOC
			 * overtook the FREE in the ring */
			ev(HT_EV_ALLOC, 2, 0x2000, 121 * S, 121 * S, 500),
			ev(HT_EV_FREE, 1, 0x2000, 120 * S, 20 * S, 1000),
			/* a free of something never seen (born before, not
			 * listed): its lifetime still counts */
			ev(HT_EV_FREE, 1, 0x9000, 122 * S, 112 * S, 1000),
		};

		assert_int_equal(ht_ages_apply(a, e, 5), 0);
	}
	/* stack 1: 0x3000 (born 30 s) and 0x5000 (110 s) */
	assert_int_equal(ht_ages_summarize(a, &one, 1, 130 * S, &s), 0);
	assert_int_equal(s.live, 2);
	assert_true(s.oldest_s > 99.9 && s.oldest_s < 100.1);
	/* 0x1000, the 0x2000 born at 20 s (its free came late, not
	 * lost), 0x9000 */
	assert_int_equal(s.freed, 3);
	assert_true(s.alloc_bytes > 999 && s.alloc_bytes < 1001);
	assert_true(s.freed_bytes > 2999 && s.freed_bytes < 3001);
	/* lifetimes 110, 100 and 10 s: the median's bin holds 100 s */
	assert_true(s.lifetime_median_s >= 64 && s.lifetime_median_s <= 128);
	/* the reused address belongs to stack 2 now, born at 121 s */
	{
		uint32_t two = 2;

		assert_int_equal(ht_ages_summarize(a, &two, 1, 131 * S, &s), 0);
		assert_int_equal(s.live, 2);
		assert_true(s.oldest_s > 90.9 && s.oldest_s < 91.1);
	}
	/* a reset forgets everything */
	{
		struct ht_event r = ev(HT_EV_RESET, 0, 0, 140 * S, 0, 0);

		assert_int_equal(ht_ages_apply(a, &r, 1), 0);
	}
	assert_int_equal(ht_ages_count(a), 0);
	assert_int_equal(ht_ages_summarize(a, both, 3, 150 * S, &s), 0);
	assert_int_equal(s.live, 0);
	assert_int_equal(s.freed, 0);
	assert_true(s.span_s > 9.9 && s.span_s < 10.1);
	ht_ages_free(a);
}

static void test_many(void **state)
{
	struct ht_ages *a = ht_ages_new();
	struct ht_ages_summary s;
	uint32_t st = 7;

	(void)state;
	assert_int_equal(ht_ages_load(a, NULL, 0, S, true), 0);
	/* 100,000 objects born one per ms, every other one freed */
	for (uint64_t i = 0; i < 100000; i++) {
		struct ht_event e = ev(HT_EV_ALLOC, 7, 0x10000 + i * 64,
		                       S + i * 1000000, S + i * 1000000, 10);

		assert_int_equal(ht_ages_apply(a, &e, 1), 0);
	}
	for (uint64_t i = 0; i < 100000; i += 2) {
		struct ht_event e = ev(HT_EV_FREE, 7, 0x10000 + i * 64,
		                       200 * S, S + i * 1000000, 10);

		assert_int_equal(ht_ages_apply(a, &e, 1), 0);
	}
	assert_int_equal(ht_ages_count(a), 50000);
	assert_int_equal(ht_ages_summarize(a, &st, 1, 200 * S, &s), 0);
	assert_int_equal(s.live, 50000);
	/* born from 1.001 s to 100.999 s: oldest ~199 s, median ~149 s */
	assert_true(s.oldest_s > 198.9 && s.oldest_s < 199.1);
	assert_true(s.median_s > 148.9 && s.median_s < 149.1);
	ht_ages_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ages),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
