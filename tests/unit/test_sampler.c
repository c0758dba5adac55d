/*
 * Unit tests of src/runtime/sampler.c: the exponential intervals behind
 * the Poisson sampling of allocated bytes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

/* Before ht_sampler_init the draw is the inverse transform: the same random
 * stream gives the same intervals as the exact ceil(-log(u) R), at most a
 * rare one differing by the rounding at an integer boundary.  Runs in the
 * first group, before any test has built the tables. */
static void test_before_init(void **state)
{
	struct ht_rng a, b;
	struct ht_sampler_layer layer;
	const uint64_t rates[] = { 512 * 1024, 4096, 64 << 20 };
	long differ = 0;
	(void)state;

	assert_int_equal(ht_sampler_layer(0, &layer), -1);
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

static int setup_tables(void **state)
{
	(void)state;
	ht_sampler_init();
	return 0;
}

/* The interval is ceil(R T) of the Exp(1) draw, exactly: draw for draw
 * against the same stream through ht_sampler_exp, at large rates. */
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
			double t = ceil(ht_sampler_exp(&b) * (double)rates[k]);

			differ += got != (t < 1 ? 1 : (uint64_t)t);
		}
	}
	assert_int_equal(differ, 0);
}

/* Chi-square critical value at 0.1% (Wilson-Hilferty, z = 3.0902). */
static double chi2_crit(int df)
{
	double a = 2.0 / (9.0 * df), c = 1 - a + 3.0902 * sqrt(a);

	return df * c * c * c;
}

/* At small rates the rounding is visible: ceil(T) with T ~ Exp(mean R) is
 * geometric, P(k) = e^(-(k-1)/R) (1 - e^(-1/R)).  Chi-square of 10^6
 * intervals over the values with at least 20 expected, the rest in one
 * bin, below its 0.1% critical value. */
static void test_geometric(void **state)
{
	struct ht_rng rng;
	const uint64_t rates[] = { 2, 3, 10 };
	(void)state;

	for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
		double q = exp(-1.0 / (double)rates[k]), chi2 = 0, rest = 1;
		long count[256] = { 0 };
		int bins = 0;

		while (DRAWS * pow(q, bins) * (1 - q) >= 20)
			bins++;
		assert_true(bins < 255);
		ht_rng_seed(&rng, 300 + k);
		for (int i = 0; i < DRAWS; i++) {
			uint64_t x = ht_sampler_interval(&rng, rates[k]);

			count[x <= (uint64_t)bins ? x - 1 : (uint64_t)bins]++;
		}
		for (int j = 0; j < bins; j++) {
			double p = pow(q, j) * (1 - q), want = DRAWS * p;

			rest -= p;
			chi2 += (count[j] - want) * (count[j] - want) / want;
		}
		chi2 += (count[bins] - DRAWS * rest) * (count[bins] - DRAWS * rest) / (DRAWS * rest);
		assert_true(chi2 < chi2_crit(bins));
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov: 10^6 draws of ht_sampler_exp against 1 - e^-x, D
 * below its 0.1% critical value 1.9495 / sqrt(n). */
static void test_ks(void **state)
{
	struct ht_rng rng;
	double *x = malloc(DRAWS * sizeof *x), d = 0;
	(void)state;

	assert_non_null(x);
	ht_rng_seed(&rng, 2024);
	for (int i = 0; i < DRAWS; i++)
		x[i] = ht_sampler_exp(&rng);
	qsort(x, DRAWS, sizeof *x, cmp_double);
	for (int i = 0; i < DRAWS; i++) {
		double f = -expm1(-x[i]);

		d = fmax(d, fmax(f - (double)i / DRAWS, (double)(i + 1) / DRAWS - f));
	}
	assert_true(x[0] >= 0);
	free(x);
	assert_true(d < 1.9495 / sqrt(DRAWS));
}

#define TAIL_DRAWS (10 * DRAWS)

/* The tail: beyond r only layer 0's tail path lands.  The shares above r
 * and above 10 are e^-r and e^-10 (within 4 standard errors over 10^7
 * draws), and past r the excess x - r has mean 1 (memoryless). */
static void test_tail(void **state)
{
	struct ht_rng rng;
	struct ht_sampler_layer l0;
	long above_r = 0, above_10 = 0;
	double excess = 0, pr, p10;
	(void)state;

	assert_int_equal(ht_sampler_layer(0, &l0), 0);
	assert_true(fabs(l0.x_fast - 7.69711747013104972) < 1e-14);
	pr = exp(-l0.x_fast);
	p10 = exp(-10.0);
	ht_rng_seed(&rng, 77);
	for (long i = 0; i < TAIL_DRAWS; i++) {
		double x = ht_sampler_exp(&rng);

		if (x >= l0.x_fast) {
			above_r++;
			excess += x - l0.x_fast;
		}
		above_10 += x > 10;
	}
	assert_true(fabs(above_r - TAIL_DRAWS * pr) < 4 * sqrt(TAIL_DRAWS * pr));
	assert_true(fabs(above_10 - TAIL_DRAWS * p10) < 4 * sqrt(TAIL_DRAWS * p10));
	assert_true(fabs(excess / above_r - 1) < 4 / sqrt((double)above_r));
}

/* The tables: every layer has the same area v = (r + 1) e^-r to rounding
 * (layer 0's strip stands for [0, r) and the tail), the boxes stack
 * (f_hi of one is f_lo of the next, the top reaches 1, f_lo = e^-x), and
 * each threshold is exactly the first magnitude m whose m x 2^-53 (as
 * the draw rounds it) reaches x_fast.  A second init changes nothing. */
static void test_tables(void **state)
{
	struct ht_sampler_layer l, prev, again;
	double r, v;
	(void)state;

	assert_int_equal(ht_sampler_layer(256, &l), -1);
	assert_int_equal(ht_sampler_layer(1, &l), 0);
	r = l.x;
	v = (r + 1) * exp(-r);
	for (unsigned i = 0; i < 256; i++) {
		double w;

		assert_int_equal(ht_sampler_layer(i, &l), 0);
		w = l.x * 0x1.0p-53;
		assert_true(fabs(l.x * (l.f_hi - l.f_lo) / v - 1) < 1e-13);
		assert_true(l.x_fast < l.x);
		if (i == 0) {
			assert_true(l.f_lo == 0 && fabs(l.x - r - 1) < 1e-14);
		} else {
			assert_true(fabs(exp(-l.x) / l.f_lo - 1) < 1e-14);
			assert_true(l.f_lo == prev.f_hi && l.x == prev.x_fast);
		}
		assert_true(l.k == 0 || (double)(l.k - 1) * w < l.x_fast);
		assert_true((double)l.k * w >= l.x_fast);
		prev = l;
	}
	assert_true(l.f_hi >= 1 && l.f_hi < 1 + 1e-12 && l.x_fast == 0);
	ht_sampler_init();
	for (unsigned i = 0; i < 256; i++) {
		assert_int_equal(ht_sampler_layer(i, &l), 0);
		ht_sampler_init();
		assert_int_equal(ht_sampler_layer(i, &again), 0);
		assert_memory_equal(&l, &again, sizeof l);
	}
}

#define LAYER_DRAWS (4 * DRAWS)

/* Each layer's slow path, seen from outside: a draw's first 64 bits give
 * its layer i (bits 3..10) and magnitude m (bits 11..63), hence its first
 * point x = m x 2^-53.  Below the threshold the draw must be that point,
 * under the curve (x < x_fast).  Above it, a point still under the curve
 * (a threshold rounded down) must be kept as is; the others are in the
 * wedge (layer 0: the tail), entered in every layer as often as the
 * wedge's share (x - x_fast) / x of the box predicts.  A wedge point is
 * kept when a uniform height falls under the curve, with probability
 *   (f_hi - f_lo - f_lo (x - x_fast)) / ((x - x_fast) (f_hi - f_lo))
 * (the area under e^-x over the wedge's box), checked per layer within 5
 * standard errors; layer 0 always keeps it (r + Exp(1)).  Finally the
 * draws per region [x_fast, x) of each layer, against e^-x_fast - e^-x. */
static void test_layers(void **state)
{
	static long wedge[256], kept[256], region[257];
	static struct ht_sampler_layer l[256];
	struct ht_rng rng;
	(void)state;

	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(ht_sampler_layer(i, &l[i]), 0);
	memset(wedge, 0, sizeof wedge);
	memset(kept, 0, sizeof kept);
	memset(region, 0, sizeof region);
	ht_rng_seed(&rng, 4242);
	for (long n = 0; n < LAYER_DRAWS; n++) {
		struct ht_rng peek = rng;
		uint64_t u = ht_rng_next(&peek), m = u >> 11;
		unsigned i = (unsigned)(u >> 3) & 255, lo = 0, hi = 256;
		double x = ht_sampler_exp(&rng), first = (double)m * (l[i].x * 0x1.0p-53);

		if (m < l[i].k || first < l[i].x_fast) {
			assert_true(x == first && x < l[i].x_fast);
		} else {
			wedge[i]++;
			kept[i] += i == 0 ? x >= l[0].x_fast : x == first;
		}
		/* the region: the layer j with x_fast(j) <= x < x(j) */
		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;

			if (l[mid].x_fast <= x)
				hi = mid;
			else
				lo = mid + 1;
		}
		region[lo]++;
	}
	for (unsigned i = 0; i < 256; i++) {
		double dx = l[i].x - l[i].x_fast, df = l[i].f_hi - l[i].f_lo;
		double in = (double)LAYER_DRAWS / 256 * dx / l[i].x, p;
		double pr = i == 0 ? exp(-l[0].x_fast) : exp(-l[i].x_fast) - exp(-l[i].x);

		assert_true(wedge[i] > 50);
		assert_true(fabs(wedge[i] - in) < 5 * sqrt(in));
		p = i == 0 ? 1 : (df - l[i].f_lo * dx) / (dx * df);
		assert_true(p > 0.3 && p <= 1);
		assert_true(fabs(kept[i] - wedge[i] * p) <= 5 * sqrt(wedge[i] * p * (1 - p)));
		assert_true(fabs(region[i] - LAYER_DRAWS * pr) < 5 * sqrt(LAYER_DRAWS * pr * (1 - pr)));
	}
	assert_int_equal(region[256], 0);
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
	/* first, before anything builds the tables */
	const struct CMUnitTest before[] = {
		cmocka_unit_test(test_before_init),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_hit_probability),
		cmocka_unit_test(test_neglog),
		cmocka_unit_test(test_draws_exact),
		cmocka_unit_test(test_geometric),
		cmocka_unit_test(test_ks),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_rate_one),
		cmocka_unit_test(test_rng),
	};
	int failed = cmocka_run_group_tests(before, NULL, NULL);

	return failed + cmocka_run_group_tests(tests, setup_tables, NULL);
}
