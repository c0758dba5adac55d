/*
 * al_tcstatic: a C program with tcmalloc inside the executable (Debian's
 * static libtcmalloc_minimal.a, tests/allocators.mk), no libtcmalloc in
 * DT_NEEDED.
 *
 * Per iteration leak_here() appends one block of BLOCK bytes to a list;
 * churn_here() allocates and frees.  Prints known lines on both streams
 * and exits with status 3:
 *   stdout: "al_tcstatic start", the truth lines
 *             truth leak_here file=al_tcstatic.c line=N bytes=N objs=N
 *           (line: the allocating statement; the statement after it is
 *           on another line), "done"
 *   stderr: "al_tcstatic stderr line", "al_tcstatic exiting 3"
 *
 * Usage: al_tcstatic [ITER [BLOCK [SLEEP_MS]]]   defaults 2000 4096 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct block {
	struct block *next;
};

static struct block *leaks;
static long nleaks;
static int leak_line;

__attribute__((noinline)) void leak_here(size_t size)
{
	struct block *b = malloc(size);
	leak_line = __LINE__ - 1;
	if (!b)
		exit(2);
	memset(b, 0x3c, size);
	b->next = leaks;
	leaks = b;
	nleaks++;
}

__attribute__((noinline)) void churn_here(void)
{
	char *volatile p = malloc(700);

	if (!p)
		exit(2);
	p[0] = 1;
	free(p);
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	long size = argc > 2 ? strtol(argv[2], NULL, 10) : 4096;
	long sleep_ms = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };

	if (iterations < 0 || size < (long)sizeof(struct block) || sleep_ms < 0) {
		fprintf(stderr, "usage: al_tcstatic [ITER [BLOCK>=16 [SLEEP_MS]]]\n");
		return 2;
	}
	printf("al_tcstatic start\n");
	fflush(stdout);
	fprintf(stderr, "al_tcstatic stderr line\n");
	for (long i = 0; i < iterations; i++) {
		leak_here((size_t)size);
		churn_here();
		if (sleep_ms > 0)
			nanosleep(&ts, NULL);
	}
	printf("truth leak_here file=al_tcstatic.c line=%d bytes=%ld objs=%ld\n",
	       leak_line, nleaks * size, nleaks);
	printf("done\n");
	fflush(stdout);
	fprintf(stderr, "al_tcstatic exiting 3\n");
	return 3;
}
