/*
 * Unit tests for the heap_v2 reader and writer (src/core/fmt_heap_v2.c):
 * jeprof's unsampling reproduced exactly, jemalloc's per-thread lines and
 * thread names, the gperftools variant, the writer's pre-adjusted counts
 * (write then read returns the estimates), every broken file of
 * tests/corpus rejected with an error naming its line, the standard
 * errors kept on "# se:" lines, and a real
 * jemalloc profile (fmt_jeleak under libjemalloc with prof:true) read
 * with the same per-function bytes as `jeprof --text` (within 1%).
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "test_fmt_util.h"

static struct ht_profile *parse_ok(const char *text)
{
	struct ht_profile *p = NULL;
	char *cause = NULL;
	int rc = ht_fmt_heap_v2.read(text, strlen(text), "t.heap", &p, &cause);

	if (rc != 0)
		fail_msg("parse failed: %s", cause ? cause : "?");
	assert_non_null(p);
	return p;
}

/* Parse must fail; the cause must name `line` ("t.heap:LINE:"). */
static void parse_bad(const char *text, size_t len, size_t line)
{
	struct ht_profile *p = NULL;
	char *cause = NULL, *want;
	int rc = ht_fmt_heap_v2.read(text, len, "t.heap", &p, &cause);

	assert_int_equal(rc, -EINVAL);
	assert_null(p);
	assert_non_null(cause);
	want = tu_printf("t.heap:%zu: ", line);
	if (!strstr(cause, want))
		fail_msg("expected line %zu in: %s", line, cause);
	free(want);
	free(cause);
}

static double jeprof_scale(double n, double s, double rate)
{
	return 1.0 / (1.0 - exp(-((s / n) / rate)));
}

static void assert_close(double a, double b, double rel)
{
	double d = fabs(a - b), m = fabs(b) > 1 ? fabs(b) : 1;

	if (d > rel * m)
		fail_msg("%.6f != %.6f (rel %.3g)", a, b, d / m);
}

static const char jemalloc_text[] =
	"heap_v2/524288\n"
	"  t*: 30: 3000000 [40: 4000000]\n"
	"  t0: 10: 1000000 [10: 1000000]\n"
	"  t7: 20: 2000000 [30: 3000000] my worker\n"
	"@ 0x55d9a540e181 0x55d9a540e1d3 0x7f7160ea71f5\n"
	"  t*: 25: 2500 [35: 3500]\n"
	"  t0: 5: 500 [5: 500]\n"
	"  t7: 20: 2000 [30: 3000]\n"
	"@ 0x55d9a540e200\n"
	"  t*: 5: 2999995 [5: 2999995]\n"
	"  t0: 5: 2999995 [5: 2999995]\n"
	"\n"
	"MAPPED_LIBRARIES:\n"
	"55d9a540d000-55d9a540e000 r--p 00000000 fe:00 123 /usr/bin/app\n"
	"55d9a540e000-55d9a540f000 r-xp 00001000 fe:00 123 /usr/bin/app\n"
	"7f7160e00000-7f7160f00000 r-xp 00000000 fe:00 9 /lib/libc.so.6 (deleted)\n"
	"7ffd1000-7ffd2000 r-xp 00000000 00:00 0 [vdso]\n";

static void test_unsample_like_jeprof(void **state)
{
	struct ht_profile *p = parse_ok(jemalloc_text);
	const struct ht_stack *a, *b;
	double k;

	(void)state;
	assert_int_equal(p->kind, HT_SOURCE_JEMALLOC);
	assert_int_equal(p->rate, 524288);
	assert_int_equal(p->nstacks, 2);
	a = &p->stacks[0];
	b = &p->stacks[1];
	assert_int_equal(a->depth, 3);
	assert_true(a->pcs[0] == 0x55d9a540e181ull);
	assert_true(a->pcs[2] == 0x7f7160ea71f5ull);
	k = jeprof_scale(25, 2500, 524288);
	assert_close(a->counts.cur_objs, 25 * k, 1e-12);
	assert_close(a->counts.cur_bytes, 2500 * k, 1e-12);
	k = jeprof_scale(35, 3500, 524288);
	assert_close(a->counts.cum_objs, 35 * k, 1e-12);
	assert_close(a->counts.cum_bytes, 3500 * k, 1e-12);
	assert_int_equal(a->counts.raw_cur_objs, 25);
	assert_int_equal(a->counts.raw_cum_bytes, 3500);
	k = jeprof_scale(5, 2999995, 524288);
	assert_close(b->counts.cur_bytes, 2999995 * k, 1e-12);
	/* variance: n (1-p)/p^2 objects for n samples of probability p */
	{
		double pr = 1 - exp(-(2500.0 / 25) / 524288);

		assert_close(a->counts.var_cur_objs, 25 * (1 - pr) / (pr * pr),
		             1e-9);
	}
	/* totals are the sum of the stacks */
	assert_close(p->totals.cur_bytes,
	             a->counts.cur_bytes + b->counts.cur_bytes, 1e-12);
	ht_profile_free(p);
}

static void test_threads_and_names(void **state)
{
	struct ht_profile *p = parse_ok(jemalloc_text);
	const struct ht_stack *a = &p->stacks[0];

	(void)state;
	assert_int_equal(a->nthreads, 2);
	assert_int_equal(a->threads[0].thread, 0);
	assert_int_equal(a->threads[1].thread, 7);
	assert_close(a->threads[1].counts.cur_objs,
	             20 * jeprof_scale(20, 2000, 524288), 1e-12);
	assert_true(p->nthread_names >= 8);
	assert_string_equal(p->thread_names[7], "my worker");
	assert_null(p->thread_names[0]);
	/* modules from the maps: paths grouped, (deleted) dropped, pseudo
	 * paths skipped, the first one main */
	assert_int_equal(p->nmodules, 2);
	assert_string_equal(p->modules[0].path, "/usr/bin/app");
	assert_true(p->modules[0].main);
	assert_true(p->modules[0].start == 0x55d9a540d000ull);
	assert_true(p->modules[0].end == 0x55d9a540f000ull);
	assert_true(p->modules[0].base == HT_BASE_UNKNOWN);
	assert_string_equal(p->modules[1].path, "/lib/libc.so.6");
	assert_string_equal(p->exe, "/usr/bin/app");
	assert_non_null(strstr(p->maps, "[vdso]"));
	ht_profile_free(p);
}

static void test_gperftools(void **state)
{
	struct ht_profile *p;
	double k;

	(void)state;
	/* heap_v2 sampling: Poisson scaling with the period */
	p = parse_ok("heap profile:    3:   300 [   4:   400] @ heap_v2/1024\n"
	             "     2:   200 [   3:   300] @ 0x1000 0x2000\n"
	             "     1:   100 [   1:   100] @ 0x3000\n"
	             "\nMAPPED_LIBRARIES:\n");
	assert_int_equal(p->kind, HT_SOURCE_GPERFTOOLS);
	assert_int_equal(p->nstacks, 2);
	k = jeprof_scale(2, 200, 1024);
	assert_close(p->stacks[0].counts.cur_bytes, 200 * k, 1e-12);
	assert_close(p->stacks[0].counts.cum_objs, 3 * k, 1e-12);
	ht_profile_free(p);
	/* v1 ("heap"): period / 2, scaled by 1/ratio when ratio < 1 */
	p = parse_ok("heap profile: 1: 100 [ 1: 100] @ heap/1000\n"
	             " 1: 100 [ 1: 100] @ 0x1000\n"
	             "MAPPED_LIBRARIES:\n");
	assert_close(p->stacks[0].counts.cur_bytes, 100 / (100.0 / 500), 1e-12);
	ht_profile_free(p);
	/* heapprofile: exact counts */
	p = parse_ok("heap profile: 1: 100 [ 1: 100] @ heapprofile\n"
	             " 1: 100 [ 1: 100] @ 0x1000\n"
	             "MAPPED_LIBRARIES:\n");
	assert_close(p->stacks[0].counts.cur_bytes, 100, 1e-12);
	ht_profile_free(p);
}

static void test_writer_roundtrip(void **state)
{
	struct ht_profile *p = ht_profile_new(), *q;
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f;
	static const double objs[] = { 1000.5, 3.25, 7, 120000 };
	static const double bytes[] = { 4096000, 99, 7 * 70000, 120000 * 4096.0 };

	(void)state;
	assert_non_null(p);
	p->rate = 524288;
	p->nstacks = 4;
	p->stacks = calloc(4, sizeof *p->stacks);
	for (int i = 0; i < 4; i++) {
		struct ht_stack *s = &p->stacks[i];

		s->depth = 2;
		s->pcs = calloc(2, sizeof *s->pcs);
		s->pcs[0] = 0x401000 + (uint64_t)i;
		s->pcs[1] = 0x402000;
		s->counts.cur_objs = objs[i];
		s->counts.cur_bytes = bytes[i];
		s->counts.cum_objs = objs[i] * 2;
		s->counts.cum_bytes = bytes[i] * 2;
		/* errors no mean size could give (mixed sizes) */
		s->counts.var_cur_objs = 1234.5678 * (i + 1);
		s->counts.var_cur_bytes = 9.87654321e13 * (i + 1);
		s->counts.var_cum_bytes = 0.25 * (i + 1);
	}
	p->nmodules = 1;
	p->modules = calloc(1, sizeof *p->modules);
	p->modules[0].path = strdup("/usr/bin/app");
	p->modules[0].start = 0x401000;
	p->modules[0].end = 0x410000;
	p->modules[0].base = 0x400000;
	f = open_memstream(&buf, &len);
	assert_int_equal(ht_fmt_heap_v2.write(f, p, NULL, &cause), 0);
	fclose(f);
	assert_true(strncmp(buf, "heap_v2/524288\n  t*: ", 21) == 0);
	/* maps synthesised from the module: offset = start - base */
	assert_non_null(strstr(buf, "\nMAPPED_LIBRARIES:\n"
	                            "000000401000-000000410000 r-xp 00001000 "));
	q = parse_ok(buf);
	assert_int_equal(q->nstacks, 4);
	for (int i = 0; i < 4; i++) {
		double x = bytes[i] / objs[i];
		double pr = 1 - exp(-x / 524288.0);
		double c = round(objs[i] * pr);

		if (c < 1) {
			/* under half a sample: written as one object of the
			 * mean size, which jeprof reads as 1/p objects */
			double tol = 0.6 / x + 1e-6;  /* x is rounded */

			assert_close(q->stacks[i].counts.cur_objs, 1 / pr, tol);
			assert_close(q->stacks[i].counts.cur_bytes, x / pr, tol);
			continue;
		}
		/* c' and s' are integers: relative error within ~0.5/c'
		 * (jeprof re-derives the mean size from them) */
		assert_close(q->stacks[i].counts.cur_bytes, bytes[i], 1.2 / c);
		assert_close(q->stacks[i].counts.cur_objs, objs[i], 1.2 / c);
		assert_close(q->stacks[i].counts.cum_bytes, 2 * bytes[i],
		             1.2 / round(2 * objs[i] * pr));
	}
	/* the standard errors come back from the "# se:" lines, to the
	 * 3 decimals written */
	for (int i = 0; i < 4; i++) {
		const struct ht_counts *k = &q->stacks[i].counts;

		assert_close(sqrt(k->var_cur_objs), sqrt(1234.5678 * (i + 1)),
		             2e-5);
		assert_close(sqrt(k->var_cur_bytes), sqrt(9.87654321e13 * (i + 1)),
		             1e-9);
		assert_close(sqrt(k->var_cum_bytes), sqrt(0.25 * (i + 1)), 1e-3);
	}
	/* many samples: exact to the rounding */
	assert_close(q->stacks[3].counts.cur_bytes, bytes[3], 1e-3);
	ht_profile_free(q);
	free(buf);
	/* verbatim maps win over the modules */
	p->maps = strdup("00400000-00410000 r-xp 00000000 08:01 1 /bin/x\n");
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(ht_fmt_heap_v2.write(f, p, NULL, &cause), 0);
	fclose(f);
	assert_non_null(strstr(buf, "MAPPED_LIBRARIES:\n00400000-00410000 "
	                            "r-xp 00000000 08:01 1 /bin/x\n"));
	free(buf);
	ht_profile_free(p);
}

static void test_errors_name_the_line(void **state)
{
	static const struct { const char *text; size_t line; } cases[] = {
		{ "", 1 },
		{ "hello\n", 1 },
		{ "heap_v3/1\n", 1 },
		{ "heap_v2/\n", 1 },
		{ "heap_v2/12x\n", 1 },
		{ "heap_v2/1\n  t*: 1: 2 [3: 4]\n@ 0x1\n  t*: 1: 2 [3:", 4 },
		{ "heap_v2/1\n@ 0x1 0x2\n", 2 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n", 3 },
		{ "heap_v2/1\n@ 0x1\n  t*: -1: 2 [0: 0]\n", 3 },
		{ "heap_v2/1\n@ 0x1\n  t*: 99999999999999999999: 2 [0: 0]\n", 3 },
		{ "heap_v2/1\n@ 0x1g\n", 2 },
		{ "heap_v2/1\n@ 0x11111111111111111\n", 2 },
		{ "heap_v2/1\n@\n", 2 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n  t*: 1: 2 [0: 0]\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t3: 1: 2 [0: 0]\n", 3 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0] x\n", 3 },
		{ "heap_v2/1\nfoo\n", 2 },
		{ "heap_v2/1\n# se: 1 2 3\n", 2 },
		{ "heap_v2/1\n@ 0x1\n# se: 1 2 3\n", 3 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 2\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 2 3 4\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 -2 3\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 2. 3\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 nan 3\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 0.1234567891 3\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 99999999999999999999 3\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# hello\n", 4 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n# se: 1 2 3\n# se: 1 2 3\n", 5 },
		{ "heap_v2/1\n@ 0x1\n  t*: 1: 2 [0: 0]\n  t0: 1: 2 [0: 0]\n# se: 1 2 3\n", 5 },
		{ "heap_v2/1\n@ 0x1\n\x1b[2J\n", 3 },
		{ "heap profile: 1: 2 [3: 4] @ heap_v2/9\n 1: x [1: 1] @ 0x1\n", 2 },
		{ "heap profile: 1: 2 [3: 4] @ heap_v2/9\n 1: 1 [1: 1] 0x1\n", 2 },
		{ "heap profile: 1: 2 [3: 4] @ heap_v2/9\n 1: 1 [1: 1] @ 0x1\n", 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		parse_bad(cases[i].text, strlen(cases[i].text), cases[i].line);
	/* a NUL byte inside a record */
	parse_bad("heap_v2/1\n@ 0x1\0 0x2\n", 21, 2);
	/* a 10 MB line, and a stack deeper than the limit */
	{
		size_t n = 10u * 1024 * 1024;
		char *big = malloc(n + 32);

		if (!big)
			fail_msg("out of memory");
		memcpy(big, "heap_v2/1\n@ ", 12);
		for (size_t i = 0; i < n; i++)
			big[12 + i] = '1';
		memcpy(big + 12 + n, "\n", 2);
		parse_bad(big, strlen(big), 2);
		free(big);
	}
	{
		size_t frames = HT_FMT_MAX_DEPTH + 1, k = 0;
		char *deep = malloc(frames * 8 + 64);

		if (!deep)
			fail_msg("out of memory");
		k += (size_t)sprintf(deep, "heap_v2/1\n@");
		for (size_t i = 0; i < frames; i++)
			k += (size_t)sprintf(deep + k, " 0x%zx", i + 1);
		sprintf(deep + k, "\n  t*: 1: 1 [0: 0]\n");
		parse_bad(deep, strlen(deep), 2);
		free(deep);
	}
}

/* Every file in tests/corpus is rejected; a name "*.L<N>.heap" says
 * which line the message must name. */
static void test_corpus(void **state)
{
	char *dir = tu_printf("%s/tests/corpus", tu_srcdir());
	DIR *d = opendir(dir);
	struct dirent *e;
	int nfiles = 0;

	(void)state;
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d))) {
		char *path, *cause = NULL, *want;
		struct ht_profile *p = NULL;
		const char *l = strstr(e->d_name, ".L");
		int rc;

		if (!strstr(e->d_name, ".heap"))
			continue;
		path = tu_printf("%s/%s", dir, e->d_name);
		rc = ht_fmt_load_file(path, &p, &cause);
		if (rc == 0)
			fail_msg("%s: accepted", e->d_name);
		assert_null(p);
		assert_non_null(cause);
		if (l) {
			want = tu_printf(":%ld: ", strtol(l + 2, NULL, 10));
			if (!strstr(cause, want))
				fail_msg("%s: message does not name line %s: %s",
				         e->d_name, want, cause);
			free(want);
		}
		free(cause);
		free(path);
		nfiles++;
	}
	closedir(d);
	free(dir);
	if (nfiles < 15)
		fail_msg("only %d corpus files", nfiles);
}

static void test_load_file_limits(void **state)
{
	char *tmp = tu_tmpdir(), *path = tu_printf("%s/big.heap", tmp);
	struct ht_profile *p = NULL;
	char *cause = NULL;
	int fd;

	(void)state;
	/* a sparse file just over 1 GiB: refused before reading */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1024ll * 1024 * 1024 + 1), 0);
	close(fd);
	assert_int_equal(ht_fmt_load_file(path, &p, &cause), -EFBIG);
	assert_non_null(strstr(cause, "1 GiB"));
	free(cause);
	cause = NULL;
	assert_true(ht_fmt_load_file("/nonexistent/x.heap", &p, &cause) ==
	            -ENOENT);
	free(cause);
	cause = NULL;
	assert_true(ht_fmt_load_file(tmp, &p, &cause) == -EISDIR);
	free(cause);
	tu_rmtree(tmp);
	free(tmp);
	free(path);
}

/* The first frame of a stack that is not allocator machinery. */
static const char *site_of(struct ht_symbolizer *s, const struct ht_stack *st)
{
	for (uint32_t d = 0; d < st->depth; d++) {
		const struct ht_frame *fr;
		size_t n;

		ht_symbolize(s, st->pcs[d], &fr, &n);
		for (size_t k = 0; k < n; k++)
			if (!fr[k].allocator)
				return fr[k].function;
	}
	return "?";
}

static void test_real_jemalloc_vs_jeprof(void **state)
{
	char *tmp = tu_tmpdir(), *dump, *cause = NULL, *txt, *out, *bin;
	struct ht_profile *p = NULL;
	struct ht_symbolizer *s = NULL;
	static const char *const sites[] = {
		"grow_site", "stable_site", "worker_site", "small_site",
	};
	double ours[4] = { 0 };
	bool named = false;

	(void)state;
	if (!tu_jeprof())
		fail_msg("jeprof not found (libjemalloc-dev)");
	dump = tu_jemalloc_dump(tmp, "12", NULL);
	if (!dump)
		fail_msg("no jemalloc dump (is libjemalloc built with prof?)");
	assert_int_equal(ht_fmt_load_file(dump, &p, &cause), 0);
	assert_int_equal(p->kind, HT_SOURCE_JEMALLOC);
	assert_int_equal(p->rate, 4096);
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	for (size_t i = 0; i < p->nstacks; i++) {
		const char *site = site_of(s, &p->stacks[i]);

		for (int k = 0; k < 4; k++)
			if (!strcmp(site, sites[k]))
				ours[k] += p->stacks[i].counts.cur_bytes;
		/* the worker's samples carry its thread with the name */
		if (!strcmp(site, "worker_site") && p->stacks[i].nthreads == 1) {
			uint64_t t = p->stacks[i].threads[0].thread;

			named = t < p->nthread_names && p->thread_names[t] &&
			        !strcmp(p->thread_names[t], "fmt-worker");
		}
	}
	assert_true(named);
	/* jeprof on the same dump */
	bin = tu_printf("%s/tests/targets/fmt_jeleak", tu_builddir());
	out = tu_printf("%s/jeprof.txt", tmp);
	{
		char *argv[] = { (char *)tu_jeprof(), "--text", "--show_bytes",
		                 bin, dump, NULL };

		assert_int_equal(tu_run(argv, NULL, out, false), 0);
	}
	txt = tu_slurp(out, NULL);
	assert_non_null(txt);
	for (int k = 0; k < 4; k++) {
		double theirs = -1;

		for (char *l = txt; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			long long flat;
			char name[256];

			if (sscanf(l, "%lld %*f%% %*f%% %*d %*f%% %255s", &flat,
			           name) == 2 && !strcmp(name, sites[k])) {
				theirs = (double)flat;
				break;
			}
		}
		if (theirs <= 0)
			fail_msg("jeprof has no %s:\n%s", sites[k], txt);
		print_message("%-12s heaptop %.0f  jeprof %.0f\n", sites[k],
		              ours[k], theirs);
		assert_close(ours[k], theirs, 0.01);
	}
	free(txt);
	free(out);
	free(bin);
	ht_symbolizer_free(s);
	ht_profile_free(p);
	free(dump);
	tu_rmtree(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsample_like_jeprof),
		cmocka_unit_test(test_threads_and_names),
		cmocka_unit_test(test_gperftools),
		cmocka_unit_test(test_writer_roundtrip),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_load_file_limits),
		cmocka_unit_test(test_real_jemalloc_vs_jeprof),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
