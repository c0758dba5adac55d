/*
 * Unit tests for the launch side of src/core/session_launch.c, without
 * forking: the program lookup (as execvp: PATH order, a directory or a
 * file that is not executable is skipped, EACCES when only such a file
 * exists) and the child's environment (LD_PRELOAD prepended, HEAPTOP_*
 * replaced rather than doubled, a relative --dump-at-exit made absolute,
 * everything else passed through).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/session.h"
#include "core/session_priv.h"

static char dir[] = "/tmp/ht-test-session.XXXXXX";
static char a[PATH_MAX], b[PATH_MAX];
static char *old_path;   /* restored: teardown runs rm */

static void make_file(const char *path, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	(void)state;
	old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	if (!mkdtemp(dir))
		return -1;
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	if (mkdir(a, 0700) < 0 || mkdir(b, 0700) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	if (old_path)
		setenv("PATH", old_path, 1);
	free(old_path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_find_program(void **state)
{
	char path[2 * PATH_MAX + 8], f[PATH_MAX + 16], *r;

	(void)state;
	snprintf(f, sizeof f, "%s/prog", a);
	make_file(f, 0600);                      /* a/prog: not executable */
	snprintf(f, sizeof f, "%s/prog", b);
	make_file(f, 0700);                      /* b/prog: runs */
	snprintf(f, sizeof f, "%s/only", a);
	make_file(f, 0600);
	snprintf(f, sizeof f, "%s/sub", b);
	assert_int_equal(mkdir(f, 0700), 0);     /* a directory */
	snprintf(path, sizeof path, "%s:%s", a, b);
	assert_int_equal(setenv("PATH", path, 1), 0);

	r = ht_launch_find_program("prog");
	snprintf(f, sizeof f, "%s/prog", b);
	assert_non_null(r);
	assert_string_equal(r, f);
	free(r);

	errno = 0;
	assert_null(ht_launch_find_program("only"));
	assert_int_equal(errno, EACCES);
	errno = 0;
	assert_null(ht_launch_find_program("sub"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(ht_launch_find_program("missing"));
	assert_int_equal(errno, ENOENT);

	/* with a slash: taken as it is when it exists */
	r = ht_launch_find_program(f);
	assert_non_null(r);
	assert_string_equal(r, f);
	free(r);
	snprintf(f, sizeof f, "%s/none", a);
	assert_null(ht_launch_find_program(f));
}

static size_t count_prefix(char **env, const char *prefix, const char **last)
{
	size_t n = 0;

	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], prefix, strlen(prefix))) {
			n++;
			*last = env[i];
		}
	return n;
}

static void test_child_env(void **state)
{
	struct ht_launch_options o = { 0 };
	const char *v = NULL;
	char cwd[PATH_MAX], want[PATH_MAX + 64], **env;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(setenv("LD_PRELOAD", "libother.so", 1), 0);
	assert_int_equal(setenv("HEAPTOP_SHM", "stale", 1), 0);
	assert_int_equal(setenv("HEAPTOP_RATE", "1", 1), 0);
	assert_int_equal(setenv("HEAPTOP_MAX_DEPTH", "7", 1), 0);
	assert_int_equal(setenv("MALLOC_CONF", "old", 1), 0);
	assert_int_equal(setenv("KEEP_ME", "yes", 1), 0);
	assert_int_equal(setenv("HEAPTOP_FINAL_DUMP", "/stale", 1), 0);
	o.rate = 4096;
	o.dump_at_exit = "out.heap";

	env = ht_launch_child_env(&o, "/rt/libheaptop.so", "heaptop.1.0",
	                          "MALLOC_CONF", "prof:true", "/d/final.heap");
	assert_non_null(env);
	assert_int_equal(count_prefix(env, "LD_PRELOAD=", &v), 1);
	assert_string_equal(v, "LD_PRELOAD=/rt/libheaptop.so libother.so");
	assert_int_equal(count_prefix(env, "HEAPTOP_SHM=", &v), 1);
	assert_string_equal(v, "HEAPTOP_SHM=heaptop.1.0");
	assert_int_equal(count_prefix(env, "HEAPTOP_RATE=", &v), 1);
	assert_string_equal(v, "HEAPTOP_RATE=4096");
	/* no --max-depth: the user's setting stays */
	assert_int_equal(count_prefix(env, "HEAPTOP_MAX_DEPTH=", &v), 1);
	assert_string_equal(v, "HEAPTOP_MAX_DEPTH=7");
	assert_int_equal(count_prefix(env, "MALLOC_CONF=", &v), 1);
	assert_string_equal(v, "MALLOC_CONF=prof:true");
	assert_int_equal(count_prefix(env, "KEEP_ME=", &v), 1);
	assert_string_equal(v, "KEEP_ME=yes");
	snprintf(want, sizeof want, "HEAPTOP_DUMP_AT_EXIT=%s/out.heap", cwd);
	assert_int_equal(count_prefix(env, "HEAPTOP_DUMP_AT_EXIT=", &v), 1);
	assert_string_equal(v, want);
	/* an inherited HEAPTOP_FINAL_DUMP is replaced */
	assert_int_equal(count_prefix(env, "HEAPTOP_FINAL_DUMP=", &v), 1);
	assert_string_equal(v, "HEAPTOP_FINAL_DUMP=/d/final.heap");
	ht_launch_free_child_env(env);

	/* no LD_PRELOAD before, no rate, no jemalloc variable */
	assert_int_equal(unsetenv("LD_PRELOAD"), 0);
	o.rate = 0;
	o.dump_at_exit = NULL;
	env = ht_launch_child_env(&o, "/rt/libheaptop.so", "heaptop.1.0",
	                          NULL, NULL, NULL);
	assert_non_null(env);
	assert_int_equal(count_prefix(env, "LD_PRELOAD=", &v), 1);
	assert_string_equal(v, "LD_PRELOAD=/rt/libheaptop.so");
	assert_int_equal(count_prefix(env, "HEAPTOP_RATE=", &v), 1);
	assert_string_equal(v, "HEAPTOP_RATE=1");
	assert_int_equal(count_prefix(env, "MALLOC_CONF=", &v), 1);
	assert_string_equal(v, "MALLOC_CONF=old");
	assert_int_equal(count_prefix(env, "HEAPTOP_DUMP_AT_EXIT=", &v), 0);
	assert_int_equal(count_prefix(env, "HEAPTOP_FINAL_DUMP=", &v), 0);
	ht_launch_free_child_env(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_program),
		cmocka_unit_test(test_child_env),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
