/*
 * The overhead budget (HEAPTOP_BUDGET=PCT): the finest sampling interval
 * that keeps the runtime's own cost under PCT% of the program's CPU time.
 *
 * The control thread observes, about once a second, how many samples the
 * program took, what they cost (the sampled path times itself while a
 * budget is set: from ht_record_alloc's clock read, before the weight and
 * the switch of stacks, to the end of the record; each sampled free's
 * removal and settling; and every removal that found nothing, a free whose
 * filter bit a sampled neighbour set) and the process's CPU time, and asks
 * ht_budget_next for the interval to use next.  Not timed: the hooks'
 * fast path, and the slow path's entry (the draw, the recursion guard,
 * errno: some 90 instructions a sample).  The number of samples per
 * second is the allocation byte rate divided by the interval, so the cost
 * scales as 1/interval: the next interval is the current one times the
 * measured overhead over the budget, then
 *   - at most 4x finer per step (a program that starts allocating at
 *     once pays for at most one second at the finer rate),
 *   - halved when a period took too few samples to measure (an idle
 *     program drifts to the floor, where it costs nothing while idle),
 *   - kept while the program used almost no CPU,
 *   - within [HT_BUDGET_FLOOR, HT_BUDGET_CEIL].
 * Estimates stay unbiased across changes: each sample's weight uses the
 * interval its thread's countdown was drawn with (ht_sample_decide).
 *
 * Pure arithmetic, no state: unit-tested on its own.
 */
#ifndef HT_RUNTIME_BUDGET_H
#define HT_RUNTIME_BUDGET_H

#include <stdint.h>

#define HT_BUDGET_FLOOR (UINT64_C(4) * 1024)           /* finest: 4 KiB */
#define HT_BUDGET_CEIL (UINT64_C(64) * 1024 * 1024)    /* coarsest: 64 MiB */
#define HT_BUDGET_MIN_SAMPLES 8    /* fewer in a period: too few to measure */
#define HT_BUDGET_MIN_CPU_NS (UINT64_C(10) * 1000 * 1000) /* 10 ms */

/* What one period showed. */
struct ht_budget_obs {
	uint64_t rate;       /* interval in force during the period */
	uint64_t budget_ppm; /* the budget, millionths of the program's time */
	uint64_t samples;    /* samples taken in the period */
	uint64_t cost_ns;    /* what the timed samples cost */
	uint64_t timed;      /* how many samples cost_ns covers */
	uint64_t cpu_ns;     /* the process's CPU time in the period */
};

struct ht_budget_next {
	uint64_t rate;         /* the interval to use next */
	uint64_t overhead_ppm; /* the expected cost at that interval (0: unknown) */
};

void ht_budget_next(const struct ht_budget_obs *o, struct ht_budget_next *out);

/* Parse PCT ("1", "0.5", "2.25"; 0 < PCT <= 50) into millionths of the
 * program's time.  Returns 0, or -1 when it is not such a number. */
int ht_budget_parse(const char *s, uint64_t *ppm);

#endif /* HT_RUNTIME_BUDGET_H */
