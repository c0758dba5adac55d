/*
 * The sampler: a per-thread pseudo-random generator and the exponential
 * intervals that turn the stream of allocated bytes into a Poisson process
 * with mean interval R bytes.
 *
 * Functions over caller-owned state, no allocation, no locks: safe in any
 * context (it is called from inside malloc).  The only globals are the
 * tables of the exponential draw, built once by ht_sampler_init.
 */
#ifndef HT_RUNTIME_SAMPLER_H
#define HT_RUNTIME_SAMPLER_H

#include <stdint.h>

struct ht_rng {
	uint64_t s;
};

/* Seed a generator from any 64-bit value (mixed with splitmix64, so
 * nearby seeds give unrelated streams; the state is never zero). */
void ht_rng_seed(struct ht_rng *rng, uint64_t seed);

/* Next 64 pseudo-random bits (xorshift64*). */
uint64_t ht_rng_next(struct ht_rng *rng);

/* A uniform double in the open interval (0, 1). */
double ht_rng_uniform(struct ht_rng *rng);

/*
 * Build the tables of the exponential draw (the ziggurat; libm's exp and
 * log, about 26,000 instructions).  Idempotent; call it once early at
 * start-up, before sampling.  Until it has run, draws use the exact but
 * slower inverse transform -ln(u), so no caller ever gets a wrong draw.
 */
void ht_sampler_init(void);

/* One Exp(1) variate (mean 1), exact up to the 2^-53 resolution of its
 * uniforms and the rounding of the tables (share/doc/internals.md). */
double ht_sampler_exp(struct ht_rng *rng);

/*
 * Bytes until the next sample point: ceil(T) where T is exponential with
 * mean `rate` (so an allocation of z bytes that brings the countdown to
 * <= 0 was hit with probability exactly 1 - e^(-z/rate)).  Returns 1 for
 * rate <= 1, otherwise a value in [1, ~45 * rate] (at most 2^62).
 */
uint64_t ht_sampler_interval(struct ht_rng *rng, uint64_t rate);

/* -ln(u) for u in (0, 1) without libm (the draw's tail, its wedge test and
 * the draw before ht_sampler_init): within a few units in the last place
 * of the exact value (test_sampler checks it). */
double ht_sampler_neglog(double u);

/* For tests: layer i (0..255) of the ziggurat.  Its box is [0, x) x
 * [f_lo, f_hi); x < x_fast lies under the curve, taken at once when the
 * draw's 53-bit magnitude is below k.  Layer 0's box stands for [0, r) and
 * the tail (x = r + 1, x_fast = r, f_lo = 0).  -1 before ht_sampler_init
 * or for i out of range, else 0. */
struct ht_sampler_layer {
	double x, x_fast, f_lo, f_hi;
	uint64_t k;
};
int ht_sampler_layer(unsigned i, struct ht_sampler_layer *out);

#endif /* HT_RUNTIME_SAMPLER_H */
