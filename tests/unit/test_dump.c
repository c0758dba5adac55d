/*
 * Unit tests of src/runtime/dump.c: the heap_v2 writer.  Builds a stack
 * table with known counters, writes a dump, parses it back line by line
 * and checks the format (header, totals = sum of stacks, stack lines with
 * raw addresses, MAPPED_LIBRARIES verbatim) and the pre-adjustment that
 * makes jeprof's unsampling return our estimates.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/dump.h"
#include "runtime/stacks.h"
#include "runtime/weights.h"

static struct ht_seg_stack entries[256];
static uint64_t frames[4096];
static uint32_t used, frames_used;
/* two stripes of counters: the samples alternate between them */
#define STRIDE (sizeof(struct ht_seg_stripe) + 256 * sizeof(struct ht_seg_counts))
static unsigned char counts[2 * STRIDE] __attribute__((aligned(64)));
static uint64_t stripes_used, reset_gen;
static struct ht_stack_table tab;
static char dir[64], maps[128], out[128];

static int setup(void **state)
{
	FILE *f;
	(void)state;
	memset(entries, 0, sizeof entries);
	memset(counts, 0, sizeof counts);
	used = frames_used = 0;
	stripes_used = 0;
	ht_stacks_attach(&tab, entries, 256, frames, 4096, &used, &frames_used, counts, STRIDE, 2,
			 &stripes_used, &reset_gen);
	strcpy(dir, "/tmp/test_dump.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(maps, sizeof maps, "%s/maps", dir);
	snprintf(out, sizeof out, "%s/out.heap", dir);
	f = fopen(maps, "w");
	fputs("55d0c0000000-55d0c0001000 r--p 00000000 08:01 123 /bin/prog\n"
	      "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static uint32_t add_stack(uint64_t seed, uint32_t depth)
{
	uint64_t pcs[16];
	uint32_t idx;
	for (uint32_t i = 0; i < depth; i++)
		pcs[i] = 0x55d0c0000100 + seed * 0x40 + i;
	assert_true(ht_stacks_intern(&tab, pcs, depth, &idx) >= 0);
	return idx;
}

static void sample(uint32_t idx, uint64_t size, uint64_t rate, int n)
{
	struct ht_weight w;
	for (int i = 0; i < n; i++) {
		assert_int_equal(ht_weight_compute(size, rate, &w), 0);
		ht_stacks_add(&tab, (unsigned)i % 2, idx, size, &w, 0);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;
	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void parse_counts(const char *line, uint64_t c[4])
{
	unsigned long long a, b, x, y;
	assert_int_equal(sscanf(line, "  t*: %llu: %llu [%llu: %llu]", &a, &b, &x, &y), 4);
	c[0] = a; c[1] = b; c[2] = x; c[3] = y;
}

/* Rate 1: exact counts; zero and depth-0 stacks left out; totals are the
 * sum; maps copied verbatim. */
static void test_exact(void **state)
{
	uint32_t a = add_stack(1, 3), b = add_stack(2, 5), z = add_stack(3, 2);
	uint32_t d0;
	struct ht_dump_src src = { &tab, 1, maps };
	struct ht_weight w;
	char *text, *line, *save, *mp;
	uint64_t tot[4], c[4], sum[4] = { 0, 0, 0, 0 };
	int nstacks = 0;
	(void)state;

	(void)z; /* interned, never counted: must not appear */
	assert_true(ht_stacks_intern(&tab, NULL, 0, &d0) >= 0);
	sample(d0, 10, 1, 1);
	sample(a, 100, 1, 3);
	sample(b, 7000, 1, 2);
	ht_weight_compute(7000, 1, &w);
	ht_stacks_sub(&tab, 1, b, 7000, &w, 0);
	assert_int_equal(ht_dump_write(&src, out), 0);
	text = slurp(out);

	mp = strstr(text, "\nMAPPED_LIBRARIES:\n");
	assert_non_null(mp);
	assert_string_equal(mp + strlen("\nMAPPED_LIBRARIES:\n"),
			    "55d0c0000000-55d0c0001000 r--p 00000000 08:01 123 /bin/prog\n"
			    "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n");
	assert_int_equal(mp[-1], '\n'); /* a blank line before the section */
	*mp = '\0';
	line = strtok_r(text, "\n", &save);
	assert_string_equal(line, "heap_v2/1");
	parse_counts(strtok_r(NULL, "\n", &save), tot);
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned long long f0;
		assert_true(line[0] == '@');
		assert_int_equal(sscanf(line, "@ 0x%llx", &f0), 1);
		parse_counts(strtok_r(NULL, "\n", &save), c);
		/* rate 1: exact, so every standard error is zero */
		assert_string_equal(strtok_r(NULL, "\n", &save),
				    "  # se: 0.000 0.000 0.000");
		if (f0 == frames[entries[a].frames_idx]) {
			assert_int_equal(c[0], 3); assert_int_equal(c[1], 300);
			assert_int_equal(c[2], 3); assert_int_equal(c[3], 300);
			assert_non_null(strstr(line, " 0x55d0c0000140 0x55d0c0000141 0x55d0c0000142"));
		} else {
			assert_int_equal(f0, frames[entries[b].frames_idx]);
			assert_int_equal(c[0], 1); assert_int_equal(c[1], 7000);
			assert_int_equal(c[2], 2); assert_int_equal(c[3], 14000);
		}
		for (int k = 0; k < 4; k++)
			sum[k] += c[k];
		nstacks++;
	}
	assert_int_equal(nstacks, 2);
	assert_memory_equal(sum, tot, sizeof sum);
	assert_int_equal(access(out, F_OK), 0);
	free(text);
}

/* jeprof unsamples a stack with c objects and s bytes at rate R by
 * 1 / (1 - e^(-(s/c)/R)).  Our pre-adjusted counts must come back as our
 * estimates. */
static void test_adjust_roundtrip(void **state)
{
	const uint64_t R = 512 * 1024;
	const uint64_t sizes[] = { 24, 1000, 70000, 300000, 5 << 20 };
	(void)state;

	for (int k = 0; k < 5; k++) {
		for (int n = 1; n <= 50; n += 7) {
			struct ht_weight w;
			uint64_t eo, eb, c, s;
			double scale, back_o, back_b, O, B;

			ht_weight_compute(sizes[k], R, &w);
			eo = w.est_objs * (uint64_t)n;
			eb = w.est_bytes * (uint64_t)n;
			O = eo / 256.0;
			B = eb / 256.0;
			ht_dump_adjust(eo, eb, R, &c, &s);
			assert_true(c >= 1);
			scale = 1 / (1 - exp(-((double)s / c) / R));
			back_o = c * scale;
			back_b = s * scale;
			/* exact up to the integer rounding of c and s */
			assert_true(fabs(back_b - B) <= 0.01 * B + 2 * scale);
			assert_true(fabs(back_o - O) <= 0.5 * scale + 0.01 * O);
		}
	}
	{
		uint64_t c, s;
		ht_dump_adjust(0, 0, R, &c, &s);
		assert_int_equal(c, 0);
		assert_int_equal(s, 0);
		ht_dump_adjust(5 * 256, 5000 * 256, 1, &c, &s);
		assert_int_equal(c, 5);
		assert_int_equal(s, 5000);
	}
}

/* A stack of mixed sizes (one 64 MiB block, 40 of 16 bytes) at 512 KiB:
 * its "# se:" line holds the Horvitz-Thompson standard errors of the
 * samples as they were, sum of s^2 (1 - p) / p^2 over the samples, which
 * the pre-adjusted counts cannot give back. */
static void test_stderr(void **state)
{
	const uint64_t R = 512 * 1024;
	struct ht_dump_src src = { &tab, R, maps };
	uint32_t m = add_stack(4, 3);
	double vo = 0, vb = 0, se_o, se_b, se_c;
	char *text, *l;
	(void)state;

	sample(m, 64 << 20, R, 1);
	sample(m, 16, R, 40);
	for (int i = 0; i < 41; i++) {
		double sz = i ? 16 : 64 << 20, p = -expm1(-sz / (double)R);

		vo += (1 - p) / (p * p);
		vb += sz * sz * (1 - p) / (p * p);
	}
	assert_int_equal(ht_dump_write(&src, out), 0);
	text = slurp(out);
	l = strstr(text, "\n  # se: ");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "\n  # se: %lf %lf %lf", &se_o, &se_b, &se_c), 3);
	/* fixed-point counters: within 0.1% */
	assert_true(fabs(se_o - sqrt(vo)) <= 1e-3 * sqrt(vo));
	assert_true(fabs(se_b - sqrt(vb)) <= 1e-3 * sqrt(vb));
	assert_true(fabs(se_c - sqrt(vb)) <= 1e-3 * sqrt(vb));
	/* the mean size would say almost nothing: 64 MiB is sampled surely */
	assert_true(se_o > 1000);
	free(text);
}

static void test_errors(void **state)
{
	struct ht_dump_src src = { &tab, 1, maps };
	char bad[160];
	(void)state;

	assert_int_equal(ht_dump_write(&src, ""), -EINVAL);
	assert_int_equal(ht_dump_write(&src, NULL), -EINVAL);
	snprintf(bad, sizeof bad, "%s/no/such/dir/x.heap", dir);
	assert_int_equal(ht_dump_write(&src, bad), -ENOENT);
	/* no temporary file left behind */
	{
		char cmd[200];
		snprintf(cmd, sizeof cmd, "test -z \"$(ls %s | grep tmp)\"", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact, setup, teardown),
		cmocka_unit_test(test_adjust_roundtrip),
		cmocka_unit_test_setup_teardown(test_stderr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
