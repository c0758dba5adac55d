/*
 * malloc_bench: a malloc-heavy benchmark for measuring what an allocation
 * profiler costs the program under study.
 *
 * T threads each keep a sliding window of W live objects.  Every operation
 * retires the oldest object of the window and puts a new one in its place:
 * free + malloc (most), free + calloc (some), or realloc of the oldest
 * object to a new size (some), which then becomes the newest.  Sizes are
 * mostly 16-256 bytes, some 1-16 KiB, rarely 1-4 MiB.  Allocations go
 * through a few distinct call sites (noinline functions), so a profiler
 * sees several stacks.  Everything is driven by a fixed-seed generator per
 * thread: the same arguments give the same sequence of calls every run.
 *
 * It only allocates, writes one byte per object and frees: it must never
 * do other work inside the timed region, so that the allocator (and
 * whatever interposes on it) dominates the time.
 *
 * Usage: malloc_bench [-t THREADS] [-n OPS_PER_THREAD] [-w WINDOW] [-s SEED]
 * Prints one line:
 *   threads=T ops=TOTAL_OPS seconds=WALL cpu_seconds=CPU minflt=N checksum=X
 * where seconds is the wall time from starting the first thread to joining
 * the last (window fill and drain included), cpu_seconds the process's
 * user+system time and minflt its minor page faults over the same span.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

struct bench_thread {
	pthread_t tid;
	unsigned index;
	uint64_t seed;
	uint64_t ops;
	size_t window;
	uint64_t checksum;
};

/* xorshift64*: small, fast, deterministic. */
static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/*
 * The call sites.  Each is a separate function so that a profiler records
 * a distinct stack for it; the empty asm keeps the compiler from merging
 * or inlining them.
 */
static NOINLINE void *site_small(size_t n)
{
	void *p = malloc(n);

	__asm__ volatile("" ::: "memory");
	return p;
}

static NOINLINE void *site_medium(size_t n)
{
	void *p = malloc(n);

	__asm__ volatile("" ::: "memory");
	return p;
}

static NOINLINE void *site_large(size_t n)
{
	void *p = malloc(n);

	__asm__ volatile("" ::: "memory");
	return p;
}

static NOINLINE void *site_calloc(size_t n)
{
	void *p = calloc(1, n);

	__asm__ volatile("" ::: "memory");
	return p;
}

static NOINLINE void *site_realloc(void *old, size_t n)
{
	void *p = realloc(old, n);

	__asm__ volatile("" ::: "memory");
	return p;
}

/*
 * A size: 16-256 B with probability ~95%, 1-16 KiB ~5%, 1-4 MiB 1 in 5000.
 * Sets *large when the size is MiB-sized.
 */
static size_t pick_size(uint64_t *rng)
{
	uint64_t r = rng_next(rng);
	unsigned bucket = (unsigned)(r % 5000);

	r >>= 16;
	if (bucket == 0)
		return (size_t)(1u << 20) + (size_t)(r % (3u << 20));
	if (bucket <= 250)
		return 1024 + (size_t)(r % (15 * 1024));
	return 16 + (size_t)(r % 241);
}

static NOINLINE void *alloc_one(uint64_t *rng, size_t *size_out)
{
	size_t n = pick_size(rng);
	unsigned kind = (unsigned)(rng_next(rng) % 16);
	char *p;

	if (kind == 0)
		p = site_calloc(n);
	else if (n >= (1u << 20))
		p = site_large(n);
	else if (n >= 1024)
		p = site_medium(n);
	else
		p = site_small(n);
	if (p != NULL)
		p[0] = (char)n;
	*size_out = n;
	return p;
}

/* One thread's work: fill the window, slide it OPS times, drain it. */
static NOINLINE void *bench_thread_main(void *arg)
{
	struct bench_thread *bt = arg;
	uint64_t rng = bt->seed;
	uint64_t sum = 0;
	size_t w = bt->window, head = 0;
	char **live;
	size_t size;

	live = malloc(w * sizeof(*live));
	if (live == NULL)
		return NULL;
	for (size_t i = 0; i < w; i++)
		live[i] = alloc_one(&rng, &size);

	for (uint64_t op = 0; op < bt->ops; op++) {
		char *old = live[head];
		unsigned kind = (unsigned)(rng_next(&rng) % 16);

		if (old != NULL)
			sum += (unsigned char)old[0];
		if (kind == 0) {
			/* realloc the oldest object; it becomes the newest. */
			size_t n = pick_size(&rng);
			char *p = site_realloc(old, n);

			if (p != NULL) {
				p[0] = (char)n;
				live[head] = p;
			} else {
				free(old);
				live[head] = NULL;
			}
		} else {
			free(old);
			live[head] = alloc_one(&rng, &size);
		}
		if (++head == w)
			head = 0;
	}

	for (size_t i = 0; i < w; i++)
		free(live[i]);
	free(live);
	bt->checksum = sum;
	return NULL;
}

static double timespec_seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

/* Process CPU time (user + system) in seconds; minor page faults in *minflt. */
static double cpu_seconds(long *minflt)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		*minflt = 0;
		return 0.0;
	}
	*minflt = ru.ru_minflt;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: malloc_bench [-t THREADS] [-n OPS_PER_THREAD] "
			"[-w WINDOW] [-s SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t threads = 1, ops = 2000000, window = 4096, seed = 42;
	struct bench_thread *bt;
	struct timespec t0, t1;
	double c0, c1;
	long f0, f1;
	uint64_t checksum = 0;
	int opt;

	while ((opt = getopt(argc, argv, "t:n:w:s:")) != -1) {
		uint64_t *dst;

		switch (opt) {
		case 't': dst = &threads; break;
		case 'n': dst = &ops; break;
		case 'w': dst = &window; break;
		case 's': dst = &seed; break;
		default: usage(); return 2;
		}
		if (parse_u64(optarg, dst) != 0)
			usage();
	}
	if (optind != argc || threads == 0 || threads > 256 || window == 0 ||
	    window > (1u << 24))
		usage();

	bt = calloc(threads, sizeof(*bt));
	if (bt == NULL) {
		perror("malloc_bench: calloc");
		return 1;
	}
	for (unsigned i = 0; i < threads; i++) {
		bt[i].index = i;
		bt[i].seed = (seed + 1) * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL;
		if (bt[i].seed == 0)
			bt[i].seed = 1;
		bt[i].ops = ops;
		bt[i].window = (size_t)window;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = cpu_seconds(&f0);
	for (unsigned i = 0; i < threads; i++) {
		int rc = pthread_create(&bt[i].tid, NULL, bench_thread_main, &bt[i]);

		if (rc != 0) {
			fprintf(stderr, "malloc_bench: pthread_create: %s\n", strerror(rc));
			return 1;
		}
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(bt[i].tid, NULL);
		checksum += bt[i].checksum;
	}
	c1 = cpu_seconds(&f1);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("threads=%llu ops=%llu seconds=%.6f cpu_seconds=%.6f minflt=%ld checksum=%llu\n",
	       (unsigned long long)threads, (unsigned long long)(threads * ops),
	       timespec_seconds(&t1) - timespec_seconds(&t0), c1 - c0, f1 - f0,
	       (unsigned long long)checksum);
	free(bt);
	return 0;
}
