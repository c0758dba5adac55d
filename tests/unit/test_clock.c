/*
 * Unit tests of src/runtime/clock.c: the sampled path's clock reads what
 * clock_gettime(CLOCK_MONOTONIC) reads, from the time-stamp counter once
 * its rate is measured, and from clock_gettime before that, without the
 * counter, and for a thread whose anchor is new or stale; stamps are the
 * same reads, or CLOCK_MONOTONIC_COARSE's when that is the kind.
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

	if (ht_clock_choose(0) != HT_CLOCK_COUNTER)
		skip(); /* the kernel does not keep time with the counter */
	ht_clock_init(HT_CLOCK_COUNTER);
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

	ht_clock_init(HT_CLOCK_COUNTER);
	t0 = ht_now_ns(CLOCK_MONOTONIC);
	assert_int_equal(bracketed(&a, 1), 0);
	t1 = ht_now_ns(CLOCK_MONOTONIC);
	if (t1 - t0 < 500000) /* read well inside the first millisecond */
		assert_int_equal(a.span, 0);
	ht_clock_init(HT_CLOCK_SYSTEM);
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

	if (ht_clock_choose(0) != HT_CLOCK_COUNTER)
		skip();
	ht_clock_init(HT_CLOCK_COUNTER);
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

/* n stamps of a fresh anchor, each between the coarse clock just before
 * and clock_gettime(CLOCK_MONOTONIC) just after, none earlier than the
 * one before it; a nap now and then lets the kernel's tick move on.
 * Returns how many differed from the precise read just before them. */
static long stamps_bracketed(long n)
{
	struct ht_clock_anchor a = { 0 };
	uint64_t last = 0;
	long inexact = 0;

	for (long i = 0; i < n; i++) {
		uint64_t lo = ht_now_ns(CLOCK_MONOTONIC_COARSE);
		uint64_t before = ht_now_ns(CLOCK_MONOTONIC);
		uint64_t c = ht_clock_stamp(&a);
		uint64_t after = ht_now_ns(CLOCK_MONOTONIC);

		if (c < lo || c > after || c < last)
			fail_msg("stamp %ld: %llu outside [%llu, %llu] or before %llu", i,
				 (unsigned long long)c, (unsigned long long)lo,
				 (unsigned long long)after, (unsigned long long)last);
		inexact += c < before;
		last = c;
		if (i % 1000 == 999)
			sleep_ms(1);
	}
	return inexact;
}

/* Coarse stamps: the kernel's tick, never later than the precise clock,
 * often earlier; the anchor is marked, and precise reads through it stay
 * precise. */
static void test_coarse_stamps(void **state)
{
	struct ht_clock_anchor a = { 0 };
	(void)state;

	ht_clock_init(HT_CLOCK_COARSE);
	assert_true(stamps_bracketed(20000) > 0);
	(void)ht_clock_stamp(&a);
	assert_true(a.mult == HT_CLOCK_MULT_COARSE && a.span == 0);
	assert_int_equal(bracketed(&a, 2000), 0);
	assert_true(a.mult == HT_CLOCK_MULT_COARSE);
}

/* Without coarse stamps a stamp is the precise read. */
static void test_precise_stamps(void **state)
{
	(void)state;

	ht_clock_init(HT_CLOCK_SYSTEM);
	assert_int_equal(stamps_bracketed(20000), 0);
	if (ht_clock_choose(0) != HT_CLOCK_COUNTER)
		return;
	ht_clock_init(HT_CLOCK_COUNTER);
	sleep_ms(120);
	assert_int_equal(stamps_bracketed(20000), 0);
}

/* HEAPTOP_CLOCK=system keeps every read on clock_gettime; =coarse stamps
 * coarse; a budget's timed stamps are never coarse. */
static void test_kind_by_request(void **state)
{
	enum ht_clock_kind machine;
	(void)state;

	assert_int_equal(unsetenv("HEAPTOP_CLOCK"), 0);
	machine = ht_clock_choose(0);
	assert_true(machine == HT_CLOCK_COUNTER || machine == HT_CLOCK_COARSE);
	assert_int_equal(ht_clock_choose(1), machine == HT_CLOCK_COUNTER ? HT_CLOCK_COUNTER
									 : HT_CLOCK_SYSTEM);
	assert_int_equal(setenv("HEAPTOP_CLOCK", "system", 1), 0);
	assert_int_equal(ht_clock_choose(0), HT_CLOCK_SYSTEM);
	assert_int_equal(ht_clock_choose(1), HT_CLOCK_SYSTEM);
	assert_int_equal(setenv("HEAPTOP_CLOCK", "coarse", 1), 0);
	assert_int_equal(ht_clock_choose(0), HT_CLOCK_COARSE);
	assert_int_equal(ht_clock_choose(1), HT_CLOCK_SYSTEM);
	assert_int_equal(unsetenv("HEAPTOP_CLOCK"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_agrees),
		cmocka_unit_test(test_clock_gettime_until_measured),
		cmocka_unit_test(test_stale_anchor),
		cmocka_unit_test(test_coarse_stamps),
		cmocka_unit_test(test_precise_stamps),
		cmocka_unit_test(test_kind_by_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
