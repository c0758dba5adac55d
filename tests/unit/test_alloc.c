/*
 * Unit tests of src/core/alloc.c: the jemalloc configuration a launch
 * adds (heaptop's settings, the user's own winning, -r overriding
 * lg_prof_sample with a note), the launch plan for scanned programs, and
 * what the header, batch and JSON say about each allocator state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/alloc.h"

static void test_conf(void **state)
{
	char *note = NULL, *c;

	(void)state;
	c = ht_alloc_je_conf("_RJEM_MALLOC_CONF", NULL, 0, false, &note);
	assert_string_equal(c, "prof:true,prof_active:true,prof_accum:true,"
	                       "lg_prof_sample:19");
	assert_null(note);
	free(c);
	/* -r 64K */
	c = ht_alloc_je_conf("MALLOC_CONF", "", 65536, true, &note);
	assert_string_equal(c, "prof:true,prof_active:true,prof_accum:true,"
	                       "lg_prof_sample:16");
	assert_null(note);
	free(c);
	/* the user's own settings come last and win */
	c = ht_alloc_je_conf("MALLOC_CONF", "lg_prof_sample:12,prof_final:true",
	                     0, false, &note);
	assert_string_equal(c, "prof:true,prof_active:true,prof_accum:true,"
	                       "lg_prof_sample:12,prof_final:true");
	assert_null(note);
	free(c);
	/* -r given: heaptop's lg_prof_sample last, and the user is told */
	c = ht_alloc_je_conf("MALLOC_CONF", "lg_prof_sample:12", 1 << 20, true,
	                     &note);
	assert_string_equal(c, "prof:true,prof_active:true,prof_accum:true,"
	                       "lg_prof_sample:12,lg_prof_sample:20");
	assert_non_null(note);
	assert_non_null(strstr(note, "lg_prof_sample:12"));
	free(note);
	note = NULL;
	free(c);
	/* the user turned the profiler off: kept, and said */
	c = ht_alloc_je_conf("_RJEM_MALLOC_CONF", "prof:false,narenas:2", 0,
	                     false, &note);
	assert_string_equal(c, "prof_active:true,prof_accum:true,"
	                       "lg_prof_sample:19,prof:false,narenas:2");
	assert_non_null(note);
	assert_non_null(strstr(note, "_RJEM_MALLOC_CONF sets prof:false"));
	free(note);
	note = NULL;
	free(c);
	c = ht_alloc_je_conf("MALLOC_CONF", "prof_active:false", 0, false, &note);
	assert_non_null(note);
	assert_non_null(strstr(note, "prof_active:false"));
	free(note);
	free(c);
}

static void test_plan(void **state)
{
	struct ht_alloc_scan sc;
	char var[HT_ALLOC_VAR_MAX], *notice;

	(void)state;
	memset(&sc, 0, sizeof sc);
	/* plain glibc program */
	assert_false(ht_alloc_launch_plan(&sc, "./app", var, &notice));
	assert_null(notice);
	/* Rust on tikv-jemallocator with "profiling" */
	sc.jemalloc = 1;
	strcpy(sc.je_prefix, "_rjem_");
	sc.je_prof_built = 1;
	assert_true(ht_alloc_launch_plan(&sc, "./app", var, &notice));
	assert_string_equal(var, "_RJEM_MALLOC_CONF");
	assert_null(notice);
	/* ... without "profiling": no configuration (jemalloc would print
	 * "Invalid conf pair" into the program's stderr), a notice */
	sc.je_prof_built = 0;
	assert_false(ht_alloc_launch_plan(&sc, "./app", var, &notice));
	assert_non_null(notice);
	assert_non_null(strstr(notice, "without its profiler"));
	free(notice);
	/* static unprefixed jemalloc replacing malloc */
	memset(&sc, 0, sizeof sc);
	sc.jemalloc = sc.defines_malloc = 1;
	sc.je_prof_built = 1;
	assert_true(ht_alloc_launch_plan(&sc, "./app", var, &notice));
	assert_string_equal(var, "MALLOC_CONF");
	/* a program that only imports jemalloc's API from libjemalloc.so
	 * (the hooks see it): nothing */
	memset(&sc, 0, sizeof sc);
	assert_false(ht_alloc_launch_plan(&sc, "./app", var, &notice));
	assert_null(notice);
	/* static tcmalloc */
	memset(&sc, 0, sizeof sc);
	sc.tcmalloc = sc.defines_malloc = 1;
	assert_false(ht_alloc_launch_plan(&sc, "./app", var, &notice));
	assert_non_null(notice);
	assert_non_null(strstr(notice, "tcmalloc"));
	free(notice);
}

static void test_describe(void **state)
{
	struct ht_alloc_desc a;
	char buf[256], adv[512];

	(void)state;
	memset(&a, 0, sizeof a);
	assert_int_equal(ht_alloc_source(&a), HT_ASRC_PENDING);
	assert_null(ht_alloc_advice(&a, adv, sizeof adv));
	a.kind = HT_ALLOC_GLIBC;
	a.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_HOOKED;
	assert_string_equal(ht_alloc_describe(&a, buf, sizeof buf),
	                    "glibc (shared library), read by heaptop's hooks");
	assert_null(ht_alloc_advice(&a, adv, sizeof adv));
	a.kind = HT_ALLOC_JEMALLOC;
	strcpy(a.prefix, "_rjem_");
	a.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_STATIC | HT_ALLOC_F_PROF_BUILT |
	          HT_ALLOC_F_PROF_ON | HT_ALLOC_F_BRIDGE;
	assert_string_equal(ht_alloc_source_name(ht_alloc_source(&a)),
	                    "jemalloc-profiler");
	assert_string_equal(ht_alloc_describe(&a, buf, sizeof buf),
	                    "jemalloc (linked in, prefix _rjem_, profiler on), "
	                    "read from jemalloc's profiler");
	assert_string_equal(ht_alloc_linkage(&a), "static");
	/* started outside heaptop without prof:true */
	a.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_STATIC | HT_ALLOC_F_PROF_BUILT;
	assert_int_equal(ht_alloc_source(&a), HT_ASRC_NONE);
	assert_non_null(ht_alloc_advice(&a, adv, sizeof adv));
	assert_non_null(strstr(adv, "_RJEM_MALLOC_CONF=prof:true"));
	a.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_STATIC;
	assert_non_null(strstr(ht_alloc_advice(&a, adv, sizeof adv),
	                       "without its profiler"));
	a.kind = HT_ALLOC_TCMALLOC;
	a.prefix[0] = '\0';
	assert_non_null(strstr(ht_alloc_advice(&a, adv, sizeof adv), "tcmalloc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
