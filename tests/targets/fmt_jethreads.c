/*
 * fmt_jethreads: a target for the per-thread breakdown of jemalloc dumps,
 * run under jemalloc's own profiler (libjemalloc preloaded,
 * MALLOC_CONF=prof:true,prof_accum:true,...,prof_final:true).
 *
 * Starts THREADS worker threads that run at the same time.  Worker k
 * (1..THREADS) names itself "jt-worker-k" with jemalloc's
 * thread.prof.name, waits for the others, then allocates k * ITER objects
 * of SIZE bytes in thread_site(), always from the same call, so every
 * worker's objects share one stack; it frees every third object and keeps
 * the rest.  So worker k has k * ITER allocated and k * ITER - k * ITER / 3
 * in use, all at one site, whatever the scheduling.
 *
 * The workers overlap on purpose: jemalloc seeds each thread's sampler
 * from the address of its thread data, and a thread started after another
 * was joined reuses the same stack, hence the same seed and the same
 * sampling sequence; the workers' estimates would then err together.
 *
 * Usage: fmt_jethreads [-t THREADS] [-n ITER] [-s SIZE]
 * Prints "truth thread jt-worker-K inuse_objects=N inuse_bytes=N
 * alloc_objects=N alloc_bytes=N" per worker and the same for
 * "truth site thread_site"; exit 0 (2 on bad arguments or no memory).
 * Without jemalloc (no mallctl) the workers are simply unnamed.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static mallctl_fn ctl;
static long iter = 3000;
static size_t size = 512;
static pthread_barrier_t ready;

struct worker {
	int k;
	long allocated, kept;
	void **keep;
};

__attribute__((noinline)) static void *thread_site(void)
{
	char *p = malloc(size);

	if (!p)
		exit(2);
	p[0] = 1;
	return p;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[32];
	const char *np = name;
	long n = (long)w->k * iter;

	snprintf(name, sizeof name, "jt-worker-%d", w->k);
	if (ctl)
		ctl("thread.prof.name", NULL, NULL, &np, sizeof np);
	pthread_barrier_wait(&ready);
	w->keep = calloc((size_t)n, sizeof *w->keep);
	if (!w->keep)
		exit(2);
	for (long i = 0; i < n; i++) {
		void *p = thread_site();

		w->allocated++;
		if (i % 3 == 2)
			free(p);
		else
			w->keep[w->kept++] = p;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker *w;
	pthread_t *th;
	long nthreads = 4, in_objs = 0, al_objs = 0;
	int opt;

	while ((opt = getopt(argc, argv, "t:n:s:")) != -1) {
		if (opt == 't')
			nthreads = strtol(optarg, NULL, 10);
		else if (opt == 'n')
			iter = strtol(optarg, NULL, 10);
		else if (opt == 's')
			size = (size_t)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (nthreads < 1 || nthreads > 64 || iter < 1 || size < 1)
		return 2;
	*(void **)&ctl = dlsym(RTLD_DEFAULT, "mallctl");
	w = calloc((size_t)nthreads, sizeof *w);
	th = calloc((size_t)nthreads, sizeof *th);
	if (!w || !th ||
	    pthread_barrier_init(&ready, NULL, (unsigned)nthreads) != 0)
		return 2;
	for (long i = 0; i < nthreads; i++) {
		w[i].k = (int)i + 1;
		if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
			return 2;
	}
	for (long i = 0; i < nthreads; i++)
		if (pthread_join(th[i], NULL) != 0)
			return 2;
	for (long i = 0; i < nthreads; i++) {
		printf("truth thread jt-worker-%d inuse_objects=%ld "
		       "inuse_bytes=%ld alloc_objects=%ld alloc_bytes=%ld\n",
		       w[i].k, w[i].kept, w[i].kept * (long)size,
		       w[i].allocated, w[i].allocated * (long)size);
		in_objs += w[i].kept;
		al_objs += w[i].allocated;
	}
	printf("truth site thread_site inuse_objects=%ld inuse_bytes=%ld "
	       "alloc_objects=%ld alloc_bytes=%ld\n", in_objs,
	       in_objs * (long)size, al_objs, al_objs * (long)size);
	return 0;
}
