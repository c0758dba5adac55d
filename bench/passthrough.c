/*
 * passthrough: the cheapest possible malloc interposer, preloaded with
 * LD_PRELOAD, as the floor every interposing profiler pays.
 *
 * Each allocation function forwards to the next definition (glibc's),
 * resolved once with dlsym(RTLD_NEXT).  The allocating functions also do
 * what a sampling profiler's unsampled path cannot avoid: subtract the
 * request from a thread-local byte countdown and branch when it runs out
 * (here the "sample" only re-arms the countdown).  free forwards with no
 * extra work.
 *
 * dlsym itself may call calloc before the real one is known: those early
 * requests are served from a small static bootstrap buffer and never
 * passed to the real free.  It must never print, lock or abort.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define PT_INTERVAL (512 * 1024)

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void *(*reallocarray_fn)(void *, size_t, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*memalign_fn)(size_t, size_t);
typedef void *(*valloc_fn)(size_t);
typedef size_t (*usable_fn)(void *);

static malloc_fn real_malloc;
static free_fn real_free;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static reallocarray_fn real_reallocarray;
static posix_memalign_fn real_posix_memalign;
static memalign_fn real_aligned_alloc;
static memalign_fn real_memalign;
static valloc_fn real_valloc;
static valloc_fn real_pvalloc;
static usable_fn real_usable_size;

static __thread int64_t pt_countdown
	__attribute__((tls_model("initial-exec"))) = PT_INTERVAL;
static __thread uint64_t pt_samples
	__attribute__((tls_model("initial-exec")));

/* Bootstrap arena for allocations made while dlsym is resolving. */
static _Alignas(16) char boot_buf[64 * 1024];
static size_t boot_used;
static int resolving;

static int is_boot(const void *p)
{
	return (const char *)p >= boot_buf && (const char *)p < boot_buf + sizeof(boot_buf);
}

static void *boot_alloc(size_t n)
{
	size_t start = (boot_used + 15) & ~(size_t)15;

	if (n > sizeof(boot_buf) - start)
		return NULL;
	boot_used = start + n;
	return boot_buf + start; /* static storage: already zero */
}

static void resolve(void)
{
	if (resolving)
		return;
	resolving = 1;
	real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
	real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
	real_free = (free_fn)dlsym(RTLD_NEXT, "free");
	real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
	real_reallocarray = (reallocarray_fn)dlsym(RTLD_NEXT, "reallocarray");
	real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
	real_aligned_alloc = (memalign_fn)dlsym(RTLD_NEXT, "aligned_alloc");
	real_memalign = (memalign_fn)dlsym(RTLD_NEXT, "memalign");
	real_valloc = (valloc_fn)dlsym(RTLD_NEXT, "valloc");
	real_pvalloc = (valloc_fn)dlsym(RTLD_NEXT, "pvalloc");
	real_usable_size = (usable_fn)dlsym(RTLD_NEXT, "malloc_usable_size");
	resolving = 0;
}

__attribute__((constructor)) static void pt_init(void)
{
	if (real_malloc == NULL)
		resolve();
}

/* The "sampled" path: kept out of line, as a profiler's would be. */
static __attribute__((noinline)) void pt_sample(size_t n)
{
	pt_samples++;
	pt_countdown = PT_INTERVAL;
	(void)n;
}

static inline void pt_account(size_t n)
{
	pt_countdown -= (int64_t)n;
	if (__builtin_expect(pt_countdown <= 0, 0))
		pt_sample(n);
}

/* Forwards to the real malloc after the countdown.  Caller owns the result. */
EXPORT void *malloc(size_t n)
{
	if (__builtin_expect(real_malloc == NULL, 0)) {
		resolve();
		if (real_malloc == NULL)
			return boot_alloc(n);
	}
	pt_account(n);
	return real_malloc(n);
}

/* Forwards to the real free; bootstrap pointers are never released. */
EXPORT void free(void *p)
{
	if (__builtin_expect(is_boot(p), 0))
		return;
	if (__builtin_expect(real_free == NULL, 0))
		return;
	real_free(p);
}

/* Forwards to the real calloc (bootstrap buffer while resolving). */
EXPORT void *calloc(size_t k, size_t n)
{
	if (__builtin_expect(real_calloc == NULL, 0)) {
		size_t total;

		if (__builtin_mul_overflow(k, n, &total))
			return NULL;
		resolve();
		if (real_calloc == NULL)
			return boot_alloc(total);
	}
	pt_account(k * n);
	return real_calloc(k, n);
}

/* Forwards to the real realloc; moves bootstrap objects to the real heap. */
EXPORT void *realloc(void *p, size_t n)
{
	if (__builtin_expect(real_realloc == NULL, 0))
		resolve();
	if (__builtin_expect(is_boot(p), 0)) {
		void *q = malloc(n);
		size_t avail = (size_t)(boot_buf + sizeof(boot_buf) - (char *)p);

		if (q != NULL)
			memcpy(q, p, n < avail ? n : avail);
		return q;
	}
	pt_account(n);
	return real_realloc(p, n);
}

/* Forwards to the real reallocarray. */
EXPORT void *reallocarray(void *p, size_t k, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(k, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (__builtin_expect(real_reallocarray == NULL || is_boot(p), 0))
		return realloc(p, total);
	pt_account(total);
	return real_reallocarray(p, k, n);
}

/* Forwards to the real posix_memalign; returns 0 or an errno value. */
EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (__builtin_expect(real_posix_memalign == NULL, 0))
		resolve();
	pt_account(n);
	return real_posix_memalign(out, align, n);
}

/* Forwards to the real aligned_alloc. */
EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (__builtin_expect(real_aligned_alloc == NULL, 0))
		resolve();
	pt_account(n);
	return real_aligned_alloc(align, n);
}

/* Forwards to the real memalign. */
EXPORT void *memalign(size_t align, size_t n)
{
	if (__builtin_expect(real_memalign == NULL, 0))
		resolve();
	pt_account(n);
	return real_memalign(align, n);
}

/* Forwards to the real valloc. */
EXPORT void *valloc(size_t n)
{
	if (__builtin_expect(real_valloc == NULL, 0))
		resolve();
	pt_account(n);
	return real_valloc(n);
}

/* Forwards to the real pvalloc. */
EXPORT void *pvalloc(size_t n)
{
	if (__builtin_expect(real_pvalloc == NULL, 0))
		resolve();
	pt_account(n);
	return real_pvalloc(n);
}

/* Forwards to the real malloc_usable_size (0 for bootstrap objects). */
EXPORT size_t malloc_usable_size(void *p)
{
	if (p == NULL || is_boot(p))
		return 0;
	if (__builtin_expect(real_usable_size == NULL, 0))
		resolve();
	return real_usable_size(p);
}
