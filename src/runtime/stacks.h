/*
 * The stack table: interns call stacks (arrays of return addresses) into
 * the segment's open-addressed table and keeps the per-stack counters.
 *
 * Lookups are lock-free (entries are published with a release store of
 * their hash and never deleted); insertions take a spinlock, and a stack's
 * counters change under one of HT_STACK_LOCKS striped spinlocks (one atomic
 * exchange per sample or sampled free, where an atomic addition per
 * counter cost eleven); callers may only hold them with their recursion
 * guard set (see util.h).  The frontend reads the counters without a lock,
 * one word at a time, as before.  Runs inside malloc: allocates nothing.
 * A full table is reported, never fatal.
 */
#ifndef HT_RUNTIME_STACKS_H
#define HT_RUNTIME_STACKS_H

#include <stdint.h>

#include <heaptop/segment.h>

#include "runtime/weights.h"

#define HT_STACK_LOCKS 64 /* a power of two */

/* Views into a segment's stack and frame areas plus the header counters
 * they maintain.  The caller fills it (ht_stacks_attach) and owns it. */
struct ht_stack_table {
	/* entry i's counters: locks[i & (HT_STACK_LOCKS - 1)], one line
	 * each (private memory: a reader in another process never takes it) */
	struct {
		_Alignas(64) int v;
	} locks[HT_STACK_LOCKS];
	struct ht_seg_stack *entries;
	uint64_t *frames;
	uint32_t cap;        /* entries, power of two */
	uint32_t frames_cap; /* frame slots */
	uint32_t max_used;   /* entries allowed before the table counts as full */
	int lock;
	uint32_t *used;        /* header->stacks_used */
	uint32_t *frames_used; /* header->frames_used */
};

/* Point `t` at a table of `cap` entries and `frames_cap` frame slots, with
 * the two usage counters (zero-initialised memory is an empty table).
 * Entries beyond 7/8 of cap are refused so probes stay short. */
void ht_stacks_attach(struct ht_stack_table *t, struct ht_seg_stack *entries,
		      uint32_t cap, uint64_t *frames, uint32_t frames_cap,
		      uint32_t *used, uint32_t *frames_used);

/* Hash of a stack (never 0). */
uint64_t ht_stacks_hash(const uint64_t *pcs, uint32_t depth);

/*
 * Find or insert the stack pcs[0..depth) (innermost first; depth 0 is the
 * "unwinder failed" stack).  Stores its index in *idx.  Returns 0 when it
 * was already interned, 1 when this call inserted it, or -ENOSPC when the
 * table or the frame pool is full.
 */
int ht_stacks_intern(struct ht_stack_table *t, const uint64_t *pcs,
		     uint32_t depth, uint32_t *idx);

/* Ask for the cache lines ht_stacks_add or _sub of entry idx will touch. */
void ht_stacks_prefetch(struct ht_stack_table *t, uint32_t idx);

/* Add one sample (requested size `size`, weight w) to entry idx: raw and
 * estimated current and cumulative counters, variances.  Under the entry's
 * stripe lock; each counter changes by one store a reader never sees
 * torn. */
void ht_stacks_add(struct ht_stack_table *t, uint32_t idx, uint64_t size,
		   const struct ht_weight *w);

/* Subtract exactly what ht_stacks_add added from the current counters,
 * each saturating at zero (a reset may have zeroed them under a sample
 * that was counted before it).  Under the entry's stripe lock. */
void ht_stacks_sub(struct ht_stack_table *t, uint32_t idx, uint64_t size,
		   const struct ht_weight *w);

/* Zero every counter of every entry (prof.reset), each entry under its
 * stripe lock.  Entries stay interned. */
void ht_stacks_reset(struct ht_stack_table *t);

#endif /* HT_RUNTIME_STACKS_H */
