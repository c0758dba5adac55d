/*
 * Unit tests of src/runtime/clock.c: the sampled path's clock reads what
 * clock_gettime(CLOCK_MONOTONIC) reads, from the time-stamp counter once
 * its rate is measured, and from clock_gettime before that, without the
 * counter, and for a thread whose anchor is new or stale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "runtime/clock.h"
#include "runtime/util.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* n reads of a, each between clock_gettime just before and just after;
 * a nap now and then lets anchors age and be replaced.  Returns the reads
 * the counter served (the anchor was set when they were taken). */
static long bracketed(struct ht_clock_anchor *a, long n)
{
	long served = 0;

	for (long i = 0; i < n; i++) {
		uint64_t before = ht_now_ns(CLOCK_MONOTONIC);
		int set = a->span != 0;
		uint64_t c = ht_clock_ns(a);
		uint64_t after = ht_now_ns(CLOCK_MONOTONIC);

		if (c < before || c > after)
			fail_msg("read %ld: %llu outside [%llu, %llu] (%s)", i,
				 (unsigned long long)c, (unsigned long long)before,
				 (unsigned long long)after, set ? "counter" : "clock_gettime");
		served += set && a->span != 0;
		if (i % 1000 == 999)
			sleep_ms(1);
	}
	return served;
}

/* Once the rate is measured the counter serves, and every read lies
 * between the clock_gettime reads around it, over anchors replaced every
 * HT_CLOCK_SPAN ticks. */
static void test_counter_agrees(void **state)
{
	struct ht_clock_anchor a = { 0 };
	long served;
	(void)state;

	if (!ht_clock_tsc_usable())
		skip(); /* the kernel does not keep time with the counter */
	ht_clock_init(1);
	sleep_ms(120);
	served = bracketed(&a, 300000);
	assert_true(a.span != 0);
	assert_true(served > 250000);
}

/* Until the rate has been measured for 1 ms, and without the counter,
 * every read is clock_gettime: no anchor is set. */
static void test_clock_gettime_until_measured(void **state)
{
	struct ht_clock_anchor a = { 0 };
	uint64_t t0, t1;
	(void)state;

	ht_clock_init(1);
	t0 = ht_now_ns(CLOCK_MONOTONIC);
	assert_int_equal(bracketed(&a, 1), 0);
	t1 = ht_now_ns(CLOCK_MONOTONIC);
	if (t1 - t0 < 500000) /* read well inside the first millisecond */
		assert_int_equal(a.span, 0);
	ht_clock_init(0);
	sleep_ms(20);
	assert_int_equal(bracketed(&a, 2000), 0);
	assert_int_equal(a.span, 0);
}

/* An anchor from long ago, or one the counter has not reached (another
 * CPU's counter behind), is replaced, not extrapolated from. */
static void test_stale_anchor(void **state)
{
	struct ht_clock_anchor a = { 0 };
	uint64_t now;
	(void)state;

	if (!ht_clock_tsc_usable())
		skip();
	ht_clock_init(1);
	sleep_ms(120);
	(void)ht_clock_ns(&a);
	assert_true(a.span != 0);
	a.tsc -= HT_CLOCK_SPAN; /* served its span */
	now = ht_now_ns(CLOCK_MONOTONIC);
	assert_true(ht_clock_ns(&a) >= now);
	a.tsc += UINT64_C(1) << 40; /* ahead of the counter */
	a.ns -= UINT64_C(1000000000);
	now = ht_now_ns(CLOCK_MONOTONIC);
	assert_true(ht_clock_ns(&a) >= now);
	assert_true(bracketed(&a, 1000) > 0);
}

/* HEAPTOP_CLOCK=system keeps every read on clock_gettime. */
static void test_system_by_request(void **state)
{
	(void)state;

	assert_int_equal(setenv("HEAPTOP_CLOCK", "system", 1), 0);
	assert_int_equal(ht_clock_tsc_usable(), 0);
	assert_int_equal(unsetenv("HEAPTOP_CLOCK"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_agrees),
		cmocka_unit_test(test_clock_gettime_until_measured),
		cmocka_unit_test(test_stale_anchor),
		cmocka_unit_test(test_system_by_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
