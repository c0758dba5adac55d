/*
 * rt_single: glibc's single-threaded flag while a single-threaded program
 * allocates, and after it creates a thread of its own.
 *   rt_single
 * Prints "flag PHASE program=P libc=L": P is the program's view of
 * __libc_single_threaded, L glibc's own flag (the one its malloc reads,
 * looked up in libc.so.6 itself: a program that refers to the flag holds
 * a copy of it).  Phases:
 *   alone     after allocating 4 KiB blocks (6.4 MiB every 100 ms) for
 *             0.5 s, or up to 3 s until glibc's flag reads single
 *   steady    then allocating 16 KiB every 20 ms for 3 s (a sample
 *             about every 80 ms at 64K, past the statistics' one-second
 *             deadlines), glibc's flag read after each allocation:
 *             "steady cleared=N checks=M", N of the M reads found it
 *             cleared
 *   idle      then idle until glibc's flag is cleared, or 5 s
 *   forked    in a child forked then (it has one thread)
 *   threaded  after pthread_create, while the thread allocates
 *   joined    after pthread_join and more allocation on both sides
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/single_threaded.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *libc_flag;
static pthread_barrier_t bar;

static void churn(int n)
{
	for (int i = 0; i < n; i++) {
		char *volatile p = malloc(4096);

		p[0] = (char)i;
		free(p);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report(const char *phase)
{
	printf("flag %s program=%d libc=%d\n", phase, __libc_single_threaded, *libc_flag);
	fflush(stdout);
}

static void *thread_main(void *arg)
{
	churn(4096);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	churn(4096);
	return arg;
}

int main(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
	pthread_t th;
	pid_t child;
	int status;

	libc_flag = libc ? dlsym(libc, "__libc_single_threaded") : NULL;
	if (!libc_flag) {
		fprintf(stderr, "rt_single: no __libc_single_threaded in libc.so.6\n");
		return 2;
	}
	/* at least 0.5 s, at most 3 s (a loaded machine) */
	for (int i = 0; i < 30 && (i < 5 || !*libc_flag); i++) {
		churn(1638);
		usleep(100000);
	}
	report("alone");
	/* steady: a program that samples publishes its own statistics;
	 * the control thread must not clear the flag under it */
	{
		long cleared = 0, checks = 0;
		double end = now_s() + 3.0;

		while (now_s() < end) {
			churn(4);
			cleared += !*libc_flag;
			checks++;
			usleep(20000);
		}
		printf("steady cleared=%ld checks=%ld\n", cleared, checks);
		fflush(stdout);
	}
	/* idle: the control thread clears glibc's flag to read the
	 * allocator's statistics (at most 5 s; never without the runtime) */
	for (int i = 0; i < 100 && *libc_flag; i++)
		usleep(50000);
	report("idle");
	child = fork();
	if (child == 0) {
		report("forked");
		_exit(0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
		return 2;
	pthread_barrier_init(&bar, NULL, 2);
	if (pthread_create(&th, NULL, thread_main, NULL) != 0)
		return 2;
	pthread_barrier_wait(&bar);
	report("threaded");
	pthread_barrier_wait(&bar);
	churn(4096);
	pthread_join(th, NULL);
	churn(4096);
	report("joined");
	return 0;
}
