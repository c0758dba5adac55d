/*
 * ring_flood: more sampled events than the event ring holds.
 *
 * flood_keep() allocates KEEP blocks of 1000 bytes and keeps them; then
 * flood_churn() allocates and frees 64-byte blocks CHURN times as fast as
 * it can (at rate 1 every one is an event: the ring overflows); then it
 * holds, idle, for the given seconds.  Prints, flushed:
 *
 *   truth flood_keep objects=1000 bytes=1000000
 *   churned N
 *
 * Usage: ring_flood [HOLD_SECONDS]   (default 20)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEEP 1000
#define KEEP_SIZE 1000
#define CHURN 2000000

static void *kept[KEEP];

static __attribute__((noinline)) void flood_keep(int i)
{
	kept[i] = malloc(KEEP_SIZE);
	memset(kept[i], 1, KEEP_SIZE);
}

static __attribute__((noinline)) void flood_churn(void)
{
	void *volatile p = malloc(64);

	free(p);
}

int main(int argc, char **argv)
{
	int hold = argc > 1 ? atoi(argv[1]) : 20;

	for (int i = 0; i < KEEP; i++)
		flood_keep(i);
	printf("truth flood_keep objects=%d bytes=%d\n", KEEP, KEEP * KEEP_SIZE);
	fflush(stdout);
	/* let a frontend attach and load the live list first */
	sleep(2);
	for (long i = 0; i < CHURN; i++)
		flood_churn();
	printf("churned %d\n", CHURN);
	fflush(stdout);
	sleep((unsigned)hold);
	return 0;
}
