/*
 * Unit tests for ui/format.c: byte and count abbreviations, durations,
 * sparklines (UTF-8 and ASCII) and column fitting of UTF-8 strings.  Pure
 * functions: no terminal needed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui/format.h"

static void test_bytes(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 0, false), "0");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 999, false), "999");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1023, false), "1023");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1024, false), "1.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1536, false), "1.5K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 20 * 1024, false),
	                    "20K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 3.5 * 1048576, false),
	                    "3.5M");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 2.0 * 1073741824.0,
	                                 false), "2.0G");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 4096, true), "+4.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, -4096, true), "-4.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, -4096, false), "-4.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 0, true), "0");
	/* 1023.7 rounds to 1024: shown in the next unit, not as "1024" */
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1023.7, false), "1.0K");
}

static void test_count(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ht_fmt_count(b, sizeof b, 7, false), "7");
	assert_string_equal(ht_fmt_count(b, sizeof b, 1000, false), "1.0k");
	assert_string_equal(ht_fmt_count(b, sizeof b, 12345, false), "12k");
	assert_string_equal(ht_fmt_count(b, sizeof b, 4.5e6, false), "4.5M");
	assert_string_equal(ht_fmt_count(b, sizeof b, 3, true), "+3");
}

static void test_duration(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ht_fmt_duration(b, sizeof b, 0), "0s");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 59.4), "59s");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 184), "3:04");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 3723), "1:02:03");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 2 * 86400 + 3 * 3600),
	                    "2d03h");
	assert_string_equal(ht_fmt_duration(b, sizeof b, -5), "0s");
}

static void test_sparkline(void **state)
{
	const double rising[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	const double flat[] = { 5, 5, 5 };
	char b[128];

	(void)state;
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, rising, 8, 8, true),
	                    "\u2581\u2582\u2583\u2584\u2585\u2586\u2587"
	                    "\u2588");
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, rising, 8, 8, false),
	                    "..:-=+*#");
	/* only the last `width` values, rescaled over them */
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, rising, 8, 2, true),
	                    "\u2581\u2588");
	/* short history: blanks on the left */
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, flat, 3, 5, false),
	                    "  ...");
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, flat, 3, 3, true),
	                    "\u2581\u2581\u2581");
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, flat, 0, 2, true),
	                    "  ");
	/* a buffer too small is cut, never overrun */
	memset(b, 'x', sizeof b);
	ht_fmt_sparkline(b, 7, rising, 8, 8, true);
	assert_int_equal(strlen(b), 6);
}

static void test_fit(void **state)
{
	(void)state;
	assert_int_equal(ht_fmt_columns("abc", 3), 3);
	assert_int_equal(ht_fmt_columns("\u0394x", strlen("\u0394x")), 2);
	assert_int_equal(ht_fmt_fit("abcdef", 3), 3);
	assert_int_equal(ht_fmt_fit("ab", 5), 2);
	/* never splits a multi-byte character */
	assert_int_equal(ht_fmt_fit("\u0394\u0394\u0394", 2), 4);
	assert_int_equal(ht_fmt_fit("a\u2581", 1), 1);
	assert_int_equal(ht_fmt_fit("a\u2581", 2), 4);
	assert_int_equal(ht_fmt_fit("", 4), 0);
	assert_string_equal(ht_fmt_basename("src/a/b.c"), "b.c");
	assert_string_equal(ht_fmt_basename("b.c"), "b.c");
	assert_string_equal(ht_fmt_basename(NULL), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
