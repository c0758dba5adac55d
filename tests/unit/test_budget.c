/*
 * Unit tests of src/runtime/budget.c: parsing HEAPTOP_BUDGET and choosing
 * the next sampling interval from one period's observations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/budget.h"

static void test_parse(void **state)
{
	uint64_t ppm;
	(void)state;

	assert_int_equal(ht_budget_parse("1", &ppm), 0);
	assert_int_equal(ppm, 10000);
	assert_int_equal(ht_budget_parse("0.5", &ppm), 0);
	assert_int_equal(ppm, 5000);
	assert_int_equal(ht_budget_parse("2.25", &ppm), 0);
	assert_int_equal(ppm, 22500);
	assert_int_equal(ht_budget_parse("50", &ppm), 0);
	assert_int_equal(ppm, 500000);
	assert_int_equal(ht_budget_parse(".1", &ppm), 0);
	assert_int_equal(ppm, 1000);
	assert_int_equal(ht_budget_parse("0", &ppm), -1);
	assert_int_equal(ht_budget_parse("0.00001", &ppm), -1); /* under 1 ppm */
	assert_int_equal(ht_budget_parse("51", &ppm), -1);
	assert_int_equal(ht_budget_parse("1%", &ppm), -1);
	assert_int_equal(ht_budget_parse("", &ppm), -1);
	assert_int_equal(ht_budget_parse(".", &ppm), -1);
	assert_int_equal(ht_budget_parse("-1", &ppm), -1);
	assert_int_equal(ht_budget_parse("99999999999999999999999", &ppm), -1);
}

/* A period at `rate` whose samples cost `ovh` of the program's time. */
static struct ht_budget_obs period(uint64_t rate, double ovh)
{
	struct ht_budget_obs o = { rate, 10000, 1000, 0, 1000, 0 };

	o.cost_ns = 100 * 1000 * 1000; /* 100 us per sample: periods of 100+ ms */
	o.cpu_ns = (uint64_t)((double)o.cost_ns / ovh) + o.cost_ns;
	return o;
}

static void test_scales_to_budget(void **state)
{
	struct ht_budget_obs o;
	struct ht_budget_next nx;
	(void)state;

	/* at 0.5% with a 1% budget: twice as fine */
	o = period(512 * 1024, 0.005);
	ht_budget_next(&o, &nx);
	assert_true(nx.rate >= 256 * 1024 - 1 && nx.rate <= 256 * 1024 + 1);
	assert_true(nx.overhead_ppm >= 9990 && nx.overhead_ppm <= 10010);
	/* at 4%: four times as coarse */
	o = period(512 * 1024, 0.04);
	ht_budget_next(&o, &nx);
	assert_true(nx.rate >= 2048 * 1024 - 1 && nx.rate <= 2048 * 1024 + 1);
	assert_true(nx.overhead_ppm >= 9990 && nx.overhead_ppm <= 10010);
}

static void test_limits(void **state)
{
	struct ht_budget_obs o;
	struct ht_budget_next nx;
	(void)state;

	/* far under budget: at most 4x finer per step */
	o = period(512 * 1024, 0.0001);
	ht_budget_next(&o, &nx);
	assert_int_equal(nx.rate, 128 * 1024);
	assert_true(nx.overhead_ppm > 0 && nx.overhead_ppm < 10000);
	/* never under the floor, never over the ceiling */
	o = period(8 * 1024, 0.0001);
	ht_budget_next(&o, &nx);
	assert_int_equal(nx.rate, HT_BUDGET_FLOOR);
	o = period(32 * 1024 * 1024, 0.5);
	ht_budget_next(&o, &nx);
	assert_int_equal(nx.rate, HT_BUDGET_CEIL);
	/* an idle program (no CPU): unchanged, no estimate */
	o = period(512 * 1024, 0.01);
	o.cpu_ns = 1000;
	ht_budget_next(&o, &nx);
	assert_int_equal(nx.rate, 512 * 1024);
	assert_int_equal(nx.overhead_ppm, 0);
	/* busy but too few samples to measure: halve */
	o = period(512 * 1024, 0.01);
	o.samples = 3;
	ht_budget_next(&o, &nx);
	assert_int_equal(nx.rate, 256 * 1024);
	/* no budget: unchanged */
	o = period(512 * 1024, 0.5);
	o.budget_ppm = 0;
	ht_budget_next(&o, &nx);
	assert_int_equal(nx.rate, 512 * 1024);
	/* clocks that disagree (cost above the CPU time): coarser, no crash */
	o = period(512 * 1024, 0.01);
	o.cpu_ns = o.cost_ns / 2 + HT_BUDGET_MIN_CPU_NS;
	o.cost_ns = o.cpu_ns * 2;
	ht_budget_next(&o, &nx);
	assert_true(nx.rate > 512 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_scales_to_budget),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
