/*
 * Unbiased per-sample weights (see weights.h and share/doc/internals.md).
 * Pure arithmetic; runs on the sampled path inside malloc.
 */
#include "config.h"

#include <string.h>

#include <heaptop/segment.h>

#include "runtime/weights.h"

/* Below this z/R, 1 - e^(-x) and its inverse are series (prob_series,
 * inv_prob_series) without range reduction (at the default rate nearly
 * every sample is far below R). */
#define SERIES_MAX 0.0625

/* 1 - e^(-r) for |r| <= ln 2 / 2: its Taylor series to r^13/13!, the first
 * term left out under 2^-55 of the sum. */
static double prob_series(double r)
{
	return r * (1.0 - r * (1.0 / 2 - r * (1.0 / 6 - r * (1.0 / 24 - r * (1.0 / 120 -
	       r * (1.0 / 720 - r * (1.0 / 5040 - r * (1.0 / 40320 - r * (1.0 / 362880 -
	       r * (1.0 / 3628800 - r * (1.0 / 39916800 - r * (1.0 / 479001600 -
	       r * (1.0 / 6227020800)))))))))))));
}

/* From here on 1 - e^(-x) is 1.0 in double precision (e^-40 < 2^-57). */
#define PROB_ONE 40.0

/* 1 - e^(-x) for x > SERIES_MAX, without libm: expm1 reads tables that
 * the program's work has evicted by the next sample (a cache miss or two
 * a sample on the malloc benchmark).  x = n ln 2 + r, |r| <= ln 2 / 2
 * (ln 2 in two parts, the first exact times any n < 2^11), so
 * 1 - e^(-x) = (1 - 2^-n) + 2^-n (1 - e^(-r)): both parts exact or
 * nearly, no cancellation. */
static double prob_large(double x)
{
	const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
	double n, r, scale;
	uint64_t bits;

	if (!(x < PROB_ONE))
		return 1.0;
	n = (double)(int)(x * 0x1.71547652b82fep0 + 0.5);
	r = (x - n * ln2_hi) - n * ln2_lo;
	bits = (uint64_t)(1023 - (int)n) << 52; /* 2^-n, n <= 58 */
	memcpy(&scale, &bits, sizeof scale);
	return (1.0 - scale) + scale * prob_series(r);
}

static double prob(double x)
{
	return x > SERIES_MAX ? prob_large(x) : prob_series(x);
}

double ht_weight_prob(uint64_t size, uint64_t rate)
{
	if (rate <= 1)
		return 1.0;
	return prob((double)size / (double)rate);
}

/* v >= 0 rounded to the nearest integer; 2^63 at and above 2^63 (and for
 * a NaN).  On x86-64 one conversion in the current rounding mode (to
 * nearest unless the program changed it: then a unit of 2^-8 at most,
 * never a bias that matters), whose result for what does not fit is
 * 2^63.  Elsewhere halves up: from 2^52 on v is an integer already. */
static uint64_t to_u64(double v)
{
#if defined(__x86_64__) && defined(__GNUC__)
	int64_t r;

	__asm__("cvtsd2si %1, %0" : "=r"(r) : "x"(v));
	return (uint64_t)r;
#else
	if (!(v < 0x1.0p52))
		return v >= 0x1.0p63 || v != v ? UINT64_C(1) << 63 : (uint64_t)(int64_t)v;
	return (uint64_t)(int64_t)(v + 0.5);
#endif
}

/* 1 / (1 - e^(-x)) for 0 < x <= SERIES_MAX, given 1/x: its series
 * 1/x + 1/2 + x/12 - x^3/720 + x^5/30240 - x^7/1209600 (the Bernoulli
 * numbers'); the first term left out, x^9/47900160, is under 2^-64 of the
 * sum.  Half the operations of 1/prob(x), which sums thirteen terms and then
 * divides. */
static double inv_prob_series(double x, double inv_x)
{
	double x2 = x * x;

	return inv_x + (0.5 + x * (1.0 / 12 - x2 * (1.0 / 720 - x2 * (1.0 / 30240 -
			x2 * (1.0 / 1209600)))));
}

double ht_weight_inv_prob(uint64_t size, uint64_t rate)
{
	double z = (double)size, r = (double)rate, x, p;

	if (rate <= 1)
		return 1.0;
	if (size == 0)
		return 0.0;
	x = z / r;
	if (x <= SERIES_MAX)
		return inv_prob_series(x, r / z);
	p = prob_large(x);
	return p > 0.0 ? 1.0 / p : 0.0;
}

int ht_weight_compute(uint64_t size, uint64_t rate, struct ht_weight *w)
{
	double z = (double)size, inv, q;

	if (rate <= 1) {
		w->est_objs = HT_EST_ONE;
		w->est_bytes = size << HT_EST_SHIFT;
		w->var_objs = 0;
		w->var_bytes = 0;
		return 0;
	}
	inv = ht_weight_inv_prob(size, rate);
	if (!(inv > 0.0))
		return -1;
	/* (1 - p) / p^2 = 1/p^2 - 1/p */
	q = inv * (inv - 1.0);
	w->est_objs = to_u64(inv * HT_EST_ONE);
	w->est_bytes = to_u64(z * inv * HT_EST_ONE);
	w->var_objs = to_u64(q * HT_EST_ONE);
	w->var_bytes = to_u64(z * z * q * (1.0 / (double)(UINT64_C(1) << HT_VAR_BYTES_SHIFT)));
	return 0;
}
