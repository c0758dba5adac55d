/*
 * trend_saw: a sawtooth, for the trend classifier.
 *
 * saw_grow() allocates 4 KiB blocks at 16 MiB/s for about 1 s, then
 * saw_drop() frees them all, and again.  A tooth lasts 0.5 to 1.5 s
 * (uniform, seeded): with a fixed 1 s tooth, updates about 1 s apart see
 * it at a slowly drifting phase, a slow wave instead of a sawtooth.  The
 * peak of a 1 s tooth is 16 MiB.  Prints, flushed, at start:
 *
 *   truth saw_grow peak_bytes=16777216 period_s=1
 *
 * Usage: trend_saw [SECONDS]   (default 30; 0 = until SIGTERM/SIGINT)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trend_run.h"

#define BLOCK 4096
#define PEAK (16 << 20)            /* bytes after 1 s */
#define NBLOCKS (PEAK / BLOCK * 3 / 2) /* after 1.5 s */

static char *blocks[NBLOCKS];
static size_t nblocks;

__attribute__((noinline)) static void saw_grow(size_t upto)
{
	for (; nblocks < upto && nblocks < NBLOCKS; nblocks++) {
		blocks[nblocks] = malloc(BLOCK);
		if (!blocks[nblocks])
			exit(2);
		memset(blocks[nblocks], 5, BLOCK);
	}
}

__attribute__((noinline)) static void saw_drop(void)
{
	while (nblocks)
		free(blocks[--nblocks]);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 30, start = now();
	double tooth = start, len = 1.0;

	trend_signals();
	srand(7);
	printf("truth saw_grow peak_bytes=%d period_s=1\n", PEAK);
	fflush(stdout);
	while (trend_running(start, secs)) {
		double t = now() - tooth;

		if (t >= len) {
			saw_drop();
			tooth = now();
			len = 0.5 + (double)rand() / RAND_MAX;
			t = 0;
		}
		saw_grow((size_t)(t * (PEAK / BLOCK)));
		trend_tick();
	}
	printf("truth saw_grow done\n");
	fflush(stdout);
	return 0;
}
