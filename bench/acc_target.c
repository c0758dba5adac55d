/* acc_target: a program that knows exactly what it allocated, for
 * bench/accuracy.sh.  It allocates from a few sites (one function each, one
 * malloc call per function, so one stack per site) with known size
 * distributions, frees some, writes its truth per site to a file and exits
 * with everything else still live (the in-use bytes at exit are the
 * "leak" heaptop and jemalloc's profiler report at exit).
 *
 *   acc_target TRUTHFILE          the site mix (small, large, uniform, mixed)
 *   acc_target -b MIB TRUTHFILE   at least MIB MiB live of varied objects
 *
 * Truth lines: "<function> <inuse_bytes> <inuse_objects> <alloc_bytes>
 * <alloc_objects> <inuse_usable_bytes>", requested sizes (what heaptop
 * reports) and malloc_usable_size (what jemalloc's profiler reports: its
 * size classes).  Sizes come from a fixed-seed generator: the truth is the
 * same in every run; only the profiler's sampling differs. */
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct truth {
	const char *name;
	unsigned long long inuse_b, inuse_n, alloc_b, alloc_n, inuse_usable;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void account(struct truth *t, void *p, size_t z)
{
	t->alloc_b += z;
	t->alloc_n++;
	t->inuse_b += z;
	t->inuse_n++;
	t->inuse_usable += malloc_usable_size(p);
}

static void release(struct truth *t, void *p, size_t z)
{
	t->inuse_b -= z;
	t->inuse_n--;
	t->inuse_usable -= malloc_usable_size(p);
	free(p);
}

/* Each site_* function holds exactly one malloc call and stays a frame of
 * its own: not inlined, and no tail call (KEEP_FRAME uses p after it). */
#define KEEP_FRAME(p) __asm__ volatile("" : : "r"(p) : "memory")

#define SITE(name)                                                       \
	static __attribute__((noinline)) void *name(size_t z)            \
	{                                                                \
		void *p = malloc(z);                                     \
                                                                         \
		KEEP_FRAME(p);                                           \
		return p;                                                \
	}

SITE(site_alloc_small)
SITE(site_alloc_large)
SITE(site_alloc_uniform)
SITE(site_alloc_mixed)
SITE(site_alloc_big_small)
SITE(site_alloc_big_medium)
SITE(site_alloc_big_large)

typedef void *(*site_fn)(size_t);

/* n objects of sizes from size_of(i); every free_every-th one is freed
 * again (0: none). */
static void run_site(struct truth *t, site_fn fn, size_t n,
                     size_t (*size_of)(size_t), size_t free_every)
{
	void **keep = calloc(n, sizeof *keep);
	size_t *sz = calloc(n, sizeof *sz);
	size_t i;

	if (!keep || !sz)
		exit(2);
	for (i = 0; i < n; i++) {
		sz[i] = size_of(i);
		keep[i] = fn(sz[i]);
		if (!keep[i]) {
			fprintf(stderr, "acc_target: malloc(%zu) failed\n", sz[i]);
			exit(2);
		}
		memset(keep[i], 1, sz[i] < 64 ? sz[i] : 64);
		account(t, keep[i], sz[i]);
	}
	for (i = 0; free_every && i < n; i++)
		if (i % free_every == 1)
			release(t, keep[i], sz[i]);
	/* the kept blocks stay live to the end: keep and sz are leaked on
	 * purpose (calloc from main's own site, not a measured one). */
}

static size_t sz_small(size_t i) { (void)i; return 64; }
static size_t sz_large(size_t i) { (void)i; return 1u << 20; }
static size_t sz_uniform(size_t i) { (void)i; return 1 + rng() % 8192; }
static size_t sz_mixed(size_t i) { return i == 0 ? (size_t)64 << 20 : 16; }

/* log-uniform sizes in [lo, hi) */
static size_t loguni(size_t lo, size_t hi)
{
	double u = (double)(rng() >> 11) / 9007199254740992.0;
	size_t z = (size_t)((double)lo * pow((double)hi / lo, u));

	return z < lo ? lo : z;
}

static size_t sz_big_small(size_t i) { (void)i; return loguni(16, 1024); }
static size_t sz_big_medium(size_t i) { (void)i; return loguni(1024, 65536); }
static size_t sz_big_large(size_t i) { (void)i; return loguni(65536, 4u << 20); }

static void print_truth(FILE *f, const struct truth *t)
{
	fprintf(f, "%s %llu %llu %llu %llu %llu\n", t->name, t->inuse_b,
	        t->inuse_n, t->alloc_b, t->alloc_n, t->inuse_usable);
}

int main(int argc, char **argv)
{
	unsigned long big_mib = 0;
	const char *out;
	FILE *f;
	size_t i;

	if (argc == 4 && strcmp(argv[1], "-b") == 0) {
		big_mib = strtoul(argv[2], NULL, 10);
		out = argv[3];
	} else if (argc == 2) {
		out = argv[1];
	} else {
		fprintf(stderr, "usage: acc_target [-b MIB] TRUTHFILE\n");
		return 2;
	}
	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 2;
	}
	if (big_mib == 0) {
		struct truth t[4] = {
			{ .name = "site_alloc_small" }, { .name = "site_alloc_large" },
			{ .name = "site_alloc_uniform" }, { .name = "site_alloc_mixed" },
		};

		run_site(&t[0], site_alloc_small, 100000, sz_small, 2);
		run_site(&t[1], site_alloc_large, 40, sz_large, 4);
		run_site(&t[2], site_alloc_uniform, 10000, sz_uniform, 3);
		run_site(&t[3], site_alloc_mixed, 1000001, sz_mixed, 2);
		for (i = 0; i < 4; i++)
			print_truth(f, &t[i]);
	} else {
		struct truth t[3] = {
			{ .name = "site_alloc_big_small" },
			{ .name = "site_alloc_big_medium" },
			{ .name = "site_alloc_big_large" },
		};
		/* thirds of the target in each class (log-uniform means: about
		 * 220 B, 15 KiB, 1 MiB), a quarter freed again, plus margin */
		double third = (double)big_mib * 1048576.0 / 3 * 1.4;

		run_site(&t[0], site_alloc_big_small, (size_t)(third / 220),
		         sz_big_small, 4);
		run_site(&t[1], site_alloc_big_medium, (size_t)(third / 15500),
		         sz_big_medium, 4);
		run_site(&t[2], site_alloc_big_large, (size_t)(third / 1060000),
		         sz_big_large, 4);
		for (i = 0; i < 3; i++)
			print_truth(f, &t[i]);
	}
	if (fclose(f) != 0)
		return 2;
	return 0;
}
