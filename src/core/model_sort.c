/*
 * The order of the model's sites (see model.h, ht_model_options.sort):
 * by a value in the chosen mode, its change since the baseline, name, or
 * suspicion of a leak.  The view is sorted from the last update's order:
 * rows still in order stay, the others are sorted and merged in.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/model_priv.h"

static double sort_value(const struct ht_model *m, const struct ht_counts *c,
                         const struct ht_counts *d, bool has_delta)
{
	switch (m->opt.sort) {
	case HT_SORT_INUSE_OBJS: return c->cur_objs;
	case HT_SORT_ALLOC_BYTES: return c->cum_bytes;
	case HT_SORT_ALLOC_OBJS: return c->cum_objs;
	case HT_SORT_GROWTH: return has_delta ? d->cur_bytes : c->cur_bytes;
	case HT_SORT_INUSE_BYTES:
	default: return c->cur_bytes;
	}
}

/* The sort-value order of two rows (0 on a tie): descending or ascending
 * as the options say. */
int model_cmp_value(const struct ht_model *m,
                    const struct ht_counts *ca, const struct ht_counts *da,
                    bool ha, const struct ht_counts *cb,
                    const struct ht_counts *db, bool hb)
{
	double va = sort_value(m, ca, da, ha), vb = sort_value(m, cb, db, hb);

	if (va == vb)
		return 0;
	return (va < vb) == m->opt.descending ? 1 : -1;
}

/* By function name, then file. */
int model_cmp_frames_name(const struct ht_frame *a, const struct ht_frame *b)
{
	int r = strcmp(a->function ? a->function : "",
	               b->function ? b->function : "");

	if (r)
		return r;
	return strcmp(a->file ? a->file : "", b->file ? b->file : "");
}

static int cmp_sites(const void *pa, const void *pb, void *arg)
{
	const struct ht_site *a = *(struct ht_site *const *)pa;
	const struct ht_site *b = *(struct ht_site *const *)pb;
	const struct ht_model *m = arg;
	int r;

	if (m->opt.sort == HT_SORT_SUSPECT) {
		/* suspects first, whatever `descending` says; then bytes */
		if (a->verdict.score != b->verdict.score)
			return a->verdict.score < b->verdict.score ? 1 : -1;
		if (a->counts.cur_bytes != b->counts.cur_bytes)
			return a->counts.cur_bytes < b->counts.cur_bytes ? 1 : -1;
	} else if (m->opt.sort == HT_SORT_NAME) {
		/* names sort ascending, whatever `descending` says */
		r = model_cmp_frames_name(a->frame, b->frame);
		if (r)
			return r;
	} else {
		r = model_cmp_value(m, &a->counts, &a->delta, a->has_delta,
		              &b->counts, &b->delta, b->has_delta);
		if (r)
			return r;
		if (a->counts.cum_bytes != b->counts.cum_bytes)
			return a->counts.cum_bytes < b->counts.cum_bytes ? 1 : -1;
	}
	return a->key < b->key ? -1 : a->key > b->key;
}

/* A view row's sort keys, copied out of its site: the sort then reads
 * 32 bytes a row, not two pointers into 1 KB sites. */
struct sort_ent {
	double v1, v2;       /* what cmp_sites compares first, then second */
	uint64_t key;
	struct ht_site *s;
};

/* cmp_sites over sort_ents (not by name): the same order. */
static int cmp_ents(const void *pa, const void *pb, void *arg)
{
	const struct sort_ent *a = pa, *b = pb;
	const struct ht_model *m = arg;

	if (m->opt.sort == HT_SORT_SUSPECT) {
		if (a->v1 != b->v1)
			return a->v1 < b->v1 ? 1 : -1;
	} else if (a->v1 != b->v1) {
		return (a->v1 < b->v1) == m->opt.descending ? 1 : -1;
	}
	if (a->v2 != b->v2)
		return a->v2 < b->v2 ? 1 : -1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* Site x's sort keys. */
static void fill_ent(const struct ht_model *m, struct ht_site *x,
                     struct sort_ent *e)
{
	bool suspect = m->opt.sort == HT_SORT_SUSPECT;

	e->v1 = suspect ? x->verdict.score :
	        sort_value(m, &x->counts, &x->delta, x->has_delta);
	e->v2 = suspect ? x->counts.cur_bytes : x->counts.cum_bytes;
	e->key = x->key;
	e->s = x;
}

/* The view's sort keys into sorted[], in the last update's order (its
 * keys in m->order) as far as the sites are still there, then the rest:
 * from one update to the next most rows keep their place.  The keys are
 * read in the sites' order first, into tmp (sites are large: reading
 * them in the last order would miss the cache on each); mark is scratch
 * of nall entries (number_sites is done with it): tmp index + 1. */
static void ents_in_last_order(struct ht_model *m, struct sort_ent *tmp,
                               size_t *mark)
{
	size_t k = 0;

	memset(mark, 0, m->nall * sizeof *mark);
	for (size_t i = 0; i < m->nview; i++) {
		fill_ent(m, m->view[i], &tmp[i]);
		mark[m->view[i] - m->all] = i + 1;
	}
	for (size_t i = 0; i < m->norder; i++) {
		/* the sites numbered as at the last sort: its indexes hold
		 * (a stale one only costs the merge a row: the order is
		 * total) */
		size_t at = m->order_at[i], *v = !m->renumbered && at < m->nall ?
		            &at : ht_u64map_get(&m->site_by_key, m->order[i]);

		if (v && mark[*v]) {
			m->sorted[k++] = tmp[mark[*v] - 1];
			mark[*v] = 0;
		}
	}
	for (size_t i = 0; i < m->nview; i++)
		if (mark[m->view[i] - m->all])
			m->sorted[k++] = tmp[i];
}

/* Sort the view (cmp_sites' order, a total one: keys are unique).  The
 * rows are taken in the last update's order; those already in order stay
 * (the greedy ascending run), the others are sorted apart and merged in:
 * little more than a pass when few rows moved, a full sort at worst.
 * 0 or -ENOMEM. */
int model_sort_view(struct ht_model *m)
{
	struct sort_ent *run, *rest;
	size_t nrun = 0, nrest = 0, i = 0, j = 0, k = 0;

	if (m->nview < 2)
		return 0;
	if (m->opt.sort == HT_SORT_NAME) {   /* strings: no keys to copy */
		qsort_r(m->view, m->nview, sizeof *m->view, cmp_sites, m);
		return 0;
	}
	if (m->nview > SIZE_MAX / 2 ||
	    ht_grow(&m->sorted, &m->capsorted, 2 * m->nview,
	            sizeof *m->sorted) < 0 ||
	    ht_grow(&m->order, &m->caporder, m->nview, sizeof *m->order) < 0 ||
	    ht_grow(&m->order_at, &m->caporder_at, m->nview,
	            sizeof *m->order_at) < 0)
		return -ENOMEM;
	run = m->sorted;
	rest = m->sorted + m->nview;   /* first the keys in the view's order */
	ents_in_last_order(m, rest, m->scratch);
	for (size_t x = 0; x < m->nview; x++) {
		if (nrun && cmp_ents(&run[nrun - 1], &m->sorted[x], m) > 0)
			rest[nrest++] = m->sorted[x];
		else
			run[nrun++] = m->sorted[x];
	}
	qsort_r(rest, nrest, sizeof *rest, cmp_ents, m);
	while (i < nrun || j < nrest) {
		bool from_run = j == nrest ||
		                (i < nrun && cmp_ents(&run[i], &rest[j], m) < 0);
		struct sort_ent *e = from_run ? &run[i++] : &rest[j++];

		m->view[k] = e->s;
		m->order_at[k] = (size_t)(e->s - m->all);
		m->order[k++] = e->key;
	}
	m->norder = m->nview;
	return 0;
}
