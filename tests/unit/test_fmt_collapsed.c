/*
 * Unit tests for the collapsed-stack writer (src/core/fmt_collapsed.c):
 * root-to-leaf symbolized frames with inlined functions as their own
 * entries, the value chosen by ht_fmt_value, integers, zero stacks
 * skipped, allocator frames at the leaf dropped; and on a real jemalloc
 * profile, well-formed lines whose values add up to the profile's
 * totals.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "test_fmt_util.h"

static char *write_collapsed(const struct ht_profile *p, enum ht_fmt_value v,
                             struct ht_symbolizer *sym)
{
	struct ht_fmt_write_options o = { .value = v, .sym = sym };
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (ht_fmt_collapsed.write(f, p, &o, &cause) != 0)
		fail_msg("collapsed: %s", cause ? cause : "?");
	fclose(f);
	return buf;
}

static void test_values_and_inlines(void **state)
{
	char *tmp = tu_tmpdir(), *out;
	struct ht_profile *p = tu_sym_profile(tmp);
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;

	(void)state;
	assert_non_null(p);
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);

	out = write_collapsed(p, HT_VAL_INUSE_BYTES, s);
	print_message("%s", out);
	/* inlined_leaf is its own frame under inline_host; the allocator
	 * frame under dl_function is dropped; 0.3 B rounds to nothing */
	assert_string_equal(out,
	    "c_function;inline_host;inlined_leaf 300\n"
	    "dl_function 777\n");
	free(out);

	out = write_collapsed(p, HT_VAL_INUSE_OBJS, s);
	assert_string_equal(out,
	    "c_function;inline_host;inlined_leaf 3\n"
	    "dl_function 7\n");
	free(out);

	out = write_collapsed(p, HT_VAL_ALLOC_BYTES, s);
	assert_string_equal(out,
	    "c_function;inline_host;inlined_leaf 1000\n"
	    "heaptest::Widget::method(int) 5000\n"
	    "dl_function 777\n");
	free(out);

	out = write_collapsed(p, HT_VAL_ALLOC_OBJS, NULL);  /* own symbolizer */
	assert_string_equal(out,
	    "c_function;inline_host;inlined_leaf 10\n"
	    "heaptest::Widget::method(int) 50\n"
	    "dl_function 7\n");
	free(out);

	ht_symbolizer_free(s);
	ht_profile_free(p);
	tu_rmtree(tmp);
	free(tmp);
}

static void test_real_jemalloc_profile(void **state)
{
	char *tmp = tu_tmpdir(), *dump, *out, *cause = NULL, *l;
	struct ht_profile *p = NULL;
	regex_t re;
	double sum = 0;
	size_t lines = 0;
	bool grow = false;

	(void)state;
	dump = tu_jemalloc_dump(tmp, "12", NULL);
	assert_non_null(dump);
	assert_int_equal(ht_fmt_load_file(dump, &p, &cause), 0);
	out = write_collapsed(p, HT_VAL_INUSE_BYTES, NULL);
	assert_int_equal(regcomp(&re, "^[^ ;][^;]*(;[^;]+)* [0-9]+$",
	                         REG_EXTENDED | REG_NOSUB), 0);
	for (l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		const char *sp = strrchr(l, ' ');

		if (regexec(&re, l, 0, NULL, 0) != 0)
			fail_msg("malformed line: %s", l);
		sum += atof(sp + 1);
		lines++;
		if (strstr(l, ";main;grow_site "))
			grow = true;
	}
	regfree(&re);
	assert_true(grow);
	assert_true(lines > 3);
	/* each value is rounded: the sum is within half a byte per line */
	assert_true(fabs(sum - p->totals.cur_bytes) <= 0.5 * (double)lines + 1);
	free(out);
	ht_profile_free(p);
	free(dump);
	tu_rmtree(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_inlines),
		cmocka_unit_test(test_real_jemalloc_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
