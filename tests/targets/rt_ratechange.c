/*
 * rt_ratechange: a target whose sampling interval changes while it
 * allocates, for t_runtime_budget.sh.  One site leaks, one churns
 * (malloc + free), and it prints what it did:
 *   truth rc_leak objects=N bytes=B
 *   truth rc_churn alloc_objects=N alloc_bytes=B
 *
 * Usage: rt_ratechange [-n LEAKS] [-c CHURNS] [-z SIZE] [-s SECONDS]
 *                      [-w WORK] [-a RATE -b RATE -k EVERY]
 * With -a/-b the target itself calls heaptop_set_rate, alternating between
 * the two every EVERY allocations.  With -s it churns for SECONDS instead
 * of CHURNS times (the overhead budget then chooses the interval); -w
 * spins WORK iterations between allocations (a lower allocation rate).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <heaptop/heaptop.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink;

static NOINLINE void *rc_leak(size_t z)
{
	return malloc(z);
}

static NOINLINE void rc_churn(size_t z)
{
	void *p = malloc(z);

	sink = p;
	free(p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long leaks = 20000, churns = 1000000, every = 0, done = 0, k = 0, work = 0;
	unsigned long long ra = 0, rb = 0;
	size_t z = 1000;
	double secs = 0, end;
	int opt, flip = 0;

	while ((opt = getopt(argc, argv, "n:c:z:s:a:b:k:w:")) != -1) {
		switch (opt) {
		case 'n': leaks = atol(optarg); break;
		case 'c': churns = atol(optarg); break;
		case 'z': z = (size_t)atol(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'a': ra = strtoull(optarg, NULL, 0); break;
		case 'b': rb = strtoull(optarg, NULL, 0); break;
		case 'k': every = atol(optarg); break;
		case 'w': work = atol(optarg); break;
		default: return 2;
		}
	}
	end = now() + secs;
	for (long i = 0; secs > 0 ? now() < end : i < churns; i++) {
		/* a leak every churns/leaks operations (spread over the run) */
		if (k < leaks && (secs > 0 ? (i & 63) == 0 : i % (churns / leaks) == 0)) {
			if (!rc_leak(z))
				return 1;
			k++;
		}
		rc_churn(z);
		done++;
		for (volatile long w = 0; w < work; w++)
			;
		if (every && done % every == 0) {
			flip = !flip;
			if (heaptop_set_rate(flip ? ra : rb) != 0)
				return 3;
		}
	}
	printf("truth rc_leak objects=%ld bytes=%ld\n", k, k * (long)z);
	printf("truth rc_churn alloc_objects=%ld alloc_bytes=%ld\n", done, done * (long)z);
	return 0;
}
