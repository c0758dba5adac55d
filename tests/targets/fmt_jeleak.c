/*
 * fmt_jeleak: a target for the saved-profile tests, run under jemalloc's
 * own profiler (libjemalloc preloaded, MALLOC_CONF=prof:true,...).
 *
 * Per iteration: grow_site() keeps one 4096-byte object (the leak that
 * grows), small_site() keeps one 96-byte object, churn_site() allocates
 * and frees 8 objects of 512 bytes.  At start stable_site() keeps 200
 * objects of 2048 bytes and never adds more.  A worker thread named
 * "fmt-worker" (jemalloc's thread.prof.name) keeps one 1000-byte object
 * per iteration in worker_site().
 *
 * Usage: fmt_jeleak [-n ITER] [-d PREFIX]
 *   -d  dump with mallctl("prof.dump") to PREFIX.1.heap after half of the
 *       iterations and to PREFIX.2.heap at the end (needs jemalloc)
 * Prints "truth SITE objects=N bytes=N" lines at the end; exit 0.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static void **kept;
static size_t nkept, capkept;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void keep(void *p)
{
	pthread_mutex_lock(&lock);
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 4096;
		kept = realloc(kept, capkept * sizeof *kept);
		if (!kept)
			exit(2);
	}
	kept[nkept++] = p;
	pthread_mutex_unlock(&lock);
}

__attribute__((noinline)) static void grow_site(void)
{
	void *p = malloc(4096);

	if (!p) exit(2);
	memset(p, 1, 64);
	keep(p);
}

__attribute__((noinline)) static void small_site(void)
{
	void *p = malloc(96);

	if (!p) exit(2);
	keep(p);
}

__attribute__((noinline)) static void stable_site(void)
{
	for (int i = 0; i < 200; i++) {
		void *p = malloc(2048);

		if (!p) exit(2);
		keep(p);
	}
}

__attribute__((noinline)) static void churn_site(void)
{
	for (int i = 0; i < 8; i++) {
		char *volatile p = malloc(512);

		if (!p) exit(2);
		p[0] = 1;
		free(p);
	}
}

__attribute__((noinline)) static void worker_site(void)
{
	void *p = malloc(1000);

	if (!p) exit(2);
	keep(p);
}

static long iterations = 20000;

static void *worker(void *arg)
{
	mallctl_fn ctl = (mallctl_fn)arg;
	const char *name = "fmt-worker";

	if (ctl)
		ctl("thread.prof.name", NULL, NULL, &name, sizeof name);
	for (long i = 0; i < iterations / 4; i++)
		worker_site();
	return NULL;
}

static int dump(mallctl_fn ctl, const char *prefix, int n)
{
	char path[4096];
	const char *pp = path;

	snprintf(path, sizeof path, "%s.%d.heap", prefix, n);
	if (ctl("prof.dump", NULL, NULL, &pp, sizeof pp) != 0) {
		fprintf(stderr, "fmt_jeleak: prof.dump failed (prof:true?)\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *prefix = NULL;
	mallctl_fn ctl;
	pthread_t th;
	int opt;

	while ((opt = getopt(argc, argv, "n:d:")) != -1) {
		if (opt == 'n')
			iterations = strtol(optarg, NULL, 10);
		else if (opt == 'd')
			prefix = optarg;
		else
			return 2;
	}
	*(void **)&ctl = dlsym(RTLD_DEFAULT, "mallctl");
	if (prefix && !ctl) {
		fprintf(stderr, "fmt_jeleak: -d needs jemalloc (no mallctl)\n");
		return 2;
	}
	stable_site();
	if (pthread_create(&th, NULL, worker, (void *)ctl) != 0)
		return 2;
	for (long i = 0; i < iterations; i++) {
		if (prefix && i == iterations / 2 && dump(ctl, prefix, 1) < 0)
			return 3;
		grow_site();
		small_site();
		churn_site();
	}
	pthread_join(th, NULL);
	if (prefix && dump(ctl, prefix, 2) < 0)
		return 3;
	printf("truth grow_site objects=%ld bytes=%ld\n", iterations,
	       iterations * 4096);
	printf("truth small_site objects=%ld bytes=%ld\n", iterations,
	       iterations * 96);
	printf("truth stable_site objects=200 bytes=%d\n", 200 * 2048);
	printf("truth worker_site objects=%ld bytes=%ld\n", iterations / 4,
	       iterations / 4 * 1000);
	printf("truth churn_site objects=0 bytes=0\n");
	return 0;
}
