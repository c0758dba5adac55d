/*
 * ring_paced: sampled events at a steady pace the event ring must carry.
 *
 * Every millisecond (an absolute clock, so the pace holds whatever one
 * round takes) paced_churn() allocates and frees a 64-byte block PAIRS
 * times: at rate 1 each pair is two events, 2 * PAIRS * 1000 a second.
 * After SECONDS it prints, flushed:
 *
 *   paced pairs=N
 *
 * Usage: ring_paced PAIRS SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static __attribute__((noinline)) void paced_churn(void)
{
	void *volatile p = malloc(64);

	free(p);
}

int main(int argc, char **argv)
{
	struct timespec next;
	long pairs, ms, done = 0;

	if (argc != 3 || (pairs = atol(argv[1])) <= 0 || atof(argv[2]) <= 0) {
		fprintf(stderr, "usage: ring_paced PAIRS SECONDS\n");
		return 2;
	}
	ms = (long)(atof(argv[2]) * 1000);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long t = 0; t < ms; t++) {
		for (long i = 0; i < pairs; i++)
			paced_churn();
		done += pairs;
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("paced pairs=%ld\n", done);
	fflush(stdout);
	return 0;
}
