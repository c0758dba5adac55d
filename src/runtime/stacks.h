/*
 * The stack table: interns call stacks (arrays of return addresses) into
 * the segment's open-addressed table and keeps the per-stack counters.
 *
 * Lookups are lock-free (entries are published with a release store of
 * their hash and never deleted); insertions take a spinlock.  A stack's
 * counters are kept per stripe (segment.h): a sample or a sampled free
 * changes the counters of the stripe of its CPU (ht_stacks_stripe), under
 * one of that stripe's HT_STACK_LOCKS spinlocks (one atomic exchange,
 * where an atomic addition per counter cost eleven), so threads on
 * different CPUs write different lines.  Callers may only hold the locks
 * with their recursion guard set (see util.h).  The frontend reads the
 * counters without a lock, one word at a time, and sums the stripes.
 * Runs inside malloc: allocates nothing.  A full table is reported, never
 * fatal.
 */
#ifndef HT_RUNTIME_STACKS_H
#define HT_RUNTIME_STACKS_H

#include <stdint.h>

#include <heaptop/segment.h>

#include "runtime/cpu.h"
#include "runtime/weights.h"

#define HT_STACK_LOCKS 8       /* per stripe, a power of two */
#define HT_STACK_STRIPES 16    /* at most (HT_SEG_DEF_STRIPES) */

/* Views into a segment's stack, frame and counter areas plus the header
 * counters they maintain.  The caller fills it (ht_stacks_attach) and owns
 * it. */
struct ht_stack_table {
	struct ht_seg_stack *entries;
	uint64_t *frames;
	unsigned char *counts; /* stripe 0's head */
	uint64_t stride;       /* bytes from one stripe to the next */
	uint32_t stripe_mask;  /* stripes - 1 */
	uint32_t cap;          /* entries, power of two */
	uint32_t frames_cap;   /* frame slots */
	uint32_t max_used;     /* entries allowed before the table counts as full */
	int lock;
	uint32_t *used;        /* header->stacks_used */
	uint32_t *frames_used; /* header->frames_used */
	uint64_t *stripes_used; /* header->stripes_used */
	const uint64_t *reset_gen; /* header->reset_generation */
	uint64_t stripes_marked; /* what this process has set in it */
	/* stripe s's lock for entry i: locks[s][i & (HT_STACK_LOCKS - 1)],
	 * one line each (private memory: a reader in another process never
	 * takes it) */
	struct {
		_Alignas(64) int v;
	} locks[HT_STACK_STRIPES][HT_STACK_LOCKS];
};

/* Point `t` at a table of `cap` entries and `frames_cap` frame slots, with
 * the two usage counters, and at `stripes` stripes of counters `stride`
 * bytes apart from `counts` (the stripes laid out in the segment: at most
 * HT_STACK_STRIPES, a power of two) whose use is published in
 * *stripes_used; *reset_gen is the reset generation.  Zero-initialised
 * memory is an empty table.  Entries beyond 7/8 of cap are refused so
 * probes stay short. */
void ht_stacks_attach(struct ht_stack_table *t, struct ht_seg_stack *entries,
		      uint32_t cap, uint64_t *frames, uint32_t frames_cap,
		      uint32_t *used, uint32_t *frames_used, unsigned char *counts,
		      uint64_t stride, uint32_t stripes, uint64_t *stripes_used,
		      const uint64_t *reset_gen);

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

/* The stripe the calling thread's counters go to now: its CPU's. */
static inline unsigned ht_stacks_stripe(const struct ht_stack_table *t)
{
	return ht_cpu() & t->stripe_mask;
}

/* Ask for the cache lines ht_stacks_add or _sub of entry idx in stripe s
 * will touch. */
void ht_stacks_prefetch(struct ht_stack_table *t, unsigned s, uint32_t idx);

/* Add one sample (requested size `size`, weight w) of reset generation
 * gen to entry idx's counters in stripe s: raw and estimated current and
 * cumulative counters, variances; and count it in the stripe's samples.
 * Under the stripe's lock for the entry, where the generation is read
 * again: a sample a reset came before is not added (ht_stacks_reset bumps
 * the generation before it zeroes, so the counters hold each sample of
 * the current generation exactly once).  Each counter changes by one
 * store a reader never sees torn. */
void ht_stacks_add(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
		   const struct ht_weight *w, uint32_t gen);

/* Subtract what ht_stacks_add added (in any stripe) from the current
 * counters of entry idx in stripe s, modulo 2^64 (segment.h), unless the
 * generation is no longer gen (read under the lock, as above). */
void ht_stacks_sub(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
		   const struct ht_weight *w, uint32_t gen);

/* A sampled free: ht_stacks_sub, and one more sampled free counted in
 * stripe s. */
void ht_stacks_free(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
		    const struct ht_weight *w, uint32_t gen);

/* The samples and sampled frees counted so far, all stripes. */
void ht_stacks_totals(const struct ht_stack_table *t, uint64_t *samples, uint64_t *frees);

/* Entry idx's counters summed over the stripes (what a reader sees). */
void ht_stacks_counts(const struct ht_stack_table *t, uint32_t idx, struct ht_seg_counts *out);

/* Zero every counter of every entry in every stripe (prof.reset), each
 * under its stripe's lock, once the caller has moved the reset generation
 * on.  Entries stay interned; the samples and sampled frees are not
 * reset. */
void ht_stacks_reset(struct ht_stack_table *t);

#endif /* HT_RUNTIME_STACKS_H */
