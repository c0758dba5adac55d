/*
 * What the segment reader's files share (segread.c: open, checks, status,
 * snapshots; segread_cmd.c: commands; segread_ring.c: the event ring
 * consumer; segread_live.c: the live-objects file): the reader's state and
 * the truncation guard every access to the mappings runs under (see
 * segread.c).  Private to those files.
 */
#ifndef HT_CORE_SEGREAD_PRIV_H
#define HT_CORE_SEGREAD_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>

#include "core/cause.h"
#include "core/segread.h"

struct ht_segread {
	char *name;
	int fd;
	const unsigned char *base;  /* PROT_READ mapping of the whole segment */
	size_t size;
	struct ht_seg_control *ctl; /* read-write mapping of the control page */
	size_t ctl_map_size;
	struct ht_seg_header lay;   /* validated copy: layout fields only */
	char exe[sizeof(((struct ht_seg_header *)0)->exe)];
	char cmdline[sizeof(((struct ht_seg_header *)0)->cmdline)];
	unsigned char *strings;     /* scratch copy of the strings area */
	struct ht_seg_module *mods; /* scratch copy of the module table */
	/* ring consumer (ht_segread_ring_*): read-write mapping of the ring
	 * section, the next index to read, events dropped as invalid */
	unsigned char *ring_map;
	size_t ring_map_size;
	struct ht_seg_event *ring_ev;
	uint64_t ring_tail;
	uint64_t ring_invalid;
	/* the command slot's lock is per process: two threads of this one
	 * (the screen's and an event follower's) take turns here */
	pthread_mutex_t cmd_lock;
};

/* The truncation guard (segread.c explains it). */
struct guard {
	sigjmp_buf jb;
	struct guard *prev;
	const struct ht_segread *r;
};

extern __thread struct guard *ht_segread_tl_guard;

static inline void guard_push(struct guard *g, const struct ht_segread *r)
{
	g->r = r;
	g->prev = ht_segread_tl_guard;
	ht_segread_tl_guard = g;
}

static inline void guard_pop(struct guard *g)
{
	ht_segread_tl_guard = g->prev;
}

/* Arm the guard for reader rd in this frame: 0 now, non-zero when a
 * truncation fault jumped back here (call guard_pop either way). */
#define GUARD_ENTER(g, rd) (guard_push(&(g), (rd)), sigsetjmp((g).jb, 1))

static inline void set_truncated(const struct ht_segread *r, char **cause)
{
	ht_cause_set(cause, "segment '%s' was truncated while being read (by "
	          "another process): refusing it", r->name);
}

static inline uint64_t ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t ld32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* -ENOMEM with its cause. */
static inline int nomem(char **cause)
{
	ht_cause_set(cause, "out of memory");
	return -ENOMEM;
}

/* The process exists (possibly another user's). */
static inline bool pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

#endif /* HT_CORE_SEGREAD_PRIV_H */
