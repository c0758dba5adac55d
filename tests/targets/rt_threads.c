/*
 * rt_threads: many threads allocating at once, with frees across threads.
 *
 *   rt_threads [-t THREADS] [-i ITERATIONS] [-x]
 *
 * Each thread, per iteration: keeps one 64-byte object (thread_leak),
 * allocates and frees four 100-byte objects (thread_churn), and hands one
 * 40-byte object (thread_xfer) to a shared slot, freeing whatever another
 * thread left there.  Prints
 *   truth thread_leak objects=N bytes=N
 *   truth thread_xfer objects=0 bytes=0 alloc_objects=N alloc_bytes=N
 * With -x the main thread calls exit(0) after 200 ms while the threads are
 * still allocating (they loop forever).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLOTS 64

static long iterations = 20000;
static int forever;
static void *slots[SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void *thread_leak(void)
{
	char *p = malloc(64);
	if (p)
		p[0] = 1;
	return p;
}

__attribute__((noinline)) static void thread_churn(void)
{
	for (int i = 0; i < 4; i++) {
		char *volatile p = malloc(100);
		if (p)
			p[0] = 1;
		free(p);
	}
}

__attribute__((noinline)) static void thread_xfer(unsigned idx)
{
	void *p = malloc(40), *old;

	pthread_mutex_lock(&slot_lock);
	old = slots[idx % SLOTS];
	slots[idx % SLOTS] = p;
	pthread_mutex_unlock(&slot_lock);
	free(old);
}

static void *worker(void *arg)
{
	unsigned id = (unsigned)(size_t)arg;
	void **mine = malloc((size_t)iterations * sizeof *mine);

	for (long i = 0; forever || i < iterations; i++) {
		void *p = thread_leak();
		if (!forever)
			mine[i] = p;
		thread_churn();
		thread_xfer(id * 7919u + (unsigned)i);
	}
	return mine;
}

int main(int argc, char **argv)
{
	int threads = 16, c;
	pthread_t th[256];

	while ((c = getopt(argc, argv, "t:i:x")) != -1) {
		switch (c) {
		case 't': threads = atoi(optarg); break;
		case 'i': iterations = atol(optarg); break;
		case 'x': forever = 1; break;
		default: fprintf(stderr, "usage: rt_threads [-t N] [-i N] [-x]\n"); return 2;
		}
	}
	if (threads < 1 || threads > 256)
		return 2;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(size_t)i) != 0)
			return 3;
	if (forever) {
		usleep(200000);
		printf("exiting with threads running\n");
		fflush(stdout);
		exit(0);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < SLOTS; i++)
		free(slots[i]);
	printf("truth thread_leak objects=%ld bytes=%ld\n", threads * iterations,
	       threads * iterations * 64);
	printf("truth thread_xfer objects=0 bytes=0 alloc_objects=%ld alloc_bytes=%ld\n",
	       threads * iterations, threads * iterations * 40);
	fflush(stdout);
	return 0;
}
