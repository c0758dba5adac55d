/*
 * leaky: a test target that knows its own truth.
 *
 * Each iteration: leak_site() allocates one object of LEAK_SIZE bytes and
 * keeps it; leak_mixed() keeps one object of a size cycling through
 * 24, 3000, 70000 bytes; churn_site() allocates and frees CHURN_PER_ITER
 * objects of CHURN_SIZE bytes.  At the end it prints the truth, one line per
 * site, and exits 0 without freeing the leaks:
 *
 *   truth leak_site file=leaky.c line=N objects=N bytes=N
 *   truth leak_mixed file=leaky.c line=N objects=N bytes=N
 *   truth churn_site file=leaky.c line=N objects=0 bytes=0 alloc_objects=N alloc_bytes=N
 *
 * Usage: leaky [-n ITERATIONS] [-s SLEEP_US_PER_ITER] [-f] [-l LEAK_SIZE]
 *   -f  run forever (until SIGTERM/SIGINT, then print the truth and exit 0)
 * Also prints "ready pid=N" at start (stdout, flushed).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHURN_SIZE 200
#define CHURN_PER_ITER 10

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void **kept;
static size_t nkept, capkept;
static int leak_line, mixed_line, churn_line;
static size_t leak_objs, leak_bytes, mixed_objs, mixed_bytes;
static size_t churn_objs, churn_bytes;

static void keep(void *p)
{
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 1024;
		/* mmap-free growth through realloc is itself an allocation
		 * site; it is freed/reallocated so its in-use stays small */
		kept = realloc(kept, capkept * sizeof *kept);
		if (!kept) { perror("realloc"); exit(2); }
	}
	kept[nkept++] = p;
}

__attribute__((noinline)) static void leak_site(size_t size)
{
	void *p = malloc(size); leak_line = __LINE__;
	if (!p) exit(2);
	memset(p, 1, size);
	keep(p);
	leak_objs++;
	leak_bytes += size;
}

__attribute__((noinline)) static void leak_mixed(size_t i)
{
	static const size_t sizes[] = { 24, 3000, 70000 };
	size_t size = sizes[i % 3];
	void *p = malloc(size); mixed_line = __LINE__;
	if (!p) exit(2);
	((char *)p)[0] = 1;
	keep(p);
	mixed_objs++;
	mixed_bytes += size;
}

__attribute__((noinline)) static void churn_site(void)
{
	for (int i = 0; i < CHURN_PER_ITER; i++) {
		char *volatile p = malloc(CHURN_SIZE); churn_line = __LINE__;
		if (!p) exit(2);
		p[0] = 1;
		free(p);
		churn_objs++;
		churn_bytes += CHURN_SIZE;
	}
}

int main(int argc, char **argv)
{
	long iters = 1000, sleep_us = 0;
	size_t leak_size = 1000;
	int forever = 0, c;

	while ((c = getopt(argc, argv, "n:s:fl:")) != -1) {
		switch (c) {
		case 'n': iters = atol(optarg); break;
		case 's': sleep_us = atol(optarg); break;
		case 'f': forever = 1; break;
		case 'l': leak_size = (size_t)atol(optarg); break;
		default:
			fprintf(stderr, "usage: leaky [-n N] [-s US] [-f] [-l SIZE]\n");
			return 2;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);

	for (long i = 0; (forever || i < iters) && !stop; i++) {
		leak_site(leak_size);
		leak_mixed((size_t)i);
		churn_site();
		if (sleep_us)
			usleep((useconds_t)sleep_us);
	}
	printf("truth leak_site file=leaky.c line=%d objects=%zu bytes=%zu\n",
	       leak_line, leak_objs, leak_bytes);
	printf("truth leak_mixed file=leaky.c line=%d objects=%zu bytes=%zu\n",
	       mixed_line, mixed_objs, mixed_bytes);
	printf("truth churn_site file=leaky.c line=%d objects=0 bytes=0 "
	       "alloc_objects=%zu alloc_bytes=%zu\n",
	       churn_line, churn_objs, churn_bytes);
	fflush(stdout);
	return 0;
}
