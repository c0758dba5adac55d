/*
 * fe_lines: an allocating statement followed by a statement on another
 * line, the next one being an inlined function.  Every recorded frame is
 * a return address: looked up at the address itself, the site would be
 * the next line, inside the inlined lines_after.  Built -O0 -g.
 * fe_lines N: N allocations, then "done".  fe_lines N hold: prints
 * "ready pid=<pid>" after them and waits (the screen tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int counter;

static inline __attribute__((always_inline)) void lines_after(void)
{
	counter++;
}

#pragma GCC diagnostic ignored "-Wunused-result"
__attribute__((noinline)) void lines_site(size_t n)
{
	malloc(n); /* LINES_ALLOC: the allocating statement */
	lines_after();
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;

	for (int i = 0; i < n; i++)
		lines_site(3000); /* LINES_CALL */
	if (argc > 2 && !strcmp(argv[2], "hold")) {
		printf("ready pid=%d\n", (int)getpid());
		fflush(stdout);
		for (;;)
			pause();
	}
	puts("done");
	fflush(stdout);
	return 0;
}
