/*
 * rt_liveread: a frontend for the live-objects test (t_runtime_live.sh),
 * built on the segment reader (src/core/segread.c).
 *
 *   rt_liveread SEG DIR SIZE1 SIZE2 M GOFILE
 *       open SEG (waiting up to 10 s), attach to its event ring, create
 *       GOFILE, read events until M ALLOC events of SIZE2 bytes arrived
 *       (10 s at most), then list the live objects (HT_CMD_LIVE into DIR)
 *       and print, for objects of SIZE1 and of SIZE2:
 *         ring allocs=K born_is_time=0|1 min_time=NS max_time=NS
 *         live now=NS count=N minor=2
 *         live size=S n=N min_born=NS max_born=NS min_age=NS weight=BYTES
 *       then the allocator statistics once the runtime has refreshed
 *       them after the listing began (its now: a precise clock_gettime
 *       after every ring event, whose stamps may be the kernel's coarse
 *       tick; 3 s at most, then whatever is there):
 *         astat kind=K v0=.. v1=.. ... v5=..
 *   rt_liveread --stats SEG DIR
 *       wait (3 s) for statistics newer than our start, print the astat
 *       line, then the live line (count only).
 * Exit 1 with a message on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/segread.h"

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct ht_segread *open_seg(const char *name)
{
	struct ht_segread *r = NULL;
	char *cause = NULL;
	uint64_t end = mono() + 10000000000ull;
	int err;

	while ((err = ht_segread_open(name, &r, &cause)) != 0) {
		if ((err != -ENOENT && err != -EAGAIN) || mono() > end) {
			fprintf(stderr, "rt_liveread: %s\n", cause);
			exit(1);
		}
		usleep(10000);
	}
	free(cause);
	return r;
}

static void print_astat(struct ht_segread *r, uint64_t after)
{
	struct ht_segread_status st;
	uint64_t end = mono() + 3000000000ull;

	do {
		ht_segread_status(r, &st);
		if (st.astat.time_ns > after)
			break;
		usleep(20000);
	} while (mono() < end);
	printf("astat kind=%u", st.astat.kind);
	for (int i = 0; i < HT_ASTAT_N; i++)
		printf(" v%d=%llu", i, (unsigned long long)st.astat.v[i]);
	printf("\n");
}

static int live(struct ht_segread *r, const char *dir, struct ht_live_obj **o,
                size_t *n, uint64_t *now)
{
	char path[4096], *cause = NULL;

	snprintf(path, sizeof path, "%s/live", dir);
	if (ht_segread_live(r, path, o, n, now, &cause) != 0) {
		fprintf(stderr, "rt_liveread: %s\n", cause);
		exit(1);
	}
	printf("live now=%llu count=%zu minor=%u\n", (unsigned long long)*now, *n,
	       ht_segread_minor(r));
	return 0;
}

static void summary(const struct ht_live_obj *o, size_t n, uint64_t now, uint64_t size)
{
	uint64_t k = 0, lo = UINT64_MAX, hi = 0;
	double w = 0;

	for (size_t i = 0; i < n; i++) {
		if (o[i].size != size)
			continue;
		k++;
		w += o[i].weight_bytes;
		if (o[i].born_ns < lo)
			lo = o[i].born_ns;
		if (o[i].born_ns > hi)
			hi = o[i].born_ns;
	}
	printf("live size=%llu n=%llu min_born=%llu max_born=%llu min_age=%llu weight=%.0f\n",
	       (unsigned long long)size, (unsigned long long)k, (unsigned long long)lo,
	       (unsigned long long)hi, (unsigned long long)(k ? now - hi : 0), w);
}

int main(int argc, char **argv)
{
	struct ht_segread *r;
	struct ht_live_obj *o = NULL;
	struct ht_event ev[256];
	char *cause = NULL;
	uint64_t s1, s2, m, k = 0, tmin = UINT64_MAX, tmax = 0, now, end;
	size_t n;
	int born_ok = 1, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "--stats")) {
		uint64_t start = mono();

		r = open_seg(argv[2]);
		print_astat(r, start);
		live(r, argv[3], &o, &n, &now);
		free(o);
		ht_segread_close(r);
		return 0;
	}
	if (argc != 7)
		return 2;
	s1 = strtoull(argv[3], NULL, 10);
	s2 = strtoull(argv[4], NULL, 10);
	m = strtoull(argv[5], NULL, 10);
	r = open_seg(argv[1]);
	if (ht_segread_ring_attach(r, &cause) != 0) {
		fprintf(stderr, "rt_liveread: %s\n", cause);
		return 1;
	}
	fd = open(argv[6], O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	end = mono() + 10000000000ull;
	while (k < m && mono() < end) {
		size_t got = ht_segread_ring_read(r, ev, 256);

		for (size_t i = 0; i < got; i++) {
			if (ev[i].type != HT_EV_ALLOC || ev[i].size != s2)
				continue;
			k++;
			if (ev[i].born_ns != ev[i].time_ns)
				born_ok = 0;
			if (ev[i].time_ns < tmin)
				tmin = ev[i].time_ns;
			if (ev[i].time_ns > tmax)
				tmax = ev[i].time_ns;
		}
		if (!got)
			usleep(2000);
	}
	printf("ring allocs=%llu born_is_time=%d min_time=%llu max_time=%llu invalid=%llu\n",
	       (unsigned long long)k, born_ok, (unsigned long long)tmin,
	       (unsigned long long)tmax, (unsigned long long)ht_segread_ring_invalid(r));
	live(r, argv[2], &o, &n, &now);
	summary(o, n, now, s1);
	summary(o, n, now, s2);
	free(o);
	print_astat(r, now);
	ht_segread_close(r);
	return 0;
}
