/*
 * rt_sites: a target for the runtime tests that knows its own truth, with
 * sizes and counts chosen on the command line, and every allocator entry
 * point the runtime interposes.
 *
 *   rt_sites [-n LEAKS] [-z LEAK_SIZE] [-c CHURN] [-y CHURN_SIZE] [-k KINDS]
 *
 * site_leak keeps LEAKS objects of LEAK_SIZE bytes; site_churn allocates
 * and frees CHURN objects of CHURN_SIZE bytes; with -k, each of the
 * site_<kind> functions keeps KINDS objects through calloc, realloc (a
 * chain 100 -> 1000 -> 5000 bytes), reallocarray, posix_memalign,
 * aligned_alloc, memalign, valloc and pvalloc.  Prints one line per site:
 *   truth SITE objects=N bytes=N alloc_objects=N alloc_bytes=N
 * (requested sizes) and exits 0 without freeing what it keeps.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void **kept;
static size_t nkept, capkept;

static void keep(void *p)
{
	if (!p) {
		perror("alloc");
		exit(2);
	}
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 4096;
		/* not one of the sites: its own stack */
		kept = realloc(kept, capkept * sizeof *kept);
		if (!kept)
			exit(2);
	}
	kept[nkept++] = p;
}

static void truth(const char *site, size_t objs, size_t bytes, size_t aobjs, size_t abytes)
{
	printf("truth %s objects=%zu bytes=%zu alloc_objects=%zu alloc_bytes=%zu\n",
	       site, objs, bytes, aobjs, abytes);
}

__attribute__((noinline)) static void site_leak(size_t size)
{
	char *p = malloc(size);
	if (p && size)
		p[0] = 1;
	keep(p ? p : malloc(1));
}

__attribute__((noinline)) static void site_churn(size_t size)
{
	char *volatile p = malloc(size);
	if (!p)
		exit(2);
	p[0] = 1;
	free(p);
}

__attribute__((noinline)) static void site_calloc(void) { keep(calloc(10, 30)); }

__attribute__((noinline)) static void site_realloc(void)
{
	void *p = realloc(NULL, 100);
	p = realloc(p, 1000);
	p = realloc(p, 5000);
	keep(p);
}

__attribute__((noinline)) static void site_reallocarray(void)
{
	keep(reallocarray(NULL, 7, 11));
}

__attribute__((noinline)) static void site_posix_memalign(void)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, 700) != 0)
		exit(2);
	keep(p);
}

__attribute__((noinline)) static void site_aligned_alloc(void) { keep(aligned_alloc(128, 1024)); }
__attribute__((noinline)) static void site_memalign(void) { keep(memalign(256, 500)); }
__attribute__((noinline)) static void site_valloc(void) { keep(valloc(3000)); }
__attribute__((noinline)) static void site_pvalloc(void) { keep(pvalloc(100)); }

int main(int argc, char **argv)
{
	size_t leaks = 1000, leak_size = 256, churn = 0, churn_size = 200, kinds = 0;
	int c;

	while ((c = getopt(argc, argv, "n:z:c:y:k:")) != -1) {
		switch (c) {
		case 'n': leaks = strtoul(optarg, NULL, 10); break;
		case 'z': leak_size = strtoul(optarg, NULL, 10); break;
		case 'c': churn = strtoul(optarg, NULL, 10); break;
		case 'y': churn_size = strtoul(optarg, NULL, 10); break;
		case 'k': kinds = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: rt_sites [-n N] [-z SIZE] [-c N] [-y SIZE] [-k N]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < leaks; i++)
		site_leak(leak_size);
	for (size_t i = 0; i < churn; i++)
		site_churn(churn_size);
	for (size_t i = 0; i < kinds; i++) {
		site_calloc();
		site_realloc();
		site_reallocarray();
		site_posix_memalign();
		site_aligned_alloc();
		site_memalign();
		site_valloc();
		site_pvalloc();
	}
	truth("site_leak", leaks, leaks * leak_size, leaks, leaks * leak_size);
	truth("site_churn", 0, 0, churn, churn * churn_size);
	if (kinds) {
		truth("site_calloc", kinds, kinds * 300, kinds, kinds * 300);
		truth("site_realloc", kinds, kinds * 5000, 3 * kinds, kinds * 6100);
		truth("site_reallocarray", kinds, kinds * 77, kinds, kinds * 77);
		truth("site_posix_memalign", kinds, kinds * 700, kinds, kinds * 700);
		truth("site_aligned_alloc", kinds, kinds * 1024, kinds, kinds * 1024);
		truth("site_memalign", kinds, kinds * 500, kinds, kinds * 500);
		truth("site_valloc", kinds, kinds * 3000, kinds, kinds * 3000);
		truth("site_pvalloc", kinds, kinds * 100, kinds, kinds * 100);
	}
	fflush(stdout);
	return 0;
}
