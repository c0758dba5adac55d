/*
 * Sampler (see sampler.h and share/doc/internals.md, "Sampling").  Called
 * from the sampled path inside malloc: no allocation, no globals.
 */
#include "config.h"

#include <string.h>

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

/* ln 2 in two parts (fdlibm's): e * LN2_HI is exact for |e| < 2^11 */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10

static inline double neglog(double u)
{
	uint64_t b;
	double f, s, s2, lf;
	int e;

	/* u = 2^e * f, f in [sqrt(1/2), sqrt(2)) (u is normal: u >= 2^-54) */
	memcpy(&b, &u, sizeof b);
	e = (int)(b >> 52) - 1023;
	b = (b & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1023) << 52);
	memcpy(&f, &b, sizeof f);
	if (f > 1.41421356237309504880) {
		f *= 0.5;
		e++;
	}
	/* ln f = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (f-1)/(f+1),
	 * |s| <= 0.1716: through s^19/19 the first term left out is under
	 * 2^-55 of the sum */
	s = (f - 1.0) / (f + 1.0);
	s2 = s * s;
	lf = 2.0 * s * (1.0 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 +
	     s2 * (1.0 / 11 + s2 * (1.0 / 13 + s2 * (1.0 / 15 + s2 * (1.0 / 17 +
	     s2 * (1.0 / 19))))))))));
	return -((double)e * LN2_HI + (lf + (double)e * LN2_LO));
}

double ht_sampler_neglog(double u)
{
	return neglog(u);
}

uint64_t ht_sampler_interval(struct ht_rng *rng, uint64_t rate)
{
	double t;
	int64_t i;

	if (rate <= 1)
		return 1;
	t = neglog(ht_rng_uniform(rng)) * (double)rate;
	if (!(t < 0x1.0p62))
		return UINT64_C(1) << 62;
	/* ceil without libm: t > 0 */
	i = (int64_t)t;
	i += (double)i < t;
	return i < 1 ? 1 : (uint64_t)i;
}
