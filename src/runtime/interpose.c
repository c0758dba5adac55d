/*
 * The malloc-family hooks: malloc, free, calloc, realloc, reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc and
 * malloc_usable_size.  The real functions come from dlsym(RTLD_NEXT);
 * allocations made while resolving them (dlsym calls calloc) are served
 * from a static bootstrap arena whose blocks are never handed to the real
 * free.
 *
 * The fast paths are the point of this file: an unsampled allocation is a
 * thread-local countdown decrement and a predictable branch; an unsampled
 * free is one filter load and a branch.  No lock, no atomic, no call but
 * the tail call to the real function.  Everything else lives behind
 * noinline slow paths.  Hooks preserve errno against the runtime's own
 * side effects and never recurse (the per-thread guard).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/addrmap.h"
#include "runtime/runtime.h"
#include "runtime/util.h"

/* glibc's own entry points: the fallback when dlsym cannot find a symbol */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

/* ---- bootstrap arena ------------------------------------------------ */

#define ARENA_SIZE HT_ARENA_SIZE
#define ARENA_HDR 16u

/* the storage and its use are ht_arena and ht_arena_used, in addrmap.c:
 * the filter pins its blocks */

static int in_arena(const void *p)
{
	return (const char *)p >= ht_arena && (const char *)p < ht_arena + ARENA_SIZE;
}

static size_t arena_block_size(const void *p)
{
	size_t n;

	memcpy(&n, (const char *)p - ARENA_HDR, sizeof n);
	return n;
}

static void *arena_alloc(size_t size, size_t align)
{
	size_t old, start, end;

	if (align < ARENA_HDR)
		align = ARENA_HDR;
	if (size == 0)
		size = 1; /* a zero size header would read as padding */
	if (size > ARENA_SIZE || (align & (align - 1)))
		return NULL;
	old = __atomic_load_n(&ht_arena_used, __ATOMIC_RELAXED);
	do {
		start = (old + ARENA_HDR + align - 1) & ~(align - 1);
		end = start + size;
		if (end > ARENA_SIZE)
			return NULL;
	} while (!__atomic_compare_exchange_n(&ht_arena_used, &old, end, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	memcpy(ht_arena + start - ARENA_HDR, &size, sizeof size);
	/* make the free hook look closer at this address, for good (after
	 * the raise of ht_arena_used: see ht_filter_pin) */
	ht_filter_pin(&ht_rt.addrs, ht_arena + start);
	return ht_arena + start;
}

void ht_interpose_after_fork(void)
{
	/* walk the arena's blocks again: each is header + payload */
	size_t used = __atomic_load_n(&ht_arena_used, __ATOMIC_RELAXED), off = 0;

	while (off + ARENA_HDR < used) {
		size_t start = off + ARENA_HDR, n;

		/* blocks are aligned to >= 16: find the next stored size */
		n = arena_block_size(ht_arena + start);
		if (n == 0) {
			off += ARENA_HDR;
			continue;
		}
		ht_filter_pin(&ht_rt.addrs, ht_arena + start);
		off = start + n;
		off = (off + ARENA_HDR - 1) & ~(size_t)(ARENA_HDR - 1);
	}
}

/* ---- the real functions --------------------------------------------- */

static void *boot_malloc(size_t n);
static void boot_free(void *p);
static void *boot_calloc(size_t n, size_t m);
static void *boot_realloc(void *p, size_t n);
static int boot_posix_memalign(void **out, size_t align, size_t n);
static void *boot_aligned_alloc(size_t align, size_t n);
static void *boot_memalign(size_t align, size_t n);
static void *boot_valloc(size_t n);
static void *boot_pvalloc(size_t n);
static size_t boot_usable(void *p);

static void *(*real_malloc)(size_t) = boot_malloc;
static void (*real_free)(void *) = boot_free;
static void *(*real_calloc)(size_t, size_t) = boot_calloc;
static void *(*real_realloc)(void *, size_t) = boot_realloc;
static int (*real_posix_memalign)(void **, size_t, size_t) = boot_posix_memalign;
static void *(*real_aligned_alloc)(size_t, size_t) = boot_aligned_alloc;
static void *(*real_memalign)(size_t, size_t) = boot_memalign;
static void *(*real_valloc)(size_t) = boot_valloc;
static void *(*real_pvalloc)(size_t) = boot_pvalloc;
static size_t (*real_usable)(void *) = boot_usable;

static int resolve_state; /* 0 not yet, 1 in progress, 2 done */

static void *find(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void *fallback_valloc(size_t n)
{
	return real_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

static void *fallback_pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return real_memalign(pg, (n + pg - 1) & ~(pg - 1));
}

static void *fallback_aligned_alloc(size_t align, size_t n)
{
	return real_memalign(align, n);
}

static int fallback_posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = real_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

int ht_interpose_resolve(void)
{
	int expected = 0;
	void *p;

	if (HT_LIKELY(__atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE) == 2))
		return 1;
	if (ht_tls.resolving)
		return 0;
	if (!__atomic_compare_exchange_n(&resolve_state, &expected, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		/* another thread is resolving: never wait (it may need a lock
		 * we hold); the arena serves meanwhile */
		return __atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE) == 2;
	ht_tls.resolving = 1;
	{
		void *m = find("malloc"), *f = find("free"), *c = find("calloc");
		void *r = find("realloc"), *ma = find("memalign");
		void *pm = find("posix_memalign"), *aa = find("aligned_alloc");
		void *va = find("valloc"), *pv = find("pvalloc");
		void *us = find("malloc_usable_size");

		if (!m || !f || !c || !r) {
			m = (void *)__libc_malloc;
			f = (void *)__libc_free;
			c = (void *)__libc_calloc;
			r = (void *)__libc_realloc;
		}
		real_memalign = ma ? (void *(*)(size_t, size_t))ma : __libc_memalign;
		real_posix_memalign = pm ? (int (*)(void **, size_t, size_t))pm
					 : fallback_posix_memalign;
		real_aligned_alloc = aa ? (void *(*)(size_t, size_t))aa : fallback_aligned_alloc;
		real_valloc = va ? (void *(*)(size_t))va : fallback_valloc;
		real_pvalloc = pv ? (void *(*)(size_t))pv : fallback_pvalloc;
		p = us;
		real_usable = p ? (size_t (*)(void *))p : boot_usable;
		real_calloc = (void *(*)(size_t, size_t))c;
		real_realloc = (void *(*)(void *, size_t))r;
		real_free = (void (*)(void *))f;
		real_malloc = (void *(*)(size_t))m;
	}
	ht_tls.resolving = 0;
	__atomic_store_n(&resolve_state, 2, __ATOMIC_RELEASE);
	return 1;
}

void *ht_interpose_real_malloc(void)
{
	return ht_interpose_resolve() ? (void *)real_malloc : NULL;
}

static void *boot_malloc(size_t n)
{
	if (ht_interpose_resolve() && real_malloc != boot_malloc)
		return real_malloc(n);
	return arena_alloc(n, 16);
}

static void boot_free(void *p)
{
	if (!p || in_arena(p))
		return;
	if (ht_interpose_resolve() && real_free != boot_free)
		real_free(p);
	/* else: leak it; only reachable while this thread resolves */
}

static void *boot_calloc(size_t n, size_t m)
{
	size_t sz;

	if (ht_interpose_resolve() && real_calloc != boot_calloc)
		return real_calloc(n, m);
	if (__builtin_mul_overflow(n, m, &sz))
		return NULL;
	return arena_alloc(sz, 16); /* .bss, never reused: already zero */
}

static void *boot_realloc(void *p, size_t n)
{
	void *q;

	if (ht_interpose_resolve() && real_realloc != boot_realloc && !in_arena(p))
		return real_realloc(p, n);
	q = arena_alloc(n, 16);
	if (q && p && in_arena(p)) {
		size_t old = arena_block_size(p);
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}

static int boot_posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (ht_interpose_resolve() && real_posix_memalign != boot_posix_memalign)
		return real_posix_memalign(out, align, n);
	p = arena_alloc(n, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static void *boot_aligned_alloc(size_t align, size_t n)
{
	if (ht_interpose_resolve() && real_aligned_alloc != boot_aligned_alloc)
		return real_aligned_alloc(align, n);
	return arena_alloc(n, align);
}

static void *boot_memalign(size_t align, size_t n)
{
	if (ht_interpose_resolve() && real_memalign != boot_memalign)
		return real_memalign(align, n);
	return arena_alloc(n, align);
}

static void *boot_valloc(size_t n)
{
	if (ht_interpose_resolve() && real_valloc != boot_valloc)
		return real_valloc(n);
	return arena_alloc(n, 4096);
}

static void *boot_pvalloc(size_t n)
{
	if (ht_interpose_resolve() && real_pvalloc != boot_pvalloc)
		return real_pvalloc(n);
	return arena_alloc((n + 4095) & ~(size_t)4095, 4096);
}

static size_t boot_usable(void *p)
{
	(void)p;
	return 0;
}

/* ---- the runtime's own blocks ---------------------------------------- */

/*
 * A block the C library allocates for the runtime (pthread_create's TLS
 * vector for the control thread) would otherwise come first in the
 * program's heap and shift every later block: glibc's malloc then makes
 * different choices (where the top chunk meets a page boundary, which
 * remainders it splits), and some programs pay for that (a Rust program
 * ran 4.6% more instructions, all in glibc's malloc, with one block of
 * ~300 bytes allocated ahead of its own).  Between own_begin and own_end the
 * thread's countdown is parked far below zero, so every hook takes its
 * slow path, and the slow paths serve the block from the arena (whose
 * blocks are never handed to the real free; the real function when the
 * arena is full).
 */
static struct ht_tls *own_tls;  /* the thread in own mode, or NULL */
static int64_t own_saved;       /* its countdown before */

#define OWN_PARK (INT64_MIN / 4)

void ht_interpose_own_begin(void)
{
	struct ht_tls *t = &ht_tls;

	own_saved = t->countdown;
	t->countdown = OWN_PARK;
	__atomic_store_n(&own_tls, t, __ATOMIC_RELAXED);
}

void ht_interpose_own_end(void)
{
	struct ht_tls *t = &ht_tls;

	__atomic_store_n(&own_tls, NULL, __ATOMIC_RELAXED);
	t->countdown = own_saved;
}

static int is_own(struct ht_tls *t, size_t size)
{
	if (HT_LIKELY(__atomic_load_n(&own_tls, __ATOMIC_RELAXED) != t))
		return 0;
	t->countdown += (int64_t)size; /* stays parked */
	return 1;
}

/* ---- slow paths ----------------------------------------------------- */

enum kind { K_MALLOC, K_CALLOC, K_MEMALIGN, K_ALIGNED, K_VALLOC, K_PVALLOC };

static void *call_real(enum kind k, size_t a, size_t b)
{
	switch (k) {
	case K_MALLOC: return real_malloc(a);
	case K_CALLOC: return real_calloc(a, b);
	case K_MEMALIGN: return real_memalign(a, b);
	case K_ALIGNED: return real_aligned_alloc(a, b);
	case K_VALLOC: return real_valloc(a);
	case K_PVALLOC: return real_pvalloc(a);
	}
	return NULL;
}

/*
 * The slow path around a real allocation, for a hook that has already
 * subtracted `size` from the countdown: slow_begin returns the rate to
 * record the allocation at, with the guard set, or 0 (not sampled, or the
 * runtime's own allocation, whose bytes it gives back): then just call
 * the real function.  slow_end records the block, if the real function
 * returned one, and leaves the runtime.  errno is the real function's.
 */
static uint64_t slow_begin(struct ht_tls *t, size_t size)
{
	uint64_t rate;
	int saved;

	if (t->guard) {
		t->countdown += (int64_t)size;
		return 0;
	}
	saved = errno;
	rate = ht_sample_decide(t, size);
	errno = saved;
	if (rate)
		ht_guard_enter(t);
	return rate;
}

static void slow_end(struct ht_tls *t, void *p, size_t size, uint64_t rate)
{
	int saved = errno;

	if (p)
		ht_record_alloc(p, size, rate);
	ht_guard_exit(t, 0);
	errno = saved;
}

/*
 * The slow paths that may record a sample keep a frame pointer and are
 * entered by a jump from the hook: their frame's saved rbp and return
 * address are then the program's, where the stack walker starts
 * (fpwalk.h).  A hook that called instead of jumping leaves a return
 * address in the runtime, and the walker declines.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SAMPLING_SLOW __attribute__((noinline, optimize("no-omit-frame-pointer")))
#define NOTE_CALLER(t)                                                      \
	do {                                                                \
		uintptr_t *f_ = __builtin_frame_address(0);                 \
		(t)->walk.pc = f_[1];                                       \
		(t)->walk.fp = f_[0];                                       \
		(t)->walk.sp = (uintptr_t)(f_ + 2);                         \
	} while (0)
#else
#define SAMPLING_SLOW __attribute__((noinline))
#define NOTE_CALLER(t) ((t)->walk.pc = 0)
#endif

static size_t align_of(enum kind k, size_t a)
{
	switch (k) {
	case K_MEMALIGN:
	case K_ALIGNED: return a;
	case K_VALLOC:
	case K_PVALLOC: return 4096;
	default: return 16;
	}
}

static SAMPLING_SLOW void *alloc_slow(enum kind k, size_t a, size_t b, size_t size)
{
	struct ht_tls *t = &ht_tls;
	uint64_t rate;
	void *p;

	if (HT_UNLIKELY(is_own(t, size)) && (p = arena_alloc(size, align_of(k, a))))
		return p; /* calloc's: the arena is never reused, already zero */
	rate = slow_begin(t, size);
	if (!rate)
		return call_real(k, a, b);
	NOTE_CALLER(t);
	p = call_real(k, a, b);
	slow_end(t, p, size, rate);
	return p;
}

static __attribute__((noinline)) void free_slow(void *p)
{
	struct ht_tls *t = &ht_tls;
	struct ht_addr_rec rec;
	int saved;

	if (in_arena(p))
		return;
	if (t->guard) {
		real_free(p);
		return;
	}
	saved = errno;
	ht_guard_enter(t);
	if (ht_take(p, &rec))
		ht_settle_free(&rec);
	real_free(p);
	ht_guard_exit(t, 0);
	errno = saved;
}

/* hit: p may be sampled (the filter says so), and the hook left the
 * countdown alone; otherwise it has counted n down already. */
static SAMPLING_SLOW void *realloc_slow(void *p, size_t n, int hit)
{
	struct ht_tls *t = &ht_tls;
	struct ht_addr_rec rec;
	uint64_t rate = 0;
	int saved, taken = 0;
	void *q;

	if (hit)
		t->countdown -= (int64_t)n; /* the hook skipped it */
	if (hit && in_arena(p)) {
		/* move out of the bootstrap arena (never freed) */
		size_t old = arena_block_size(p);
		t->countdown += (int64_t)n;
		if (n == 0)
			return NULL;
		q = malloc(n);
		if (q)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	if (HT_UNLIKELY(is_own(t, n)) && !p && (q = arena_alloc(n, 16)))
		return q;
	if (t->guard) {
		t->countdown += (int64_t)n;
		return real_realloc(p, n);
	}
	saved = errno;
	if (t->countdown <= 0)
		rate = ht_sample_decide(t, n);
	if (rate)
		NOTE_CALLER(t);
	ht_guard_enter(t);
	if (hit)
		taken = ht_take(p, &rec);
	errno = saved;
	q = real_realloc(p, n);
	saved = errno;
	if (taken) {
		if (!q && n != 0)
			ht_put_back(&rec); /* the old block lives on */
		else
			ht_settle_free(&rec);
	}
	if (q && rate)
		ht_record_alloc(q, n, rate);
	ht_guard_exit(t, 0);
	errno = saved;
	return q;
}

/* ---- the hooks ------------------------------------------------------ */

/*
 * COUNT_DOWN(size, slow): subtract size from this thread's countdown and
 * go to the label `slow` when it reaches zero or below.  On x86-64 with
 * GCC or clang, one read-modify-write `sub` on the thread-local word and
 * the branch on its flags (3 instructions fewer than the compiler's load,
 * subtract, store, test: it does not reuse the subtraction's flags).  The
 * flags compare the exact difference, which differs from the wrapped
 * one only for sizes beyond 2^62, which no allocator satisfies.
 */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__PIC__)
_Static_assert(offsetof(struct ht_tls, countdown) == 0, "COUNT_DOWN subtracts at ht_tls+0");
#define COUNT_DOWN(size, slow)                                              \
	asm goto("movq ht_tls@gottpoff(%%rip), %%rax\n\t"                   \
		 "subq %0, %%fs:(%%rax)\n\t"                                 \
		 "jle %l1"                                                   \
		 : : "r"((int64_t)(size)) : "rax", "cc", "memory" : slow)
#else
#define COUNT_DOWN(size, slow)                                              \
	do {                                                                \
		if (HT_UNLIKELY((ht_tls.countdown -= (int64_t)(size)) <= 0)) \
			goto slow;                                          \
	} while (0)
#endif

#define FAST_ALLOC(size, slow_call, real_call)                              \
	do {                                                                \
		COUNT_DOWN(size, slow_);                                    \
		return real_call;                                           \
	slow_:                                                              \
		return slow_call;                                           \
	} while (0)

HT_EXPORT void *malloc(size_t n)
{
	FAST_ALLOC(n, alloc_slow(K_MALLOC, n, 0, n), real_malloc(n));
}

HT_EXPORT void free(void *p)
{
	if (HT_LIKELY(!ht_filter_maybe(p))) {
		real_free(p);
		return;
	}
	free_slow(p);
}

HT_EXPORT void *calloc(size_t n, size_t m)
{
	size_t sz;

	if (__builtin_mul_overflow(n, m, &sz))
		return real_calloc(n, m); /* ENOMEM, as the real one decides */
	FAST_ALLOC(sz, alloc_slow(K_CALLOC, n, m, sz), real_calloc(n, m));
}

HT_EXPORT void *realloc(void *p, size_t n)
{
	if (HT_UNLIKELY(ht_filter_maybe(p)))
		return realloc_slow(p, n, 1);
	COUNT_DOWN(n, slow);
	return real_realloc(p, n);
slow:
	return realloc_slow(p, n, 0);
}

HT_EXPORT void *reallocarray(void *p, size_t n, size_t m)
{
	size_t sz;

	if (__builtin_mul_overflow(n, m, &sz)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, sz);
}

static SAMPLING_SLOW int posix_memalign_slow(void **out, size_t align, size_t n)
{
	struct ht_tls *t = &ht_tls;
	uint64_t rate;
	void *p;
	int r;

	if (HT_UNLIKELY(is_own(t, n)) && (p = arena_alloc(n, align))) {
		*out = p;
		return 0;
	}
	rate = slow_begin(t, n);
	if (!rate)
		return real_posix_memalign(out, align, n);
	NOTE_CALLER(t);
	r = real_posix_memalign(out, align, n);
	slow_end(t, r == 0 ? *out : NULL, n, rate);
	return r;
}

HT_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	FAST_ALLOC(n, posix_memalign_slow(out, align, n), real_posix_memalign(out, align, n));
}

HT_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	FAST_ALLOC(n, alloc_slow(K_ALIGNED, align, n, n), real_aligned_alloc(align, n));
}

HT_EXPORT void *memalign(size_t align, size_t n)
{
	FAST_ALLOC(n, alloc_slow(K_MEMALIGN, align, n, n), real_memalign(align, n));
}

HT_EXPORT void *valloc(size_t n)
{
	FAST_ALLOC(n, alloc_slow(K_VALLOC, n, 0, n), real_valloc(n));
}

HT_EXPORT void *pvalloc(size_t n)
{
	FAST_ALLOC(n, alloc_slow(K_PVALLOC, n, 0, n), real_pvalloc(n));
}

HT_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (in_arena(p))
		return arena_block_size(p);
	return real_usable(p);
}
