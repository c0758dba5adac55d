/*
 * The sampler: a per-thread pseudo-random generator and the exponential
 * intervals that turn the stream of allocated bytes into a Poisson process
 * with mean interval R bytes.
 *
 * Pure functions over caller-owned state: no globals, no allocation, safe
 * in any context (it is called from inside malloc).
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
 * Bytes until the next sample point: ceil(T) where T is exponential with
 * mean `rate` (so an allocation of z bytes that brings the countdown to
 * <= 0 was hit with probability exactly 1 - e^(-z/rate)).  Returns 1 for
 * rate <= 1, otherwise a value in [1, ~37 * rate] (at most 2^62).
 */
uint64_t ht_sampler_interval(struct ht_rng *rng, uint64_t rate);

/* -ln(u) for u in (0, 1) without libm (the draw above): within a few
 * units in the last place of the exact value (test_sampler checks it). */
double ht_sampler_neglog(double u);

#endif /* HT_RUNTIME_SAMPLER_H */
