/*
 * al_jeleak: a C program that brings its own allocator: jemalloc linked in,
 * built twice (tests/allocators.mk):
 *   al_jeleak_static  Debian's libjemalloc.a inside the executable
 *   al_jeleak_shared  -ljemalloc (libjemalloc.so.2 in DT_NEEDED)
 * Both read MALLOC_CONF (jemalloc without a prefix).
 *
 * Per iteration: leak_here() appends one block of BLOCK bytes to a list
 * (the leak that grows), small_here() keeps one 96-byte block in another
 * list, churn_here() allocates and frees 4 blocks of 512 bytes.
 *
 * Usage: al_jeleak [ITER [BLOCK [SLEEP_MS [REPORT_EVERY [HOLD_MS]]]]]
 *   defaults 2000 4096 0 0 0; BLOCK at least 16; SLEEP_MS between
 *   iterations; REPORT_EVERY > 0 prints the truth so far (flushed) every
 *   that many iterations; HOLD_MS: after the last iteration and its truth,
 *   stay idle (the heap unchanged) that long before exiting.
 * Prints first "jemalloc config.prof=B opt.prof=B" (from mallctl), then
 * the truth lines
 *   truth SITE file=al_jeleak.c line=N bytes=N objs=N
 * where line is the line of the allocating statement in SITE (the
 * statement after it is always on another line), and "done" at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* jemalloc's control interface (no prefix), declared here so that the
 * program does not need jemalloc's header. */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	    size_t newlen);

struct block {
	struct block *next;
};

static struct block *leaks, *smalls;
static long nleaks, nsmalls;
static int leak_line, small_line, churn_line;

__attribute__((noinline)) void leak_here(size_t size)
{
	struct block *b = malloc(size);
	leak_line = __LINE__ - 1;
	if (!b)
		exit(2);
	memset(b, 0x5a, size);
	b->next = leaks;
	leaks = b;
	nleaks++;
}

__attribute__((noinline)) void small_here(void)
{
	struct block *b = malloc(96);
	small_line = __LINE__ - 1;
	if (!b)
		exit(2);
	b->next = smalls;
	smalls = b;
	nsmalls++;
}

__attribute__((noinline)) void churn_here(void)
{
	for (int i = 0; i < 4; i++) {
		char *volatile p = malloc(512);
		churn_line = __LINE__ - 1;
		if (!p)
			exit(2);
		p[0] = 1;
		free(p);
	}
}

static int ctl_bool(const char *name)
{
	_Bool v = 0;
	size_t len = sizeof v;

	return mallctl(name, &v, &len, NULL, 0) == 0 ? v : -1;
}

static void report(size_t size)
{
	printf("truth leak_here file=al_jeleak.c line=%d bytes=%ld objs=%ld\n",
	       leak_line, nleaks * (long)size, nleaks);
	printf("truth small_here file=al_jeleak.c line=%d bytes=%ld objs=%ld\n",
	       small_line, nsmalls * 96L, nsmalls);
	printf("truth churn_here file=al_jeleak.c line=%d bytes=0 objs=0\n",
	       churn_line);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	long size = argc > 2 ? strtol(argv[2], NULL, 10) : 4096;
	long sleep_ms = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	long every = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
	long hold_ms = argc > 5 ? strtol(argv[5], NULL, 10) : 0;
	struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };
	struct timespec hold = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };

	if (iterations < 0 || size < (long)sizeof(struct block) || sleep_ms < 0 ||
	    hold_ms < 0) {
		fprintf(stderr, "usage: al_jeleak [ITER [BLOCK>=16 [SLEEP_MS "
		        "[REPORT_EVERY [HOLD_MS]]]]]\n");
		return 2;
	}
	printf("jemalloc config.prof=%d opt.prof=%d\n", ctl_bool("config.prof"),
	       ctl_bool("opt.prof"));
	fflush(stdout);
	for (long i = 0; i < iterations; i++) {
		leak_here((size_t)size);
		small_here();
		churn_here();
		if (every > 0 && (i + 1) % every == 0 && i + 1 < iterations)
			report((size_t)size);
		if (sleep_ms > 0)
			nanosleep(&ts, NULL);
	}
	report((size_t)size);
	printf("done\n");
	fflush(stdout);
	if (hold_ms > 0)
		nanosleep(&hold, NULL);
	return 0;
}
