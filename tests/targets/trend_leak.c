/*
 * trend_leak: a steady leak at a known rate, for the trend classifier.
 *
 * leak_grow() allocates 4 KiB blocks at 2 MiB/s (five blocks every 10 ms)
 * and never frees them.  Prints, flushed, at start:
 *
 *   truth leak_grow rate_bytes_per_s=2097152 block=4096
 *
 * and at the end "truth leak_grow bytes=N".
 * Usage: trend_leak [SECONDS]   (default 30; 0 = until SIGTERM/SIGINT)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trend_run.h"

#define BLOCK 4096
#define RATE (2 << 20)          /* bytes per second */

static size_t leaked;

__attribute__((noinline)) static void leak_grow(size_t bytes)
{
	for (size_t done = 0; done < bytes; done += BLOCK) {
		char *p = malloc(BLOCK);

		if (!p)
			exit(2);
		memset(p, 7, BLOCK);
		leaked += BLOCK;
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 30, start = now();
	double due = 0;   /* bytes the rate asks for so far */

	trend_signals();
	printf("truth leak_grow rate_bytes_per_s=%d block=%d\n", RATE, BLOCK);
	fflush(stdout);
	while (trend_running(start, secs)) {
		due = (now() - start) * RATE;
		if (due > leaked)
			leak_grow((size_t)(due - leaked));
		trend_tick();
	}
	printf("truth leak_grow bytes=%zu\n", leaked);
	fflush(stdout);
	return 0;
}
