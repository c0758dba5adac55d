/*
 * The model (see model.h): its life, options and baseline, and the sites
 * its symbolized stacks group into.  The stacks are in model_stacks.c,
 * the order of the sites in model_sort.c, history and leak diagnosis in
 * model_trend.c, per-thread rows in model_threads.c, call trees in
 * model_tree.c.  Headless: no curses, no
 * I/O.  Identity is symbolic, never an address: a stack's key hashes its
 * frames' function, file, module and line, so a baseline from another
 * run matches the same code (grouped by function, another build too).
 * Everything returned stays owned by the model.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cause.h"
#include "core/grow.h"
#include "core/model_priv.h"

/* Record the cause of an error (ht_model_cause); returns err. */
int model_fail(struct ht_model *m, int err, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ht_cause_set(&m->cause, "%s", buf);
	return err;
}

/* A public call starts without a cause (no stale one answers for it). */
void model_clear_cause(struct ht_model *m)
{
	free(m->cause);
	m->cause = NULL;
}

/* The cause of the model's last error (model-owned), or NULL. */
const char *ht_model_cause(const struct ht_model *m)
{
	return m->cause;
}

/* sqrt(var) / |value|, 0 when value is 0 or var is not positive. */
double ht_rel_stderr(double value, double var)
{
	if (value == 0 || !(var > 0))
		return 0;
	return sqrt(var) / fabs(value);
}

/* f without its line: a model-owned copy, made once per frame (a copy
 * whose strings differ from f's belongs to a frame freed since, whose
 * address f reuses: replaced).  NULL when out of memory. */
static const struct ht_frame *lineless(struct ht_model *m,
                                       const struct ht_frame *f)
{
	size_t *v;
	bool isnew;
	struct ht_frame *c;

	if (ht_u64map_put(&m->label_by_frame, (uint64_t)(uintptr_t)f, 0, &v,
	                  &isnew) < 0)
		return NULL;
	if (!isnew) {
		c = m->labels[*v];
		if (c->function == f->function && c->file == f->file &&
		    c->module == f->module && c->pc == f->pc)
			return c;
	}
	if (ht_grow(&m->labels, &m->caplabels, m->nlabels + 1,
	            sizeof *m->labels) < 0 || !(c = malloc(sizeof *c))) {
		if (isnew)
			ht_u64map_del(&m->label_by_frame, (uint64_t)(uintptr_t)f,
			              NULL);
		return NULL;
	}
	*c = *f;
	c->line = 0;
	m->labels[m->nlabels] = c;
	*v = m->nlabels++;
	return c;
}

/* Name site s after frame f.  Grouped by function, a site merges the
 * function's lines: its frame is f without a line (0), so no one of
 * them reads as the site's.  Out of memory: f itself. */
static void label_site(struct ht_model *m, struct ht_site *s,
                       const struct ht_frame *f)
{
	const struct ht_frame *l;

	s->frame = f;
	if (m->opt.group != HT_GROUP_FUNCTION || !f->line)
		return;
	l = lineless(m, f);
	if (l)
		s->frame = l;
}

/* Forget the baseline's aggregate (build_base makes it). */
static void drop_base_aggregate(struct ht_model *m)
{
	ht_u64map_free(&m->base_by_key);
	free(m->base_counts);
	free(m->base_frame);
	free(m->base_via);
	m->base_counts = NULL;
	m->base_frame = NULL;
	m->base_via = NULL;
	m->nbase = 0;
}

/* Aggregate the baseline by group key. */
int model_build_base(struct ht_model *m)
{
	struct sideinfo *b = &m->base;

	drop_base_aggregate(m);
	if (!m->has_base)
		return 0;
	m->base_counts = calloc(b->p->nstacks + 1, sizeof *m->base_counts);
	m->base_frame = calloc(b->p->nstacks + 1, sizeof *m->base_frame);
	m->base_via = calloc(b->p->nstacks + 1, sizeof *m->base_via);
	if (!m->base_counts || !m->base_frame || !m->base_via)
		return model_fail(m, -ENOMEM, "baseline: out of memory");
	for (size_t i = 0; i < b->p->nstacks; i++) {
		size_t *v;
		bool isnew;

		if (ht_u64map_put(&m->base_by_key, b->si[i].gkey, m->nbase, &v,
		             &isnew) < 0)
			return model_fail(m, -ENOMEM, "baseline: out of memory");
		if (isnew) {
			m->base_frame[m->nbase] = model_site_frame_of(&b->si[i]);
			m->base_via[m->nbase] = model_via_frame_of(&b->si[i]);
			m->nbase++;
		}
		ht_counts_add(&m->base_counts[*v], &b->p->stacks[i].counts);
	}
	return 0;
}

static bool matches_filter(const struct ht_model *m, const struct ht_site *s)
{
	if (!m->filter || !*m->filter)
		return true;
	return (s->frame->function && strstr(s->frame->function, m->filter)) ||
	       (s->frame->file && strstr(s->frame->file, m->filter));
}

/* Forget the sites; their arrays stay for the next update. */
static void drop_sites(struct ht_model *m)
{
	model_drop_threads(m);
	ht_u64map_clear(&m->site_by_key);
	m->nall = m->nview = 0;
	m->num_ok = false;
}

/* Free the sites' arrays (the map first: no key may lead into a freed
 * array). */
static void free_sites(struct ht_model *m)
{
	drop_sites(m);
	ht_u64map_free(&m->site_by_key);
	free(m->all);
	free(m->view);
	free(m->idx);
	free(m->scratch);
	free(m->order);
	free(m->order_at);
	free(m->num_gkey);
	free(m->sorted);
}

/* A site as calloc would give it, as far as anyone reads it: ages are
 * only read with has_ages (their writer writes what it reads), and fit,
 * trend, has_ages and verdict are written for every site by
 * model_diagnose_sites.  Zeroing the rest too would touch the whole site
 * on each update. */
static void clear_site(struct ht_site *s)
{
	memset(s, 0, offsetof(struct ht_site, stack_idx));
	s->stack_idx = NULL;
	s->nstacks = 0;
}

/* Number the sites of the current stacks: site_by_key, idx[i] = site of
 * stack i, count[site] = its stacks, first[site] = its first stack; then
 * fill them (all[] grown to as many as there are, plus those only the
 * baseline has) with key, frame, counts and stack lists; site_of is
 * scratch of nstacks entries.  0 or -ENOMEM. */
static int number_sites(struct ht_model *m, size_t *count, size_t *first,
                        size_t *site_of)
{
	const struct ht_profile *p = m->cur.p;
	size_t nst = p ? p->nstacks : 0;

	for (size_t i = 0; i < nst; i++) {
		size_t *v;
		bool isnew;

		if (ht_u64map_put(&m->site_by_key, m->cur.si[i].gkey, m->nall,
		                  &v, &isnew) < 0)
			return -ENOMEM;
		if (isnew)
			first[m->nall++] = i;
		m->idx[i] = *v;
		count[*v]++;
	}
	if (ht_grow(&m->all, &m->capall, m->nall + m->nbase + 1,
	            sizeof *m->all) < 0)
		return -ENOMEM;
	for (size_t k = 0; k < m->nall; k++) {
		const struct stack_info *si = &m->cur.si[first[k]];

		if (k + 4 < m->nall) {   /* sites are too far apart for the
		                          * hardware prefetcher */
			__builtin_prefetch(&m->all[k + 4], 1);
			__builtin_prefetch(&m->all[k + 4].counts.var_cur_objs, 1);
			__builtin_prefetch(&m->all[k + 4].nstacks, 1);
		}
		clear_site(&m->all[k]);
		m->all[k].key = si->gkey;
		label_site(m, &m->all[k], model_site_frame_of(si));
		m->all[k].via = model_via_frame_of(si);
	}
	memcpy(site_of, m->idx, nst * sizeof *site_of);
	for (size_t i = 0, off = 0; i < m->nall; i++) {
		m->all[i].stack_idx = m->idx + off;
		first[i] = off;       /* from here: where the next stack goes */
		off += count[i];
	}
	for (size_t i = 0; i < nst; i++) {
		struct ht_site *s = &m->all[site_of[i]];

		ht_counts_add(&s->counts, &p->stacks[i].counts);
		m->idx[first[site_of[i]]++] = i;
		s->nstacks++;
	}
	return 0;
}

/* Remember the stacks' gkeys of this numbering (same_numbering compares
 * the next snapshot's with them); without room, the next build numbers
 * anew. */
static void keep_numbering(struct ht_model *m)
{
	size_t nst = m->cur.p ? m->cur.p->nstacks : 0;

	m->renumbered = true;
	if (m->has_base ||
	    ht_grow(&m->num_gkey, &m->capnum, nst + 1, sizeof *m->num_gkey) < 0)
		return;
	for (size_t i = 0; i < nst; i++)
		m->num_gkey[i] = m->cur.si[i].gkey;
	m->nnum = nst;
	m->num_ok = true;
}

/* True when the current stacks group as at the last numbering: as many,
 * each with the same gkey (a steady program between two updates; no
 * baseline: its sites come after the stacks'). */
static bool same_numbering(const struct ht_model *m)
{
	size_t nst = m->cur.p ? m->cur.p->nstacks : 0;

	if (!m->num_ok || m->has_base || nst != m->nnum)
		return false;
	for (size_t i = 0; i < nst; i++)
		if (m->cur.si[i].gkey != m->num_gkey[i])
			return false;
	return true;
}

/* The sites of the last numbering again (same_numbering): their keys,
 * stack lists, site_by_key and idx stay; frame, via and counts are
 * this snapshot's, summed per site in stack order as number_sites sums
 * them (the same values). */
static void renumber_same(struct ht_model *m)
{
	const struct ht_profile *p = m->cur.p;

	m->renumbered = false;
	for (size_t k = 0; k < m->nall; k++) {
		struct ht_site *s = &m->all[k];
		const struct stack_info *si = &m->cur.si[s->stack_idx[0]];

		if (k + 4 < m->nall)   /* as in number_sites */
			__builtin_prefetch(&m->all[k + 4].counts, 1);
		memset(&s->counts, 0, offsetof(struct ht_site, stack_idx) -
		                      offsetof(struct ht_site, counts));
		label_site(m, s, model_site_frame_of(si));
		s->via = model_via_frame_of(si);
		for (size_t j = 0; j < s->nstacks; j++)
			ht_counts_add(&s->counts,
			              &p->stacks[s->stack_idx[j]].counts);
	}
}

/* Baseline deltas, and the sites only the baseline has.  0 or
 * -ENOMEM. */
static int add_base_sites(struct ht_model *m)
{
	const struct ht_profile *p = m->cur.p;

	memset(&m->totals_delta, 0, sizeof m->totals_delta);
	if (!m->has_base)
		return 0;
	for (size_t i = 0; i < m->nall; i++) {
		m->all[i].delta = m->all[i].counts;
		m->all[i].has_delta = true;
	}
	for (size_t b = 0; b < m->base_by_key.cap; b++) {
		uint64_t key = m->base_by_key.keys[b];
		size_t bi = m->base_by_key.vals[b], *v;
		struct ht_site *s;

		if (!key)
			continue;
		v = ht_u64map_get(&m->site_by_key, key);
		if (!v) {
			s = &m->all[m->nall];
			clear_site(s);
			s->key = key;
			label_site(m, s, m->base_frame[bi]);
			s->via = m->base_via[bi];
			s->has_delta = true;
			s->stack_idx = m->idx;
			s->nstacks = 0;
			if (ht_u64map_put(&m->site_by_key, key, m->nall, NULL,
			                  NULL) < 0)
				return -ENOMEM;
			m->nall++;
		} else {
			s = &m->all[*v];
		}
		ht_counts_sub(&s->delta, &m->base_counts[bi]);
	}
	m->totals_delta = p ? p->totals : m->totals_delta;
	ht_counts_sub(&m->totals_delta, &m->base.p->totals);
	return 0;
}

/* Rebuild the sites from the current stacks (and the baseline
 * aggregate): numbered, deltas, diagnosis, the filtered and
 * sorted view, threads.  On failure there are no sites at all. */
int model_build_sites(struct ht_model *m)
{
	size_t nst = m->cur.p ? m->cur.p->nstacks : 0;
	size_t nsc = nst + m->nbase + 1;
	bool same = same_numbering(m);
	int err;

	m->generation++;
	if (same) {
		model_drop_threads(m);
		m->nview = 0;
	} else {
		drop_sites(m);
	}
	/* count, first and site_of (number_sites), in one array; count
	 * starts at zero */
	if (nsc <= SIZE_MAX / 3 &&
	    ht_grow(&m->scratch, &m->capscratch, 3 * nsc,
	            sizeof *m->scratch) == 0)
		memset(m->scratch, 0, nsc * sizeof *m->scratch);
	if (same)
		renumber_same(m);
	if (nsc > SIZE_MAX / 3 || m->capscratch < 3 * nsc ||
	    (!same &&
	     (ht_grow(&m->idx, &m->capidx, nst + 1, sizeof *m->idx) < 0 ||
	      number_sites(m, m->scratch, m->scratch + nsc,
	                   m->scratch + 2 * nsc) < 0)) ||
	    add_base_sites(m) < 0 ||
	    ht_grow(&m->view, &m->capview, m->nall + 1, sizeof *m->view) < 0) {
		err = model_fail(m, -ENOMEM, "grouping %zu stacks into sites: "
		                 "out of memory", nst);
		goto out;
	}
	if (!same)
		keep_numbering(m);
	err = model_diagnose_sites(m);
	if (err < 0)
		goto out;
	for (size_t i = 0; i < m->nall; i++)
		if (matches_filter(m, &m->all[i]))
			m->view[m->nview++] = &m->all[i];
	if (model_sort_view(m) < 0) {
		err = model_fail(m, -ENOMEM, "sorting %zu sites: out of memory",
		                 m->nview);
		goto out;
	}
	err = model_build_threads(m);
out:
	if (err < 0)
		drop_sites(m);
	return err;
}

struct ht_model *ht_model_new(struct ht_symbolizer *sym)
{
	struct ht_model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->sym = sym;
	m->opt.group = HT_GROUP_LINE;
	m->opt.sort = HT_SORT_INUSE_BYTES;
	m->opt.descending = true;
	return m;
}

static void drop_base(struct ht_model *m)
{
	model_free_side(&m->base);
	if (m->base.p != m->cur.p)  /* else it is still the current one */
		ht_profile_free(m->base.p);
	m->base.p = NULL;
	m->has_base = false;
	m->nbtodo = m->btodo_at = 0;
	if (m->base_sym) {
		struct ht_symbolizer **r = realloc(m->retired_sym,
		                                   (m->nretired_sym + 1) * sizeof *r);

		if (r) {
			m->retired_sym = r;
			r[m->nretired_sym++] = m->base_sym;
		} else {
			/* cannot keep it: leak it rather than free frames in use */
		}
		m->base_sym = NULL;
	}
	drop_base_aggregate(m);
}

struct ht_symbolizer *ht_model_symbolizer(struct ht_model *m)
{
	return m->sym;
}

/* Free the model, its profiles, trees and symbolizers.  NULL is fine. */
void ht_model_free(struct ht_model *m)
{
	if (!m)
		return;
	model_drop_trees(m);
	drop_base(m);
	model_free_side(&m->cur);
	ht_profile_free(m->cur.p);
	ht_u64map_free(&m->hist_by_key);
	ht_u64map_free(&m->raw_by_pc);
	for (size_t i = 0; i < m->nraw; i++) {
		free((char *)m->rawp[i]->function);
		free(m->rawp[i]);
	}
	free(m->rawp);
	ht_u64map_free(&m->label_by_frame);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->labels);
	free(m->hist);
	free(m->hrows);
	free(m->fit_key);
	free(m->series);
	free(m->ids);
	free(m->todo);
	free(m->btodo);
	free(m->fscratch);
	free(m->vh);
	free(m->vh_len);
	free(m->vh_pos);
	free_sites(m);
	free(m->filter);
	for (size_t i = 0; i < m->nfold; i++)
		free(m->fold[i]);
	free(m->fold);
	ht_symbolizer_free(m->sym);
	for (size_t i = 0; i < m->nretired_sym; i++)
		ht_symbolizer_free(m->retired_sym[i]);
	free(m->retired_sym);
	free(m->cause);
	free(m);
}

/* Take ownership of p and recompute sites, history and deltas.  0 or
 * -errno (then p has been freed). */
int ht_model_update(struct ht_model *m, struct ht_profile *p)
{
	struct sideinfo old = m->cur;
	int err;

	model_clear_cause(m);
	if (!p)
		return -EINVAL;
	if (m->sym)
		ht_symbolizer_update(m->sym, p);
	m->cur.p = p;
	m->cur.si = NULL;
	err = model_symbolize_side(m, &m->cur, m->sym, &old);
	if (err < 0) {
		/* old may have lent frames already: drop both snapshots */
		model_free_side(&m->cur);
		ht_profile_free(p);
		m->cur.p = NULL;
		model_free_side(&old);
		if (!(m->has_base && m->base.p == old.p))
			ht_profile_free(old.p);
		model_build_sites(m);
		return err;
	}
	model_group_new_keys(m, &m->cur);
	/* the old snapshot may be the baseline: then the baseline keeps it */
	if (m->has_base && m->base.p == old.p) {
		model_free_side(&old);
	} else {
		model_free_side(&old);
		ht_profile_free(old.p);
	}
	/* sites index the new snapshot's stacks: rebuild them even when the
	 * history could not grow */
	err = model_push_history(m);
	{
		int e2 = model_build_sites(m);

		model_diagnose_process(m);
		return err < 0 ? err : e2;
	}
}

/* The current profile (model-owned) or NULL. */
const struct ht_profile *ht_model_profile(const struct ht_model *m)
{
	return m->cur.p;
}

/* Set grouping, sort and filter (filter copied); recompute.  0 or -errno. */
int ht_model_set_options(struct ht_model *m, const struct ht_model_options *o)
{
	char *f = NULL;
	int err;

	model_clear_cause(m);
	if (o->filter && *o->filter && !(f = strdup(o->filter)))
		return -ENOMEM;
	free(m->filter);
	m->filter = f;
	m->opt = *o;
	m->opt.filter = m->filter;
	model_regroup_keys(m, &m->cur);
	model_regroup_keys(m, &m->base);
	err = model_build_base(m);
	if (err < 0)
		return err;
	return m->cur.p ? model_build_sites(m) : 0;
}

/* The current options (model-owned). */
const struct ht_model_options *ht_model_options(const struct ht_model *m)
{
	return &m->opt;
}

/* The filtered, sorted sites (model-owned); *n gets their count. */
struct ht_site *const *ht_model_sites(struct ht_model *m, size_t *n)
{
	*n = m->nview;
	return m->view;
}

/* The site with this key, or NULL (model-owned). */
const struct ht_site *ht_model_site(struct ht_model *m, uint64_t key)
{
	size_t *v = ht_u64map_get(&m->site_by_key, key);

	return v ? &m->all[*v] : NULL;
}

/* Totals of the current profile (model-owned; zeros before an update). */
const struct ht_counts *ht_model_totals(const struct ht_model *m)
{
	static const struct ht_counts zero;

	return m->cur.p ? &m->cur.p->totals : &zero;
}

/* Totals minus the baseline's, or NULL without a baseline. */
const struct ht_counts *ht_model_totals_delta(const struct ht_model *m)
{
	return m->has_base ? &m->totals_delta : NULL;
}

/* Make the current snapshot the baseline.  0 or -errno. */
int ht_model_set_baseline(struct ht_model *m)
{
	int err;

	model_clear_cause(m);
	if (!m->cur.p)
		return -EINVAL;
	drop_base(m);
	m->base.p = m->cur.p;
	m->has_base = true;
	err = model_symbolize_side(m, &m->base, m->sym, NULL);
	if (err < 0)
		goto fail;
	model_regroup_keys(m, &m->base);
	err = model_build_base(m);
	if (err < 0)
		goto fail;
	return model_build_sites(m);
fail:
	drop_base(m);
	return err;
}

/* Symbolizer options for baselines loaded from files. */
void ht_model_set_symbol_options(struct ht_model *m,
                                 const struct ht_sym_options *o)
{
	if (o)
		m->symopt = *o;
	else
		memset(&m->symopt, 0, sizeof m->symopt);
}

/* Take ownership of base and diff against it, matching by symbols.
 * 0 or -errno. */
int ht_model_set_baseline_profile(struct ht_model *m, struct ht_profile *base)
{
	int err;

	model_clear_cause(m);
	if (!base)
		return -EINVAL;
	drop_base(m);
	m->base.p = base;
	m->has_base = true;
	if (m->sym) {
		char *cause = NULL;

		/* without its own symbolizer a baseline from a file would
		 * compare raw addresses: every site would read as new */
		err = ht_symbolizer_new(base, &m->symopt, &m->base_sym, &cause);
		if (err < 0)
			model_fail(m, err, "symbolizing the baseline: %s",
			           cause ? cause : strerror(-err));
		else if (m->nfold &&
		         (err = ht_symbolizer_set_fold(m->base_sym,
		                                       (const char *const *)m->fold,
		                                       m->nfold)) < 0)
			model_fail(m, err, "baseline: library patterns: %s",
			           strerror(-err));
		free(cause);
		if (err < 0)
			goto fail;
	}
	err = model_symbolize_side(m, &m->base, m->base_sym, NULL);
	if (err < 0)
		goto fail;
	model_regroup_keys(m, &m->base);
	err = model_build_base(m);
	if (err < 0)
		goto fail;
	return m->cur.p ? model_build_sites(m) : 0;
fail:
	drop_base(m);
	return err;
}

/* Drop the baseline and its deltas. */
void ht_model_clear_baseline(struct ht_model *m)
{
	drop_base(m);
	if (m->cur.p)
		model_build_sites(m);
}

/* True while a baseline is set. */
bool ht_model_has_baseline(const struct ht_model *m)
{
	return m->has_base;
}

/* Realtime of the baseline snapshot, 0 without one. */
uint64_t ht_model_baseline_time_ns(const struct ht_model *m)
{
	return m->has_base ? m->base.p->snapshot_time_ns : 0;
}

/* Extra library patterns: copied, given to the symbolizers, sites
 * recomputed.  0 or -errno. */
int ht_model_set_fold(struct ht_model *m, const char *const *pats, size_t n)
{
	char **f = calloc(n + 1, sizeof *f);
	int err;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(f[i] = strdup(pats[i] ? pats[i] : ""))) {
			while (i)
				free(f[--i]);
			free(f);
			return -ENOMEM;
		}
	for (size_t i = 0; i < m->nfold; i++)
		free(m->fold[i]);
	free(m->fold);
	m->fold = f;
	m->nfold = n;
	if (m->sym && (err = ht_symbolizer_set_fold(m->sym, pats, n)) < 0)
		return err;
	if (m->base_sym &&
	    (err = ht_symbolizer_set_fold(m->base_sym, pats, n)) < 0)
		return err;
	return ht_model_set_options(m, &m->opt);
}
