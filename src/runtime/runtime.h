/*
 * The runtime's shared state and the entry points the malloc hooks
 * (interpose.c) and the control thread (control.c) use.
 *
 * Everything here runs inside the target process, often inside malloc:
 * no malloc of our own, no stdio, no abort or exit, errno preserved by the
 * hooks, locks only under the per-thread recursion guard.
 */
#ifndef HT_RUNTIME_RUNTIME_H
#define HT_RUNTIME_RUNTIME_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <heaptop/segment.h>

#include "runtime/addrmap.h"
#include "runtime/clock.h"
#include "runtime/fpwalk.h"
#include "runtime/sampler.h"
#include "runtime/segment.h"
#include "runtime/stacks.h"

/* Per-thread state.  Initial-exec TLS: reading it never allocates.  Laid
 * out by use, on 64-byte lines: the first holds what every call reads (the
 * countdown) and what a sample draws and walks from; the second what a
 * sample also needs (the clock's anchor, the batched accounting, the
 * stack's bounds); the walker's tail, used only when a walk reaches
 * libunwind, lies past them.  Between samples the program's work evicts
 * both lines: a sample waits for one, not for the four it straddled when
 * its fields lay apart. */
struct ht_tls {
	int64_t countdown;  /* bytes until the next sample point; <= 0: sample */
	uint64_t rate;      /* mean interval the countdown was drawn with */
	uint32_t guard;     /* inside the runtime: hooks pass straight through */
	uint32_t inited;
	uint32_t resolving; /* this thread is resolving the real functions */
	uint32_t tid;       /* cached kernel thread id, 0 = not yet */
	struct ht_rng rng;
	struct ht_fpw_start walk;    /* the sampled call's program frame (pc 0: none) */
	struct ht_clock_anchor clk;  /* the sampled path's clock (clock.h) */
	/* batched into ht_rt / the header every HT_ACC_BATCH samples */
	uint64_t acc_ns;    /* with a budget: what this thread's samples cost */
	uint32_t acc_n;     /* samples since the last flush */
	uint32_t acc_walked; /* of which the frame-pointer walker unwound */
	struct ht_fpw_bounds bounds; /* this thread's stack, for the walker */
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct ht_tls, clk) == 64 &&
	       offsetof(struct ht_tls, bounds) + 2 * sizeof(uintptr_t) <= 128,
	       "what a sample reads lies in the first two lines");
#define HT_ACC_BATCH 64u
extern __thread struct ht_tls ht_tls __attribute__((tls_model("initial-exec")));

/*
 * The one way into and out of the runtime for code that may take its locks
 * or allocate below it: every public API entry point, the exit and fork
 * handlers, start-up, the control thread and the hooks' slow paths.
 * ht_guard_enter sets the recursion guard (the hooks then pass straight
 * through to the real allocator) and returns its previous value, which the
 * matching ht_guard_exit restores: entries nest.
 */
static inline uint32_t ht_guard_enter(struct ht_tls *t)
{
	uint32_t saved = t->guard;

	t->guard = 1;
	return saved;
}

static inline void ht_guard_exit(struct ht_tls *t, uint32_t saved)
{
	t->guard = saved;
}

enum ht_rt_state {
	HT_RT_OFF = 0,      /* not initialised yet: pass through */
	HT_RT_READY = 1,
	HT_RT_DISABLED = 2, /* HEAPTOP_DISABLE or a fatal start-up error */
};

#define HT_DEF_RATE (UINT64_C(512) * 1024)
#define HT_DEF_DEPTH 64u

struct ht_runtime {
	int state;                 /* enum ht_rt_state, atomic */
	uint64_t rate;             /* current mean interval, atomic */
	uint32_t max_depth;
	int libunwind_only;        /* HEAPTOP_UNWIND=libunwind: no frame-pointer walk */
	int unwind_check;          /* HEAPTOP_UNWIND=check: both, compared */
	int walk_memo;             /* the walker runs and its memo holds
	                            * max_depth frames (walkmemo.h) */
	int keep_threaded;         /* HEAPTOP_SINGLE=0: glibc's flag left cleared */
	uint64_t budget_ppm;       /* HEAPTOP_BUDGET, millionths; 0 = none */
	uint32_t ring_events;      /* HEAPTOP_RING; 0 = HT_SEG_DEF_RING */
	uint64_t cost_ns;          /* with a budget: flushed sample costs, atomic */
	uint64_t cost_timed;       /* how many samples cost_ns covers, atomic */
	int have_seg;
	struct ht_seg_view seg;
	struct ht_stack_table stacks;
	struct ht_addrmap addrs;
	uintptr_t self_lo, self_hi; /* our own text: frames to drop */
	char name[HT_SEG_NAME_MAX + 1];
	char parent_name[HT_SEG_NAME_MAX + 1]; /* fork child: the parent's segment */
	int child_pending;         /* fork child without its segment yet:
	                            * 1 pending, 2 being created, atomic */
	char dump_at_exit[1024];
	int dump_suffix_pid;       /* descendant process: append ".<pid>" */
	char final_dump[1024];     /* HEAPTOP_FINAL_DUMP, absolute, or "" */
	long final_pid;            /* the process it was set for */
	int control_up;            /* the control thread runs (atomic) */
	pthread_mutex_t cmd_lock;  /* serialises reset, dump, set_rate */
};
extern struct ht_runtime ht_rt;

/* interpose.c: resolve the real allocator with dlsym(RTLD_NEXT).  Returns
 * 1 when resolved, 0 while this thread is resolving (use the arena). */
int ht_interpose_resolve(void);

/* interpose.c: the allocator's malloc the hooks call (NULL while
 * unresolved), for telling which allocator serves the program. */
void *ht_interpose_real_malloc(void);

/* interpose.c: after fork, in the child: re-mark the bootstrap arena's
 * blocks in the (cleared) address filter. */
void ht_interpose_after_fork(void);

/* interpose.c: between begin and end, the calling thread's allocations
 * are the runtime's own (the C library's, made for it: the control
 * thread's TLS vector) and come from the bootstrap arena, not the
 * program's heap, whose layout the program's allocator then sees exactly
 * as without the runtime.  One thread at a time, not nested. */
void ht_interpose_own_begin(void);
void ht_interpose_own_end(void);

/*
 * Decide, after the hook has subtracted `size` from the countdown, whether
 * this allocation is sampled.  Re-arms the countdown.  Returns the mean
 * interval the allocation was sampled at (its weights use it), or 0 when
 * it is not sampled.  Called with the guard clear.
 */
uint64_t ht_sample_decide(struct ht_tls *t, size_t size);

/* Record a sampled allocation of `size` requested bytes at p (guard set). */
void ht_record_alloc(void *p, size_t size, uint64_t rate);

/* Take p out of the address map (guard set).  Returns 1 and *rec when p was
 * sampled; the counters are untouched until ht_settle_free. */
int ht_take(void *p, struct ht_addr_rec *rec);

/* Subtract a taken record from its stack (unless a reset forgot it) and
 * push the free event (guard set). */
void ht_settle_free(const struct ht_addr_rec *rec);

/* Put a taken record back (a failed realloc kept the old block). */
void ht_put_back(const struct ht_addr_rec *rec);

/* In a fork child whose segment does not exist yet, create it (once; the
 * guard is set).  Returns 1 when this process has a segment to write. */
int ht_child_segment(void);

/* Commands (control thread and public API); each takes cmd_lock itself.
 * 0 or -errno. */
int ht_cmd_reset(void);
int ht_cmd_dump(const char *path);
int ht_cmd_set_rate(uint64_t rate);
/* HT_CMD_LIVE: the live sampled objects of the current generation to
 * path (the control thread; guard set).  0 or -errno. */
int ht_cmd_live(const char *path);

/* control.c: start the control thread (signals blocked).  0 or -errno. */
int ht_control_start(void);

/* Republish the module list when the loader's lists changed. */
void ht_modules_refresh(int force);

#endif /* HT_RUNTIME_RUNTIME_H */
