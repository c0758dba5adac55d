/*
 * Sampler (see sampler.h and share/doc/internals.md, "Sampling").  Called
 * from the sampled path inside malloc: no allocation, no globals.
 */
#include "config.h"

#include <math.h>

#include "runtime/sampler.h"

void ht_rng_seed(struct ht_rng *rng, uint64_t seed)
{
	/* splitmix64 finaliser */
	uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	rng->s = z ? z : UINT64_C(0x2545f4914f6cdd1d);
}

uint64_t ht_rng_next(struct ht_rng *rng)
{
	uint64_t x = rng->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->s = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

double ht_rng_uniform(struct ht_rng *rng)
{
	/* 53 random bits, centred in their cell: never 0, never 1 */
	return ((double)(ht_rng_next(rng) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t ht_sampler_interval(struct ht_rng *rng, uint64_t rate)
{
	double t;

	if (rate <= 1)
		return 1;
	t = ceil(-log(ht_rng_uniform(rng)) * (double)rate);
	return t < 1.0 ? 1 : (uint64_t)t;
}
