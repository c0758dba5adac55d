/*
 * The runtime's life cycle and sampled path: start-up (configuration,
 * segment, modules, unwinder, control thread), the sampled allocation and
 * free, reset / dump / set-rate, fork, exec and exit, and the public API of
 * include/heaptop/heaptop.h.
 *
 * Runs inside the target: never calls the interposed malloc for itself
 * (mmap and the stack only), never aborts or exits, never blocks the
 * program on a frontend, keeps every lock under the recursion guard.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <heaptop/heaptop.h>

#include "runtime/allocator.h"
#include "runtime/budget.h"
#include "runtime/dump.h"
#include "runtime/modules.h"
#include "runtime/ownstack.h"
#include "runtime/phase.h"
#include "runtime/ring.h"
#include "runtime/runtime.h"
#include "runtime/single.h"
#include "runtime/util.h"
#include "runtime/walkmemo.h"
#include "runtime/weights.h"

__thread struct ht_tls ht_tls __attribute__((tls_model("initial-exec")));

struct ht_runtime ht_rt = {
	.state = HT_RT_OFF,
	.rate = HT_DEF_RATE,
	.max_depth = HT_DEF_DEPTH,
	.cmd_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* ---- sampling decision --------------------------------------------- */

/* The allocation that took the countdown to zero or below is sampled at
 * the rate its countdown was drawn with (returned); the countdown is
 * re-armed at the rate now in force, nr. */
static inline uint64_t rearm(struct ht_tls *t, uint64_t nr)
{
	uint64_t r = t->rate ? t->rate : 1;

	/* One fresh interval, however far below zero this allocation took
	 * the countdown: the process is memoryless, so the distance from
	 * here to the next sample point is a fresh exponential whatever came
	 * before (a 4 MiB block needs no eight draws). */
	t->countdown = nr <= 1 ? 0 : (int64_t)ht_sampler_interval(&t->rng, nr);
	t->rate = nr;
	return r;
}

/* A thread's first decision: seed its generator and draw its first
 * countdown, which this allocation then counts down.  Out of line, so
 * that the common decision saves no registers for it. */
static __attribute__((noinline, cold)) uint64_t decide_first(struct ht_tls *t, size_t size,
							     uint64_t nr)
{
	int64_t c;

	ht_rng_seed(&t->rng, ht_now_ns(CLOCK_MONOTONIC) ^ ((uint64_t)ht_gettid() << 32) ^
		    (uintptr_t)t);
	ht_ownstack_deal();
	t->inited = 1;
	t->rate = nr;
	c = nr <= 1 ? 0 : (int64_t)ht_sampler_interval(&t->rng, nr);
	t->countdown = c - (int64_t)size;
	if (t->countdown > 0)
		return 0;
	return rearm(t, nr);
}

uint64_t ht_sample_decide(struct ht_tls *t, size_t size)
{
	int state = __atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE);
	uint64_t nr;

	if (HT_UNLIKELY(state != HT_RT_READY)) {
		/* before start-up: stay on the slow path until ready; disabled:
		 * leave it for good */
		t->countdown = state == HT_RT_DISABLED ? INT64_MAX / 4 : 0;
		return 0;
	}
	nr = __atomic_load_n(&ht_rt.rate, __ATOMIC_RELAXED);
	if (HT_UNLIKELY(!t->inited))
		return decide_first(t, size, nr);
	return rearm(t, nr);
}

/* ---- sampled path --------------------------------------------------- */

/* time_ns 0: read the clock now (only when the event is pushed). */
static __attribute__((noinline)) void push_event_now(uint32_t type, uint64_t addr,
						     uint64_t size, uint64_t wbytes,
						     uint32_t stack, uint64_t time_ns,
						     uint64_t born_ns)
{
	struct ht_seg_event e;

	e.seq = 0;
	e.type = type;
	if (HT_UNLIKELY(!ht_tls.tid))
		ht_tls.tid = ht_gettid();
	e.tid = ht_tls.tid;
	e.time_ns = time_ns ? time_ns : ht_clock_stamp(&ht_tls.clk);
	e.addr = addr;
	e.size = size;
	e.weight_bytes = wbytes;
	e.stack = stack;
	e._pad = 0;
	e.born_ns = born_ns;
	ht_ring_push(ht_rt.seg.ring, ht_rt.seg.events, ht_rt.seg.hdr->ring_cap, &e,
		     &ht_rt.seg.hdr->ring_drops);
}

/* The ring is a stream for a frontend that consumes it: with no consumer
 * registered it would only fill up and count every later event as
 * dropped, so nothing is pushed (the counters are exact either way).  The
 * test inline: the event is only built when someone reads it. */
static inline void push_event(uint32_t type, uint64_t addr, uint64_t size,
			      uint64_t wbytes, uint32_t stack, uint64_t time_ns,
			      uint64_t born_ns)
{
	if (__atomic_load_n(&ht_rt.seg.ctl->ring_consumer, __ATOMIC_RELAXED))
		push_event_now(type, addr, size, wbytes, stack, time_ns, born_ns);
}

static __attribute__((noinline)) void push_rec_event_now(uint32_t type,
							 const struct ht_addr_rec *rec,
							 uint64_t time_ns)
{
	push_event_now(type, rec->addr, rec->size, rec->w.est_bytes, rec->stack, time_ns,
		       rec->born_ns);
}

/* A sampled block's ALLOC or FREE event (time_ns as push_event's): the
 * record's fields are read only when someone consumes the ring. */
static inline void push_rec_event(uint32_t type, const struct ht_addr_rec *rec,
				  uint64_t time_ns)
{
	if (__atomic_load_n(&ht_rt.seg.ctl->ring_consumer, __ATOMIC_RELAXED))
		push_rec_event_now(type, rec, time_ns);
}

static void count(uint64_t *field)
{
	__atomic_fetch_add(field, 1, __ATOMIC_RELAXED);
}

/* Stack the sampled path needs below its caller: libunwind's cursor and
 * context, the frame buffer, our frames.  Measured around 6 KiB.  Only
 * the fallback path uses the program's own stack (no pool stack free):
 * on an alternate signal stack with less room than this the sample is
 * then recorded without a backtrace rather than overflowing it. */
#define HT_UNWIND_STACK_NEED (12 * 1024)

/* True when running on an alternate signal stack with less than
 * HT_UNWIND_STACK_NEED bytes left (a handler on a SIGSTKSZ stack). */
static __attribute__((noinline)) int short_of_stack(void)
{
	stack_t ss;
	char here;

	if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK))
		return 0;
	return (uintptr_t)&here < (uintptr_t)ss.ss_sp ||
	       (uintptr_t)&here - (uintptr_t)ss.ss_sp < HT_UNWIND_STACK_NEED;
}

/* libunwind's stack from here into buf (cap entries), the runtime's own
 * leading frames dropped: the depth kept (at most max), and in *first
 * the index of its first frame. */
static uint32_t unwind_libunwind(void **buf, int cap, uint32_t max, int *first)
{
	int n = unw_backtrace(buf, cap), i = 0;

	while (i < n && (uintptr_t)buf[i] >= ht_rt.self_lo && (uintptr_t)buf[i] < ht_rt.self_hi)
		i++;
	*first = i;
	return n - i < 0 ? 0 : ((uint32_t)(n - i) < max ? (uint32_t)(n - i) : max);
}

/* HEAPTOP_UNWIND=check: walked samples, and those whose stack differs
 * from libunwind's. */
static uint64_t check_walked, check_differ;

/* HEAPTOP_UNWIND=check: unwind again with libunwind and compare with the
 * walker's n frames in out (at most max); a difference is counted, and
 * the first three are told on stderr with the frame where they part. */
static void check_walk(const uint64_t *out, uint32_t n, int cap, uint32_t max)
{
	void **ref = __builtin_alloca((size_t)cap * sizeof(void *));
	char at[24], a[24], b[24];
	int i;
	uint32_t k = 0, d = unwind_libunwind(ref, cap, max, &i);

	__atomic_fetch_add(&check_walked, 1, __ATOMIC_RELAXED);
	while (k < n && k < d && out[k] == (uint64_t)(uintptr_t)ref[i + (int)k])
		k++;
	if (k == n && k == d)
		return;
	if (__atomic_fetch_add(&check_differ, 1, __ATOMIC_RELAXED) >= 3)
		return;
	ht_fmt_u64(at, k, 10);
	a[0] = b[0] = '-';
	a[1] = b[1] = '\0';
	if (k < n) {
		a[0] = '0', a[1] = 'x';
		ht_fmt_u64(a + 2, out[k], 16);
	}
	if (k < d) {
		b[0] = '0', b[1] = 'x';
		ht_fmt_u64(b + 2, (uint64_t)(uintptr_t)ref[i + (int)k], 16);
	}
	ht_log3("unwind check: the walker and libunwind part at frame ", at, NULL);
	ht_log3("unwind check:   walker ", a, NULL);
	ht_log3("unwind check:   libunwind ", b, NULL);
}

/* Unwind the caller's stack into buf (cap entries, innermost first) and
 * drop the runtime's own leading frames.  Returns the depth (0 when the
 * unwinder failed) and stores in *first the index of the first kept frame.
 * One buffer for both.  The frame-pointer walker first, from start (pc 0:
 * none), logging its reads in log (unless NULL; void when libunwind
 * unwound); libunwind when it declines. */
static __attribute__((noinline)) uint32_t capture(const struct ht_fpw_start *start, void **buf,
						  int cap, uint32_t max, int *first,
						  struct ht_fpw_log *log)
{
	int n;

	if (start->pc && !ht_rt.libunwind_only) {
		n = ht_fpwalk(start, &ht_tls.bounds, (uint64_t *)(void *)buf, max,
			      ht_rt.self_lo, ht_rt.self_hi, log);
		if (n >= 0) {
			ht_tls.acc_walked++;
			*first = 0;
			if (HT_UNLIKELY(ht_rt.unwind_check))
				check_walk((const uint64_t *)(void *)buf, (uint32_t)n, cap, max);
			return (uint32_t)n;
		}
	}
	if (log)
		log->n = HT_FPW_UNLOGGED;
	return unwind_libunwind(buf, cap, max, first);
}

/* This thread's share of the budget's measurements and of the walker's
 * counter, batched: one atomic add per HT_ACC_BATCH samples.  since_ns:
 * when this sample's timed part began (the clock is read again only with
 * a budget). */
static void account(struct ht_seg_header *h, uint64_t since_ns)
{
	struct ht_tls *t = &ht_tls;

	if (ht_rt.budget_ppm)
		t->acc_ns += ht_clock_ns(&t->clk) - since_ns;
	if (++t->acc_n < HT_ACC_BATCH)
		return;
	if (ht_rt.budget_ppm) {
		__atomic_fetch_add(&ht_rt.cost_ns, t->acc_ns, __ATOMIC_RELAXED);
		__atomic_fetch_add(&ht_rt.cost_timed, t->acc_n, __ATOMIC_RELAXED);
	}
	if (t->acc_walked)
		__atomic_fetch_add(&h->walked, t->acc_walked, __ATOMIC_RELAXED);
	t->acc_ns = 0;
	t->acc_n = 0;
	t->acc_walked = 0;
}

/* With a budget: a free's share of the samples' cost, from t0 to now.  A
 * thread that frees what other threads sampled takes no samples of its
 * own to flush it with (account), so it flushes its share whenever that
 * reaches HT_ACC_FREE_NS. */
#define HT_ACC_FREE_NS UINT64_C(100000)
static __attribute__((noinline, cold)) void account_free(uint64_t t0)
{
	struct ht_tls *t = &ht_tls;

	t->acc_ns += ht_clock_ns(&t->clk) - t0;
	if (t->acc_ns >= HT_ACC_FREE_NS) {
		__atomic_fetch_add(&ht_rt.cost_ns, t->acc_ns, __ATOMIC_RELAXED);
		t->acc_ns = 0;
	}
}

struct sample {
	void *p;
	size_t size;
	uint64_t rate;
	int unwind; /* 0: record without a backtrace */
	struct ht_addr_at at; /* p's place in the address map */
	uint64_t born_ns; /* when ht_record_alloc began: the record's birth,
			   * the ALLOC event's time, a budget's timed start */
};

_Static_assert(HT_SEG_DEF_STRIPES <= HT_STACK_STRIPES, "a lock set for every stripe laid out");

/* The walk from start (unwind_check: checked against libunwind) when the
 * memo holds it: 1 and its stack's index, or 0 and *look for the walk. */
static int walk_memoized(struct ht_walkmemo *memo, const struct ht_fpw_start *start, int cap,
			 struct ht_walkmemo_look *look, uint32_t *idx)
{
	if (!ht_walkmemo_find(memo, start, &ht_tls.bounds, look, idx))
		return 0;
	ht_tls.acc_walked++;
	if (HT_UNLIKELY(ht_rt.unwind_check)) {
		const struct ht_seg_stack *e = &ht_rt.stacks.entries[*idx];

		check_walk(&ht_rt.stacks.frames[e->frames_idx], e->depth, cap, ht_rt.max_depth);
	}
	return 1;
}

/* A backtrace's buffer holds max_depth frames of the program and up to
 * HT_OWN_FRAMES of the runtime's own, which libunwind returns first. */
#define HT_OWN_FRAMES 16

/* The frame buffer of a walk: in the pool stack's scratch area, past the
 * memo, where there is one. */
#define HT_WALK_BUF_SLOTS (HT_MAX_DEPTH_LIMIT + HT_OWN_FRAMES)
_Static_assert(sizeof(struct ht_walkmemo) + HT_WALK_BUF_SLOTS * sizeof(void *) <=
	       HT_OWNSTACK_SCRATCH, "the walk's buffer fits in the scratch area");

/* The sampled call's stack, interned: 0 and its index in *idx, or -1 (the
 * table is full; counted).  The walk's memo first (scratch: the pool
 * stack's, NULL without one), then a walk into buf (cap entries), kept
 * in the memo. */
static int stack_of(const struct sample *s, void *scratch, void **buf, int cap, uint32_t *idx)
{
	_Static_assert(sizeof(void *) == sizeof(uint64_t), "frames are stored as void *");
	struct ht_fpw_start start = ht_tls.walk;
	struct ht_walkmemo_look look, *memo = NULL;
	struct ht_fpw_log log = { HT_FPW_UNLOGGED, 0, NULL };
	int first = 0, r;
	uint32_t depth = 0;
	const uint64_t *pcs;

	ht_tls.walk.pc = 0;
	/* (s->unwind is 1 where there is a scratch area) */
	if (scratch && start.pc && ht_rt.walk_memo) {
		if (walk_memoized(scratch, &start, cap, &look, idx))
			return 0;
		log = ht_walkmemo_begin(&look);
		memo = &look;
	}
	if (s->unwind)
		depth = capture(&start, buf, cap, ht_rt.max_depth, &first, memo ? &log : NULL);
	pcs = (const uint64_t *)(const void *)&buf[first];
	if (depth == 0)
		count(&ht_rt.seg.hdr->unwind_failures);
	r = ht_stacks_intern(&ht_rt.stacks, pcs, depth, idx);
	if (r < 0) {
		count(&ht_rt.seg.hdr->stacks_full);
		return -1;
	}
	if (memo)
		ht_walkmemo_keep(memo, &log, &start, &ht_tls.bounds, depth, *idx);
	if (r == 1 && !ht_modules_cover(&ht_rt.seg, pcs, depth))
		ht_modules_refresh(0);
	return 0;
}

static void record(void *arg, void *scratch)
{
	const struct sample *s = arg;
	int cap = (int)(ht_rt.max_depth + HT_OWN_FRAMES);
	void **buf = scratch ? (void **)(void *)((char *)scratch + sizeof(struct ht_walkmemo))
			     : __builtin_alloca((size_t)cap * sizeof(void *));
	struct ht_seg_header *h;
	struct ht_addr_rec rec, old;
	uint32_t idx;
	uint64_t gen;
	unsigned stripe;
	int r;
	HT_PHASE_START(ph);

	if (HT_UNLIKELY(!__atomic_load_n(&ht_rt.have_seg, __ATOMIC_ACQUIRE)) &&
	    !ht_child_segment())
		return;
	h = ht_rt.seg.hdr;
	if (ht_weight_compute(s->size, s->rate, &rec.w) != 0)
		return;
	/* the shard's line was asked for before the switch of stacks: the
	 * slot's now, to arrive during the walk */
	ht_addrmap_prefetch_slot(&ht_rt.addrs, &s->at);
	HT_PHASE_MARK(ph, HT_PH_WEIGHT);
	rec.born_ns = s->born_ns;
	if (stack_of(s, scratch, buf, cap, &idx) < 0)
		return;
	stripe = ht_stacks_stripe(&ht_rt.stacks);
	ht_stacks_prefetch(&ht_rt.stacks, stripe, idx);
	HT_PHASE_MARK(ph, HT_PH_STACK);
	gen = __atomic_load_n(&h->reset_generation, __ATOMIC_ACQUIRE);
	rec.addr = (uint64_t)(uintptr_t)s->p;
	rec.size = s->size;
	rec.stack = idx;
	rec.gen = (uint32_t)gen;
	r = ht_addrmap_insert(&ht_rt.addrs, &s->at, &rec, &old);
	if (r < 0) {
		count(&h->addrs_full);
		return;
	}
	HT_PHASE_MARK(ph, HT_PH_MAP);
	if (r == 1)
		ht_stacks_sub(&ht_rt.stacks, stripe, old.stack, old.size, &old.w, old.gen);
	ht_stacks_add(&ht_rt.stacks, stripe, idx, s->size, &rec.w, rec.gen);
	HT_PHASE_MARK(ph, HT_PH_COUNT);
	push_rec_event(HT_EV_ALLOC, &rec, rec.born_ns);
	account(h, rec.born_ns);
	ht_single_tick(rec.born_ns);
	HT_PHASE_MARK(ph, HT_PH_EVENT);
	HT_PHASE_SPAN(ph, HT_PH_RECORD);
	HT_PHASE_COUNT(HT_PH_SAMPLES, 1);
}

void ht_record_alloc(void *p, size_t size, uint64_t rate)
{
	struct sample s = { p, size, rate, 1, ht_addrmap_at((uint64_t)(uintptr_t)p), 0 };
	HT_PHASE_START(ph);

	/* Between samples the program's own work evicts the runtime's data
	 * from the caches: ask now for the lines the record will need, so
	 * that they arrive during the walk (the map's slot once its shard's
	 * line is in, at the start of record) */
	ht_addrmap_prefetch(&ht_rt.addrs, &s.at);
	if (ht_rt.seg.hdr)
		__builtin_prefetch(&ht_rt.seg.hdr->reset_generation, 0);
	/* the one clock read of a sample, while those lines arrive: the
	 * record's birth, the ALLOC event's time, and with a budget (the
	 * stamp is precise then: clock.h) where the sample's timed cost
	 * starts (the weight and the switch of stacks are the sample's too) */
	s.born_ns = ht_clock_stamp(&ht_tls.clk);
	HT_PHASE_MARK(ph, HT_PH_CLOCK);
	/* on a pool stack: any program stack will do, however small */
	if (HT_LIKELY(ht_ownstack_run(record, &s) == 0)) {
		HT_PHASE_SPAN(ph, HT_PH_SAMPLE);
		return;
	}
	s.unwind = !short_of_stack();
	record(&s, NULL);
	HT_PHASE_SPAN(ph, HT_PH_SAMPLE);
}

/* ht_take with a budget: the removal is the sample's cost too, and so is
 * a removal that finds nothing (a neighbour of a sampled block in its
 * filter granule).  Out of line: the path without a budget keeps no time
 * across the removal. */
static __attribute__((noinline, cold)) int take_timed(void *p, struct ht_addr_rec *rec)
{
	uint64_t t0 = ht_clock_ns(&ht_tls.clk);
	int found = ht_addrmap_remove(&ht_rt.addrs, (uint64_t)(uintptr_t)p, rec);

	account_free(t0);
	return found;
}

int ht_take(void *p, struct ht_addr_rec *rec)
{
	int found;
	HT_PHASE_START(ph);

	if (!__atomic_load_n(&ht_rt.have_seg, __ATOMIC_ACQUIRE))
		return 0;
	if (HT_UNLIKELY(ht_rt.budget_ppm))
		return take_timed(p, rec);
	found = ht_addrmap_remove(&ht_rt.addrs, (uint64_t)(uintptr_t)p, rec);
	HT_PHASE_SPAN(ph, HT_PH_TAKE);
	HT_PHASE_COUNT(HT_PH_TAKES, 1);
	HT_PHASE_COUNT(HT_PH_FOUND, (uint64_t)found);
	return found;
}

void ht_settle_free(const struct ht_addr_rec *rec)
{
	/* with a budget, a sample's cost includes its free */
	uint64_t t0 = ht_rt.budget_ppm ? ht_clock_ns(&ht_tls.clk) : 0;
	unsigned stripe = ht_stacks_stripe(&ht_rt.stacks);
	HT_PHASE_START(ph);

	ht_stacks_free(&ht_rt.stacks, stripe, rec->stack, rec->size, &rec->w, rec->gen);
	push_rec_event(HT_EV_FREE, rec, 0);
	if (t0)
		account_free(t0);
	HT_PHASE_SPAN(ph, HT_PH_SETTLE);
}

void ht_put_back(const struct ht_addr_rec *rec)
{
	struct ht_addr_rec old;
	struct ht_addr_at at = ht_addrmap_at(rec->addr);

	if (ht_addrmap_insert(&ht_rt.addrs, &at, rec, &old) < 0)
		count(&ht_rt.seg.hdr->addrs_full);
}

/* ---- modules -------------------------------------------------------- */

void ht_modules_refresh(int force)
{
	if (!ht_rt.have_seg)
		return;
	if (!force && !ht_modules_changed())
		return;
	if (ht_modules_publish(&ht_rt.seg, (uintptr_t)&ht_modules_refresh) > 0) {
		/* an unloaded object's addresses may hold other code later */
		ht_fpwalk_forget();
		push_event(HT_EV_MODULES, 0, 0, 0, 0, 0, 0);
	}
}

/*
 * dlclose, passed through, then the module list refreshed at once: the
 * walker's rules for the unloaded object's addresses are forgotten before
 * the program can load other code there (a plugin reloaded at the same
 * address), where the periodic refresh could leave them for 200 ms.  The
 * library is flagged unloaded in the segment before dlclose returns.
 * (dlopen is not interposed: it resolves relative names with its
 * caller's RPATH, and an interposer would become the caller; dlclose has
 * no caller-dependent behaviour.)
 */
HT_EXPORT int dlclose(void *handle)
{
	static int (*real_dlclose)(void *);
	int (*real)(void *) = __atomic_load_n(&real_dlclose, __ATOMIC_ACQUIRE);
	struct ht_tls *t = &ht_tls;
	uint32_t saved;
	int r, e;

	if (HT_UNLIKELY(!real)) {
		*(void **)&real = dlsym(RTLD_NEXT, "dlclose");
		if (!real)
			return -1; /* no dlclose below us: nothing was loaded */
		__atomic_store_n(&real_dlclose, real, __ATOMIC_RELEASE);
	}
	r = real(handle);
	if (r != 0 || t->guard ||
	    __atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RT_READY)
		return r;
	e = errno;
	saved = ht_guard_enter(t);
	ht_modules_refresh(0);
	ht_guard_exit(t, saved);
	errno = e;
	return r;
}

/* ---- commands ------------------------------------------------------- */

int ht_cmd_reset(void)
{
	struct ht_seg_header *h;

	if (!ht_rt.have_seg)
		return -ENOSYS;
	h = ht_rt.seg.hdr;
	pthread_mutex_lock(&ht_rt.cmd_lock);
	if (ht_allocator_bridge()) {
		int err = ht_allocator_reset(0, NULL);

		if (err) {
			pthread_mutex_unlock(&ht_rt.cmd_lock);
			return err;
		}
	}
	__atomic_fetch_add(&h->reset_generation, 1, __ATOMIC_ACQ_REL);
	ht_stacks_reset(&ht_rt.stacks);
	__atomic_store_n(&h->reset_time_ns, ht_now_ns(CLOCK_REALTIME), __ATOMIC_RELAXED);
	push_event(HT_EV_RESET, 0, 0, 0, 0, 0, 0);
	pthread_mutex_unlock(&ht_rt.cmd_lock);
	return 0;
}

int ht_cmd_dump(const char *path)
{
	struct ht_dump_src src;
	int err;

	if (!ht_rt.have_seg)
		return -ENOSYS;
	pthread_mutex_lock(&ht_rt.cmd_lock);
	if (ht_allocator_bridge()) {
		/* jemalloc's profiler holds the program's heap: its dump */
		err = ht_allocator_dump(path);
		pthread_mutex_unlock(&ht_rt.cmd_lock);
		return err;
	}
	src.stacks = &ht_rt.stacks;
	src.rate = __atomic_load_n(&ht_rt.rate, __ATOMIC_RELAXED);
	src.maps_path = "/proc/self/maps";
	err = ht_dump_write(&src, path);
	pthread_mutex_unlock(&ht_rt.cmd_lock);
	return err;
}

int ht_cmd_live(const char *path)
{
	struct ht_seg_header *h;
	uint64_t now, rate, gen;
	int err;

	if (!ht_rt.have_seg)
		return -ENOSYS;
	h = ht_rt.seg.hdr;
	pthread_mutex_lock(&ht_rt.cmd_lock);
	gen = __atomic_load_n(&h->reset_generation, __ATOMIC_ACQUIRE);
	rate = __atomic_load_n(&h->rate, __ATOMIC_RELAXED);
	now = ht_now_ns(CLOCK_MONOTONIC);
	/* with jemalloc's profiler as the source the runtime samples
	 * nothing: a header alone, count 0 */
	err = ht_live_write(ht_allocator_bridge() ? NULL : &ht_rt.addrs, (uint32_t)gen,
			    now, rate, path);
	pthread_mutex_unlock(&ht_rt.cmd_lock);
	return err;
}

int ht_cmd_set_rate(uint64_t rate)
{
	if (rate == 0)
		return -EINVAL;
	/* the runtime's rate and the header's change together */
	pthread_mutex_lock(&ht_rt.cmd_lock);
	if (ht_allocator_bridge()) {
		/* jemalloc changes its rate only with a reset (prof.reset with
		 * lg_sample), to the nearest power of two */
		int err = ht_allocator_reset(rate, &rate);

		if (err) {
			pthread_mutex_unlock(&ht_rt.cmd_lock);
			return err;
		}
		__atomic_fetch_add(&ht_rt.seg.hdr->reset_generation, 1, __ATOMIC_ACQ_REL);
		__atomic_store_n(&ht_rt.seg.hdr->reset_time_ns, ht_now_ns(CLOCK_REALTIME),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&ht_rt.seg.hdr->rate, rate, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&ht_rt.cmd_lock);
		return 0;
	}
	__atomic_store_n(&ht_rt.rate, rate, __ATOMIC_RELAXED);
	if (ht_rt.have_seg)
		__atomic_store_n(&ht_rt.seg.hdr->rate, rate, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&ht_rt.cmd_lock);
	return 0;
}

/* ---- segment creation ----------------------------------------------- */

static void read_cmdline(char *buf, size_t size)
{
	ssize_t n = ht_read_small("/proc/self/cmdline", buf, size);

	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
}

/* out = prefix[.a][.b] (parts < 0 left out); returns 0, or -1 when the
 * name would be too long. */
static int make_name(char *out, const char *prefix, long a, long b)
{
	char tmp[HT_SEG_NAME_MAX + 64];
	size_t n = ht_strlcpy(tmp, prefix, sizeof tmp);
	long parts[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		if (parts[i] < 0)
			continue;
		tmp[n++] = '.';
		n += ht_fmt_u64(tmp + n, (uint64_t)parts[i], 10);
	}
	if (n > HT_SEG_NAME_MAX)
		return -1;
	ht_strlcpy(out, tmp, HT_SEG_NAME_MAX + 1);
	return 0;
}

/* If `name` exists and is one of ours: when it is a live segment of our
 * own pid (our image before an exec), keep its mapping in *prev so it can
 * be marked EXECED.  Returns the pid recorded in it, or -1 when it is not a
 * readable heaptop segment. */
static long inspect_existing(const char *name, void **prev, size_t *prev_size)
{
	void *mem;
	size_t size;
	struct ht_seg_header *h;
	long owner;

	if (ht_seg_open(name, &mem, &size) != 0)
		return -1;
	h = mem;
	owner = h->pid;
	if (owner == (long)getpid() && !*prev &&
	    (h->state == HT_STATE_RUNNING || h->state == HT_STATE_STARTING)) {
		*prev = mem;
		*prev_size = size;
		return owner;
	}
	ht_seg_unmap(mem, size);
	return owner;
}

/*
 * Create this process's segment.  Candidates: base, then (when with_pid)
 * base.<pid>, then base.<pid>.1 ... .9 (otherwise base.1 ... base.11).  An
 * existing live segment of our own pid is our image before exec: it is
 * marked EXECED with next_name.  When base is held by our parent process
 * (a child exec'd after fork), the new segment is flagged
 * HT_SEG_F_CHILD with parent_name = base.  Returns 0 or -errno.
 */
static int create_segment(const char *base, int with_pid, uint32_t flags,
			  const char *parent)
{
	struct ht_seg_caps caps;
	struct ht_seg_header *h;
	void *mem = NULL, *prev = NULL;
	size_t size, prev_size = 0;
	uint64_t reserve[4];
	char name[HT_SEG_NAME_MAX + 1];
	long pid = (long)getpid(), first_owner = 0;
	int err = -EEXIST;

	ht_seg_default_caps(&caps);
	if (ht_rt.ring_events)
		caps.ring = ht_rt.ring_events;
	size = ht_seg_size(&caps);
	ht_seg_hot_ranges(&caps, reserve);
	for (int k = 0; k < 12; k++) {
		int r;

		if (k == 0)
			r = make_name(name, base, -1, -1);
		else if (with_pid)
			r = make_name(name, base, pid, k == 1 ? -1 : k - 1);
		else
			r = make_name(name, base, k, -1);
		if (r != 0)
			continue;
		err = ht_seg_create(name, size, reserve, &mem);
		if (err == 0)
			break;
		if (err != -EEXIST)
			break;
		r = (int)inspect_existing(name, &prev, &prev_size);
		if (k == 0)
			first_owner = r;
	}
	if (err != 0) {
		if (prev)
			ht_seg_unmap(prev, prev_size);
		return err;
	}
	if (!(flags & HT_SEG_F_CHILD) && first_owner > 0 && first_owner != pid) {
		/* base belongs to another process: we descend from it when it
		 * is our parent (fork + exec), and our exit dump must not
		 * overwrite its one in any case */
		ht_rt.dump_suffix_pid = 1;
		if (first_owner == (long)getppid()) {
			flags |= HT_SEG_F_CHILD;
			parent = base;
		}
	}
	ht_seg_format(mem, &caps, &ht_rt.seg);
	h = ht_rt.seg.hdr;
	h->flags = flags;
	h->pid = (int32_t)pid;
	h->ppid = (int32_t)getppid();
	h->uid = (uint32_t)getuid();
	h->max_depth = ht_rt.max_depth;
	h->start_time_ns = ht_now_ns(CLOCK_REALTIME);
	h->start_mono_ns = ht_now_ns(CLOCK_MONOTONIC);
	{
		ssize_t n = readlink("/proc/self/exe", h->exe, sizeof h->exe - 1);
		h->exe[n > 0 ? n : 0] = '\0';
	}
	read_cmdline(h->cmdline, sizeof h->cmdline);
	if (parent)
		ht_strlcpy(h->parent_name, parent, sizeof h->parent_name);
	h->rate = __atomic_load_n(&ht_rt.rate, __ATOMIC_RELAXED);
	h->budget_ppm = ht_rt.budget_ppm;
	h->heartbeat_ns = h->start_mono_ns;
	ht_strlcpy(ht_rt.name, name, sizeof ht_rt.name);
	ht_stacks_attach(&ht_rt.stacks, ht_rt.seg.stacks, h->stacks_cap, ht_rt.seg.frames,
			 h->frames_cap, &h->stacks_used, &h->frames_used, ht_rt.seg.counts,
			 ht_rt.seg.counts_stride, ht_rt.seg.stripes, &h->stripes_used,
			 &h->reset_generation);
	if (prev) {
		struct ht_seg_header *ph = prev;
		ht_strlcpy(ph->next_name, name, sizeof ph->next_name);
		__atomic_store_n(&ph->exit_time_ns, ht_now_ns(CLOCK_REALTIME), __ATOMIC_RELAXED);
		__atomic_store_n(&ph->state, (uint32_t)HT_STATE_EXECED, __ATOMIC_RELEASE);
		ht_seg_unmap(prev, prev_size);
	}
	__atomic_store_n(&ht_rt.have_seg, 1, __ATOMIC_RELEASE);
	return 0;
}

/* ---- configuration -------------------------------------------------- */

/* base: HT_SEG_NAME_MAX + 1 bytes */
static void config(char *base, size_t base_size, int *explicit_name)
{
	const char *v;
	uint64_t x;

	*explicit_name = 0;
	v = getenv("HEAPTOP_RATE");
	if (v && *v) {
		if (ht_parse_size(v, &x) == 0)
			ht_rt.rate = x;
		else
			ht_log3("HEAPTOP_RATE=", v,
				": not a size (BYTES with optional K/M/G, >= 1); using 512K");
	}
	v = getenv("HEAPTOP_MAX_DEPTH");
	if (v && *v) {
		if (ht_parse_u64(v, &x) == 0 && x >= 1 && x <= HT_MAX_DEPTH_LIMIT)
			ht_rt.max_depth = (uint32_t)x;
		else
			ht_log3("HEAPTOP_MAX_DEPTH=", v, ": not a number in 1..256; using 64");
	}
	v = getenv("HEAPTOP_BUDGET");
	if (v && *v && ht_budget_parse(v, &ht_rt.budget_ppm) != 0) {
		ht_rt.budget_ppm = 0;
		ht_log3("HEAPTOP_BUDGET=", v,
			": not a percentage in (0, 50] (1, 0.5); sampling at a fixed rate");
	}
	v = getenv("HEAPTOP_RING");
	_Static_assert(HT_SEG_MIN_RING == 256 && HT_SEG_MAX_RING == 1048576 &&
		       HT_SEG_DEF_RING == 16384, "HEAPTOP_RING's message says these");
	if (v && *v) {
		if (ht_parse_u64(v, &x) == 0 && x >= HT_SEG_MIN_RING && x <= HT_SEG_MAX_RING &&
		    (x & (x - 1)) == 0)
			ht_rt.ring_events = (uint32_t)x;
		else
			ht_log3("HEAPTOP_RING=", v,
				": not a power of two in 256..1048576; using 16384");
	}
	v = getenv("HEAPTOP_UNWIND");
	if (v && strcmp(v, "libunwind") == 0)
		ht_rt.libunwind_only = 1;
	else if (v && strcmp(v, "check") == 0)
		ht_rt.unwind_check = 1;
	ht_rt.walk_memo = !ht_rt.libunwind_only && ht_rt.max_depth <= HT_WALKMEMO_MAX_DEPTH;
	v = getenv("HEAPTOP_SINGLE");
	if (v && strcmp(v, "0") == 0)
		ht_rt.keep_threaded = 1;
	v = getenv("HEAPTOP_SHM");
	if (v && *v) {
		if (ht_name_valid(v)) {
			ht_strlcpy(base, v, base_size);
			*explicit_name = 1;
		} else {
			ht_log3("HEAPTOP_SHM=", v,
				": invalid segment name ([A-Za-z0-9._-], at most 200 bytes); "
				"using heaptop.<pid>");
		}
	}
	if (!*explicit_name)
		make_name(base, "heaptop", (long)getpid(), -1);
	v = getenv("HEAPTOP_DUMP_AT_EXIT");
	if (v && *v) {
		if (strlen(v) < sizeof ht_rt.dump_at_exit - 32)
			ht_strlcpy(ht_rt.dump_at_exit, v, sizeof ht_rt.dump_at_exit);
		else
			ht_log3("HEAPTOP_DUMP_AT_EXIT: path too long; no dump at exit", NULL, NULL);
	}
	v = getenv("HEAPTOP_FINAL_DUMP");
	if (v && v[0] == '/' && strlen(v) < sizeof ht_rt.final_dump - 8) {
		ht_strlcpy(ht_rt.final_dump, v, sizeof ht_rt.final_dump);
		ht_rt.final_pid = (long)getpid();
	}
}

/* ---- exit and fork -------------------------------------------------- */

/*
 * The exit dump.  The path is expanded (%p = our pid, %% = %); with %p it
 * is used as it is, in every process; without, a descendant (suffix_pid)
 * appends ".<pid>" so it does not overwrite its ancestor's dump.
 */
static void dump_at_exit(int suffix_pid)
{
	char path[sizeof ht_rt.dump_at_exit + 24];
	uint64_t pid = (uint64_t)getpid();
	size_t n;
	int err;

	if (ht_expand_pid(path, sizeof path - 22, ht_rt.dump_at_exit, pid) != 0) {
		ht_log3("HEAPTOP_DUMP_AT_EXIT: path too long with %p expanded; no dump at exit",
			NULL, NULL);
		return;
	}
	if (suffix_pid && !ht_has_pid_conv(ht_rt.dump_at_exit)) {
		n = strlen(path);
		path[n++] = '.';
		ht_fmt_u64(path + n, pid, 10);
	}
	err = ht_cmd_dump(path);
	if (err)
		ht_log3("HEAPTOP_DUMP_AT_EXIT: cannot write ", path, NULL);
}

/*
 * The exit dumps need to know which allocator holds the heap, and the
 * control thread finds out: a program that ends within its first
 * milliseconds waits for it (at most 500 ms).
 */
static void wait_detected(struct ht_seg_header *h)
{
	struct timespec ms = { 0, 1000000 };

	if (!__atomic_load_n(&ht_rt.control_up, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < 500; i++) {
		if (__atomic_load_n(&h->alloc_flags, __ATOMIC_ACQUIRE) & HT_ALLOC_F_DONE)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * HEAPTOP_FINAL_DUMP, which heaptop sets for the program it launches:
 * when jemalloc's profiler holds the heap (the runtime has no samples of
 * its own), its dump at exit is the program's final state, which the
 * frontend could otherwise only have from its last periodic dump.  Only
 * in the process it was set for (not a fork child, not a descendant);
 * written beside and renamed, so that a reader never sees half of it.
 */
static void final_dump(struct ht_seg_header *h)
{
	char tmp[sizeof ht_rt.final_dump];
	size_t n;

	if ((long)getpid() != ht_rt.final_pid || (h->flags & HT_SEG_F_CHILD) ||
	    !ht_allocator_bridge())
		return;
	n = ht_strlcpy(tmp, ht_rt.final_dump, sizeof tmp);
	memcpy(tmp + n, ".tmp", 5);
	if (ht_cmd_dump(tmp) == 0 && rename(tmp, ht_rt.final_dump) == 0)
		return;
	unlink(tmp);
	ht_log3("HEAPTOP_FINAL_DUMP: cannot write ", ht_rt.final_dump, NULL);
}

static void on_exit_handler(int status, void *arg)
{
	struct ht_seg_header *h;
	uint32_t saved_guard;

	(void)arg;
	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RT_READY ||
	    !__atomic_load_n(&ht_rt.have_seg, __ATOMIC_ACQUIRE))
		return;
	saved_guard = ht_guard_enter(&ht_tls);
	h = ht_rt.seg.hdr;
	if (ht_rt.dump_at_exit[0] || ht_rt.final_dump[0])
		wait_detected(h);
	if (ht_rt.dump_at_exit[0])
		dump_at_exit(ht_rt.dump_suffix_pid || (h->flags & HT_SEG_F_CHILD));
	if (ht_rt.final_dump[0])
		final_dump(h);
	if (ht_rt.unwind_check) {
		char w[48], d[24];
		uint64_t samples, frees;
		size_t k;

		/* "walked W/S samples": the rest went to libunwind */
		k = ht_fmt_u64(w, __atomic_load_n(&check_walked, __ATOMIC_RELAXED), 10);
		w[k++] = '/';
		ht_stacks_totals(&ht_rt.stacks, &samples, &frees);
		ht_fmt_u64(w + k, samples, 10);
		ht_fmt_u64(d, __atomic_load_n(&check_differ, __ATOMIC_RELAXED), 10);
		ht_log3("unwind check: walked ", w, " samples");
		ht_log3("unwind check: differed from libunwind ", d, NULL);
	}
	__atomic_store_n(&h->exit_status, (int32_t)(status & 0xff), __ATOMIC_RELAXED);
	__atomic_store_n(&h->exit_time_ns, ht_now_ns(CLOCK_REALTIME), __ATOMIC_RELAXED);
	__atomic_store_n(&h->state, (uint32_t)HT_STATE_EXITED, __ATOMIC_RELEASE);
	ht_guard_exit(&ht_tls, saved_guard);
}

/*
 * cmd_lock is process-shared: glibc's pthread_mutex_lock takes the lock
 * without an atomic instruction while it believes the process
 * single-threaded (single.h), and a shared mutex never takes that
 * shortcut, so the program's thread (public API, exit) and the control
 * thread exclude each other either way.
 */
static void init_cmd_lock(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&ht_rt.cmd_lock, &a);
	pthread_mutexattr_destroy(&a);
}

/*
 * In a fork child: stop using the parent's segment at once, forget the
 * parent's sampled addresses and locks.  The child's own segment
 * <parent>.<pid> is created lazily, at its first sample
 * (ht_child_segment): a child that only execs, as most do, never creates
 * one (its new image will), and a shell-like program that forks a lot does
 * not leave a segment per fork.
 */
static void atfork_child(void)
{
	uint32_t saved_guard;

	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RT_READY)
		return;
	saved_guard = ht_guard_enter(&ht_tls);
	ht_tls.tid = 0; /* the only thread of the child has a new id */
	/* never write the parent's segment again */
	__atomic_store_n(&ht_rt.have_seg, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&ht_rt.control_up, 0, __ATOMIC_RELEASE);
	init_cmd_lock();
	ht_addrmap_clear(&ht_rt.addrs);
	ht_filter_clear();
	ht_interpose_after_fork();
	ht_ownstack_after_fork();
	ht_walkmemo_forget();
	ht_modules_forget();
	ht_single_after_fork();
	ht_rt.dump_suffix_pid = 1;
	/* a child of a child that never sampled keeps its grandparent as
	 * parent_name: it has no segment of its own to point to */
	if (!__atomic_load_n(&ht_rt.child_pending, __ATOMIC_RELAXED))
		ht_strlcpy(ht_rt.parent_name, ht_rt.name, sizeof ht_rt.parent_name);
	__atomic_store_n(&ht_rt.child_pending, 1, __ATOMIC_RELEASE);
	ht_guard_exit(&ht_tls, saved_guard);
}

int ht_child_segment(void)
{
	const char *parent = ht_rt.parent_name;
	int expected = 1, err;

	if (__atomic_load_n(&ht_rt.have_seg, __ATOMIC_ACQUIRE))
		return 1;
	if (!__atomic_compare_exchange_n(&ht_rt.child_pending, &expected, 2, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0; /* none pending, or another thread is creating it */
	/* <parent>.<pid>[.k]; a parent name too long for that: heaptop.<pid> */
	if (strlen(parent) + 24 <= HT_SEG_NAME_MAX) {
		err = create_segment(parent, 1, HT_SEG_F_CHILD, parent);
	} else {
		char base[HT_SEG_NAME_MAX + 1];

		make_name(base, "heaptop", (long)getpid(), -1);
		err = create_segment(base, 0, HT_SEG_F_CHILD, parent);
	}
	if (err == 0) {
		ht_modules_refresh(1);
		__atomic_store_n(&ht_rt.seg.hdr->state, (uint32_t)HT_STATE_RUNNING, __ATOMIC_RELEASE);
		if (ht_control_start() != 0)
			count(&ht_rt.seg.hdr->internal_errors);
		else
			__atomic_store_n(&ht_rt.control_up, 1, __ATOMIC_RELEASE);
	} else {
		ht_log3("cannot create the fork child's segment; profiling disabled in ",
			"the child", NULL);
		__atomic_store_n(&ht_rt.state, HT_RT_DISABLED, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&ht_rt.child_pending, 0, __ATOMIC_RELEASE);
	return err == 0;
}

/* ---- start-up ------------------------------------------------------- */

static __attribute__((constructor)) void ht_runtime_init(void)
{
	char base[HT_SEG_NAME_MAX + 1];
	const char *v;
	void *prime[4];
	int explicit_name, err;
	uint32_t saved;

	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RT_OFF)
		return;
	saved = ht_guard_enter(&ht_tls);
	ht_interpose_resolve();
	init_cmd_lock();
	v = getenv("HEAPTOP_DISABLE");
	if (v && strcmp(v, "1") == 0) {
		__atomic_store_n(&ht_rt.state, HT_RT_DISABLED, __ATOMIC_RELEASE);
		ht_guard_exit(&ht_tls, saved);
		return;
	}
	config(base, sizeof base, &explicit_name);
	ht_sampler_init(); /* the ziggurat's tables, before the first draw */
	ht_clock_init(ht_clock_choose(ht_rt.budget_ppm != 0));
	ht_cpu_init();
	/* before the program's code: its jemalloc reads its configuration
	 * once, at its first call */
	ht_allocator_prepare(ht_rt.rate);
	if (ht_modules_range_of((uintptr_t)&ht_runtime_init, &ht_rt.self_lo, &ht_rt.self_hi) != 0 ||
	    ht_modules_init(HT_SEG_DEF_MODULES) != 0 ||
	    ht_addrmap_init(&ht_rt.addrs, 22) != 0) {
		ht_log3("cannot initialise (out of memory); profiling disabled", NULL, NULL);
		__atomic_store_n(&ht_rt.state, HT_RT_DISABLED, __ATOMIC_RELEASE);
		ht_guard_exit(&ht_tls, saved);
		return;
	}
	err = create_segment(base, explicit_name, 0, NULL);
	if (err != 0) {
		ht_log3("cannot create the shared segment ", base, "; profiling disabled");
		__atomic_store_n(&ht_rt.state, HT_RT_DISABLED, __ATOMIC_RELEASE);
		ht_guard_exit(&ht_tls, saved);
		return;
	}
	ht_modules_refresh(1);
	/* prime the unwinder: its first use sets up caches */
	unw_backtrace(prime, 4);
	on_exit(on_exit_handler, NULL);
	pthread_atfork(NULL, NULL, atfork_child);
	__atomic_store_n(&ht_rt.seg.hdr->state, (uint32_t)HT_STATE_RUNNING, __ATOMIC_RELEASE);
	__atomic_store_n(&ht_rt.state, HT_RT_READY, __ATOMIC_RELEASE);
	if (ht_control_start() != 0)
		count(&ht_rt.seg.hdr->internal_errors);
	else
		__atomic_store_n(&ht_rt.control_up, 1, __ATOMIC_RELEASE);
	ht_guard_exit(&ht_tls, saved);
}

/* ---- public API ----------------------------------------------------- */

/* True when the runtime runs and this process has its segment (a fork
 * child creates it now if it has not sampled yet).  Guard set. */
static int api_ready(void)
{
	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RT_READY)
		return 0;
	if (__atomic_load_n(&ht_rt.have_seg, __ATOMIC_ACQUIRE))
		return 1;
	return ht_child_segment();
}

HT_EXPORT int heaptop_dump(const char *path)
{
	uint32_t saved;
	int err, e = errno;

	if (!path || !*path)
		return -EINVAL;
	saved = ht_guard_enter(&ht_tls);
	err = api_ready() ? ht_cmd_dump(path) : -ENOSYS;
	ht_guard_exit(&ht_tls, saved);
	errno = e;
	return err;
}

HT_EXPORT int heaptop_reset(void)
{
	uint32_t saved = ht_guard_enter(&ht_tls);
	int err = api_ready() ? ht_cmd_reset() : -ENOSYS;

	ht_guard_exit(&ht_tls, saved);
	return err;
}

HT_EXPORT int heaptop_set_rate(uint64_t bytes)
{
	uint32_t saved;
	int err;

	if (bytes == 0)
		return -EINVAL;
	saved = ht_guard_enter(&ht_tls);
	err = api_ready() ? ht_cmd_set_rate(bytes) : -ENOSYS;
	ht_guard_exit(&ht_tls, saved);
	return err;
}

HT_EXPORT uint64_t heaptop_get_rate(void)
{
	uint32_t saved = ht_guard_enter(&ht_tls);
	uint64_t rate = api_ready() ? __atomic_load_n(&ht_rt.rate, __ATOMIC_RELAXED) : 0;

	ht_guard_exit(&ht_tls, saved);
	return rate;
}

HT_EXPORT const char *heaptop_segment_name(void)
{
	uint32_t saved = ht_guard_enter(&ht_tls);
	const char *name = api_ready() ? ht_rt.name : NULL;

	ht_guard_exit(&ht_tls, saved);
	return name;
}
