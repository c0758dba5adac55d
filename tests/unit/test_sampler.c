/*
 * Unit tests of src/runtime/sampler.c: the exponential intervals behind
 * the Poisson sampling of allocated bytes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/sampler.h"

#define DRAWS 1000000

/* Mean of 10^6 intervals within 1% of the rate (the continuous mean is R;
 * rounding up adds 0.5 byte). */
static void test_mean(void **state)
{
	struct ht_rng rng;
	const uint64_t rates[] = { 512 * 1024, 4096, 100 };
	(void)state;

	for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
		double sum = 0, r = (double)rates[k];
		ht_rng_seed(&rng, 42 + k);
		for (int i = 0; i < DRAWS; i++)
			sum += (double)ht_sampler_interval(&rng, rates[k]);
		assert_true(fabs(sum / DRAWS - r) < 0.01 * r);
	}
}

/* Exponential shape: P(X <= qR) = 1 - e^-q at several quantiles (standard
 * error of an empirical fraction over 10^6 draws is <= 0.0005; allow 0.003)
 * and variance R^2 within 2%. */
static void test_shape(void **state)
{
	struct ht_rng rng;
	const double qs[] = { 0.05, 0.25, 0.5, 1.0, 2.0, 4.0 };
	uint64_t below[6] = { 0 };
	const uint64_t rate = 512 * 1024;
	double sum = 0, sum2 = 0;
	(void)state;

	ht_rng_seed(&rng, 7);
	for (int i = 0; i < DRAWS; i++) {
		double x = (double)ht_sampler_interval(&rng, rate);
		sum += x;
		sum2 += x * x;
		for (int k = 0; k < 6; k++)
			if (x <= qs[k] * rate)
				below[k]++;
	}
	for (int k = 0; k < 6; k++) {
		double want = 1 - exp(-qs[k]), got = (double)below[k] / DRAWS;
		assert_true(fabs(got - want) < 0.003);
	}
	{
		double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
		assert_true(fabs(var / ((double)rate * rate) - 1) < 0.02);
	}
}

/* The countdown turns intervals into a Poisson process over bytes: an
 * allocation of z bytes is hit with probability 1 - e^(-z/R). */
static void test_hit_probability(void **state)
{
	struct ht_rng rng;
	const uint64_t rate = 8192;
	const int64_t sizes[] = { 16, 1000, 8192, 40000 };
	(void)state;

	ht_rng_seed(&rng, 99);
	for (int k = 0; k < 4; k++) {
		int64_t countdown = (int64_t)ht_sampler_interval(&rng, rate);
		long hits = 0, n = 400000;
		double p = 1 - exp(-(double)sizes[k] / rate), se = sqrt(p * (1 - p) / n);

		for (long i = 0; i < n; i++) {
			countdown -= sizes[k];
			if (countdown <= 0) {
				hits++;
				/* re-armed as the runtime does: one fresh
				 * interval (the process is memoryless) */
				countdown = (int64_t)ht_sampler_interval(&rng, rate);
			}
		}
		assert_true(fabs((double)hits / n - p) < 5 * se + 1e-9);
	}
}

/* The draw computes -ln(u) without libm: it must agree with libm's -log to
 * a few units in the last place everywhere on (0, 1) -- near 0, near 1,
 * around the sqrt(2) split and across random points -- so the intervals,
 * and the weights that assume them exponential, carry no bias. */
static void test_neglog(void **state)
{
	struct ht_rng rng;
	double worst = 0;
	(void)state;

	ht_rng_seed(&rng, 5);
	for (long i = 0; i < 4 * DRAWS; i++) {
		double u, want, err;

		if (i < 1000)
			u = (1000 - i) * 0x1.0p-53;          /* the smallest draws */
		else if (i < 2000)
			u = 1 - (double)(i - 999) * 0x1.0p-53; /* the largest */
		else if (i < 3000)
			u = 0.70710678118654752440 * (1 + (double)(i - 2500) * 0x1.0p-50);
		else
			u = ht_rng_uniform(&rng);
		want = -log(u);
		err = fabs(ht_sampler_neglog(u) - want) / want;
		if (err > worst)
			worst = err;
	}
	assert_true(worst < 0x1.0p-50);
}

/* The same random stream gives the same intervals as the exact
 * ceil(-log(u) R): at most a rare one differs by the rounding at an
 * integer boundary. */
static void test_draws_exact(void **state)
{
	struct ht_rng a, b;
	const uint64_t rates[] = { 512 * 1024, 4096, 64 << 20 };
	long differ = 0;
	(void)state;

	for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
		ht_rng_seed(&a, 11 + k);
		b = a;
		for (int i = 0; i < DRAWS; i++) {
			uint64_t got = ht_sampler_interval(&a, rates[k]);
			double t = ceil(-log(ht_rng_uniform(&b)) * (double)rates[k]);

			differ += got != (t < 1 ? 1 : (uint64_t)t);
		}
	}
	assert_true(differ <= 2);
}

static void test_rate_one(void **state)
{
	struct ht_rng rng;
	(void)state;

	ht_rng_seed(&rng, 1);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ht_sampler_interval(&rng, 1), 1);
	assert_int_equal(ht_sampler_interval(&rng, 0), 1);
}

static void test_rng(void **state)
{
	struct ht_rng a, b, z;
	int same = 0;
	(void)state;

	ht_rng_seed(&a, 1);
	ht_rng_seed(&b, 2);
	ht_rng_seed(&z, 0);
	assert_true(z.s != 0);
	for (int i = 0; i < 1000; i++) {
		double u = ht_rng_uniform(&a);
		assert_true(u > 0.0 && u < 1.0);
		same += ht_rng_next(&a) == ht_rng_next(&b);
	}
	assert_int_equal(same, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_hit_probability),
		cmocka_unit_test(test_neglog),
		cmocka_unit_test(test_draws_exact),
		cmocka_unit_test(test_rate_one),
		cmocka_unit_test(test_rng),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
