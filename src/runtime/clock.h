/*
 * The sampled path's clocks: CLOCK_MONOTONIC in nanoseconds, read from the
 * processor's time-stamp counter where the kernel keeps time with it, and
 * the stamps of births and events, which may be coarser.
 *
 * A sample stamps its record with its birth (share/doc/internals.md,
 * "Ages").  clock_gettime through the vDSO is some 60 instructions and,
 * between samples, a cache miss on the kernel's time data (the malloc
 * benchmark's clock step: 170 cycles at 1 thread, 280 at 2; 135 and 150
 * with the counter, bench/RESULTS.md section 3).  Here a sample reads the counter
 * (rdtsc: no memory) and scales the ticks since its thread's anchor, a
 * (counter, clock) pair taken with clock_gettime not long ago, by the
 * counter's rate measured against clock_gettime since start-up.  A read is
 * off by the rate's error times the anchor's age; anchors are replaced
 * often enough (clock.c) that this stays a few nanoseconds.
 *
 * The counter is used only when the kernel's clocksource is "tsc" (then
 * the counters are constant-rate and agree across CPUs, or the kernel
 * would not use them) on x86-64; otherwise, and until the rate has been
 * measured for 1 ms, a precise read is clock_gettime.  Where the counter
 * does not serve (a virtual machine's kvm-clock, xen, hyperv), stamps are
 * CLOCK_MONOTONIC_COARSE instead: the time of the kernel's last tick (1-4
 * ms old), read from the kernel's time data alone, never later than
 * CLOCK_MONOTONIC read after it.  Ages and lifetimes are then exact to a
 * tick, for half the clock's cost per sample.  With an overhead budget
 * the stamp is also where a sample's timed cost starts, and is precise.
 * HEAPTOP_CLOCK=system makes every read clock_gettime(CLOCK_MONOTONIC),
 * HEAPTOP_CLOCK=coarse stamps coarse even where the counter serves.
 */
#ifndef HT_RUNTIME_CLOCK_H
#define HT_RUNTIME_CLOCK_H

#include <stdint.h>

/* A thread's anchor (in its ht_tls): counter, clock, the rate it scales
 * ticks with (ns per tick * 2^32) and the ticks it serves (0: none, every
 * read takes the slow path).  Zeroed, as a new thread's is, it sends the
 * next read to the slow path, which sets it. */
struct ht_clock_anchor {
	uint64_t tsc;
	uint64_t ns;
	uint64_t mult;
	uint64_t span;
};

/* Ticks an anchor serves at most: 50 ms at 2.7 GHz (clock.c: a young
 * process's serve less).  CLOCK_MONOTONIC's own rate may be slewed (by
 * NTP) meanwhile: a bounded span keeps that to nanoseconds, for one
 * clock_gettime per 50 ms of a thread that samples.  With mult < 2^36 (a
 * counter of 1/16 GHz or more) ticks times mult fits 64 bits. */
#define HT_CLOCK_SPAN (UINT64_C(1) << 27)

/* How the clocks read. */
enum ht_clock_kind {
	HT_CLOCK_SYSTEM,  /* clock_gettime(CLOCK_MONOTONIC), stamps too */
	HT_CLOCK_COUNTER, /* the counter, scaled; stamps too */
	HT_CLOCK_COARSE,  /* clock_gettime; stamps CLOCK_MONOTONIC_COARSE */
};

/* An anchor's mult when its thread stamps coarse (no counter's rate is
 * that large): set by its first stamp, so later ones need no global. */
#define HT_CLOCK_MULT_COARSE UINT64_MAX

/* Start-up: how to read, and the counter rate's first point when by the
 * counter. */
void ht_clock_init(enum ht_clock_kind kind);

/* The kind for this machine: the counter when its kernel keeps time with
 * it (clocksource "tsc"), coarse stamps otherwise; HEAPTOP_CLOCK=system or
 * =coarse overrides.  timed: stamps start a budget's timed cost, so they
 * are never coarse. */
enum ht_clock_kind ht_clock_choose(int timed);

/* clock_gettime, and a new anchor in *a when the counter may serve. */
uint64_t ht_clock_slow(struct ht_clock_anchor *a);

/* A stamp where the anchor does not serve: the coarse clock when that is
 * the kind (marking the anchor), else ht_clock_slow. */
uint64_t ht_clock_stamp_slow(struct ht_clock_anchor *a);

static inline uint64_t ht_clock_tsc(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return 0;
#endif
}

/* CLOCK_MONOTONIC now, in ns (0 if the clock cannot be read): for timing. */
static inline uint64_t ht_clock_ns(struct ht_clock_anchor *a)
{
	uint64_t tsc = ht_clock_tsc(), d = tsc - a->tsc;

	if (__builtin_expect(d < a->span, 1))
		return a->ns + ((d * a->mult) >> 32);
	return ht_clock_slow(a);
}

/* The stamp of a birth or an event: ht_clock_ns, or CLOCK_MONOTONIC_COARSE
 * (never later than CLOCK_MONOTONIC) where the counter does not serve. */
static inline uint64_t ht_clock_stamp(struct ht_clock_anchor *a)
{
	uint64_t tsc = ht_clock_tsc(), d = tsc - a->tsc;

	if (__builtin_expect(d < a->span, 1))
		return a->ns + ((d * a->mult) >> 32);
	return ht_clock_stamp_slow(a);
}

#endif /* HT_RUNTIME_CLOCK_H */
