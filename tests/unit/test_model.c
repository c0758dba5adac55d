/*
 * Unit tests for the model (src/core/model.c) on hand-built profiles.
 * The stacks are made of real return addresses inside this test binary's
 * own functions (and libc's malloc), and the model symbolizes them with
 * the real symbolizer over this process's modules, so site frames,
 * grouping, baselines matched by symbols, trees and history are checked
 * against code whose names and lines we know.  Out of memory is real too:
 * failalloc fails one chosen allocation of the model.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>

#include <cmocka.h>

#include "core/model.h"
#include "core/model_priv.h"
#include "failalloc.h"

/* Code the stacks point into.  Never called for real, just named. */
__attribute__((noinline, used)) void fe_site_alpha(void);
__attribute__((noinline, used)) void fe_site_beta(void);
__attribute__((noinline, used)) void fe_caller_one(void);
__attribute__((noinline, used)) void fe_caller_two(void);
__attribute__((noinline, used)) void fe_outer_main(void);

static volatile int sink;
void fe_site_alpha(void) { sink += 1; sink += 2; sink += 3; sink += 4; }
void fe_site_beta(void) { sink += 5; sink += 6; sink += 7; sink += 8; }
void fe_caller_one(void) { sink += 9; sink += 10; sink += 11; }
void fe_caller_two(void) { sink += 12; sink += 13; sink += 14; }
void fe_outer_main(void) { sink += 15; sink += 16; sink += 17; }

/* A return address inside f (pc - 1 still inside it). */
static uint64_t ra(void (*f)(void), unsigned off)
{
	return (uint64_t)(uintptr_t)f + off;
}

static uint64_t malloc_pc;

struct mods {
	struct ht_module *m;
	size_t n;
};

static int add_module(struct dl_phdr_info *info, size_t sz, void *arg)
{
	struct mods *ms = arg;
	struct ht_module *m;
	uint64_t lo = UINT64_MAX, hi = 0;
	char self[4096];

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (hi == 0)
		return 0;
	ms->m = realloc(ms->m, (ms->n + 1) * sizeof *ms->m);
	m = &ms->m[ms->n];
	memset(m, 0, sizeof *m);
	if (!info->dlpi_name || !*info->dlpi_name) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

		if (n <= 0 || ms->n > 0)
			return 0; /* vdso or unnamed */
		self[n] = '\0';
		m->path = strdup(self);
		m->main = true;
	} else {
		m->path = strdup(info->dlpi_name);
	}
	m->base = info->dlpi_addr;
	m->start = lo;
	m->end = hi;
	ms->n++;
	return 0;
}

/* counts with in-use / allocated bytes (objects = bytes / 100). */
static struct ht_counts counts(double cur, double cum)
{
	struct ht_counts c = { 0 };

	c.cur_bytes = cur;
	c.cum_bytes = cum;
	c.cur_objs = cur / 100;
	c.cum_objs = cum / 100;
	c.var_cur_bytes = cur * 100; /* as if sampled at R = 100 */
	c.var_cum_bytes = cum * 100;
	c.raw_cur_objs = (uint64_t)(cur / 100);
	c.raw_cum_objs = (uint64_t)(cum / 100);
	return c;
}

/* A profile of three stacks:
 *   0: malloc <- alpha <- one <- outer      cur a1, cum a1
 *   1: malloc <- alpha <- two <- outer      cur a2, cum a2
 *   2: malloc <- beta  <- one <- outer      cur 0, cum b
 * `shift` moves every return address within its function (a "different
 * build": other addresses, same functions). */
static struct ht_profile *make_profile(double a1, double a2, double b,
                                       unsigned shift)
{
	struct ht_profile *p = ht_profile_new();
	struct mods ms = { 0 };
	void (*sites[3])(void) = { fe_site_alpha, fe_site_alpha, fe_site_beta };
	void (*callers[3])(void) = { fe_caller_one, fe_caller_two,
	                             fe_caller_one };
	double cur[3] = { a1, a2, 0 }, cum[3] = { a1, a2, b };

	assert_non_null(p);
	dl_iterate_phdr(add_module, &ms);
	p->modules = ms.m;
	p->nmodules = ms.n;
	p->kind = HT_SOURCE_LIVE;
	p->rate = 100;
	p->pid = getpid();
	p->state = HT_PROC_RUNNING;
	p->snapshot_time_ns = 1;
	p->stacks = calloc(3, sizeof *p->stacks);
	p->nstacks = 3;
	for (int i = 0; i < 3; i++) {
		struct ht_stack *s = &p->stacks[i];

		s->depth = 4;
		s->id = (uint32_t)i;
		s->pcs = malloc(4 * sizeof *s->pcs);
		s->pcs[0] = malloc_pc;
		s->pcs[1] = ra(sites[i], 8 + shift);
		s->pcs[2] = ra(callers[i], 8 + shift);
		s->pcs[3] = ra(fe_outer_main, 8 + shift);
		s->counts = counts(cur[i], cum[i]);
	}
	ht_profile_sum(p);
	return p;
}

static struct ht_model *new_model(struct ht_profile *first)
{
	struct ht_symbolizer *sym = NULL;
	char *cause = NULL;

	if (ht_symbolizer_new(first, NULL, &sym, &cause) < 0)
		fail_msg("symbolizer: %s", cause ? cause : "?");
	free(cause);
	return ht_model_new(sym);
}

static void set_opts(struct ht_model *m, enum ht_group g, enum ht_sort s,
                     const char *filter)
{
	struct ht_model_options o = { g, s, filter, true, false };

	assert_int_equal(ht_model_set_options(m, &o), 0);
}

static const char *fn(const struct ht_site *s)
{
	return s->frame->function;
}

/* Site s's whole history into h[HT_HISTORY_LEN]; its length. */
static size_t hist(struct ht_model *m, const struct ht_site *s, double *h)
{
	return ht_model_site_history(m, s, h, HT_HISTORY_LEN);
}

/* Site s's newest history value (it has one). */
static double newest(struct ht_model *m, const struct ht_site *s)
{
	double h[HT_HISTORY_LEN];
	size_t n = hist(m, s, h);

	assert_true(n >= 1);
	return h[n - 1];
}

static void test_grouping(void **state)
{
	struct ht_profile *p = make_profile(3000, 1000, 50000, 0);
	struct ht_model *m = new_model(p);
	struct ht_site *const *sites;
	size_t n;

	assert_non_null(m);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	assert_int_equal(ht_model_update(m, p), 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	/* site frame skips malloc: alpha first by in-use bytes */
	assert_string_equal(fn(sites[0]), "fe_site_alpha");
	assert_non_null(strstr(sites[0]->frame->file, "test_model.c"));
	/* the site merges the function's lines: it shows none */
	assert_int_equal(sites[0]->frame->line, 0);
	assert_true(sites[0]->counts.cur_bytes == 4000);
	assert_int_equal(sites[0]->nstacks, 2);
	assert_string_equal(fn(sites[1]), "fe_site_beta");
	assert_true(sites[1]->counts.cur_bytes == 0);
	assert_true(ht_model_totals(m)->cum_bytes == 54000);

	/* by allocated: beta first */
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_ALLOC_BYTES, NULL);
	sites = ht_model_sites(m, &n);
	assert_string_equal(fn(sites[0]), "fe_site_beta");

	/* by name: ascending */
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_NAME, NULL);
	sites = ht_model_sites(m, &n);
	assert_string_equal(fn(sites[0]), "fe_site_alpha");

	/* full stacks: three sites */
	set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 3);
	assert_true(sites[0]->counts.cur_bytes == 3000);
	assert_true(sites[1]->counts.cur_bytes == 1000);

	/* by line: the two alpha stacks share the site line */
	set_opts(m, HT_GROUP_LINE, HT_SORT_INUSE_BYTES, NULL);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);

	/* filter by function substring, and by file */
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, "beta");
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fn(sites[0]), "fe_site_beta");
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, "test_model");
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, "nomatch");
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 0);
	ht_model_free(m);
}

/* Library frames fold into their caller (here by a --fold pattern on the
 * test's own functions): the caller is the site, the folded function its
 * via; lib_sites brings them back; a stack of library frames only keeps
 * its innermost one; the top-down tree keeps the folded frames. */
static void test_fold(void **state)
{
	static const char *const pat[] = { "fe_site_" }, *const all[] = { "fe_" };
	struct ht_profile *p = make_profile(3000, 1000, 50000, 0);
	struct ht_model *m = new_model(p);
	struct ht_model_options o = { HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES,
	                              NULL, true, false };
	struct ht_site *const *sites;
	struct ht_tree_node *t;
	size_t n;

	assert_non_null(m);
	assert_int_equal(ht_model_set_options(m, &o), 0);
	assert_int_equal(ht_model_set_fold(m, pat, 1), 0);
	assert_int_equal(ht_model_update(m, p), 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fn(sites[0]), "fe_caller_one");
	assert_true(sites[0]->counts.cur_bytes == 3000);
	assert_non_null(sites[0]->via);
	assert_non_null(strstr(sites[0]->via->function, "fe_site_"));
	assert_string_equal(fn(sites[1]), "fe_caller_two");
	assert_string_equal(sites[1]->via->function, "fe_site_alpha");
	for (size_t i = 0; i < ht_model_profile(m)->nstacks; i++)
		assert_int_equal(ht_model_stack_leaf_index(m, i) + 1,
		                 ht_model_stack_site_index(m, i));
	/* top-down: outer -> caller -> the folded site function */
	t = ht_model_topdown(m);
	assert_non_null(t);
	assert_int_equal(t->nchildren, 1);
	t = t->children[0];
	assert_string_equal(t->frame->function, "fe_outer_main");
	assert_true(t->nchildren >= 1);
	assert_true(t->children[0]->nchildren >= 1);
	assert_non_null(strstr(t->children[0]->children[0]->frame->function,
	                       "fe_site_"));

	/* lib_sites: no folding */
	o.lib_sites = true;
	assert_int_equal(ht_model_set_options(m, &o), 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fn(sites[0]), "fe_site_alpha");
	assert_null(sites[0]->via);
	assert_null(sites[1]->via);

	/* everything is "library": the innermost frame stays the site */
	o.lib_sites = false;
	assert_int_equal(ht_model_set_options(m, &o), 0);
	assert_int_equal(ht_model_set_fold(m, all, 1), 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fn(sites[0]), "fe_site_alpha");
	assert_null(sites[0]->via);
	ht_model_free(m);
}

static void test_stable_keys_history(void **state)
{
	struct ht_profile *p = make_profile(1000, 0, 100, 0);
	struct ht_model *m = new_model(p);
	struct ht_site *const *sites;
	const struct ht_site *s;
	double h[HT_HISTORY_LEN];
	uint64_t key;
	size_t n;

	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	assert_int_equal(ht_model_update(m, p), 0);
	sites = ht_model_sites(m, &n);
	key = sites[0]->key;
	assert_int_equal(ht_model_update(m, make_profile(2000, 0, 100, 0)), 0);
	assert_int_equal(ht_model_update(m, make_profile(3000, 500, 100, 0)),
	                 0);
	s = ht_model_site(m, key);
	assert_non_null(s);
	assert_string_equal(fn(s), "fe_site_alpha");
	assert_int_equal(hist(m, s, h), 3);
	assert_true(h[0] == 1000);
	assert_true(h[1] == 2000);
	assert_true(h[2] == 3500);
	ht_model_clear_history(m);
	assert_int_equal(ht_model_update(m, make_profile(4000, 0, 100, 0)), 0);
	s = ht_model_site(m, key);
	assert_int_equal(hist(m, s, h), 1);
	assert_true(h[0] == 4000);
	/* the history survives a regrouping */
	set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
	sites = ht_model_sites(m, &n);
	assert_int_equal(hist(m, sites[0], h), 1);
	ht_model_free(m);
}

/* Site alpha's and beta's in-use bytes at update k of test_long_history. */
static double long_alpha(size_t k) { return (double)k + (k > 50 ? 1000.0 * k : 0); }
static double long_beta(size_t k) { return k > 100 ? 7.0 * k : 0; }

/* Check a site's history and trend series against update k's values. */
static void check_long_site(struct ht_model *m, const char *name, size_t k,
                            size_t first, double (*val)(size_t))
{
	struct ht_site *const *sites;
	const struct ht_site *s = NULL;
	double t[HT_TREND_POINTS], b[HT_TREND_POINTS], v[HT_TREND_POINTS];
	double h[HT_HISTORY_LEN];
	size_t n, want = k - first + 1, np;

	sites = ht_model_sites(m, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(fn(sites[i]), name) == 0)
			s = sites[i];
	assert_non_null(s);
	if (want > HT_HISTORY_LEN)
		want = HT_HISTORY_LEN;
	assert_int_equal(hist(m, s, h), want);
	for (size_t j = 0; j < want; j++)
		assert_true(h[want - 1 - j] == val(k - j));
	np = ht_model_site_series(m, s, t, b, v);
	assert_true(np >= 1 && np <= HT_TREND_POINTS);
	assert_true(t[np - 1] == (double)k);
	for (size_t j = 0; j < np; j++)
		assert_true(b[j] == (float)val((size_t)t[j]));
}

/* Histories and trend series over more updates than either holds, a
 * stack that appears late, and a reset: the newest values, aligned. */
static void test_long_history(void **state)
{
	struct ht_model *m = NULL;

	for (size_t k = 1; k <= 300; k++) {
		struct ht_profile *p = make_profile((double)k,
		                                    k > 50 ? 1000.0 * k : 0,
		                                    100, 0);

		p->snapshot_time_ns = (uint64_t)k * 1000000000u;
		if (k <= 100) {
			free(p->stacks[2].pcs);  /* beta's stack comes at 101 */
			p->nstacks = 2;
		} else
			p->stacks[2].counts = counts(long_beta(k), long_beta(k));
		ht_profile_sum(p);
		if (!m) {
			m = new_model(p);
			set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
		}
		if (k == 201)
			ht_model_clear_history(m);
		assert_int_equal(ht_model_update(m, p), 0);
		check_long_site(m, "fe_site_alpha", k, k > 200 ? 201 : 1,
		                long_alpha);
		if (k > 100)
			check_long_site(m, "fe_site_beta", k,
			                k > 200 ? 201 : 101, long_beta);
	}
	ht_model_free(m);
}

/* A profile of n raw stacks (no symbols), stack i holding
 * (i + 1) * 1000 * k^2 bytes at time k seconds: every site grows, faster
 * at each update (each fit's slope is new). */
static struct ht_profile *many_profile(size_t n, size_t k)
{
	struct ht_profile *p = ht_profile_new();

	assert_non_null(p);
	p->kind = HT_SOURCE_LIVE;
	p->rate = 100;
	p->state = HT_PROC_RUNNING;
	p->snapshot_time_ns = (uint64_t)k * 1000000000u;
	p->stacks = calloc(n, sizeof *p->stacks);
	assert_non_null(p->stacks);
	p->nstacks = n;
	for (size_t i = 0; i < n; i++) {
		p->stacks[i].depth = 1;
		p->stacks[i].id = (uint32_t)i;
		p->stacks[i].pcs = malloc(sizeof *p->stacks[i].pcs);
		assert_non_null(p->stacks[i].pcs);
		p->stacks[i].pcs[0] = 0x100000 + 16 * i;
		p->stacks[i].counts = counts((double)((i + 1) * k * k * 1000),
		                             (double)((i + 1) * k * k * 1000));
	}
	ht_profile_sum(p);
	return p;
}

/* test_incremental's stacks: U of them, stack u allocating in function
 * u % 8 (its site by function); present at update k or not, changing
 * every third update (between, the snapshot lists the same stacks: the
 * sites are numbered as before); listed backwards now and then. */
#define INC_U 48
#define INC_RESET 150

static unsigned inc_hash(unsigned a, unsigned b)
{
	unsigned h = a * 2654435761u ^ (b + 0x9e3779b9u) * 40503u;

	return h ^ (h >> 13);
}

static bool inc_present(unsigned u, unsigned k)
{
	return u < 4 || inc_hash(u, k / 3) % 4 != 0;
}

/* Its in-use bytes (whole numbers: any order of summing is exact). */
static double inc_bytes(unsigned u, unsigned k)
{
	return inc_present(u, k) ?
	       (double)((u + 1) * 7 + k * 3 + inc_hash(u, k) % 5 * 100) : 0;
}

/* Update k's profile; us[i] gets the u of its stack i. */
static struct ht_profile *inc_profile(unsigned k, unsigned *us)
{
	struct ht_profile *p = ht_profile_new();
	bool back = k / 3 % 5 == 4;
	size_t n = 0;

	assert_non_null(p);
	p->kind = HT_SOURCE_LIVE;
	p->rate = 100;
	p->pid = 4242;
	p->state = HT_PROC_RUNNING;
	p->snapshot_time_ns = (uint64_t)k * 1000000000u;
	p->stacks = calloc(INC_U, sizeof *p->stacks);
	assert_non_null(p->stacks);
	for (unsigned j = 0; j < INC_U; j++) {
		unsigned u = back ? INC_U - 1 - j : j;
		struct ht_stack *st = &p->stacks[n];

		if (!inc_present(u, k))
			continue;
		st->depth = 2;
		st->id = u;
		st->pcs = malloc(2 * sizeof *st->pcs);
		assert_non_null(st->pcs);
		st->pcs[0] = 0x100000 + 16 * (u % 8);
		st->pcs[1] = 0x200000 + 16 * u;
		st->counts = counts(inc_bytes(u, k), inc_bytes(u, k) + 1000);
		us[n++] = u;
	}
	p->nstacks = n;
	ht_profile_sum(p);
	return p;
}

/* Stack u's history length after update k (pushed at every update
 * since it first came, `first`, or the reset). */
static size_t inc_len(unsigned first, unsigned k)
{
	unsigned from = k >= INC_RESET && first < INC_RESET ? INC_RESET : first;
	size_t n = k - from + 1;

	return n < HT_HISTORY_LEN ? n : HT_HISTORY_LEN;
}

/* Site s of update k against the truth computed from scratch: its
 * stacks (those present with its function, or its one stack), counts,
 * history (whole and the newest few) and newest trend point. */
static void inc_check_site(struct ht_model *m, const struct ht_site *s,
                           unsigned k, const unsigned *us,
                           const unsigned *first, bool by_stack)
{
	double h[HT_HISTORY_LEN], want[HT_HISTORY_LEN] = { 0 }, sum = 0;
	double t[HT_TREND_POINTS], b[HT_TREND_POINTS], v[HT_TREND_POINTS];
	unsigned g = us[s->stack_idx[0]] % 8;
	size_t nst = 0, len = 0, n, np;

	for (unsigned u = 0; u < INC_U; u++) {
		size_t l;

		if (!inc_present(u, k) || u % 8 != g ||
		    (by_stack && u != us[s->stack_idx[0]]))
			continue;
		nst++;
		sum += inc_bytes(u, k);
		l = inc_len(first[u], k);
		len = l > len ? l : len;
		for (size_t d = 0; d < l; d++)
			want[HT_HISTORY_LEN - 1 - d] += inc_bytes(u, k - (unsigned)d);
	}
	assert_int_equal(s->nstacks, nst);
	for (size_t j = 0; j < s->nstacks; j++)
		assert_int_equal(us[s->stack_idx[j]] % 8, g);
	assert_true(s->counts.cur_bytes == sum);
	assert_true(s->counts.cum_bytes == sum + 1000.0 * (double)nst);
	n = hist(m, s, h);
	assert_int_equal(n, len);
	for (size_t d = 0; d < len; d++)
		assert_true(h[len - 1 - d] == want[HT_HISTORY_LEN - 1 - d]);
	n = ht_model_site_history(m, s, h, 16);
	assert_int_equal(n, len < 16 ? len : 16);
	for (size_t d = 0; d < n; d++)
		assert_true(h[n - 1 - d] == want[HT_HISTORY_LEN - 1 - d]);
	np = ht_model_site_series(m, s, t, b, v);
	assert_true(np >= 1);
	assert_true(b[np - 1] == (double)(float)sum);
}

/* m lists the sites f lists: the same keys in the same order, names,
 * stacks, counts, newest history value. */
static void assert_same_sites(struct ht_model *m, struct ht_model *f)
{
	struct ht_site *const *a, *const *b;
	size_t na, nb;

	a = ht_model_sites(m, &na);
	b = ht_model_sites(f, &nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_true(a[i]->key == b[i]->key);
		assert_string_equal(fn(a[i]), fn(b[i]));
		assert_int_equal(a[i]->nstacks, b[i]->nstacks);
		assert_true(a[i]->counts.cur_bytes == b[i]->counts.cur_bytes);
		assert_true(a[i]->counts.cum_bytes == b[i]->counts.cum_bytes);
		assert_true(newest(m, a[i]) == newest(f, b[i]));
	}
}

/* m lists the sites a fresh model without symbols lists for p. */
static void inc_as_fresh(struct ht_model *m, struct ht_profile *p)
{
	struct ht_model *f = ht_model_new(NULL);

	assert_non_null(f);
	assert_int_equal(ht_model_set_options(f, ht_model_options(m)), 0);
	assert_int_equal(ht_model_update(f, p), 0);
	assert_same_sites(m, f);
	ht_model_free(f);
}

/* An update whose snapshot lists the same stacks as the last keeps the
 * sites' numbering and sums their histories only when asked: over 260
 * updates with stacks coming, going, listed backwards, a history reset,
 * a change of grouping and of sort, every site's stacks, counts,
 * history and order are those computed from scratch (and a fresh
 * model's for the same snapshot). */
static void test_incremental(void **state)
{
	struct ht_model *m = ht_model_new(NULL);
	unsigned first[INC_U] = { 0 }, us[INC_U], fast = 0;

	(void)state;
	assert_non_null(m);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	for (unsigned k = 1; k <= 260; k++) {
		struct ht_site *const *sites;
		bool by_stack = k >= 200 && k <= 220;
		size_t n, want = 0;
		unsigned us2[INC_U];

		if (k == INC_RESET)
			ht_model_clear_history(m);
		if (k == 100 || k == 111)
			set_opts(m, by_stack ? HT_GROUP_STACK : HT_GROUP_FUNCTION,
			         k == 100 ? HT_SORT_NAME : HT_SORT_INUSE_BYTES,
			         NULL);
		if (k == 200 || k == 221)
			set_opts(m, by_stack ? HT_GROUP_STACK : HT_GROUP_FUNCTION,
			         HT_SORT_INUSE_BYTES, NULL);
		assert_int_equal(ht_model_update(m, inc_profile(k, us)), 0);
		fast += !m->renumbered;
		for (unsigned u = 0; u < INC_U; u++)
			if (inc_present(u, k) && !first[u])
				first[u] = k;
		sites = ht_model_sites(m, &n);
		{
			/* every row's newest 16 at once: each site's */
			const size_t *len;
			const double *vh = ht_model_view_history(m, 16, &len);
			double h[16];

			assert_non_null(vh);
			for (size_t i = 0; i < n; i++) {
				size_t l = ht_model_site_history(m, sites[i], h,
				                                 16);

				assert_int_equal(len[i], l);
				assert_memory_equal(vh + 16 * i, h,
				                    l * sizeof *h);
			}
		}
		for (unsigned g = 0; g < 8; g++)
			for (unsigned u = g; u < INC_U; u += 8)
				if (inc_present(u, k)) {
					want++;
					if (!by_stack)
						break;
				}
		assert_int_equal(n, want);
		for (size_t i = 0; i < n; i++) {
			inc_check_site(m, sites[i], k, us, first, by_stack);
			if (i && !(k >= 100 && k <= 110))
				assert_true(sites[i - 1]->counts.cur_bytes >=
				            sites[i]->counts.cur_bytes);
			else if (i)
				assert_true(strcmp(fn(sites[i - 1]),
				                   fn(sites[i])) <= 0);
		}
		inc_as_fresh(m, inc_profile(k, us2));
	}
	/* the same stacks at two of every three updates: numbered once */
	assert_true(fast > 120);
	ht_model_free(m);
}

/* With more sites than HT_FIT_EVERY, an update fits a share of them:
 * every site's fit is redone at least every `rounds` updates (here 2),
 * new sites at once, and a fit is never another site's. */
static void test_fit_rounds(void **state)
{
	size_t n = HT_FIT_EVERY + 100, nsites;
	struct ht_model *m = ht_model_new(NULL);
	double *last = calloc(n, sizeof *last);
	size_t *when = calloc(n, sizeof *when);
	struct ht_model_options o = { HT_GROUP_STACK, HT_SORT_INUSE_BYTES,
	                              NULL, true, false };

	assert_non_null(m);
	assert_non_null(last);
	assert_non_null(when);
	assert_int_equal(ht_model_set_options(m, &o), 0);
	for (size_t k = 1; k <= 6; k++) {
		struct ht_site *const *sites;
		size_t changed = 0;

		assert_int_equal(ht_model_update(m, many_profile(n, k)), 0);
		sites = ht_model_sites(m, &nsites);
		assert_int_equal(nsites, n);
		for (size_t i = 0; i < nsites; i++) {
			const struct ht_site *s = sites[i];
			/* stack j (its in-use bytes at k = 1 tell it) */
			double h[HT_HISTORY_LEN];
			size_t j;

			assert_true(hist(m, s, h) >= 1);
			j = (size_t)(h[0] / 1000) - 1;

			assert_true(j < n);
			if (k == 1) {   /* all new: all fitted (one point) */
				last[j] = s->fit.slope;
				when[j] = 1;
				continue;
			}
			if (s->fit.slope != last[j]) {
				changed++;
				when[j] = k;
			}
			/* refitted within the last two updates */
			assert_true(k - when[j] < 2);
			/* never another site's fit: it grows by j + 1 */
			assert_true(s->fit.slope > 0 || k - when[j] == 1);
			last[j] = s->fit.slope;
		}
		/* update 2: the half fitted now; update 3 on: all fitted
		 * within the last two updates, about half refitted */
		if (k >= 2)
			assert_true(changed >= n / 2 - 1 && changed <= n / 2 + 1);
	}
	free(last);
	free(when);
	ht_model_free(m);
}

static void test_baseline_live(void **state)
{
	struct ht_profile *p = make_profile(1000, 1000, 5000, 0);
	struct ht_model *m = new_model(p);
	struct ht_site *const *sites;
	const struct ht_counts *d;
	size_t n;

	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_false(ht_model_has_baseline(m));
	assert_int_equal(ht_model_set_baseline(m), 0);
	assert_true(ht_model_has_baseline(m));
	assert_int_equal(ht_model_update(m, make_profile(6000, 1000, 9000, 0)),
	                 0);
	sites = ht_model_sites(m, &n);
	assert_string_equal(fn(sites[0]), "fe_site_alpha");
	assert_true(sites[0]->has_delta);
	assert_true(sites[0]->delta.cur_bytes == 5000);
	assert_true(sites[1]->delta.cur_bytes == 0);
	assert_true(sites[1]->delta.cum_bytes == 4000);
	/* variance of a difference: both sides' variances */
	assert_true(sites[0]->delta.var_cur_bytes == (7000 + 2000) * 100);
	d = ht_model_totals_delta(m);
	assert_non_null(d);
	assert_true(d->cur_bytes == 5000);
	ht_model_clear_baseline(m);
	assert_null(ht_model_totals_delta(m));
	sites = ht_model_sites(m, &n);
	assert_false(sites[0]->has_delta);
	ht_model_free(m);
}

static void test_baseline_by_symbols(void **state)
{
	/* the base has other addresses (shift) in the same functions: it
	 * must match by function/file/module */
	struct ht_profile *p = make_profile(8000, 0, 100, 0);
	struct ht_profile *base = make_profile(3000, 0, 100, 2);
	struct ht_model *m = new_model(p);
	struct ht_site *const *sites;
	size_t n;

	assert_true(base->stacks[0].pcs[1] != p->stacks[0].pcs[1]);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_int_equal(ht_model_set_baseline_profile(m, base), 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fn(sites[0]), "fe_site_alpha");
	assert_true(sites[0]->delta.cur_bytes == 5000);
	assert_true(sites[1]->delta.cur_bytes == 0);
	assert_true(sites[1]->delta.cum_bytes == 0);

	/* full-stack grouping also matches */
	set_opts(m, HT_GROUP_STACK, HT_SORT_GROWTH, NULL);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 3);
	assert_true(sites[0]->delta.cur_bytes == 5000);

	/* a site only the baseline has shows up with a negative delta */
	base = make_profile(3000, 0, 100, 0);
	base->stacks[2].counts = counts(700, 700);
	ht_profile_sum(base);
	p = make_profile(3000, 0, 100, 0);
	free(p->stacks[2].pcs);
	p->nstacks = 2;
	ht_profile_sum(p);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_int_equal(ht_model_set_baseline_profile(m, base), 0);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fn(sites[1]), "fe_site_beta");
	assert_true(sites[1]->counts.cur_bytes == 0);
	assert_true(sites[1]->delta.cur_bytes == -700);
	ht_model_free(m);
}

static void test_trees(void **state)
{
	struct ht_profile *p = make_profile(3000, 1000, 50000, 0);
	struct ht_model *m = new_model(p);
	struct ht_site *const *sites;
	struct ht_tree_node *t, *one, *two;
	size_t n, nf;
	const struct ht_frame *const *frames;

	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	assert_int_equal(ht_model_update(m, p), 0);
	sites = ht_model_sites(m, &n);

	/* callers of alpha: one (3000) and two (1000), each called from
	 * outer_main */
	t = ht_model_callers(m, sites[0]->key);
	assert_non_null(t);
	assert_ptr_equal(t, ht_model_callers(m, sites[0]->key));
	assert_true(t->counts.cur_bytes == 4000);
	assert_int_equal(t->nchildren, 2);
	one = t->children[0];
	two = t->children[1];
	assert_string_equal(one->frame->function, "fe_caller_one");
	assert_true(one->counts.cur_bytes == 3000);
	assert_string_equal(two->frame->function, "fe_caller_two");
	assert_int_equal(one->nchildren, 1);
	assert_string_equal(one->children[0]->frame->function,
	                    "fe_outer_main");
	assert_ptr_equal(one->children[0]->parent, one);
	assert_int_equal(one->children[0]->depth, 2);
	assert_null(ht_model_callers(m, 12345));

	/* top-down: root -> outer_main -> {one, two} -> sites */
	t = ht_model_topdown(m);
	assert_non_null(t);
	assert_null(t->frame);
	assert_int_equal(t->nchildren, 1);
	assert_string_equal(t->children[0]->frame->function, "fe_outer_main");
	assert_true(t->children[0]->counts.cum_bytes == 54000);
	assert_int_equal(t->children[0]->nchildren, 2);
	one = t->children[0]->children[0];
	assert_string_equal(one->frame->function, "fe_caller_one");
	assert_true(one->counts.cur_bytes == 3000);
	assert_int_equal(one->nchildren, 2);

	/* the tree is rebuilt at the next update, with the same paths (the
	 * screen keeps what is expanded, by path) */
	assert_int_equal(ht_model_update(m, make_profile(3000, 1000, 50000, 0)),
	                 0);
	t = ht_model_topdown(m);
	assert_string_equal(t->children[0]->children[0]->frame->function,
	                    "fe_caller_one");
	assert_string_equal(t->children[0]->children[1]->frame->function,
	                    "fe_caller_two");

	/* tree deltas with a baseline */
	assert_int_equal(ht_model_set_baseline(m), 0);
	assert_int_equal(ht_model_update(m, make_profile(3500, 1000, 50000, 0)),
	                 0);
	sites = ht_model_sites(m, &n);
	t = ht_model_callers(m, sites[0]->key);
	assert_true(t->children[0]->has_delta);
	assert_true(t->children[0]->delta.cur_bytes == 500);
	assert_true(t->children[1]->delta.cur_bytes == 0);

	/* stack frames: innermost first, site index past malloc */
	frames = ht_model_stack_frames(m, 0, &nf);
	assert_true(nf >= 4);
	assert_true(frames[0]->allocator);
	assert_int_equal(ht_model_stack_site_index(m, 0), 1);
	assert_string_equal(frames[1]->function, "fe_site_alpha");
	ht_model_free(m);
}

static void test_no_symbolizer(void **state)
{
	struct ht_model *m = ht_model_new(NULL);
	struct ht_site *const *sites;
	size_t n;

	set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
	assert_int_equal(ht_model_update(m, make_profile(10, 20, 30, 0)), 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 3);
	assert_true(!strncmp(fn(sites[0]), "0x", 2));
	ht_model_free(m);
}

static void test_rel_stderr(void **state)
{
	assert_true(ht_rel_stderr(0, 5) == 0);
	assert_true(fabs(ht_rel_stderr(100, 400) - 0.2) < 1e-12);
	assert_true(ht_rel_stderr(100, 0) == 0);
}

/* Per-thread breakdown (as jemalloc's "t<N>:" lines give it): summed by
 * thread number over a site's stacks, sorted like the sites, names from
 * the profile; a profile without per-thread lines has none. */
static void set_threads(struct ht_stack *s, size_t n, const uint64_t *num,
                        const double *cur, const double *cum)
{
	s->threads = calloc(n, sizeof *s->threads);
	assert_non_null(s->threads);
	s->nthreads = n;
	for (size_t i = 0; i < n; i++) {
		s->threads[i].thread = num[i];
		s->threads[i].counts = counts(cur[i], cum[i]);
	}
}

static const struct ht_site *site_named(struct ht_model *m, const char *name)
{
	struct ht_site *const *sites;
	size_t n;

	sites = ht_model_sites(m, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fn(sites[i]), name))
			return sites[i];
	fail_msg("no site %s", name);
	return NULL;
}

static void assert_thread(const struct ht_thread_counts *t, uint64_t num,
                          double cur, double cum)
{
	assert_int_equal(t->thread, num);
	assert_true(fabs(t->counts.cur_bytes - cur) < 1e-9);
	assert_true(fabs(t->counts.cum_bytes - cum) < 1e-9);
	assert_true(fabs(t->counts.cur_objs - cur / 100) < 1e-9);
	assert_true(fabs(t->counts.var_cur_bytes - cur * 100) < 1e-6);
}

static struct ht_profile *make_thread_profile(void)
{
	/* stack 0 (alpha): t0 1000, t2 2000     = a1 3000
	 * stack 1 (alpha): t5 400, t2 600       = a2 1000 (listed unsorted)
	 * stack 2 (beta):  t0 cum 50000, cur 0  = b 50000 */
	struct ht_profile *p = make_profile(3000, 1000, 50000, 0);
	static const uint64_t n0[] = { 0, 2 }, n1[] = { 5, 2 }, n2[] = { 0 };
	static const double cur0[] = { 1000, 2000 }, cur1[] = { 400, 600 },
	                    cur2[] = { 0 }, cum2[] = { 50000 };

	set_threads(&p->stacks[0], 2, n0, cur0, cur0);
	set_threads(&p->stacks[1], 2, n1, cur1, cur1);
	set_threads(&p->stacks[2], 1, n2, cur2, cum2);
	p->thread_names = calloc(3, sizeof *p->thread_names);
	assert_non_null(p->thread_names);
	p->nthread_names = 3;
	p->thread_names[0] = strdup("main");
	p->thread_names[2] = strdup("worker-two");
	return p;
}

static void test_threads(void **state)
{
	struct ht_profile *p = make_thread_profile();
	struct ht_model *m = new_model(p);
	const struct ht_thread_counts *t;
	const struct ht_site *alpha, *beta;
	struct ht_site *const *sites;
	size_t n, nsites;
	uint64_t key;
	double sum = 0;

	(void)state;
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	t = ht_model_threads(m, &n);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_false(ht_model_has_threads(m));
	assert_int_equal(ht_model_update(m, p), 0);
	assert_true(ht_model_has_threads(m));

	alpha = site_named(m, "fe_site_alpha");
	t = ht_model_site_threads(m, alpha->key, &n);
	assert_int_equal(n, 3);
	assert_thread(&t[0], 2, 2600, 2600);
	assert_thread(&t[1], 0, 1000, 1000);
	assert_thread(&t[2], 5, 400, 400);
	for (size_t i = 0; i < n; i++)
		sum += t[i].counts.cur_bytes;
	assert_true(fabs(sum - alpha->counts.cur_bytes) < 1e-9);
	beta = site_named(m, "fe_site_beta");
	t = ht_model_site_threads(m, beta->key, &n);
	assert_int_equal(n, 1);
	assert_thread(&t[0], 0, 0, 50000);

	/* whole profile, then sorted by allocated bytes */
	t = ht_model_threads(m, &n);
	assert_int_equal(n, 3);
	assert_thread(&t[0], 2, 2600, 2600);
	assert_thread(&t[1], 0, 1000, 51000);
	assert_thread(&t[2], 5, 400, 400);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_ALLOC_BYTES, NULL);
	t = ht_model_threads(m, &n);
	assert_int_equal(n, 3);
	assert_thread(&t[0], 0, 1000, 51000);
	assert_thread(&t[1], 2, 2600, 2600);
	/* by name: thread number order */
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_NAME, NULL);
	alpha = site_named(m, "fe_site_alpha");
	t = ht_model_site_threads(m, alpha->key, &n);
	assert_int_equal(n, 3);
	assert_int_equal(t[0].thread, 0);
	assert_int_equal(t[1].thread, 2);
	assert_int_equal(t[2].thread, 5);

	/* one site per stack: stack 1's own threads only */
	set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
	sites = ht_model_sites(m, &nsites);
	assert_int_equal(nsites, 3);
	assert_true(fabs(sites[1]->counts.cur_bytes - 1000) < 1e-9);
	t = ht_model_site_threads(m, sites[1]->key, &n);
	assert_int_equal(n, 2);
	assert_thread(&t[0], 2, 600, 600);
	assert_thread(&t[1], 5, 400, 400);

	/* a baseline leaves the breakdown alone; unknown keys have none
	 * (sites are rebuilt: keep the key, not the pointer) */
	key = sites[1]->key;
	assert_int_equal(ht_model_set_baseline(m), 0);
	t = ht_model_site_threads(m, key, &n);
	assert_int_equal(n, 2);
	assert_thread(&t[0], 2, 600, 600);
	assert_null(ht_model_site_threads(m, 12345, &n));
	assert_int_equal(n, 0);
	ht_model_clear_baseline(m);

	assert_string_equal(ht_model_thread_name(m, 0), "main");
	assert_string_equal(ht_model_thread_name(m, 2), "worker-two");
	assert_null(ht_model_thread_name(m, 1));
	assert_null(ht_model_thread_name(m, 5));
	assert_null(ht_model_thread_name(m, UINT64_MAX));

	/* the next snapshot has no per-thread lines: no breakdown */
	assert_int_equal(ht_model_update(m, make_profile(10, 20, 30, 0)), 0);
	assert_false(ht_model_has_threads(m));
	assert_null(ht_model_threads(m, &n));
	assert_int_equal(n, 0);
	sites = ht_model_sites(m, &nsites);
	assert_null(ht_model_site_threads(m, sites[0]->key, &n));
	assert_int_equal(n, 0);
	assert_null(ht_model_thread_name(m, 0));
	ht_model_free(m);
}

/* Every site the model lists is the one ht_model_site finds by its key,
 * and each key of `keys` is unknown or leads to its own site. */
static void assert_sites_consistent(struct ht_model *m, const uint64_t *keys,
                                    size_t nkeys)
{
	struct ht_site *const *sites;
	size_t n;

	sites = ht_model_sites(m, &n);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(ht_model_site(m, sites[i]->key), sites[i]);
	for (size_t k = 0; k < nkeys; k++) {
		const struct ht_site *s = ht_model_site(m, keys[k]);

		if (s)
			assert_true(s->key == keys[k]);
	}
}

/* Fail each allocation of an update in turn (raw addresses, grouped by
 * stack: every allocation is the model's own): the update fails with
 * -ENOMEM and a cause, or succeeds; the sites stay consistent (no key
 * leads into a site array that is not there); the next update gives the
 * right sites, whose newest history value is their bytes in use (no
 * history index past the array). */
static void test_nomem_update(void **state)
{
	uint64_t keys[3];
	size_t n, nfail = 0;

	{
		struct ht_model *ref = ht_model_new(NULL);
		struct ht_site *const *sites;

		set_opts(ref, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
		assert_int_equal(ht_model_update(ref, make_profile(30, 20, 10,
		                                                   0)), 0);
		sites = ht_model_sites(ref, &n);
		assert_int_equal(n, 3);
		for (size_t i = 0; i < 3; i++)
			keys[i] = sites[i]->key;
		ht_model_free(ref);
	}
	for (unsigned long at = 1;; at++) {
		struct ht_model *m = ht_model_new(NULL);
		struct ht_profile *p = make_profile(30, 20, 10, 0);
		struct ht_site *const *sites;
		int rc;

		set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
		failalloc_arm(at);
		rc = ht_model_update(m, p);
		failalloc_arm(0);
		if (!failalloc_fired()) {
			assert_int_equal(rc, 0);
			ht_model_free(m);
			break;
		}
		if (rc < 0) {
			nfail++;
			assert_int_equal(rc, -ENOMEM);
			assert_non_null(ht_model_cause(m));
		}
		assert_sites_consistent(m, keys, 3);
		assert_int_equal(ht_model_update(m, make_profile(300, 200, 100,
		                                                 0)), 0);
		assert_sites_consistent(m, keys, 3);
		sites = ht_model_sites(m, &n);
		assert_int_equal(n, 3);
		assert_true(sites[0]->counts.cur_bytes == 300);
		assert_true(sites[2]->counts.cur_bytes == 0);
		for (size_t i = 0; i < n; i++) {
			assert_true(newest(m, sites[i]) ==
			            sites[i]->counts.cur_bytes);
		}
		ht_model_free(m);
	}
	assert_true(nfail > 5);
}

/* A baseline profile whose symbolizer cannot be made is an error with a
 * cause, not a silent diff of raw addresses (every site new). */
static void test_nomem_baseline_symbolizer(void **state)
{
	struct ht_profile *p = make_profile(8000, 0, 100, 0);
	struct ht_profile *base = make_profile(3000, 0, 100, 2);
	struct ht_model *m = new_model(p);
	struct ht_site *const *sites;
	size_t n;
	int rc;

	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	assert_int_equal(ht_model_update(m, p), 0);
	failalloc_arm(1);   /* the symbolizer's first allocation */
	rc = ht_model_set_baseline_profile(m, base);
	failalloc_arm(0);
	assert_int_equal(rc, -ENOMEM);
	assert_non_null(ht_model_cause(m));
	assert_non_null(strstr(ht_model_cause(m), "baseline"));
	assert_false(ht_model_has_baseline(m));
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_false(sites[0]->has_delta);

	/* with memory again, the same baseline matches by symbols */
	assert_int_equal(ht_model_set_baseline_profile(m, make_profile(3000, 0,
	                                                               100, 2)),
	                 0);
	sites = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_true(sites[0]->delta.cur_bytes == 5000);
	ht_model_free(m);
}

/* m lists the sites a fresh model (no earlier snapshot, nothing cached)
 * lists for profile p under the same options: the same keys in the same
 * order, names, counts and newest history value. */
static void assert_as_fresh(struct ht_model *m, struct ht_profile *p)
{
	struct ht_model *f = new_model(p);

	assert_int_equal(ht_model_set_options(f, ht_model_options(m)), 0);
	assert_int_equal(ht_model_update(f, p), 0);
	assert_same_sites(m, f);
	ht_model_free(f);
}

/* A copy of p's stacks as a file profile would give them (no stack ids
 * to go by). */
static struct ht_profile *as_file(struct ht_profile *p)
{
	p->kind = HT_SOURCE_HEAPTOP;
	p->pid = 0;
	for (size_t i = 0; i < p->nstacks; i++)
		p->stacks[i].id = 0;
	return p;
}

/* The stacks a snapshot shares with the previous one keep their
 * symbolized frames (no lookup, no hashing): by stack id for a live
 * process, by address sequence otherwise; and the sites are what a
 * fresh model finds, across a change of grouping, a baseline, a history
 * reset, a stack id given to other addresses, and modules that moved
 * (then nothing is taken over). */
static void test_stack_cache(void **state)
{
	struct ht_profile *p = as_file(make_profile(1000, 200, 100, 0));
	struct ht_model *m = new_model(p);
	const struct ht_frame *const *fr0;
	size_t n;

	assert_int_equal(ht_model_update(m, p), 0);
	fr0 = ht_model_stack_frames(m, 0, &n);
	/* the same addresses, from a file: taken over */
	p = as_file(make_profile(2000, 200, 100, 0));
	assert_int_equal(ht_model_update(m, p), 0);
	assert_ptr_equal(ht_model_stack_frames(m, 0, &n), fr0);
	assert_as_fresh(m, as_file(make_profile(2000, 200, 100, 0)));
	/* another grouping: the taken-over stacks are regrouped */
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	assert_int_equal(ht_model_update(m, as_file(make_profile(3000, 200,
	                                                         100, 0))), 0);
	assert_ptr_equal(ht_model_stack_frames(m, 0, &n), fr0);
	assert_int_equal(ht_model_sites(m, &n)[0]->nstacks, 2);
	assert_as_fresh(m, as_file(make_profile(3000, 200, 100, 0)));
	set_opts(m, HT_GROUP_LINE, HT_SORT_INUSE_BYTES, NULL);
	/* a baseline, then a history reset */
	assert_int_equal(ht_model_set_baseline(m), 0);
	assert_int_equal(ht_model_update(m, as_file(make_profile(3500, 200,
	                                                         100, 0))), 0);
	assert_true(ht_model_sites(m, &n)[0]->delta.cur_bytes == 500);
	ht_model_clear_baseline(m);
	ht_model_clear_history(m);
	assert_int_equal(ht_model_update(m, as_file(make_profile(4000, 200,
	                                                         100, 0))), 0);
	assert_ptr_equal(ht_model_stack_frames(m, 0, &n), fr0);
	{
		double h[HT_HISTORY_LEN];

		assert_int_equal(hist(m, ht_model_sites(m, &n)[0], h), 1);
	}
	assert_as_fresh(m, as_file(make_profile(4000, 200, 100, 0)));
	/* rows that change places, some filtered out (the sort starts from
	 * the last order) */
	set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, "fe_site_alpha");
	assert_int_equal(ht_model_update(m, as_file(make_profile(100, 5000,
	                                                         100, 0))), 0);
	assert_int_equal(ht_model_sites(m, &n)[0]->counts.cur_bytes, 5000);
	assert_int_equal(n, 2);
	assert_as_fresh(m, as_file(make_profile(100, 5000, 100, 0)));
	set_opts(m, HT_GROUP_STACK, HT_SORT_ALLOC_BYTES, NULL);
	assert_int_equal(ht_model_update(m, as_file(make_profile(100, 50,
	                                                         9000, 0))), 0);
	assert_as_fresh(m, as_file(make_profile(100, 50, 9000, 0)));
	/* the first row of the last order filtered out */
	set_opts(m, HT_GROUP_STACK, HT_SORT_ALLOC_BYTES, "fe_site_alpha");
	assert_as_fresh(m, as_file(make_profile(100, 50, 9000, 0)));
	set_opts(m, HT_GROUP_LINE, HT_SORT_INUSE_BYTES, NULL);
	/* the modules moved (here: one less): every stack symbolized again */
	p = as_file(make_profile(4000, 200, 100, 0));
	free(p->modules[--p->nmodules].path);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_ptr_not_equal(ht_model_stack_frames(m, 0, &n), fr0);
	ht_model_free(m);

	/* live: by stack id; an id now holding other addresses (the stack
	 * table was reset) is symbolized again */
	p = make_profile(1000, 200, 100, 0);
	m = new_model(p);
	assert_int_equal(ht_model_update(m, p), 0);
	fr0 = ht_model_stack_frames(m, 1, &n);
	p = make_profile(1000, 200, 100, 0);
	p->stacks[0].pcs[1] = ra(fe_site_beta, 8);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_ptr_equal(ht_model_stack_frames(m, 1, &n), fr0);
	p = make_profile(1000, 200, 100, 0);
	p->stacks[0].pcs[1] = ra(fe_site_beta, 8);
	assert_as_fresh(m, p);
	ht_model_free(m);
}

/* The newest point of the total series of m. */
static double newest_total(struct ht_model *m)
{
	double t[HT_TREND_POINTS], b[HT_TREND_POINTS], v[HT_TREND_POINTS];
	size_t n = ht_model_total_series(m, t, b, v);

	assert_true(n > 0);
	return b[n - 1];
}

/* No site and no stack of m is pending. */
static void assert_none_pending(struct ht_model *m)
{
	struct ht_site *const *s;
	size_t n, nf;

	assert_false(ht_model_sym_pending(m, NULL, NULL));
	s = ht_model_sites(m, &n);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(fn(s[i]), "[symbolizing]");
	for (size_t i = 0; i < ht_model_profile(m)->nstacks; i++) {
		ht_model_stack_frames(m, i, &nf);
		assert_true(nf > 0);
	}
}

/* Symbolizing in slices (the screen): the update symbolizes the biggest
 * stack first and leaves the others pending, all in one "[symbolizing]"
 * site (no frames; never merged with a resolved site, whatever the
 * grouping); each resume symbolizes more; once none is pending the
 * sites, their history and the total series are a model's without a
 * slice, also when a snapshot arrives before the end (only resolved
 * stacks are taken over). */
static void test_sym_slice(void **state)
{
	struct ht_profile *p = as_file(make_profile(200, 1000, 100, 0));
	struct ht_model *m = new_model(p), *f;
	struct ht_site *const *s;
	size_t n, done, total, passes = 0;

	(void)state;
	ht_model_set_sym_slice(m, 1e-6);   /* one stack a pass */
	assert_int_equal(ht_model_update(m, p), 0);
	assert_true(ht_model_sym_pending(m, &done, &total));
	assert_int_equal(done, 1);
	assert_int_equal(total, 3);
	/* stack 1 (alpha <- two, 1000 bytes) first */
	ht_model_stack_frames(m, 1, &n);
	assert_true(n > 0);
	ht_model_stack_frames(m, 0, &n);
	assert_int_equal(n, 0);
	s = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fn(s[0]), "fe_site_alpha");
	assert_true(s[0]->counts.cur_bytes == 1000);
	assert_int_equal(s[0]->nstacks, 1);
	assert_true(newest(m, s[0]) == 1000);
	assert_string_equal(fn(s[1]), "[symbolizing]");
	assert_true(s[1]->counts.cur_bytes == 200);
	assert_true(s[1]->counts.cum_bytes == 300);
	assert_int_equal(s[1]->nstacks, 2);
	assert_true(newest_total(m) == 1200);
	/* by stack or by function: still one pending site */
	set_opts(m, HT_GROUP_STACK, HT_SORT_INUSE_BYTES, NULL);
	s = ht_model_sites(m, &n);
	assert_int_equal(n, 2);
	assert_int_equal(s[1]->nstacks, 2);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_INUSE_BYTES, NULL);
	while (ht_model_sym_pending(m, &done, NULL)) {
		assert_int_equal(ht_model_sym_resume(m), 0);
		passes++;
	}
	/* one stack a pass, or more when the rebuild took longer (the
	 * slice is at least five rebuilds) */
	assert_true(passes >= 1 && passes <= 2);
	assert_int_equal(done, 3);
	assert_int_equal(ht_model_sym_resume(m), 0);  /* nothing left */
	assert_none_pending(m);
	/* alpha's two stacks, resolved by the update and a resume, one
	 * site */
	assert_int_equal(ht_model_sites(m, &n)[0]->nstacks, 2);
	{
		double h[HT_HISTORY_LEN];

		assert_int_equal(hist(m, ht_model_sites(m, &n)[0], h), 1);
		assert_true(h[0] == 1200);
	}
	assert_as_fresh(m, as_file(make_profile(200, 1000, 100, 0)));
	assert_true(newest_total(m) == 1200);

	/* a new snapshot while stacks are pending */
	ht_model_free(m);
	p = as_file(make_profile(200, 1000, 100, 0));
	m = new_model(p);
	ht_model_set_sym_slice(m, 1e-6);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_int_equal(ht_model_update(m, as_file(make_profile(300, 1000,
	                                                         100, 0))), 0);
	assert_true(ht_model_sym_pending(m, &done, &total));
	assert_int_equal(total, 2);   /* stack 1 taken over */
	while (ht_model_sym_pending(m, NULL, NULL))
		assert_int_equal(ht_model_sym_resume(m), 0);
	assert_none_pending(m);
	assert_as_fresh(m, as_file(make_profile(300, 1000, 100, 0)));
	assert_true(newest_total(m) == 1300);
	ht_model_free(m);

	/* without a slice nothing is ever pending */
	p = as_file(make_profile(200, 1000, 100, 0));
	f = new_model(p);
	assert_int_equal(ht_model_update(f, p), 0);
	assert_none_pending(f);
	ht_model_free(f);
}

/* m's sites and deltas are f's (site by site, in order). */
static void assert_same_deltas(struct ht_model *m, struct ht_model *f)
{
	struct ht_site *const *a, *const *b;
	size_t na, nb;

	assert_same_sites(m, f);
	a = ht_model_sites(m, &na);
	b = ht_model_sites(f, &nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i]->has_delta, b[i]->has_delta);
		assert_true(a[i]->delta.cur_bytes == b[i]->delta.cur_bytes);
		assert_true(a[i]->delta.cum_bytes == b[i]->delta.cum_bytes);
		assert_true(a[i]->delta.var_cur_bytes == b[i]->delta.var_cur_bytes);
	}
	assert_true(ht_model_totals_delta(m)->cur_bytes ==
	            ht_model_totals_delta(f)->cur_bytes);
}

/* A baseline set while the current snapshot's stacks wait for their
 * symbols (the screen's `b` during symbolization) does not wait for
 * them: the baseline takes the resolved stacks, its others stay pending
 * until the resumes that follow (after the current snapshot's), and
 * then the sites and their deltas are a model's without a slice; also
 * when a new snapshot arrives first.  A model without a slice resolves
 * the baseline at once, as before. */
static void test_sym_slice_baseline(void **state)
{
	struct ht_profile *p;
	struct ht_model *m, *f;
	struct ht_site *const *s;
	size_t n, done, total;
	bool pending_site = false;

	(void)state;
	/* the reference: no slice */
	p = as_file(make_profile(200, 1000, 100, 0));
	f = new_model(p);
	set_opts(f, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	assert_int_equal(ht_model_update(f, p), 0);
	assert_int_equal(ht_model_set_baseline(f), 0);
	assert_none_pending(f);
	assert_int_equal(ht_model_update(f, as_file(make_profile(700, 3000,
	                                                         400, 0))), 0);

	p = as_file(make_profile(200, 1000, 100, 0));
	m = new_model(p);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	ht_model_set_sym_slice(m, 1e-6);   /* one stack a pass */
	assert_int_equal(ht_model_update(m, p), 0);
	assert_true(ht_model_sym_pending(m, &done, &total));
	assert_int_equal(done, 1);
	assert_int_equal(total, 3);
	assert_int_equal(ht_model_set_baseline(m), 0);
	/* the baseline's two stacks the current snapshot has not resolved
	 * wait too */
	assert_true(ht_model_sym_pending(m, &done, &total));
	assert_int_equal(done, 1);
	assert_int_equal(total, 5);
	assert_true(ht_model_has_baseline(m));
	s = ht_model_sites(m, &n);
	for (size_t i = 0; i < n; i++)
		pending_site |= !strcmp(fn(s[i]), "[symbolizing]");
	assert_true(pending_site);
	/* a new snapshot before the end: the baseline keeps the old one */
	assert_int_equal(ht_model_update(m, as_file(make_profile(700, 3000,
	                                                         400, 0))), 0);
	while (ht_model_sym_pending(m, NULL, NULL))
		assert_int_equal(ht_model_sym_resume(m), 0);
	assert_none_pending(m);
	assert_same_deltas(m, f);
	ht_model_free(m);

	/* the baseline set while pending and resolved with no snapshot in
	 * between */
	p = as_file(make_profile(200, 1000, 100, 0));
	m = new_model(p);
	set_opts(m, HT_GROUP_FUNCTION, HT_SORT_GROWTH, NULL);
	ht_model_set_sym_slice(m, 1e-6);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_int_equal(ht_model_set_baseline(m), 0);
	while (ht_model_sym_pending(m, NULL, NULL))
		assert_int_equal(ht_model_sym_resume(m), 0);
	s = ht_model_sites(m, &n);
	for (size_t i = 0; i < n; i++) {
		assert_string_not_equal(fn(s[i]), "[symbolizing]");
		assert_true(s[i]->has_delta);
		assert_true(s[i]->delta.cur_bytes == 0);
		assert_true(s[i]->delta.cum_bytes == 0);
	}
	/* then cleared: nothing pending, no deltas */
	ht_model_clear_baseline(m);
	assert_none_pending(m);
	assert_null(ht_model_totals_delta(m));
	ht_model_free(m);

	/* cleared while its stacks are pending: nothing left to resume */
	p = as_file(make_profile(200, 1000, 100, 0));
	m = new_model(p);
	ht_model_set_sym_slice(m, 1e-6);
	assert_int_equal(ht_model_update(m, p), 0);
	assert_int_equal(ht_model_set_baseline(m), 0);
	ht_model_clear_baseline(m);
	assert_true(ht_model_sym_pending(m, &done, &total));
	assert_int_equal(total, 3);
	while (ht_model_sym_pending(m, NULL, NULL))
		assert_int_equal(ht_model_sym_resume(m), 0);
	assert_none_pending(m);
	ht_model_free(m);
	ht_model_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_stable_keys_history),
		cmocka_unit_test(test_long_history),
		cmocka_unit_test(test_fit_rounds),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_baseline_live),
		cmocka_unit_test(test_baseline_by_symbols),
		cmocka_unit_test(test_trees),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_no_symbolizer),
		cmocka_unit_test(test_rel_stderr),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_nomem_update),
		cmocka_unit_test(test_nomem_baseline_symbolizer),
		cmocka_unit_test(test_stack_cache),
		cmocka_unit_test(test_sym_slice),
		cmocka_unit_test(test_sym_slice_baseline),
	};

	/* libc's own malloc (under ASan the default one is its interceptor) */
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	malloc_pc = (uint64_t)(uintptr_t)dlsym(libc ? libc : RTLD_DEFAULT,
	                                       "malloc") + 16;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
