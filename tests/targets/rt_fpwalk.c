/*
 * rt_fpwalk: a target for the stack walker's test (t_runtime_fpwalk.sh),
 * built twice from this file: with frame pointers and without.  Several
 * threads allocate from many distinct stacks: recursion of every depth
 * from 1 to 12 through two mutually recursive functions, calls through a
 * function pointer, a chain deeper than HEAPTOP_MAX_DEPTH, the
 * malloc-family entry points, and one allocation reached through the same
 * frames but for the return address two frames up (which the runtime's
 * memo of walks must tell apart).  A thread's first allocation is made
 * with a frame pointer register that points at no memory (code without
 * frame pointers leaves anything there): the runtime must not read it.  It prints what it allocated:
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

static volatile int tag;

static NOINLINE void fp_mid(size_t n, int t)
{
	tag = t;
	fp_site_malloc(n);
	__asm__ volatile("" ::: "memory");
}

/* Two calls of fp_mid from one frame: the walk from fp_site_malloc's
 * call starts at the same pc, sp and fp, with the same return address
 * into fp_mid above it; only fp_mid's return address differs. */
static NOINLINE void fp_via(int which, size_t n)
{
	/* different code after each call: the compiler keeps two calls */
	if (which) {
		fp_mid(n, 1);
		__asm__ volatile("nop" ::: "memory");
	} else {
		fp_mid(n, 2);
		__asm__ volatile("nop; nop" ::: "memory");
	}
}

static NOINLINE void fp_work(void)
{
	for (int r = 0; r < rounds; r++) {
		for (int d = 1; d <= 12; d++)
			fp_rec_a(d, 100);
		indirect[r & 1](200);
		fp_deep(80, 300);
		/* back to back: the second finds the first in the memo */
		fp_via(r & 1, 400);
		fp_via(!(r & 1), 400);
	}
}

#if defined(__x86_64__)
/* malloc(64) with rbp = the last page of the user address space: above
 * every stack, aligned, never mapped.  rbp and rbx are saved and restored
 * around the call, the red zone is stepped over, and the stack is 16-byte
 * aligned at the call. */
static NOINLINE void *badfp_malloc(void)
{
	void *p;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "push %%rbx\n\t"
			 "mov %%rsp, %%rbx\n\t"
			 "and $-16, %%rsp\n\t"
			 "movabs $0x7ffffffff000, %%rbp\n\t"
			 "mov $64, %%edi\n\t"
			 "call malloc@PLT\n\t"
			 "mov %%rbx, %%rsp\n\t"
			 "pop %%rbx\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "=a"(p)
			 :
			 : "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	return p;
}

static void *badfp_thread(void *arg)
{
	(void)arg;
	sink = badfp_malloc();
	return NULL;
}
#endif

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
#if defined(__x86_64__)
	{
		pthread_t bt;

		if (pthread_create(&bt, NULL, badfp_thread, NULL) != 0 ||
		    pthread_join(bt, NULL) != 0)
			return 1;
	}
#endif
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, thread_main, NULL) != 0)
			return 1;
	fp_work();
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	total = threads + 1;
	/* per thread and round: 12 recursions (6 end in malloc, 6 in
	 * calloc), one indirect call, one deep chain, two calls via fp_via */
	per = (long)rounds * total;
	printf("truth fp_site_malloc objects=%ld bytes=%ld\n", per * 9,
	       per * (6 * 100 + 300 + 2 * 400));
	printf("truth fp_site_calloc objects=%ld bytes=%ld\n", per * 6, per * 6 * 100);
	printf("truth fp_site_realloc objects=%ld bytes=%ld\n", per / 2, per / 2 * 200);
	printf("truth fp_site_memalign objects=%ld bytes=%ld\n", per / 2, per / 2 * 200);
	return 0;
}
