/*
 * Unbiased per-sample weights (see weights.h and share/doc/internals.md).
 * Pure arithmetic; runs on the sampled path inside malloc.
 */
#include "config.h"

#include <math.h>

#include <heaptop/segment.h>

#include "runtime/weights.h"

double ht_weight_prob(uint64_t size, uint64_t rate)
{
	if (rate <= 1)
		return 1.0;
	return -expm1(-(double)size / (double)rate);
}

static uint64_t to_u64(double v)
{
	uint64_t i;

	if (!(v > 0.0))
		return 0;
	if (v >= 0x1.0p63)
		return UINT64_C(1) << 63;
	/* llround's result for v > 0 without its libm call: v - i is exact */
	i = (uint64_t)v;
	return i + (v - (double)i >= 0.5);
}

int ht_weight_compute(uint64_t size, uint64_t rate, struct ht_weight *w)
{
	double p, z = (double)size, q;

	if (rate <= 1) {
		w->est_objs = HT_EST_ONE;
		w->est_bytes = size << HT_EST_SHIFT;
		w->var_objs = 0;
		w->var_bytes = 0;
		return 0;
	}
	p = ht_weight_prob(size, rate);
	if (!(p > 0.0))
		return -1;
	q = (1.0 - p) / (p * p);
	w->est_objs = to_u64(1.0 / p * HT_EST_ONE);
	w->est_bytes = to_u64(z / p * HT_EST_ONE);
	w->var_objs = to_u64(q * HT_EST_ONE);
	w->var_bytes = to_u64(z * z * q / (double)(UINT64_C(1) << HT_VAR_BYTES_SHIFT));
	return 0;
}
