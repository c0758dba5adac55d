/*
 * ringloop N WAIT: sleep WAIT seconds (time for a frontend to attach and
 * become the event ring's consumer), then N malloc(64)+free pairs.  Run
 * at rate 1 under callgrind by bench/ring.sh: every pair is a sampled
 * allocation and a sampled free, so the difference with and without a
 * consumer is what the two events cost.
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;

	sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 6);
	for (long i = 0; i < n; i++) {
		void *volatile p = malloc(64);

		free(p);
	}
	return 0;
}
