/*
 * Unit tests for src/core/procmem.c: the smaps parser on real text
 * captured on Linux 6.x (tests/unit/data/smaps_*.txt, trimmed: a target
 * under the runtime, with heaptop's segment and the runtime's stacks; a
 * Python process with a thread, its stack and its malloc arena), the
 * rollup parser, and the reader on this process and on a pid that is
 * gone.
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

#include "core/procmem.h"

#define KB 1024ULL

static char *load(const char *name, size_t *len)
{
	const char *dir = getenv("HT_SRCDIR");
	char path[1024], *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/unit/data/%s",
	         dir && *dir ? dir : "..", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_runtime_fixture(void **state)
{
	struct ht_procmem m;
	size_t len;
	char *text = load("smaps_runtime.txt", &len);

	(void)state;
	assert_int_equal(ht_procmem_parse_smaps(text, len, &m), 0);
	assert_int_equal(m.nmaps, 19);
	assert_int_equal(m.heap, 6180 * KB);
	/* [stack] 16 kB and two rw mappings above a one-page guard */
	assert_int_equal(m.stacks, (16 + 12 + 8) * KB);
	assert_int_equal(m.nstacks, 3);
	/* the rw mapping below a guard is not a stack */
	assert_int_equal(m.anon, (12 + 84) * KB);
	assert_int_equal(m.file, (5 * 4 + 152 + 976) * KB);
	assert_int_equal(m.other, 4 * KB);
	assert_int_equal(m.shmem, 0);
	assert_int_equal(m.own_shm, 344 * KB);
	assert_int_equal(m.rss, (6180 + 36 + 96 + 1148 + 4) * KB);
	free(text);

	/* the rollup's Rss includes the segment; rss leaves it out */
	text = load("smaps_rollup_runtime.txt", &len);
	assert_int_equal(ht_procmem_parse_rollup(text, len, &m), 0);
	assert_int_equal(m.rss, (9360 - 344) * KB);
	assert_int_equal(m.anonymous, 6780 * KB);
	assert_int_equal(m.swap, 0);
	assert_int_equal(m.heap, 6180 * KB);
	free(text);
}

static void test_threads_fixture(void **state)
{
	struct ht_procmem m;
	size_t len;
	char *text = load("smaps_threads.txt", &len);

	(void)state;
	assert_int_equal(ht_procmem_parse_smaps(text, len, &m), 0);
	assert_int_equal(m.heap, 1580 * KB);
	/* the thread's 8 MiB stack above its guard page, and [stack] */
	assert_int_equal(m.stacks, (12 + 36) * KB);
	assert_int_equal(m.nstacks, 2);
	/* the thread's malloc arena (rw below its ---p reserve), and the
	 * anonymous mapping below the guard */
	assert_int_equal(m.anon, (20028 + 1228) * KB);
	assert_int_equal(m.file, (8 + 24 + 8 + 4 + 4) * KB);
	assert_int_equal(m.other, 4 * KB);
	assert_int_equal(m.own_shm, 0);
	free(text);
}

static void test_shm_kinds(void **state)
{
	static const char text[] =
		"7f0000000000-7f0000100000 rw-s 00000000 00:1b 77 /dev/shm/app.cache\n"
		"Rss:                 100 kB\n"
		"7f0000100000-7f0000200000 rw-s 00000000 00:01 78 /SYSV00000000 (deleted)\n"
		"Rss:                  50 kB\n"
		"7f0000200000-7f0000300000 rw-s 00000000 00:01 79 /memfd:pool (deleted)\n"
		"Rss:                  25 kB\n"
		"7f0000300000-7f0000400000 rw-s 00000000 00:1b 80 /dev/shm/heaptop.42\n"
		"Rss:                 400 kB\n"
		"7f0000400000-7f0000500000 rw-s 00000000 00:01 81 /dev/zero (deleted)\n"
		"Rss:                   5 kB\n"
		/* a guard too large to be a stack's: an arena's reserve */
		"7f0000500000-7f0000600000 ---p 00000000 00:00 0 \n"
		"Rss:                   0 kB\n"
		"7f0000600000-7f0000700000 rw-p 00000000 00:00 0 \n"
		"Rss:                 300 kB\n"
		/* a guard page with a hole above it: not a stack's */
		"7f0000800000-7f0000801000 ---p 00000000 00:00 0 \n"
		"Rss:                   0 kB\n"
		"7f0000802000-7f0000900000 rw-p 00000000 00:00 0 \n"
		"Rss:                  20 kB\n";
	struct ht_procmem m;

	(void)state;
	assert_int_equal(ht_procmem_parse_smaps(text, strlen(text), &m), 0);
	assert_int_equal(m.shmem, (100 + 50 + 25 + 5) * KB);
	assert_int_equal(m.own_shm, 400 * KB);
	assert_int_equal(m.stacks, 0);
	assert_int_equal(m.anon, (300 + 20) * KB);
	assert_int_equal(m.rss, (180 + 300 + 20) * KB);
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"", "\n\n", "Rss: 4 kB\n", "hello world\n\x01\x02",
		"ffff-0000 rw-p 0 00:00 0\nRss: 4 kB\n",
	};
	struct ht_procmem m;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ht_procmem_parse_smaps(bad[i], strlen(bad[i]),
		                                        &m), -EINVAL);
	assert_int_equal(ht_procmem_parse_rollup("Pss: 3 kB\n", 10, &m),
	                 -EINVAL);
	/* truncated in the middle of a line: what is there counts */
	assert_int_equal(ht_procmem_parse_smaps(
		"1000-2000 rw-p 00000000 00:00 0 [heap]\nRss:   8 kB", 49, &m), 0);
	assert_int_equal(m.heap, 8 * KB);
}

static void test_read_self_and_gone(void **state)
{
	struct ht_procmem m;
	char *cause = NULL;
	volatile char *big = malloc(8 << 20);

	(void)state;
	assert_non_null(big);
	/* a large malloc block (mmap'd: anonymous), every page touched */
	for (size_t i = 0; i < (8 << 20); i += 4096)
		big[i] = 1;
	assert_int_equal(ht_procmem_read(getpid(), &m, &cause), 0);
	assert_null(cause);
	assert_true(m.rss > 0);
	assert_true(m.anon >= (8ULL << 20));
	assert_true(m.stacks > 0);
	assert_true(m.file > 0);
	free((void *)big);

	/* pid_max is at most 2^22: this one cannot exist */
	assert_int_equal(ht_procmem_read(1 << 23, &m, &cause), -ENOENT);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "smaps"));
	free(cause);
	cause = NULL;
	assert_int_equal(ht_procmem_read(0, &m, &cause), -EINVAL);
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_fixture),
		cmocka_unit_test(test_threads_fixture),
		cmocka_unit_test(test_shm_kinds),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_read_self_and_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
