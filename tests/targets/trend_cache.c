/*
 * trend_cache: an LRU-like cache that fills to a bound and stays there,
 * for the trend classifier.
 *
 * cache_insert() allocates 4 KiB entries at 2 MiB/s into a FIFO of at most
 * 10 MiB (reached after 5 s); once full every insert first frees the
 * oldest entry (cache_evict).  Prints, flushed, at start:
 *
 *   truth cache_insert bound_bytes=10485760 fill_s=5 rate_bytes_per_s=2097152
 *
 * Usage: trend_cache [SECONDS]   (default 30; 0 = until SIGTERM/SIGINT)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trend_run.h"

#define ENTRY 4096
#define RATE (2 << 20)
#define BOUND (10 << 20)
#define NSLOTS (BOUND / ENTRY)

static char *slots[NSLOTS];
static size_t head, count;   /* oldest entry at head */

__attribute__((noinline)) static void cache_evict(void)
{
	free(slots[head]);
	slots[head] = NULL;
	head = (head + 1) % NSLOTS;
	count--;
}

__attribute__((noinline)) static void cache_insert(void)
{
	char *p;

	if (count == NSLOTS)
		cache_evict();
	p = malloc(ENTRY);
	if (!p)
		exit(2);
	memset(p, 3, ENTRY);
	slots[(head + count) % NSLOTS] = p;
	count++;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 30, start = now();
	size_t inserted = 0;

	trend_signals();
	printf("truth cache_insert bound_bytes=%d fill_s=%d rate_bytes_per_s=%d\n",
	       BOUND, BOUND / RATE, RATE);
	fflush(stdout);
	while (trend_running(start, secs)) {
		double due = (now() - start) * RATE / ENTRY;

		for (; inserted < due; inserted++)
			cache_insert();
		trend_tick();
	}
	printf("truth cache_insert bytes=%zu\n", count * (size_t)ENTRY);
	fflush(stdout);
	return 0;
}
