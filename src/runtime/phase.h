/*
 * Where a sample's time goes: processor cycles (the time-stamp counter)
 * between the sampled path's steps, summed per thread and printed at exit.
 * A measurement build only (configure CPPFLAGS=-DHT_SAMPLE_TIMING, as
 * bench/samplecycles.sh does): in every other build the macros are empty
 * and nothing here is compiled.
 *
 * Callgrind counts instructions, not the cache misses that make most of a
 * sample's time, and a virtual machine often has no performance counters
 * to count those; the cycles between steps show them.  Each mark costs
 * ~25 cycles of its own, and a step may be charged for a store miss an
 * earlier step left pending (it surfaces at the next atomic operation).
 *
 * Steps of a sampled allocation (each from the previous mark): the clock
 * (read in ht_record_alloc, before the switch of stacks); then in the
 * record, in order, the weight, the stack (the walk's memo, or the walk
 * and interning), the address map, the counters, the event and
 * accounting; then the whole record, and the whole of ht_record_alloc
 * with the clock and the switch of stacks.  (The record's line is still
 * printed "record (all of the above)", which it was until the clock moved
 * out of it: bench/samplecycles.sh reads older revisions by these names.)
 * A sampled free: the map's removal (ht_take, also when the address was
 * not sampled) and settling.
 */
#ifndef HT_RUNTIME_PHASE_H
#define HT_RUNTIME_PHASE_H

#include <stdint.h>

enum ht_phase {
	HT_PH_WEIGHT,
	HT_PH_CLOCK,
	HT_PH_STACK,   /* the walk's memo, or the walk and interning */
	HT_PH_MAP,
	HT_PH_COUNT,
	HT_PH_EVENT,
	HT_PH_RECORD,  /* the record, all its steps but the clock */
	HT_PH_SAMPLE,  /* ht_record_alloc: the clock, the record, the switch */
	HT_PH_TAKE,    /* ht_take */
	HT_PH_SETTLE,  /* ht_settle_free */
	HT_PH_N
};

#if defined(HT_SAMPLE_TIMING) && defined(__x86_64__)
#include <x86intrin.h>

/* This thread's row of sums (cycles per phase; samples, takes, found). */
uint64_t *ht_phase_row(void);
#define HT_PH_SAMPLES HT_PH_N
#define HT_PH_TAKES (HT_PH_N + 1)
#define HT_PH_FOUND (HT_PH_N + 2)

/* Declare the clock of a timed span; HT_PHASE_MARK charges the cycles since
 * the last mark to phase `ph`; HT_PHASE_SPAN charges those since the start
 * to `ph` (and leaves the marks alone). */
#define HT_PHASE_START(v) uint64_t v##_t0 = __rdtsc(), v##_t __attribute__((unused)) = v##_t0
#define HT_PHASE_MARK(v, ph)                                                \
	do {                                                                \
		uint64_t n_ = __rdtsc();                                    \
		ht_phase_row()[ph] += n_ - v##_t;                           \
		v##_t = n_;                                                 \
	} while (0)
#define HT_PHASE_SPAN(v, ph) (ht_phase_row()[ph] += __rdtsc() - v##_t0)
#define HT_PHASE_COUNT(i, n) (ht_phase_row()[i] += (n))
#else
#define HT_PHASE_START(v) ((void)0)
#define HT_PHASE_MARK(v, ph) ((void)0)
#define HT_PHASE_SPAN(v, ph) ((void)0)
#define HT_PHASE_COUNT(i, n) ((void)0)
#endif

#endif /* HT_RUNTIME_PHASE_H */
