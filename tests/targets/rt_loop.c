/*
 * rt_loop: a plain malloc/free loop for instruction counting (callgrind):
 *   rt_loop [N] [SIZE]     N times: p = malloc(SIZE); touch; free(p)
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	unsigned long sum = 0;

	for (long i = 0; i < n; i++) {
		char *volatile p = malloc(size);
		p[0] = (char)i;
		sum += (unsigned char)p[0];
		free(p);
	}
	printf("%lu\n", sum);
	return 0;
}
