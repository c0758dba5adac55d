/*
 * rt_signal: allocation inside a signal handler while the main thread
 * allocates.  A 100 us interval timer fires SIGALRM; its handler mallocs
 * and frees 48 bytes (handler_site).  The main thread mallocs and frees
 * 1000-byte blocks (main_site) ITERATIONS times.  The handler's size class
 * differs from the main loop's and is warmed up first, so glibc serves it
 * from its per-thread cache: whatever could deadlock here is the profiler.
 *
 *   rt_signal [-i ITERATIONS] [-a]
 * -a runs the handler on an 8 KiB alternate signal stack (SA_ONSTACK), as
 * programs that handle stack overflows do.
 * Prints "signals=N iterations=N" and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

__attribute__((noinline)) static void handler_site(void)
{
	char *volatile p = malloc(48);
	if (p)
		p[0] = 1;
	free(p);
}

static void on_alarm(int sig)
{
	(void)sig;
	handler_site();
	handled++;
}

__attribute__((noinline)) static void main_site(void)
{
	char *volatile p = malloc(1000);
	if (!p)
		exit(2);
	p[0] = 1;
	free(p);
}

int main(int argc, char **argv)
{
	long iters = 300000;
	struct sigaction sa;
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	int c;

	int alt = 0;

	while ((c = getopt(argc, argv, "i:a")) != -1) {
		if (c == 'i')
			iters = atol(optarg);
		else if (c == 'a')
			alt = 1;
	}
	handler_site(); /* warm the size class */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	if (alt) {
		static char altstack[8192] __attribute__((aligned(16)));
		stack_t ss;

		memset(&ss, 0, sizeof ss);
		ss.ss_sp = altstack;
		ss.ss_size = sizeof altstack;
		if (sigaltstack(&ss, NULL) != 0)
			return 2;
		sa.sa_flags |= SA_ONSTACK;
	}
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (long i = 0; i < iters; i++)
		main_site();
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	printf("signals=%d iterations=%ld\n", (int)handled, iters);
	return 0;
}
