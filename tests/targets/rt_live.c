/*
 * rt_live: a target for the live-objects test (t_runtime_live.sh).
 *
 *   rt_live N SIZE1 T_MS M SIZE2 GOFILE STOPFILE
 *
 * early_site() allocates N objects of SIZE1 bytes and keeps them; the
 * program prints "t0=NS c0=NS t1=NS" (its CLOCK_MONOTONIC before and
 * after, and CLOCK_MONOTONIC_COARSE just before t0: the earliest a coarse
 * stamp of the batch can read) and "ready1", waits (at most 20 s) for
 * GOFILE to exist, sleeps T_MS, then late_site() allocates M objects of
 * SIZE2 and keeps them: "t2=NS c2=NS t3=NS", "ready2".  It then holds everything until STOPFILE exists (at most
 * 20 s) and exits 0.  Output is flushed at each line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void wait_file(const char *path)
{
	for (int i = 0; i < 20000 && access(path, F_OK) != 0; i++)
		usleep(1000);
}

__attribute__((noinline)) static void early_site(void **keep, long n, size_t size)
{
	for (long i = 0; i < n; i++) {
		keep[i] = malloc(size);
		memset(keep[i], 1, size);
	}
}

__attribute__((noinline)) static void late_site(void **keep, long n, size_t size)
{
	for (long i = 0; i < n; i++) {
		keep[i] = malloc(size);
		memset(keep[i], 2, size);
	}
}

int main(int argc, char **argv)
{
	long n, m, t_ms;
	size_t s1, s2;
	void **a, **b;
	unsigned long long c0, t0, t1, c2, t2, t3;

	if (argc != 8)
		return 2;
	n = atol(argv[1]);
	s1 = strtoul(argv[2], NULL, 10);
	t_ms = atol(argv[3]);
	m = atol(argv[4]);
	s2 = strtoul(argv[5], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	a = calloc((size_t)n + 1, sizeof *a);
	b = calloc((size_t)m + 1, sizeof *b);
	if (!a || !b)
		return 2;
	c0 = clock_ns(CLOCK_MONOTONIC_COARSE);
	t0 = clock_ns(CLOCK_MONOTONIC);
	early_site(a, n, s1);
	t1 = clock_ns(CLOCK_MONOTONIC);
	printf("t0=%llu c0=%llu t1=%llu\nready1\n", t0, c0, t1);
	wait_file(argv[6]);
	usleep((useconds_t)t_ms * 1000);
	c2 = clock_ns(CLOCK_MONOTONIC_COARSE);
	t2 = clock_ns(CLOCK_MONOTONIC);
	late_site(b, m, s2);
	t3 = clock_ns(CLOCK_MONOTONIC);
	printf("t2=%llu c2=%llu t3=%llu\nready2\n", t2, c2, t3);
	wait_file(argv[7]);
	for (long i = 0; i < n; i++)
		free(a[i]);
	for (long i = 0; i < m; i++)
		free(b[i]);
	free(a);
	free(b);
	return 0;
}
