/*
 * heaptop-demo: a small multi-threaded "server" to try heaptop on.
 *
 * Worker threads handle fake requests: each parses a request into a few
 * header strings, renders a response and frees everything again (balanced
 * churn: lots allocated, nothing kept).  A connection pool is allocated
 * once at start (large but stable).  And a session cache remembers a
 * little for some requests and never evicts: the slow leak.  Run under
 * heaptop, session_cache_put climbs to the top of the in-use ranking
 * within a few seconds, while handle_request/render_response lead the
 * allocated ranking with nearly nothing in use.
 *
 * Usage: heaptop-demo [-t SECONDS] [-w WORKERS]   (default: run until
 * SIGINT/SIGTERM, 4 workers).  Prints one status line a second.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POOL_CONNS 64
#define POOL_BUF (64 * 1024)
#define CACHE_BUCKETS 4096

struct session {
	struct session *next;
	unsigned long id;
	char *blob;          /* the part nobody ever frees */
	size_t len;
};

static struct session *cache[CACHE_BUCKETS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong requests, cached_bytes;
static volatile sig_atomic_t stop;
static void *pool[POOL_CONNS];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long next_rand(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

/* Stable: allocated once, used forever. */
__attribute__((noinline)) static void pool_init(void)
{
	for (int i = 0; i < POOL_CONNS; i++) {
		pool[i] = malloc(POOL_BUF);
		memset(pool[i], 0x5a, POOL_BUF); /* pre-touched buffers */
	}
}

/* The leak: sessions are cached and never evicted. */
__attribute__((noinline)) static void session_cache_put(unsigned long id,
                                                         size_t len)
{
	struct session *s = malloc(sizeof *s);

	if (!s)
		return;
	s->id = id;
	s->len = len;
	s->blob = malloc(len);
	if (!s->blob) {
		free(s);
		return;
	}
	memset(s->blob, (int)(id & 0xff), len);
	pthread_mutex_lock(&cache_lock);
	s->next = cache[id % CACHE_BUCKETS];
	cache[id % CACHE_BUCKETS] = s;
	pthread_mutex_unlock(&cache_lock);
	atomic_fetch_add(&cached_bytes, len + sizeof *s);
}

__attribute__((noinline)) static char **parse_headers(const char *req,
                                                      int *n)
{
	char **h = calloc(8, sizeof *h);

	*n = 0;
	if (!h)
		return NULL;
	for (int i = 0; i < 8; i++) {
		h[i] = strndup(req + i * 16, 16 + (size_t)i * 8);
		if (h[i])
			(*n)++;
	}
	return h;
}

__attribute__((noinline)) static char *render_response(unsigned long *seed,
                                                       size_t *len)
{
	char *body;

	*len = 8192 + next_rand(seed) % 24576;
	body = malloc(*len);
	if (body)
		memset(body, 'x', *len);
	return body;
}

__attribute__((noinline)) static void handle_request(unsigned long *seed)
{
	size_t reqlen = 1024 + next_rand(seed) % 3072, rlen;
	char *req = malloc(reqlen), *resp, **hdrs;
	int n;

	if (!req)
		return;
	memset(req, 'a' + (int)(next_rand(seed) % 26), reqlen - 1);
	req[reqlen - 1] = '\0';
	hdrs = parse_headers(req, &n);
	resp = render_response(seed, &rlen);
	/* one request in sixteen starts a session that the cache keeps */
	if (next_rand(seed) % 16 == 0)
		session_cache_put(atomic_load(&requests), 2048 +
		                  next_rand(seed) % 4096);
	for (int i = 0; hdrs && i < 8; i++)
		free(hdrs[i]);
	free(hdrs);
	free(resp);
	free(req);
	atomic_fetch_add(&requests, 1);
}

static void *worker(void *arg)
{
	unsigned long seed = (unsigned long)(uintptr_t)arg * 7919 + 1;
	struct timespec pause = { 0, 500 * 1000 }; /* ~2000 requests/s */

	while (!stop) {
		handle_request(&seed);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int workers = 4, seconds = 0, c;
	pthread_t th[64];

	while ((c = getopt(argc, argv, "t:w:")) != -1) {
		switch (c) {
		case 't': seconds = atoi(optarg); break;
		case 'w': workers = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: heaptop-demo [-t SECONDS] "
			        "[-w WORKERS]\n");
			return 2;
		}
	}
	if (workers < 1 || workers > 64)
		workers = 4;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pool_init();
	for (int i = 0; i < workers; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int t = 0; !stop && (!seconds || t < seconds); t++) {
		sleep(1);
		printf("heaptop-demo: %lu requests, session cache %lu KiB\n",
		       atomic_load(&requests), atomic_load(&cached_bytes) / 1024);
		fflush(stdout);
	}
	stop = 1;
	for (int i = 0; i < workers; i++)
		pthread_join(th[i], NULL);
	return 0;
}
