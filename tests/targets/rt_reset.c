/*
 * rt_reset: jemalloc's prof.reset example (Jason Evans, jemalloc-discuss,
 * November 2015) through heaptop's public API, linked with -lheaptop.
 *
 *   rt_reset N BLOCK_SIZE DUMP_A DUMP_B DUMP_C
 *
 * Loop N times: allocate a block (block_site), free it.  At i == N/2, with
 * the block allocated: dump A, reset, dump B.  After the loop: dump C.
 * Expected: A: current 1 block, cumulative N/2 + 1; B: nothing; C: current
 * 0, cumulative N/2 - 1 (the allocations after the reset).
 * Prints the rate and segment name, exits 0 when every API call succeeded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <heaptop/heaptop.h>

__attribute__((noinline)) static char *block_site(size_t size)
{
	char *p = malloc(size);
	if (p)
		p[0] = 1;
	return p;
}

int main(int argc, char **argv)
{
	long n;
	size_t size;
	int err = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: rt_reset N BLOCK_SIZE DUMP_A DUMP_B DUMP_C\n");
		return 2;
	}
	n = atol(argv[1]);
	size = strtoul(argv[2], NULL, 10);
	printf("rate=%" PRIu64 " segment=%s\n", heaptop_get_rate(),
	       heaptop_segment_name() ? heaptop_segment_name() : "(none)");
	if (heaptop_set_rate(0) != -22)
		err |= 1;
	for (long i = 0; i < n; i++) {
		char *p = block_site(size);
		if (!p)
			return 2;
		if (i == n / 2) {
			err |= heaptop_dump(argv[3]) != 0;
			err |= heaptop_reset() != 0;
			err |= heaptop_dump(argv[4]) != 0;
		}
		free(p);
	}
	err |= heaptop_dump(argv[5]) != 0;
	err |= heaptop_dump("") != -22;
	printf("api errors=%d\n", err);
	return err ? 1 : 0;
}
