/*
 * Unit tests for the JSON output helpers (src/core/json.c): escapes for
 * quotes, backslashes and control characters, valid UTF-8 passed
 * through, invalid UTF-8 (stray continuation bytes, overlongs,
 * surrogates, truncated sequences) replaced by U+FFFD, numbers without
 * NaN or infinity.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <cmocka.h>

#include "core/json.h"

static char *capture_string(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ht_json_string(f, s);
	fclose(f);
	return buf;
}

static char *capture_number(double v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ht_json_number(f, v);
	fclose(f);
	return buf;
}

#define EXPECT_STR(in, out) do { char *g = capture_string(in); \
	assert_string_equal(g, out); free(g); } while (0)
#define EXPECT_NUM(in, out) do { char *g = capture_number(in); \
	assert_string_equal(g, out); free(g); } while (0)

static void test_escapes(void **state)
{
	EXPECT_STR(NULL, "null");
	EXPECT_STR("", "\"\"");
	EXPECT_STR("plain", "\"plain\"");
	EXPECT_STR("a\"b\\c", "\"a\\\"b\\\\c\"");
	EXPECT_STR("l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\"");
	EXPECT_STR("\b\f", "\"\\b\\f\"");
	EXPECT_STR("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	EXPECT_STR("std::vector<int>::push_back(int&&)",
	           "\"std::vector<int>::push_back(int&&)\"");
	EXPECT_STR("/tmp/x y/z.c", "\"/tmp/x y/z.c\"");
}

static void test_utf8(void **state)
{
	/* valid: é, €, 😀 pass through */
	EXPECT_STR("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	           "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* stray continuation byte, lone lead byte at the end */
	EXPECT_STR("a\x80z", "\"a\xef\xbf\xbdz\"");
	EXPECT_STR("a\xc3", "\"a\xef\xbf\xbd\"");
	/* overlong '/' and a UTF-16 surrogate: invalid */
	EXPECT_STR("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	EXPECT_STR("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* beyond U+10FFFF */
	EXPECT_STR("\xf4\x90\x80\x80",
	           "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* truncated 3-byte sequence followed by ASCII */
	EXPECT_STR("\xe2\x82z", "\"\xef\xbf\xbd\xef\xbf\xbdz\"");
}

static void test_escape_buffer(void **state)
{
	char buf[8];
	size_t n = ht_json_escape(buf, sizeof buf, "ab\"cdefgh");

	assert_int_equal(n, 10);
	assert_int_equal(strlen(buf), 7);
	assert_string_equal(buf, "ab\\\"cde");
	n = ht_json_escape(buf, sizeof buf, "x");
	assert_int_equal(n, 1);
	assert_string_equal(buf, "x");
	assert_int_equal(ht_json_escape(NULL, 0, "\n"), 2);
}

static void test_numbers(void **state)
{
	EXPECT_NUM(0, "0");
	EXPECT_NUM(1048576, "1048576");
	EXPECT_NUM(-3, "-3");
	EXPECT_NUM(2.5, "2.5");
	EXPECT_NUM(1e300, "1e+300");
	EXPECT_NUM(NAN, "null");
	EXPECT_NUM(INFINITY, "null");
	EXPECT_NUM(-INFINITY, "null");
	EXPECT_NUM(0.1, "0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_escape_buffer),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
