/*
 * The sampled path's clock (see clock.h).  The slow path runs once per
 * anchor (at most every 2^27 ticks per sampling thread, more often in a
 * young process): one or two clock_gettime calls between counter reads,
 * no lock, no allocation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/clock.h"
#include "runtime/util.h"

/* The rate's first point, written once by ht_clock_init, then use
 * (release: a thread that reads it set reads the point); use 0 = never
 * the counter.  coarse: stamps are CLOCK_MONOTONIC_COARSE. */
static int use, coarse;
static uint64_t first_tsc, first_ns;

/* The rate is used once measured over this long. */
#define MEASURE_NS (1000u * 1000u)

/* Counter reads around clock_gettime further apart than this (4-40 us at
 * 0.5-5 GHz): the thread was interrupted, the pair is not used. */
#define JITTER_TICKS UINT64_C(20000)

/* Reads this close need no second try: a warm clock_gettime takes some
 * 70 ticks (the middle is then within 15 ns of its own counter read); a
 * cold one, or one interrupted, far more. */
#define CLOSE_TICKS UINT64_C(128)

/* clock_gettime, and in *tsc the counter at that moment: the middle of
 * the two counter reads around it, of the closer of up to two tries (the
 * first may wait for the vDSO's cold lines), or 0 when even those lay too
 * far apart. */
static uint64_t pair(uint64_t *tsc)
{
	uint64_t best = JITTER_TICKS, ns = 0;

	*tsc = 0;
	for (int i = 0; i < 2 && best >= CLOSE_TICKS; i++) {
		uint64_t t0 = ht_clock_tsc(), n = ht_now_ns(CLOCK_MONOTONIC), t1 = ht_clock_tsc();

		if (t1 - t0 < best && n) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			ns = n;
		}
	}
	return ns ? ns : ht_now_ns(CLOCK_MONOTONIC);
}

enum ht_clock_kind ht_clock_choose(int timed)
{
	const char *v = getenv("HEAPTOP_CLOCK");
	enum ht_clock_kind other = timed ? HT_CLOCK_SYSTEM : HT_CLOCK_COARSE;

	if (v && strcmp(v, "system") == 0)
		return HT_CLOCK_SYSTEM;
	if (v && strcmp(v, "coarse") == 0)
		return other;
	if (v && *v)
		ht_log3("HEAPTOP_CLOCK=", v, ": not system or coarse; using the default");
#if defined(__x86_64__)
	{
		/* the kernel keeps time with the counter: clocksource "tsc" */
		char buf[32];
		ssize_t n = ht_read_small("/sys/devices/system/clocksource/clocksource0/current_clocksource",
					  buf, sizeof buf);

		if (n >= 3 && memcmp(buf, "tsc", 3) == 0 && (n == 3 || buf[3] == '\n'))
			return HT_CLOCK_COUNTER;
	}
#endif
	return other;
}

void ht_clock_init(enum ht_clock_kind kind)
{
	__atomic_store_n(&use, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&coarse, kind == HT_CLOCK_COARSE, __ATOMIC_RELAXED);
	if (kind == HT_CLOCK_COUNTER) {
		first_ns = pair(&first_tsc);
		__atomic_store_n(&use, first_tsc != 0, __ATOMIC_RELEASE);
	}
}

uint64_t ht_clock_stamp_slow(struct ht_clock_anchor *a)
{
	if (a->mult != HT_CLOCK_MULT_COARSE) {
		if (!__atomic_load_n(&coarse, __ATOMIC_RELAXED))
			return ht_clock_slow(a);
		/* never served by the counter: span stays 0 */
		a->span = 0;
		a->mult = HT_CLOCK_MULT_COARSE;
	}
	return ht_now_ns(CLOCK_MONOTONIC_COARSE);
}

/*
 * The rate is the ticks and nanoseconds since start-up's pair: over a base
 * of B ticks, two pairs each off by up to j ticks make it off by up to
 * 2j/B.  An anchor serves B/16 ticks (at most HT_CLOCK_SPAN), so a read
 * is off by at most 2j/B * B/16 = j/8 ticks plus its anchor's own j (j is
 * half the closer try's spread: some 35 ticks when warm): a young process
 * replaces its anchors often (every 60 us at 1 ms), an old one every 2^27
 * ticks.
 */
uint64_t ht_clock_slow(struct ht_clock_anchor *a)
{
	uint64_t ns, mid, base;
	double mult;

	/* a read interrupted half-way through an update (a signal handler
	 * sampling) takes the slow path: span first, last */
	a->span = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&use, __ATOMIC_ACQUIRE))
		return ht_now_ns(CLOCK_MONOTONIC);
	/* one clock_gettime when it is warm, two when the first waited for
	 * cold lines */
	ns = pair(&mid);
	if (!mid || ns - first_ns < MEASURE_NS || mid <= first_tsc)
		return ns;
	base = mid - first_tsc;
	mult = (double)(ns - first_ns) / (double)base * 4294967296.0;
	if (!(mult >= 1.0 && mult < 0x1.0p36)) /* a counter of 1/16 GHz or more */
		return ns;
	a->tsc = mid;
	a->ns = ns;
	a->mult = (uint64_t)mult;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	a->span = base / 16 < HT_CLOCK_SPAN ? base / 16 : HT_CLOCK_SPAN;
	return ns;
}
