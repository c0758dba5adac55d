/*
 * Unit tests of src/runtime/util.c: size parsing for HEAPTOP_RATE, plain
 * numbers, segment-name validation, integer formatting, bounded copies,
 * small-file reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <heaptop/segment.h>

#include "runtime/util.h"

static void test_parse_size(void **state)
{
	uint64_t v;
	const char *bad[] = { "", "abc", "0", "-5", "12Q", "5 K", "K", "1.5M", "4KX",
			      "99999999999999999999999", "17179869184G", NULL };
	(void)state;

	assert_int_equal(ht_parse_size("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ht_parse_size("524288", &v), 0);
	assert_int_equal(v, 524288);
	assert_int_equal(ht_parse_size("512K", &v), 0);
	assert_int_equal(v, 524288);
	assert_int_equal(ht_parse_size("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ht_parse_size("2M", &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(ht_parse_size("1G", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(ht_parse_size("64KiB", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(ht_parse_size("100B", &v), 0);
	assert_int_equal(v, 100);
	for (int i = 0; bad[i]; i++)
		assert_int_equal(ht_parse_size(bad[i], &v), -EINVAL);
	assert_int_equal(ht_parse_size(NULL, &v), -EINVAL);
}

static void test_parse_u64(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(ht_parse_u64("64", &v), 0);
	assert_int_equal(v, 64);
	assert_int_equal(ht_parse_u64("", &v), -EINVAL);
	assert_int_equal(ht_parse_u64("6x", &v), -EINVAL);
	assert_int_equal(ht_parse_u64("99999999999999999999999", &v), -EINVAL);
}

static void test_names(void **state)
{
	char longname[HT_SEG_NAME_MAX + 2];
	(void)state;

	assert_true(ht_name_valid("heaptop.123"));
	assert_true(ht_name_valid("a-b_c.D9"));
	assert_false(ht_name_valid(""));
	assert_false(ht_name_valid("."));
	assert_false(ht_name_valid(".."));
	assert_false(ht_name_valid("a/b"));
	assert_false(ht_name_valid("a b"));
	assert_false(ht_name_valid(NULL));
	memset(longname, 'x', sizeof longname);
	longname[HT_SEG_NAME_MAX] = '\0';
	assert_true(ht_name_valid(longname));
	longname[HT_SEG_NAME_MAX] = 'x';
	longname[HT_SEG_NAME_MAX + 1] = '\0';
	assert_false(ht_name_valid(longname));
}

static void test_fmt(void **state)
{
	char buf[24], small[4];
	(void)state;

	assert_int_equal(ht_fmt_u64(buf, 0, 10), 1);
	assert_string_equal(buf, "0");
	ht_fmt_u64(buf, UINT64_MAX, 10);
	assert_string_equal(buf, "18446744073709551615");
	ht_fmt_u64(buf, 0x7f00deadbeefULL, 16);
	assert_string_equal(buf, "7f00deadbeef");
	assert_int_equal(ht_strlcpy(small, "abcdef", sizeof small), 3);
	assert_string_equal(small, "abc");
}

static void test_expand_pid(void **state)
{
	char buf[32], tiny[8];
	(void)state;

	assert_int_equal(ht_expand_pid(buf, sizeof buf, "x.%p.heap", 4242), 0);
	assert_string_equal(buf, "x.4242.heap");
	assert_int_equal(ht_expand_pid(buf, sizeof buf, "%p-%%p-%p%", 7), 0);
	assert_string_equal(buf, "7-%p-7%");
	assert_int_equal(ht_expand_pid(buf, sizeof buf, "a%db", 7), 0);
	assert_string_equal(buf, "a%db");
	assert_int_equal(ht_expand_pid(tiny, sizeof tiny, "abc.%p", 123456), -ENAMETOOLONG);
	assert_string_equal(tiny, "");
	assert_int_equal(ht_expand_pid(tiny, sizeof tiny, "ab.%p", 1234), 0);
	assert_string_equal(tiny, "ab.1234");
	assert_true(ht_has_pid_conv("a.%p"));
	assert_false(ht_has_pid_conv("a.%%p"));
	assert_true(ht_has_pid_conv("a.%%%p"));
	assert_false(ht_has_pid_conv("a.heap%"));
}

/* A whole file, one cut to the buffer, an empty one, a missing one. */
static void test_read_small(void **state)
{
	char path[] = "/tmp/ht-test-util.XXXXXX", buf[16], tiny[5];
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1 2 three", 9), 9);
	assert_int_equal(ht_read_small(path, buf, sizeof buf), 9);
	assert_string_equal(buf, "1 2 three");
	assert_int_equal(ht_read_small(path, tiny, sizeof tiny), 4);
	assert_string_equal(tiny, "1 2 ");
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(ht_read_small(path, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	close(fd);
	unlink(path);
	assert_int_equal(ht_read_small(path, buf, sizeof buf), -1);
	assert_string_equal(buf, "");
	/* a /proc file, read in one go */
	assert_true(ht_read_small("/proc/self/stat", buf, sizeof buf) == 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_expand_pid),
		cmocka_unit_test(test_read_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
