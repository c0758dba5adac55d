/*
 * fe_twoline: one function allocating on two lines, called from one
 * place: the two stacks differ only in the line of their innermost
 * frame.  The small line holds 2% of the bytes, the big one 98%.
 * fe_twoline N: N small and N big blocks (kept), prints the truth
 * ("small=<bytes> big=<bytes>") and "done".
 * fe_twoline N GO: the same, prints "ready pid=<pid>", waits for the
 * file GO to exist, allocates N more big blocks, prints
 * "phase2 big=<bytes allocated since ready>" and waits to be killed.
 * Built -O0 -g.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SMALL 1000
#define BIG 49000

static void *keep[1 << 16];
static int nkeep;

__attribute__((noinline)) void twoline_site(int big)
{
	void *p;

	if (!big)
		p = malloc(SMALL); /* TWOLINE_SMALL */
	else
		p = malloc(BIG);   /* TWOLINE_BIG */
	if (nkeep < (int)(sizeof keep / sizeof *keep))
		keep[nkeep++] = p;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;

	for (int i = 0; i < n; i++) {
		twoline_site(0);
		twoline_site(1);
	}
	printf("small=%d big=%d\n", n * SMALL, n * BIG);
	if (argc < 3) {
		puts("done");
		fflush(stdout);
		return 0;
	}
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while (access(argv[2], F_OK) != 0)
		usleep(20000);
	for (int i = 0; i < n; i++)
		twoline_site(1);
	printf("phase2 big=%d\n", n * BIG);
	fflush(stdout);
	for (;;)
		pause();
}
