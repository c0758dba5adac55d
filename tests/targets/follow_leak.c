/*
 * follow_leak: a target for `heaptop --follow`, run under jemalloc's own
 * profiler (libjemalloc preloaded, MALLOC_CONF=prof:true,prof_prefix:...,
 * lg_prof_interval:N): it leaks at a steady pace so that jemalloc writes
 * interval dumps while it runs.
 *
 * Every step (-i MS) follow_leak_site() keeps -k objects of -s bytes, then
 * the program prints its truth, flushed:
 *   truth time=SECONDS objects=N bytes=N
 * (realtime after the step).  It prints "ready pid=N" first and, after -t
 * steps, "done" and exits 0 without freeing the leak.
 *
 * Usage: follow_leak [-t STEPS] [-i MS] [-k OBJECTS] [-s BYTES]
 *   defaults: 60 steps of 100 ms, 64 objects of 1024 bytes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void **kept;
static size_t nkept, capkept;

static void keep(void *p)
{
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 65536;
		kept = realloc(kept, capkept * sizeof *kept);
		if (!kept)
			exit(2);
	}
	kept[nkept++] = p;
}

__attribute__((noinline)) static void follow_leak_site(size_t size)
{
	char *p = malloc(size);

	if (!p)
		exit(2);
	memset(p, 1, size < 64 ? size : 64);
	keep(p);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

int main(int argc, char **argv)
{
	long steps = 60, interval = 100, objects = 64, size = 1024;
	size_t total = 0;
	int opt;

	while ((opt = getopt(argc, argv, "t:i:k:s:")) != -1) {
		long v = strtol(optarg, NULL, 10);

		if (v <= 0)
			return 2;
		switch (opt) {
		case 't': steps = v; break;
		case 'i': interval = v; break;
		case 'k': objects = v; break;
		case 's': size = v; break;
		default: return 2;
		}
	}
	/* room for every pointer up front: the bookkeeping allocates nothing
	 * while the truth is printed */
	capkept = (size_t)(steps * objects);
	kept = malloc(capkept * sizeof *kept);
	if (!kept)
		return 2;
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	for (long s = 0; s < steps; s++) {
		struct timespec now;

		for (long k = 0; k < objects; k++)
			follow_leak_site((size_t)size);
		total += (size_t)(objects * size);
		clock_gettime(CLOCK_REALTIME, &now);
		printf("truth time=%ld.%06ld objects=%zu bytes=%zu\n",
		       (long)now.tv_sec, now.tv_nsec / 1000, nkept, total);
		fflush(stdout);
		sleep_ms(interval);
	}
	printf("done\n");
	return 0;
}
