/*
 * trend_frag: fragmentation, for the memory verdict.  In-use falls while
 * RSS stays.
 *
 * frag_fill() allocates 96 MiB in 256-byte blocks over 3 s; then
 * frag_free() frees, in a shuffled order over 5 s, every block but the
 * first one starting in each page, so each page of the heap keeps one live
 * block: about 1/16 of the bytes stay in use, and no page can be returned.
 * Then it holds.  Prints, flushed, when the fill is done and when the
 * frees are:
 *
 *   truth frag_fill bytes=N
 *   truth frag_fill kept_bytes=N
 *
 * Usage: trend_frag [SECONDS]   (default 30; 0 = until SIGTERM/SIGINT)
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trend_run.h"

#define BLOCK 256
#define TOTAL (96 << 20)
#define NBLOCKS (TOTAL / BLOCK)
#define FILL_S 3.0
#define FREE_S 5.0

static char **blocks;
static uint32_t *order;   /* indexes of the blocks to free, shuffled */
static size_t nblocks, norder, nfreed;

__attribute__((noinline)) static void frag_fill(size_t upto)
{
	for (; nblocks < upto && nblocks < NBLOCKS; nblocks++) {
		blocks[nblocks] = malloc(BLOCK);
		if (!blocks[nblocks])
			exit(2);
		memset(blocks[nblocks], 1, BLOCK);
	}
}

/* Keep the first block of each page (in allocation order, which is
 * address order in the brk heap), shuffle the others. */
static size_t plan_frees(void)
{
	uintptr_t last_page = 0;
	size_t kept = 0;

	for (size_t i = 0; i < nblocks; i++) {
		uintptr_t page = (uintptr_t)blocks[i] / 4096;

		if (page != last_page) {
			last_page = page;
			kept++;
		} else {
			order[norder++] = (uint32_t)i;
		}
	}
	srand(42);
	for (size_t i = norder; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		uint32_t t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	return kept;
}

__attribute__((noinline)) static void frag_free(size_t upto)
{
	for (; nfreed < upto && nfreed < norder; nfreed++) {
		free(blocks[order[nfreed]]);
		blocks[order[nfreed]] = NULL;
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 30, start = now(), t;
	size_t kept = 0;
	int phase = 0;

	trend_signals();
	/* the bookkeeping is mmap'd by malloc (large), away from the blocks */
	blocks = malloc(NBLOCKS * sizeof *blocks);
	order = malloc(NBLOCKS * sizeof *order);
	if (!blocks || !order)
		return 2;
	while (trend_running(start, secs)) {
		t = now() - start;
		if (phase == 0) {
			frag_fill((size_t)(t / FILL_S * NBLOCKS) + 1);
			if (nblocks == NBLOCKS) {
				kept = plan_frees();
				printf("truth frag_fill bytes=%zu\n", nblocks * (size_t)BLOCK);
				fflush(stdout);
				phase = 1;
			}
		} else if (phase == 1) {
			frag_free((size_t)((t - FILL_S) / FREE_S * norder) + 1);
			if (nfreed == norder) {
				printf("truth frag_fill kept_bytes=%zu\n", kept * BLOCK);
				fflush(stdout);
				phase = 2;
			}
		}
		trend_tick();
	}
	return 0;
}
