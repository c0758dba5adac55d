/*
 * rt_fpwalk: a target for the stack walker's test (t_runtime_fpwalk.sh),
 * built twice from this file: with frame pointers and without.  Several
 * threads allocate from many distinct stacks: recursion of every depth
 * from 1 to 12 through two mutually recursive functions, calls through a
 * function pointer, a chain deeper than HEAPTOP_MAX_DEPTH, and the
 * malloc-family entry points.  It prints what it allocated:
 *   truth SITE objects=N bytes=B    (objects still live at exit)
 * Deterministic: the same arguments give the same stacks and counts.
 *
 * Usage: rt_fpwalk [-t THREADS] [-n ROUNDS]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static int rounds = 20;
static void *volatile sink;

/* Leak on purpose: each site's objects live to the end. */
static NOINLINE void fp_site_malloc(size_t n)
{
	sink = malloc(n);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void fp_site_calloc(size_t n)
{
	sink = calloc(1, n);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void fp_site_realloc(size_t n)
{
	void *p = malloc(8);

	sink = realloc(p, n); /* p is freed or grown: one live object */
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void fp_site_memalign(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, n) == 0)
		sink = p;
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void fp_rec_b(int depth, size_t n);

static NOINLINE void fp_rec_a(int depth, size_t n)
{
	if (depth <= 0) {
		fp_site_malloc(n);
		return;
	}
	fp_rec_b(depth - 1, n);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void fp_rec_b(int depth, size_t n)
{
	if (depth <= 0) {
		fp_site_calloc(n);
		return;
	}
	fp_rec_a(depth - 1, n);
	__asm__ volatile("" ::: "memory");
}

/* Deeper than the runtime keeps (64 frames by default). */
static NOINLINE void fp_deep(int depth, size_t n)
{
	if (depth <= 0) {
		fp_site_malloc(n);
		return;
	}
	fp_deep(depth - 1, n);
	__asm__ volatile("" ::: "memory");
}

static void (*volatile indirect[2])(size_t) = { fp_site_realloc, fp_site_memalign };

static NOINLINE void fp_work(void)
{
	for (int r = 0; r < rounds; r++) {
		for (int d = 1; d <= 12; d++)
			fp_rec_a(d, 100);
		indirect[r & 1](200);
		fp_deep(80, 300);
	}
}

static void *thread_main(void *arg)
{
	(void)arg;
	fp_work();
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 3, opt;
	pthread_t th[16];
	long per, total;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'n')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (threads < 0 || threads > 16 || rounds < 2)
		return 2;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, thread_main, NULL) != 0)
			return 1;
	fp_work();
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	total = threads + 1;
	/* per thread and round: 12 recursions (6 end in malloc, 6 in
	 * calloc), one indirect call, one deep chain */
	per = (long)rounds * total;
	printf("truth fp_site_malloc objects=%ld bytes=%ld\n", per * 7, per * (6 * 100 + 300));
	printf("truth fp_site_calloc objects=%ld bytes=%ld\n", per * 6, per * 6 * 100);
	printf("truth fp_site_realloc objects=%ld bytes=%ld\n", per / 2, per / 2 * 200);
	printf("truth fp_site_memalign objects=%ld bytes=%ld\n", per / 2, per / 2 * 200);
	return 0;
}
