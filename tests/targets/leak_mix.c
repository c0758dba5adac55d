/*
 * leak_mix: a cache and a leak in one program, the cache holding more.
 *
 * mix_cache_put() fills a FIFO cache of 12 MiB (3 KiB entries) in about
 * 2 s, then keeps it full, evicting the oldest entry for each new one
 * (entries live about 4 s).  mix_leak() leaks 1 KiB blocks at 512 KiB/s
 * and never frees them.  Ranked by bytes the cache comes first for the
 * first ~24 s; a leak detector must put mix_leak first.  Prints, flushed:
 *
 *   truth mix_leak rate_bytes_per_s=524288
 *   truth mix_cache_put bound_bytes=12582912
 *
 * Usage: leak_mix [SECONDS]   (default 60; 0 = until killed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_ENTRY 3072
#define CACHE_N 4096                /* 12 MiB */
#define CACHE_PER_TICK 20           /* 2 s to fill, 4 s per turnover */
#define LEAK_BLOCK 1024
#define LEAK_PER_TICK 5             /* 10 ms ticks: 512 KiB/s */

static void *cache[CACHE_N];
static size_t head, used;
static void *volatile sink;

static __attribute__((noinline)) void mix_cache_put(void)
{
	void *e = malloc(CACHE_ENTRY);

	memset(e, 1, CACHE_ENTRY);
	if (used == CACHE_N)
		free(cache[head]);          /* evict the oldest */
	else
		used++;
	cache[head] = e;
	head = (head + 1) % CACHE_N;
}

static __attribute__((noinline)) void mix_leak(void)
{
	void *p = malloc(LEAK_BLOCK);

	memset(p, 2, LEAK_BLOCK);
	sink = p;                           /* and forgotten */
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 60;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	long ticks = secs > 0 ? (long)(secs * 100) : -1;

	printf("truth mix_leak rate_bytes_per_s=%d\n", LEAK_BLOCK * LEAK_PER_TICK * 100);
	printf("truth mix_cache_put bound_bytes=%d\n", CACHE_ENTRY * CACHE_N);
	fflush(stdout);
	for (long t = 0; ticks < 0 || t < ticks; t++) {
		for (int i = 0; i < CACHE_PER_TICK; i++)
			mix_cache_put();
		for (int i = 0; i < LEAK_PER_TICK; i++)
			mix_leak();
		nanosleep(&tick, NULL);
	}
	return 0;
}
