/*
 * Ages of live objects and lifetimes of freed ones, per stack, from the
 * runtime's sampled events: what the counters cannot say.
 *
 * The table holds every live sampled object (address, stack, birth time,
 * estimated bytes).  It starts from the runtime's list of live sampled
 * objects (ht_ages_load: objects born before the frontend attached keep
 * their real birth time) and follows the event ring (ht_ages_apply).  A
 * free is matched by address and birth time, so a free that overtook
 * the allocation reusing its address in the ring removes nothing.  Freed
 * objects add their lifetime to a per-stack histogram; allocations and
 * frees add to per-stack byte totals for rates.
 *
 * When events are lost (ring overflow) the table may keep objects that
 * were freed: the caller reloads it from the runtime (ht_ages_load) and
 * ht_ages_degraded says how long the detail was unreliable.
 *
 * Not thread-safe: one owner (core/events.c serialises).
 */
#ifndef HT_CORE_AGES_H
#define HT_CORE_AGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/segread.h"

/* Age histogram buckets: upper bounds 1 s, 10 s, 1 min, 10 min, 1 h,
 * then everything older. */
#define HT_AGE_BUCKETS 6
extern const double ht_age_bucket_s[HT_AGE_BUCKETS - 1];

/* What the table knows about a set of stacks. */
struct ht_ages_summary {
	size_t live;              /* live sampled objects */
	double live_bytes;        /* their estimated bytes */
	double oldest_s;          /* age of the oldest, 0 when none */
	double median_s;          /* median age (by objects), 0 when none */
	double age_hist[HT_AGE_BUCKETS];     /* estimated bytes by age */
	size_t freed;             /* sampled frees seen */
	double lifetime_median_s; /* median lifetime of the freed (from the
	                           * histogram: a bucket's bound) */
	double life_hist[HT_AGE_BUCKETS];    /* freed objects by lifetime */
	double alloc_bytes;       /* estimated bytes allocated since the
	                           * table started following, and freed */
	double freed_bytes;
	double span_s;            /* how long the events were followed */
};

struct ht_ages;

struct ht_ages *ht_ages_new(void);
void ht_ages_free(struct ht_ages *a);

/* Replace the live objects by the runtime's list (taken at now_ns,
 * CLOCK_MONOTONIC) and, when first is true, forget lifetimes and totals
 * too (a reset, or the first load).  0 or -ENOMEM. */
int ht_ages_load(struct ht_ages *a, const struct ht_live_obj *objs, size_t n,
                 uint64_t now_ns, bool first);

/* Apply events in ring order.  0 or -ENOMEM. */
int ht_ages_apply(struct ht_ages *a, const struct ht_event *ev, size_t n);

/* Summaries over the stacks whose runtime index is in `stacks` (n of
 * them; duplicates are counted once), at now_ns.  Stacks the table never
 * saw give zeros.  0 or -ENOMEM. */
int ht_ages_summarize(struct ht_ages *a, const uint32_t *stacks, size_t n,
                      uint64_t now_ns, struct ht_ages_summary *out);

/* Live sampled objects in the table. */
size_t ht_ages_count(const struct ht_ages *a);

#endif /* HT_CORE_AGES_H */
