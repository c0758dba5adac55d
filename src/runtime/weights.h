/*
 * Per-sample unbiased weights (Horvitz-Thompson).  An allocation of z bytes
 * is sampled with probability p = 1 - e^(-z/R); a sample therefore stands
 * for 1/p objects and z/p bytes, with variance (1-p)/p^2 objects^2 and
 * z^2 (1-p)/p^2 bytes^2.  Values are converted to the segment's fixed-point
 * units (HT_EST_SHIFT, HT_VAR_BYTES_SHIFT).
 *
 * Pure functions, safe inside malloc.
 */
#ifndef HT_RUNTIME_WEIGHTS_H
#define HT_RUNTIME_WEIGHTS_H

#include <stdint.h>

struct ht_weight {
	uint64_t est_objs;  /* fixed point, HT_EST_SHIFT */
	uint64_t est_bytes; /* fixed point, HT_EST_SHIFT */
	uint64_t var_objs;  /* objects^2, fixed point HT_EST_SHIFT */
	uint64_t var_bytes; /* bytes^2 >> HT_VAR_BYTES_SHIFT */
};

/*
 * Compute the weight of one sample of `size` requested bytes at mean
 * interval `rate`.  At rate 1 every allocation is recorded: weight exactly
 * one object and `size` bytes, variance 0.  Returns 0, or -1 when the
 * allocation could not have been sampled (size 0 at a rate above 1); the
 * caller then records nothing.
 */
int ht_weight_compute(uint64_t size, uint64_t rate, struct ht_weight *w);

/* The sampling probability 1 - e^(-size/rate) (1 at rate <= 1). */
double ht_weight_prob(uint64_t size, uint64_t rate);

/* Its inverse, the weight of a sample in objects: 1 at rate <= 1, 0 when
 * the allocation could not have been sampled (size 0 at a rate above 1). */
double ht_weight_inv_prob(uint64_t size, uint64_t rate);

#endif /* HT_RUNTIME_WEIGHTS_H */
