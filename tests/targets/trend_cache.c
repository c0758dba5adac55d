/*
 * trend_cache: an LRU-like cache that fills to a bound and stays there,
 * for the trend classifier.
 *
 * cache_insert() allocates 4 KiB entries at RATE MiB/s (default 2) into a
 * FIFO of at most BOUND MiB (default 10: reached after 5 s); once full
 * every insert first frees the oldest entry (cache_evict), and inserts go
 * on at RENEW MiB/s (default RATE: a full cache's entries live BOUND /
 * RENEW s).  Prints, flushed, at start:
 *
 *   truth cache_insert bound_bytes=10485760 fill_s=5 rate_bytes_per_s=2097152 renew_bytes_per_s=2097152
 *
 * Usage: trend_cache [SECONDS [BOUND_MIB [RATE_MIB [RENEW_MIB]]]]
 * (SECONDS default 30; 0 = until SIGTERM/SIGINT)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trend_run.h"

#define ENTRY 4096

static char **slots;
static size_t nslots, head, count;   /* oldest entry at head */

__attribute__((noinline)) static void cache_evict(void)
{
	free(slots[head]);
	slots[head] = NULL;
	head = (head + 1) % nslots;
	count--;
}

__attribute__((noinline)) static void cache_insert(void)
{
	char *p;

	if (count == nslots)
		cache_evict();
	p = malloc(ENTRY);
	if (!p)
		exit(2);
	memset(p, 3, ENTRY);
	slots[(head + count) % nslots] = p;
	count++;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 30, start = now();
	long bound = (argc > 2 ? atol(argv[2]) : 10) << 20;
	long rate = (argc > 3 ? atol(argv[3]) : 2) << 20;
	long renew = argc > 4 ? atol(argv[4]) << 20 : rate;
	double fill_s;
	size_t inserted = 0;

	if (bound < ENTRY || rate < ENTRY || renew < ENTRY)
		return 2;
	fill_s = (double)bound / rate;
	nslots = (size_t)bound / ENTRY;
	slots = calloc(nslots, sizeof *slots);
	if (!slots)
		return 2;
	trend_signals();
	printf("truth cache_insert bound_bytes=%ld fill_s=%ld rate_bytes_per_s=%ld "
	       "renew_bytes_per_s=%ld\n", bound, bound / rate, rate, renew);
	fflush(stdout);
	while (trend_running(start, secs)) {
		double t = now() - start;
		double due = (t < fill_s ? t * (double)rate :
		              bound + (t - fill_s) * (double)renew) / ENTRY;

		for (; inserted < due; inserted++)
			cache_insert();
		trend_tick();
	}
	printf("truth cache_insert bytes=%zu\n", count * (size_t)ENTRY);
	fflush(stdout);
	return 0;
}
