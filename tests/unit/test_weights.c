/*
 * Unit tests of src/runtime/weights.c: the per-sample unbiased
 * (Horvitz-Thompson) weights and their variances.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <heaptop/segment.h>

#include "runtime/sampler.h"
#include "runtime/weights.h"

static void test_rate_one_exact(void **state)
{
	struct ht_weight w;
	(void)state;

	assert_int_equal(ht_weight_compute(1000, 1, &w), 0);
	assert_int_equal(w.est_objs, HT_EST_ONE);
	assert_int_equal(w.est_bytes, 1000 * HT_EST_ONE);
	assert_int_equal(w.var_objs, 0);
	assert_int_equal(w.var_bytes, 0);
	assert_int_equal(ht_weight_compute(0, 1, &w), 0);
	assert_int_equal(w.est_objs, HT_EST_ONE);
	assert_int_equal(w.est_bytes, 0);
}

static void test_formula(void **state)
{
	struct ht_weight w;
	const uint64_t R = 512 * 1024;
	const uint64_t sizes[] = { 1, 24, 1000, 65536, 524288, 8 << 20 };
	(void)state;

	for (int k = 0; k < 6; k++) {
		double z = (double)sizes[k], p = 1 - exp(-z / R);
		assert_int_equal(ht_weight_compute(sizes[k], R, &w), 0);
		assert_true(fabs(w.est_objs / (double)HT_EST_ONE - 1 / p) <= 0.5 / HT_EST_ONE + 1e-9 / p);
		assert_true(fabs(w.est_bytes / (double)HT_EST_ONE - z / p) <= 1.0 / HT_EST_ONE + 1e-9 * z / p);
		assert_true(fabs(w.var_objs / (double)HT_EST_ONE - (1 - p) / (p * p)) <=
			    1e-6 * (1 - p) / (p * p) + 1.0 / HT_EST_ONE);
	}
	/* an object much larger than R is sampled with p ~ 1: weight ~ 1 */
	ht_weight_compute(64ull << 20, R, &w);
	assert_int_equal(w.est_objs, HT_EST_ONE);
	/* an estimate beyond 2^63 units reads 2^63, not a wrapped value */
	ht_weight_compute(UINT64_C(1) << 58, R, &w);
	assert_int_equal(w.est_objs, HT_EST_ONE);
	assert_int_equal(w.est_bytes, UINT64_C(1) << 63);
	ht_weight_compute((UINT64_C(1) << 54) - 2, R, &w);
	assert_int_equal(w.est_bytes, ((UINT64_C(1) << 54) - 2) << HT_EST_SHIFT);
	/* size 0 cannot be sampled at R > 1 */
	assert_int_equal(ht_weight_compute(0, R, &w), -1);
	assert_true(fabs(ht_weight_prob(R, R) - (1 - exp(-1))) < 1e-12);
	assert_true(ht_weight_prob(5, 1) == 1.0);
}

/* The probability behind every weight: its series below z/R = 1/16, and
 * its own exponential above, must be expm1's value to the last bits on
 * both sides of the switch, at the smallest sizes and across the range to
 * where it is 1 (a series cut short, or a wrong term, biases every
 * sample's weight in its range). */
static void test_prob_exact(void **state)
{
	const uint64_t R = 1 << 20;
	double worst = 0;
	(void)state;

	for (uint64_t z = 1; z < 48 * R; z += 1 + z / 256) {
		double want = -expm1(-(double)z / R);
		double err = fabs(ht_weight_prob(z, R) - want) / want;
		if (err > worst)
			worst = err;
	}
	for (uint64_t z = R / 16 - 64; z <= R / 16 + 64; z++) {
		double want = -expm1(-(double)z / R);
		double err = fabs(ht_weight_prob(z, R) - want) / want;
		if (err > worst)
			worst = err;
	}
	assert_true(worst < 0x1.0p-51);
}

/* The weight itself, 1/p, by its own series below z/R = 1/16: within a
 * few units in the last place of 1 / expm1's value on both sides of the
 * switch and across the range (a wrong or missing term shows near the
 * switch, where it weighs most: x^5/30240 left out is 2^-39 there). */
static void test_inv_prob_exact(void **state)
{
	const uint64_t R = 1 << 20;
	double worst = 0;
	(void)state;

	for (uint64_t z = 1; z < 48 * R; z += 1 + z / 256) {
		double want = -1.0 / expm1(-(double)z / R);
		double err = fabs(ht_weight_inv_prob(z, R) - want) / want;
		if (err > worst)
			worst = err;
	}
	for (uint64_t z = R / 16 - 64; z <= R / 16 + 64; z++) {
		double want = -1.0 / expm1(-(double)z / R);
		double err = fabs(ht_weight_inv_prob(z, R) - want) / want;
		if (err > worst)
			worst = err;
	}
	assert_true(worst < 0x1.0p-51);
	assert_true(ht_weight_inv_prob(0, R) == 0.0);
	assert_true(ht_weight_inv_prob(7, 1) == 1.0);
}

/* Unbiasedness: simulate the Poisson sampler over a stream of mixed sizes
 * and compare the summed weights with the truth, within 4 standard errors
 * computed from the summed variances. */
static void test_unbiased(void **state)
{
	struct ht_rng rng, pick;
	const uint64_t R = 64 * 1024;
	const uint64_t sizes[] = { 16, 200, 3000, 70000, 300000 };
	double est_b = 0, est_o = 0, var_b = 0, var_o = 0, true_b = 0, true_o = 0;
	int64_t countdown;
	(void)state;

	ht_rng_seed(&rng, 2024);
	ht_rng_seed(&pick, 77);
	countdown = (int64_t)ht_sampler_interval(&rng, R);
	for (long i = 0; i < 2000000; i++) {
		uint64_t z = sizes[ht_rng_next(&pick) % 5];
		true_b += (double)z;
		true_o += 1;
		countdown -= (int64_t)z;
		if (countdown <= 0) {
			struct ht_weight w;
			countdown = (int64_t)ht_sampler_interval(&rng, R);
			ht_weight_compute(z, R, &w);
			est_o += w.est_objs / (double)HT_EST_ONE;
			est_b += w.est_bytes / (double)HT_EST_ONE;
			var_o += w.var_objs / (double)HT_EST_ONE;
			var_b += (double)w.var_bytes * (1u << HT_VAR_BYTES_SHIFT);
		}
	}
	/* the variance of the sum is estimated by the sum of the per-sample
	 * (1-p)/p^2 terms (Horvitz-Thompson) */
	assert_true(fabs(est_b - true_b) < 4 * sqrt(var_b));
	assert_true(fabs(est_o - true_o) < 4 * sqrt(var_o));
	/* and the estimate is actually informative */
	assert_true(sqrt(var_b) < 0.02 * true_b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_one_exact),
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_prob_exact),
		cmocka_unit_test(test_inv_prob_exact),
		cmocka_unit_test(test_unbiased),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
