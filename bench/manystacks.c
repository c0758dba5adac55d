/*
 * manystacks: a program whose allocations come from ~100,000 distinct call
 * stacks, to measure what a jemalloc profile dump costs when it holds that
 * many (bench/bridge.sh).  Link it with a static jemalloc (libjemalloc.a)
 * built with profiling.
 *
 * rec(D, i) descends D levels, one frame each, pick_a or pick_b by the
 * bits of i, and allocates at the bottom: 2^D leaves, each reached by its
 * own stack (D = 17: 131,072).  Setup allocates one block of SIZE
 * bytes (2048) per leaf and keeps it live; with lg_prof_sample:8 (a mean
 * interval of 256 bytes) a 2 KiB block is sampled with probability
 * 1 - e^-8, so the profile holds about 2^D live stacks.  Then OPS churn
 * operations (random leaf: free its block, allocate again through the
 * same stack) keep the profiler busy while a dump runs; the longest time
 * one batch of 256 operations took is the longest pause the program saw.
 *
 * With -P K (a jemalloc with mallctl, unprefixed), after setup: K calls
 * of mallctl("prof.dump") into PREFIX.K.heap, timed, and their size.
 * With -T MS, during the churn a thread of its own calls prof.dump into
 * PREFIX.bg.heap every MS milliseconds (what heaptop's control thread
 * does, without a frontend competing for the CPUs): the pauses it causes
 * through jemalloc's locks alone.
 *
 * Usage: manystacks [-D DEPTH] [-s SIZE] [-n OPS] [-P K] [-T MS] [-o PREFIX]
 *                   [-S SEED]
 * Prints one line:
 *   stacks=N ops=OPS seconds=WALL cpu_seconds=CPU setup_seconds=S
 *   max_pause_ms=M checksum=X
 * (seconds and cpu_seconds span setup and churn: the timed region), and
 * with -P one `dump=K ms=T bytes=B` line per dump, with -T one
 * `background_dumps=N mean_ms=T max_ms=T` line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
            size_t newlen) __attribute__((weak));

static size_t block_size = 2048;

static void *pick_a(unsigned d, uint64_t i);
static void *pick_b(unsigned d, uint64_t i);

static NOINLINE void *leaf(void)
{
	char *p = malloc(block_size);

	if (p)
		p[0] = 1;
	__asm__ volatile("" ::: "memory");
	return p;
}

/*
 * One frame per level: pick_a and pick_b call each other (or themselves)
 * by the lowest bit of i, so the return address in each frame says which
 * way the path went.  The asm after the call keeps it from becoming a tail
 * call (which would drop the frame from the stack).
 */
#define PICK_BODY                                                         \
	void *p;                                                          \
                                                                          \
	if (d == 0)                                                       \
		return leaf();                                            \
	if (i & 1)                                                        \
		p = pick_a(d - 1, i >> 1);                                \
	else                                                              \
		p = pick_b(d - 1, i >> 1);                                \
	__asm__ volatile("" ::: "memory");                                \
	return p;

static NOINLINE void *pick_a(unsigned d, uint64_t i) { PICK_BODY }
static NOINLINE void *pick_b(unsigned d, uint64_t i) { PICK_BODY }

/* The stack for leaf i (of 2^d): d frames of pick_a/pick_b. */
static NOINLINE void *rec(unsigned d, uint64_t i)
{
	void *p = (i & 1) ? pick_a(d - 1, i >> 1) : pick_b(d - 1, i >> 1);

	__asm__ volatile("" ::: "memory");
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t arg_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "manystacks: bad number %s\n", s);
		exit(2);
	}
	return v;
}

struct bg {
	const char *path;
	unsigned period_ms;
	atomic_bool stop;
	unsigned n;
	double total, max;
};

/* -T: prof.dump every period_ms until stopped. */
static void *bg_dumper(void *arg)
{
	struct bg *b = arg;
	/* sleep in 10 ms steps, so that the end of the churn is noticed */
	struct timespec step = { 0, 10 * 1000000L };

	while (!atomic_load(&b->stop)) {
		const char *pp = b->path;
		double d0, d, wake = now() + b->period_ms / 1e3;

		while (now() < wake && !atomic_load(&b->stop))
			nanosleep(&step, NULL);
		if (atomic_load(&b->stop))
			break;
		d0 = now();
		if (mallctl("prof.dump", NULL, NULL, (void *)&pp, sizeof pp) != 0)
			break;
		d = now() - d0;
		b->n++;
		b->total += d;
		if (d > b->max)
			b->max = d;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t depth = 17, ops = 200000, dumps = 0, seed = 42, n, sum = 0;
	const char *prefix = "manystacks";
	double t0, c0, t1, c1, ts, max_pause = 0;
	uint64_t bg_ms = 0;
	char bg_path[4096];
	struct bg bg = { .path = bg_path };
	pthread_t bg_tid;
	void **live;
	int opt;

	while ((opt = getopt(argc, argv, "D:s:n:P:T:o:S:")) != -1) {
		switch (opt) {
		case 'D': depth = arg_u64(optarg); break;
		case 's': block_size = arg_u64(optarg); break;
		case 'n': ops = arg_u64(optarg); break;
		case 'P': dumps = arg_u64(optarg); break;
		case 'T': bg_ms = arg_u64(optarg); break;
		case 'o': prefix = optarg; break;
		case 'S': seed = arg_u64(optarg) | 1; break;
		default:
			fprintf(stderr, "usage: manystacks [-D DEPTH] [-s SIZE] "
			        "[-n OPS] [-P K] [-T MS] [-o PREFIX] [-S SEED]\n");
			return 2;
		}
	}
	if ((dumps || bg_ms) && !mallctl) {
		fprintf(stderr, "manystacks: no mallctl (-P and -T need an "
		        "unprefixed jemalloc)\n");
		return 2;
	}
	if (depth == 0 || depth > 24 || block_size == 0) {
		fprintf(stderr, "manystacks: depth 1-24, size at least 1\n");
		return 2;
	}
	n = (uint64_t)1 << depth;
	live = calloc(n, sizeof *live);
	if (!live)
		return 1;

	t0 = now();
	c0 = cpu();
	for (uint64_t i = 0; i < n; i++)
		live[i] = rec((unsigned)depth, i);
	ts = now() - t0;

	for (uint64_t k = 1; k <= dumps; k++) {
		char path[4096];
		const char *pp = path;
		struct stat sb;
		double d0, d1;
		int rc;

		snprintf(path, sizeof path, "%s.%llu.heap", prefix,
		         (unsigned long long)k);
		d0 = now();
		rc = mallctl("prof.dump", NULL, NULL, (void *)&pp, sizeof pp);
		d1 = now();
		if (rc != 0) {
			fprintf(stderr, "manystacks: prof.dump: %s\n", strerror(rc));
			return 1;
		}
		printf("dump=%llu ms=%.3f bytes=%lld\n", (unsigned long long)k,
		       (d1 - d0) * 1e3,
		       stat(path, &sb) == 0 ? (long long)sb.st_size : -1LL);
	}

	if (bg_ms) {
		snprintf(bg_path, sizeof bg_path, "%s.bg.heap", prefix);
		bg.period_ms = (unsigned)bg_ms;
		atomic_init(&bg.stop, false);
		if (pthread_create(&bg_tid, NULL, bg_dumper, &bg) != 0) {
			fprintf(stderr, "manystacks: pthread_create failed\n");
			return 1;
		}
	}
	for (uint64_t op = 0; op < ops; op += 256) {
		double b0 = now(), b;

		for (uint64_t j = op; j < op + 256 && j < ops; j++) {
			uint64_t i = rng_next(&seed) & (n - 1);

			sum += *(unsigned char *)live[i];
			free(live[i]);
			live[i] = rec((unsigned)depth, i);
		}
		b = now() - b0;
		if (b > max_pause)
			max_pause = b;
	}
	c1 = cpu();
	t1 = now();
	if (bg_ms) {
		atomic_store(&bg.stop, true);
		pthread_join(bg_tid, NULL);
	}

	printf("stacks=%llu ops=%llu seconds=%.6f cpu_seconds=%.6f "
	       "setup_seconds=%.6f max_pause_ms=%.3f checksum=%llu\n",
	       (unsigned long long)n, (unsigned long long)ops, t1 - t0, c1 - c0,
	       ts, max_pause * 1e3, (unsigned long long)sum);
	if (bg_ms)
		printf("background_dumps=%u mean_ms=%.3f max_ms=%.3f\n", bg.n,
		       bg.n ? bg.total / bg.n * 1e3 : 0.0, bg.max * 1e3);
	for (uint64_t i = 0; i < n; i++)
		free(live[i]);
	free(live);
	return 0;
}
