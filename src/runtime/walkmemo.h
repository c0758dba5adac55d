/*
 * The memo of a thread's recent walks.  A walk (fpwalk.h) is a function of
 * where it starts (the allocator's caller: pc, sp, fp), the thread's stack
 * bounds, the depth limit (fixed at start-up), the walker's verdicts and
 * the stack words it reads.  A program that allocates in a loop starts the same walk over the
 * same frames again and again: when all of these are as they were, the
 * walk would yield the same frames and the stack table the same index, so
 * a sample takes the index from the memo and skips the walk, the stack's
 * hash and the table's probe.  Checking costs a load and a compare per
 * word the walk read.
 *
 * The memo lives in the scratch area of the sampled path's pool stack
 * (ownstack.h): one thread at a time, no lock.  An entry's stack index is
 * valid for the stack table of the process that wrote it: a fork child
 * calls ht_walkmemo_forget before it samples.
 */
#ifndef HT_RUNTIME_WALKMEMO_H
#define HT_RUNTIME_WALKMEMO_H

#include <stdint.h>

#include "runtime/fpwalk.h"

#define HT_WALKMEMO_LOG2_WAYS 6    /* entries, chosen by the walk's start */
#define HT_WALKMEMO_WAYS (1u << HT_WALKMEMO_LOG2_WAYS)
#define HT_WALKMEMO_MAX_DEPTH 64u  /* deeper limits are not memoized */
#define HT_WALKMEMO_READS HT_FPW_READS(HT_WALKMEMO_MAX_DEPTH)

struct ht_walkmemo_ent {
	uintptr_t pc, sp, fp, lo, hi; /* the start and bounds; pc 0: empty */
	uintptr_t fp_mask;            /* ~0 if the walk used fp, else 0 */
	uint32_t epoch;               /* the walker's epoch (fpwalk.h) */
	uint32_t idx;                 /* the walk's stack's index */
	uint32_t nreads;
	struct ht_fpw_read reads[HT_WALKMEMO_READS];
};

struct ht_walkmemo {
	struct ht_walkmemo_ent ent[HT_WALKMEMO_WAYS];
};

/*
 * Where a walk from s is kept.  A wrapper around the allocator starts the
 * walks of all its callers alike, so an entry is chosen by the start and
 * the caller.  For a walk that used the start's frame pointer (fp_ent;
 * NULL when fp is not a frame of this stack), the caller is the return
 * address above that frame.  Code without frame pointers leaves anything
 * in that register, and a walk through its call frame information never
 * looks at it (any_ent): there the start alone chooses the entry, unless
 * that entry holds the same start, when the word its walk read first (the
 * return address into the caller) chooses another.  The walk logs its
 * reads in log_ent.
 */
struct ht_walkmemo_look {
	struct ht_walkmemo_ent *fp_ent, *any_ent, *log_ent;
};

/* The walk from s (pc not 0) within bounds b, when m holds it and every
 * word it read still holds what it read: 1 and its stack's index in *idx.
 * Otherwise 0, and *look is ready for ht_walkmemo_begin. */
int ht_walkmemo_find(struct ht_walkmemo *m, const struct ht_fpw_start *s,
		     const struct ht_fpw_bounds *b, struct ht_walkmemo_look *look,
		     uint32_t *idx);

/* Before the walk: empties the entry it logs in (a walk that fails leaves
 * no stale entry) and returns the log, for ht_fpwalk.  The epoch is read
 * before the walk, so a verdict withdrawn during it voids it. */
struct ht_fpw_log ht_walkmemo_begin(struct ht_walkmemo_look *look);

/* After the walk logged through look from s within b, to a limit of at
 * most HT_WALKMEMO_MAX_DEPTH, yielded depth frames interned at idx: keep
 * it, unless the log is void. */
void ht_walkmemo_keep(const struct ht_walkmemo_look *look, const struct ht_fpw_log *log,
		      const struct ht_fpw_start *s, const struct ht_fpw_bounds *b,
		      uint32_t depth, uint32_t idx);

/* Void every entry of every memo (a fork child: its stack table is new). */
void ht_walkmemo_forget(void);

#endif /* HT_RUNTIME_WALKMEMO_H */
