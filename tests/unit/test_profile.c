/*
 * Unit tests for src/core/profile.c: counts added and subtracted (the
 * variances add, the raw counts saturate), totals summed from the stacks,
 * the module of an address (a loaded module wins over an unloaded one in
 * the same range, ends are exclusive), and the note for a program whose
 * run sampled nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <heaptop/segment.h>

#include "core/profile.h"

static void test_counts_add_sub(void **state)
{
	struct ht_counts a = { 0 }, b = { 0 };

	(void)state;
	a.cur_bytes = 100;
	a.var_cur_bytes = 4;
	a.raw_cur_objs = 2;
	b.cur_bytes = 30;
	b.var_cur_bytes = 9;
	b.raw_cur_objs = 5;
	ht_counts_add(&a, &b);
	assert_true(a.cur_bytes == 130);
	assert_true(a.var_cur_bytes == 13);
	assert_int_equal(a.raw_cur_objs, 7);
	ht_counts_sub(&a, &b);
	ht_counts_sub(&a, &b);
	assert_true(a.cur_bytes == 70);
	/* a difference of independent estimates: variances still add */
	assert_true(a.var_cur_bytes == 31);
	/* 7 - 5 - 5: raw counts stop at zero */
	assert_int_equal(a.raw_cur_objs, 0);
}

static void test_sum(void **state)
{
	struct ht_profile *p = ht_profile_new();

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->state, HT_PROC_UNKNOWN);
	p->stacks = calloc(2, sizeof *p->stacks);
	assert_non_null(p->stacks);
	p->nstacks = 2;
	p->stacks[0].counts.cur_bytes = 10;
	p->stacks[1].counts.cur_bytes = 32;
	p->stacks[1].counts.cum_objs = 3;
	p->totals.cur_bytes = 999;   /* stale: replaced */
	ht_profile_sum(p);
	assert_true(p->totals.cur_bytes == 42);
	assert_true(p->totals.cum_objs == 3);
	ht_profile_free(p);
	ht_profile_free(NULL);
}

static void test_module_of(void **state)
{
	struct ht_profile *p = ht_profile_new();

	(void)state;
	assert_non_null(p);
	p->modules = calloc(3, sizeof *p->modules);
	assert_non_null(p->modules);
	p->nmodules = 3;
	p->modules[0].start = 0x1000;   /* dlclose'd, its range reused */
	p->modules[0].end = 0x3000;
	p->modules[0].unloaded = true;
	p->modules[1].start = 0x2000;
	p->modules[1].end = 0x3000;
	p->modules[2].start = 0x5000;
	p->modules[2].end = 0x6000;
	p->modules[2].unloaded = true;
	assert_ptr_equal(ht_profile_module_of(p, 0x1000), &p->modules[0]);
	assert_ptr_equal(ht_profile_module_of(p, 0x2000), &p->modules[1]);
	assert_ptr_equal(ht_profile_module_of(p, 0x2fff), &p->modules[1]);
	assert_null(ht_profile_module_of(p, 0x3000));
	assert_ptr_equal(ht_profile_module_of(p, 0x5fff), &p->modules[2]);
	assert_null(ht_profile_module_of(p, 0x6000));
	assert_null(ht_profile_module_of(p, 0));
	ht_profile_free(p);
}

/* An exited live program with hooks and no samples. */
static struct ht_profile *quiet(uint64_t rate)
{
	struct ht_profile *p = ht_profile_new();

	assert_non_null(p);
	p->kind = HT_SOURCE_LIVE;
	p->state = HT_PROC_EXITED;
	p->rate = rate;
	p->alloc.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_HOOKED;
	return p;
}

static void test_quiet_note(void **state)
{
	struct ht_profile *p = quiet(512 * 1024);
	char b[512];

	(void)state;
	assert_true(ht_profile_quiet_note(p, b, sizeof b));
	assert_non_null(strstr(b, "-r 4K"));
	assert_non_null(strstr(b, "(512 KiB)"));
	p->rate = 100;
	assert_true(ht_profile_quiet_note(p, b, sizeof b));
	assert_non_null(strstr(b, "-r 1)"));
	assert_non_null(strstr(b, "(100 bytes)"));
	p->rate = 1;
	assert_true(ht_profile_quiet_note(p, b, sizeof b));
	assert_non_null(strstr(b, "every allocation is sampled"));
	/* something was sampled, still running, or another source: none */
	p->samples = 1;
	assert_false(ht_profile_quiet_note(p, b, sizeof b));
	assert_string_equal(b, "");
	p->samples = 0;
	p->state = HT_PROC_RUNNING;
	assert_false(ht_profile_quiet_note(p, b, sizeof b));
	p->state = HT_PROC_EXITED;
	p->alloc.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_BRIDGE;
	assert_false(ht_profile_quiet_note(p, b, sizeof b));
	p->alloc.flags = HT_ALLOC_F_DONE;
	assert_false(ht_profile_quiet_note(p, b, sizeof b));
	p->alloc.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_HOOKED;
	p->kind = HT_SOURCE_LIVE + 1;
	assert_false(ht_profile_quiet_note(p, b, sizeof b));
	assert_false(ht_profile_quiet_note(NULL, b, sizeof b));
	ht_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_add_sub),
		cmocka_unit_test(test_sum),
		cmocka_unit_test(test_module_of),
		cmocka_unit_test(test_quiet_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
