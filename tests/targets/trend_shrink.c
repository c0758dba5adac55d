/*
 * trend_shrink: a pool that starts large and is freed gradually, for the
 * trend classifier.
 *
 * pool_fill() allocates 64 MiB in 4 KiB blocks at start; pool_release()
 * then frees them, oldest first, at 2 MiB/s (empty after 32 s).  Prints,
 * flushed, once the pool is full:
 *
 *   truth pool_fill start_bytes=67108864 rate_bytes_per_s=-2097152
 *
 * Usage: trend_shrink [SECONDS]   (default 30; 0 = until SIGTERM/SIGINT)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trend_run.h"

#define BLOCK 4096
#define POOL (64 << 20)
#define NBLOCKS (POOL / BLOCK)
#define RATE (2 << 20)

static char *blocks[NBLOCKS];
static size_t released;

__attribute__((noinline)) static void pool_fill(void)
{
	for (size_t i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		if (!blocks[i])
			exit(2);
		memset(blocks[i], 9, BLOCK);
	}
}

__attribute__((noinline)) static void pool_release(size_t upto)
{
	for (; released < upto && released < NBLOCKS; released++) {
		free(blocks[released]);
		blocks[released] = NULL;
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 30, start;

	trend_signals();
	pool_fill();
	start = now();
	printf("truth pool_fill start_bytes=%d rate_bytes_per_s=%d\n", POOL, -RATE);
	fflush(stdout);
	while (trend_running(start, secs)) {
		pool_release((size_t)((now() - start) * RATE / BLOCK));
		trend_tick();
	}
	printf("truth pool_fill bytes=%zu\n", (NBLOCKS - released) * (size_t)BLOCK);
	fflush(stdout);
	return 0;
}
