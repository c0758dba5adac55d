/*
 * rt_fiber: allocation on a small coroutine stack.  A ucontext fiber runs
 * on a STACK-byte stack (default 8 KiB) with an inaccessible guard page
 * below it, as coroutine libraries allocate them; fiber_site mallocs and
 * frees 64 bytes ITERATIONS times, two calls deep, switching back to main
 * every 1000 iterations.  Any profiler that unwinds on the program's stack
 * and needs more than the fiber has left hits the guard page and crashes.
 *
 *   rt_fiber [-i ITERATIONS] [-s STACK]
 * Prints "iterations=N switches=N" and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static ucontext_t main_ctx, fiber_ctx;
static long iters = 100000, done_iters, switches;

__attribute__((noinline)) static void fiber_site(void)
{
	char *volatile p = malloc(64);

	if (!p)
		exit(2);
	p[0] = 1;
	free(p);
}

__attribute__((noinline)) static void fiber_work(long i)
{
	fiber_site();
	if (i % 1000 == 999) {
		switches++;
		swapcontext(&fiber_ctx, &main_ctx);
	}
}

static void fiber_main(void)
{
	for (long i = 0; i < iters; i++) {
		fiber_work(i);
		done_iters++;
	}
}

int main(int argc, char **argv)
{
	size_t stack = 8192, page = (size_t)sysconf(_SC_PAGESIZE);
	char *mem;
	int c;

	while ((c = getopt(argc, argv, "i:s:")) != -1) {
		if (c == 'i')
			iters = atol(optarg);
		else if (c == 's')
			stack = (size_t)atol(optarg);
	}
	stack = (stack + page - 1) / page * page;
	mem = mmap(NULL, stack + page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mprotect(mem, page, PROT_NONE) != 0)
		return 2;
	if (getcontext(&fiber_ctx) != 0)
		return 2;
	fiber_ctx.uc_stack.ss_sp = mem + page;
	fiber_ctx.uc_stack.ss_size = stack;
	fiber_ctx.uc_link = &main_ctx;
	makecontext(&fiber_ctx, fiber_main, 0);
	while (done_iters < iters)
		if (swapcontext(&main_ctx, &fiber_ctx) != 0)
			return 2;
	printf("iterations=%ld switches=%ld\n", done_iters, switches);
	return 0;
}
