/*
 * The model (see model.h): symbolized stacks grouped into sites, history
 * for trends, a baseline for diffs, and call trees.  Headless: no curses,
 * no I/O.  Identity is symbolic, never an address: a stack's key hashes
 * its frames' function, file, module and line, so a baseline from another
 * run matches the same code (grouped by function, another build too).  Everything returned stays
 * owned by the model.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/u64map.h"

/* ---- hashing ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	h = fnv(h, s ? s : "", s ? strlen(s) : 0);
	return fnv(h, "\0", 1);
}

#define FNV_INIT UINT64_C(0xcbf29ce484222325)

/* Symbolic identity of a frame: function, file, module (no address, no
 * line: stable across runs and builds). */
static uint64_t frame_hash(uint64_t h, const struct ht_frame *f)
{
	h = fnv_str(h, f->function);
	h = fnv_str(h, f->file);
	h = fnv_str(h, f->module);
	return fnv(h, &f->inlined, 1);
}

/* A frame of a full stack: its symbolic identity and its line (two calls
 * on two lines are two stacks; still no address). */
static uint64_t stack_frame_hash(uint64_t h, const struct ht_frame *f)
{
	h = frame_hash(h, f);
	return fnv(h, &f->line, sizeof f->line);
}

/* ---- per-stack symbolized info ---- */

struct stack_info {
	const struct ht_frame **frames;  /* innermost first, inlines expanded */
	size_t nframes;
	size_t leaf;                     /* innermost frame past the
	                                  * allocator's (ht_allocator_run) */
	size_t site;                     /* index of the site frame: leaf, or
	                                  * past the library frames */
	size_t via;                      /* the library frame nearest the
	                                  * site (site - 1), NO_VIA: none */
	uint64_t skey;                   /* full-stack identity */
	uint64_t gkey;                   /* grouping identity */
};

struct sideinfo {                        /* a profile plus its stack infos */
	struct ht_profile *p;
	struct stack_info *si;
	struct ht_symbolizer *sym;       /* symbolizer used (not owned) */
};

struct hist {
	double v[HT_HISTORY_LEN];        /* ring */
	size_t head, len;
	double pending;                  /* value being summed this update */
	double pending_var;
	uint64_t stamp;                  /* last site that summed it */
	/* the trend series, aligned with the model's trend times (zero
	 * before the stack first appeared) */
	float tr_bytes[HT_TREND_POINTS], tr_var[HT_TREND_POINTS];
};

struct tree {
	struct ht_tree_node *root;
	uint64_t site_key;               /* callers tree: its site */
	uint64_t generation;             /* model generation it was built at */
	bool valid;
};

struct ht_model {
	struct ht_symbolizer *sym;       /* owned */
	struct ht_symbolizer *base_sym;  /* owned, baseline from a file */
	/* Symbolizers of dropped file baselines: frames handed out earlier
	 * (sites only the baseline has) may still be on a screen that has
	 * not taken the next rows yet, so they live as long as the model.
	 * File baselines are loaded once, at start: at most one. */
	struct ht_symbolizer **retired_sym;
	size_t nretired_sym;
	struct ht_sym_options symopt;
	char *filter;
	struct ht_model_options opt;

	struct sideinfo cur;
	struct sideinfo base;
	/* base.p may be (or have been) a current snapshot: the baseline owns
	 * it once cur moved on, never while base.p == cur.p */
	bool has_base;

	/* sites */
	struct ht_site *all;             /* nall entries */
	size_t nall;
	struct ht_site **view;           /* filtered, sorted */
	size_t nview;
	size_t *idx;                     /* stack indexes grouped by site */
	struct ht_u64map site_by_key;         /* gkey -> index into all */
	struct ht_u64map base_by_key;         /* gkey -> index into base_counts */
	struct ht_counts *base_counts;
	const struct ht_frame **base_frame;
	const struct ht_frame **base_via;
	size_t nbase;
	char **fold;                     /* extra library patterns */
	size_t nfold;
	struct ht_counts totals_delta;

	/* history by stack key */
	struct ht_u64map hist_by_key;
	struct hist *hist;
	size_t nhist, caphist;
	/* trend series times (realtime s), oldest first: a point at most
	 * every tr_step seconds (a faster update replaces the newest point);
	 * when full, every other point goes and tr_step doubles, so the
	 * series covers everything since the start or the last reset in
	 * HT_TREND_POINTS points */
	double tr_t[HT_TREND_POINTS];
	float tr_rss[HT_TREND_POINTS];   /* RSS, < 0: unknown */
	size_t tr_len;
	double tr_step;
	/* leak diagnosis: where ages come from, scratch for the fits */
	ht_ages_source ages_fn;
	void *ages_arg;
	struct ht_series *series;
	double sr_t[HT_TREND_POINTS], sr_b[HT_TREND_POINTS],
	       sr_v[HT_TREND_POINTS];
	uint32_t *ids;
	size_t capids;
	struct ht_proc_diag proc;

	/* unsymbolized frames (no symbolizer): pc -> frame */
	struct ht_u64map raw_by_pc;
	struct ht_frame **rawp;          /* stable frames, one malloc each */
	size_t nraw, capraw;
	/* site frames without their line (function grouping), one malloc
	 * each, kept for the model's life: published rows may point at them */
	struct ht_u64map label_by_frame;
	struct ht_frame **labels;
	size_t nlabels, caplabels;

	/* per-thread breakdown: site i of all[] has thr_n[i] entries at
	 * thr + thr_off[i]; the profile-wide list thr_all_n at thr_all_off.
	 * thr is NULL when the profile has no per-thread counts. */
	struct ht_thread_counts *thr;
	size_t *thr_off, *thr_n;
	size_t thr_all_off, thr_all_n;

	struct tree callers, topdown;
	struct ht_u64map expanded;            /* path hashes of expanded nodes */
	uint64_t generation;
	size_t stamp_base;               /* history de-duplication stamps */
};

/* sqrt(var) / |value|, 0 when value is 0 or var is not positive. */
double ht_rel_stderr(double value, double var)
{
	if (value == 0 || !(var > 0))
		return 0;
	return sqrt(var) / fabs(value);
}

/* A frame for pc when there is no symbolizer: "0x...". */
static const struct ht_frame *raw_frame(struct ht_model *m, uint64_t pc)
{
	size_t *v;
	bool isnew;
	struct ht_frame *f;
	char buf[32];

	if (ht_u64map_put(&m->raw_by_pc, pc, 0, &v, &isnew) < 0)
		return NULL;
	if (!isnew)
		return m->rawp[*v];
	if (m->nraw == m->capraw) {
		size_t nc = m->capraw ? m->capraw * 2 : 256;
		struct ht_frame **np = realloc(m->rawp, nc * sizeof *np);

		if (!np)
			return NULL;
		m->rawp = np;
		m->capraw = nc;
	}
	f = calloc(1, sizeof *f);
	snprintf(buf, sizeof buf, "0x%" PRIx64, pc);
	if (!f || !(f->function = strdup(buf))) {
		free(f);
		return NULL;
	}
	f->pc = pc;
	m->rawp[m->nraw] = f;
	*v = m->nraw++;
	return f;
}

#define NO_VIA SIZE_MAX

/* Place the site of a stack: the innermost frame past the allocator
 * (leaf), then, unless the options show library frames as sites, past
 * the standard library's frames (ht_frame.library) to the program's own
 * code; via names the library frame it called.  A stack of library
 * frames only keeps its leaf. */
static void place_site(const struct ht_model *m, struct stack_info *s)
{
	size_t k = s->leaf;

	s->site = s->leaf;
	s->via = NO_VIA;
	if (m->opt.lib_sites || !s->nframes)
		return;
	while (k < s->nframes && s->frames[k]->library)
		k++;
	if (k == s->nframes || k == s->leaf)
		return;
	s->site = k;
	s->via = k - 1;
}

/* Group identity of a stack under the current grouping. */
static uint64_t group_key(const struct ht_model *m, const struct stack_info *s)
{
	const struct ht_frame *f;
	uint64_t h = FNV_INIT;

	if (m->opt.group == HT_GROUP_STACK || !s->nframes)
		return s->skey;
	f = s->frames[s->site];
	h = fnv(h, "g", 1);
	h = fnv_str(h, f->function);
	h = fnv_str(h, f->module);
	if (m->opt.group == HT_GROUP_LINE) {
		h = fnv_str(h, f->file);
		h = fnv(h, &f->line, sizeof f->line);
	}
	return h;
}

static void free_side(struct sideinfo *sd)
{
	if (sd->si && sd->p)
		for (size_t i = 0; i < sd->p->nstacks; i++)
			free(sd->si[i].frames);
	free(sd->si);
	sd->si = NULL;
}

/* Symbolize every stack of sd->p with sym (NULL: raw addresses). */
/* Live snapshots of one process keep their stack ids (the runtime never
 * moves a stack table entry): a stack already symbolized in the previous
 * snapshot takes over its frames instead of being looked up again. */
static bool same_source(const struct sideinfo *a, const struct ht_profile *b,
                        struct ht_symbolizer *sym)
{
	return a && a->p && a->si && a->sym == sym &&
	       a->p->kind == HT_SOURCE_LIVE && b->kind == HT_SOURCE_LIVE &&
	       a->p->pid == b->pid && a->p->start_time_ns == b->start_time_ns;
}

static int symbolize_side(struct ht_model *m, struct sideinfo *sd,
                          struct ht_symbolizer *sym, struct sideinfo *prev)
{
	struct ht_profile *p = sd->p;
	struct ht_u64map prev_by_id = { 0 };
	bool reuse = same_source(prev, p, sym);

	free_side(sd);
	sd->sym = sym;
	sd->si = calloc(p->nstacks ? p->nstacks : 1, sizeof *sd->si);
	if (!sd->si)
		return -ENOMEM;
	if (reuse)
		for (size_t j = 0; j < prev->p->nstacks; j++)
			if (ht_u64map_put(&prev_by_id, (uint64_t)prev->p->stacks[j].id
			             + 1, j, NULL, NULL) < 0) {
				reuse = false;
				break;
			}
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct ht_stack *st = &p->stacks[i];
		struct stack_info *s = &sd->si[i];
		size_t cap = st->depth + 4;
		uint64_t h = FNV_INIT;
		size_t *v = reuse ? ht_u64map_get(&prev_by_id, (uint64_t)st->id + 1) :
		            NULL;

		if (v) {
			struct stack_info *o = &prev->si[*v];
			const struct ht_stack *ost = &prev->p->stacks[*v];

			if (o->frames && ost->depth == st->depth &&
			    !memcmp(ost->pcs, st->pcs,
			            st->depth * sizeof *st->pcs)) {
				*s = *o;
				o->frames = NULL;
				continue;
			}
		}

		s->frames = malloc(cap * sizeof *s->frames);
		if (!s->frames)
			goto nomem;
		for (uint32_t k = 0; k < st->depth; k++) {
			const struct ht_frame *fr;
			size_t n = 1;

			if (sym) {
				ht_symbolize(sym, st->pcs[k], &fr, &n);
			} else {
				fr = raw_frame(m, st->pcs[k]);
				if (!fr)
					goto nomem;
			}
			if (s->nframes + n > cap) {
				const struct ht_frame **nf;

				cap = (s->nframes + n) * 2;
				nf = realloc(s->frames, cap * sizeof *nf);
				if (!nf)
					goto nomem;
				s->frames = nf;
			}
			for (size_t j = 0; j < n; j++)
				s->frames[s->nframes++] = &fr[j];
		}
		for (size_t k = 0; k < s->nframes; k++)
			h = stack_frame_hash(h, s->frames[k]);
		s->leaf = ht_allocator_run(s->frames, s->nframes);
		if (s->leaf == s->nframes)
			s->leaf = 0;    /* allocator frames only: keep them */
		s->site = s->leaf;
		s->via = NO_VIA;
		if (!s->nframes)
			h = fnv(h, "(no stack)", 10);
		s->skey = h;
	}
	ht_u64map_free(&prev_by_id);
	return 0;
nomem:
	ht_u64map_free(&prev_by_id);
	return -ENOMEM;
}

static void regroup_keys(struct ht_model *m, struct sideinfo *sd)
{
	if (!sd->p || !sd->si)
		return;
	for (size_t i = 0; i < sd->p->nstacks; i++) {
		place_site(m, &sd->si[i]);
		sd->si[i].gkey = group_key(m, &sd->si[i]);
	}
}

/* "(unknown)" frame for stacks the unwinder could not walk. */
static const struct ht_frame unknown_frame = {
	.function = "(unknown stack)",
};

static const struct ht_frame *site_frame_of(const struct stack_info *s)
{
	return s->nframes ? s->frames[s->site] : &unknown_frame;
}

static const struct ht_frame *via_frame_of(const struct stack_info *s)
{
	return s->nframes && s->via != NO_VIA ? s->frames[s->via] : NULL;
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
	if (m->nlabels == m->caplabels) {
		size_t nc = m->caplabels ? m->caplabels * 2 : 64;
		struct ht_frame **np = realloc(m->labels, nc * sizeof *np);

		if (!np)
			return NULL;
		m->labels = np;
		m->caplabels = nc;
	}
	c = malloc(sizeof *c);
	if (!c)
		return NULL;
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

/* Aggregate the baseline by group key. */
static int build_base(struct ht_model *m)
{
	struct sideinfo *b = &m->base;

	ht_u64map_free(&m->base_by_key);
	free(m->base_counts);
	free(m->base_frame);
	free(m->base_via);
	m->base_counts = NULL;
	m->base_frame = NULL;
	m->base_via = NULL;
	m->nbase = 0;
	if (!m->has_base)
		return 0;
	m->base_counts = calloc(b->p->nstacks + 1, sizeof *m->base_counts);
	m->base_frame = calloc(b->p->nstacks + 1, sizeof *m->base_frame);
	m->base_via = calloc(b->p->nstacks + 1, sizeof *m->base_via);
	if (!m->base_counts || !m->base_frame || !m->base_via)
		return -ENOMEM;
	for (size_t i = 0; i < b->p->nstacks; i++) {
		size_t *v;
		bool isnew;

		if (ht_u64map_put(&m->base_by_key, b->si[i].gkey, m->nbase, &v,
		             &isnew) < 0)
			return -ENOMEM;
		if (isnew) {
			m->base_frame[m->nbase] = site_frame_of(&b->si[i]);
			m->base_via[m->nbase] = via_frame_of(&b->si[i]);
			m->nbase++;
		}
		ht_counts_add(&m->base_counts[*v], &b->p->stacks[i].counts);
	}
	return 0;
}

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
static int cmp_value(const struct ht_model *m,
                     const struct ht_counts *ca, const struct ht_counts *da, bool ha,
                     const struct ht_counts *cb, const struct ht_counts *db, bool hb)
{
	double va = sort_value(m, ca, da, ha), vb = sort_value(m, cb, db, hb);

	if (va == vb)
		return 0;
	return (va < vb) == m->opt.descending ? 1 : -1;
}


static int cmp_frames_name(const struct ht_frame *a, const struct ht_frame *b)
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
		r = cmp_frames_name(a->frame, b->frame);
		if (r)
			return r;
	} else {
		r = cmp_value(m, &a->counts, &a->delta, a->has_delta,
		              &b->counts, &b->delta, b->has_delta);
		if (r)
			return r;
		if (a->counts.cum_bytes != b->counts.cum_bytes)
			return a->counts.cum_bytes < b->counts.cum_bytes ? 1 : -1;
	}
	return a->key < b->key ? -1 : a->key > b->key;
}

static bool matches_filter(const struct ht_model *m, const struct ht_site *s)
{
	if (!m->filter || !*m->filter)
		return true;
	return (s->frame->function && strstr(s->frame->function, m->filter)) ||
	       (s->frame->file && strstr(s->frame->file, m->filter));
}

/* The histories of a site's stacks, each stack key once (several stacks
 * of a site may share a key): the next one from cursor *k (start at 0),
 * marked with stamp; NULL at the end. */
static struct hist *next_site_hist(struct ht_model *m,
                                   const struct ht_site *site, size_t *k,
                                   size_t stamp)
{
	while (*k < site->nstacks) {
		const struct stack_info *si = &m->cur.si[site->stack_idx[(*k)++]];
		size_t *v = ht_u64map_get(&m->hist_by_key, si->skey);
		struct hist *h;

		if (!v)
			continue;
		h = &m->hist[*v];
		if (h->stamp == stamp)
			continue;
		h->stamp = stamp;
		return h;
	}
	return NULL;
}

static void fill_history(struct ht_model *m, struct ht_site *site,
                         size_t stamp)
{
	struct hist *h;
	size_t k = 0;

	site->hist_len = 0;  /* history[] is zero: sites are calloc'd */
	while ((h = next_site_hist(m, site, &k, stamp)) != NULL) {
		if (h->len > site->hist_len) {
			/* shift what we have so newest values stay aligned */
			size_t add = h->len - site->hist_len;

			memmove(site->history + add, site->history,
			        site->hist_len * sizeof *site->history);
			memset(site->history, 0, add * sizeof *site->history);
			site->hist_len = h->len;
		}
		for (size_t j = 0; j < h->len; j++) {
			/* j-th newest of the ring -> position from the end */
			size_t ring = (h->head + HT_HISTORY_LEN - 1 - j) %
			              HT_HISTORY_LEN;

			site->history[site->hist_len - 1 - j] += h->v[ring];
		}
	}
}

/* ---- per-thread breakdown ---- */

static int cmp_thread_number(const void *pa, const void *pb)
{
	uint64_t a = ((const struct ht_thread_counts *)pa)->thread;
	uint64_t b = ((const struct ht_thread_counts *)pb)->thread;

	return a < b ? -1 : a > b;
}

/* Threads in the sites' order: by the sort value (in-use bytes for
 * growth, which has no per-thread baseline), thread number for names and
 * ties. */
static int cmp_threads(const void *pa, const void *pb, void *arg)
{
	const struct ht_thread_counts *a = pa, *b = pb;
	const struct ht_model *m = arg;

	int r = m->opt.sort == HT_SORT_NAME ? 0 :
	        cmp_value(m, &a->counts, NULL, false, &b->counts, NULL, false);

	return r ? r : cmp_thread_number(pa, pb);
}

/* Sum the n entries at t by thread number, in place, and sort the result;
 * returns the number of distinct threads. */
static size_t merge_threads(const struct ht_model *m,
                            struct ht_thread_counts *t, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0; /* qsort with a NULL base is undefined even for 0 */
	qsort(t, n, sizeof *t, cmp_thread_number);
	for (size_t i = 0; i < n; i++) {
		if (k && t[k - 1].thread == t[i].thread)
			ht_counts_add(&t[k - 1].counts, &t[i].counts);
		else
			t[k++] = t[i];
	}
	qsort_r(t, k, sizeof *t, cmp_threads, (void *)m);
	return k;
}

static void drop_threads(struct ht_model *m)
{
	free(m->thr);
	free(m->thr_off);
	free(m->thr_n);
	m->thr = NULL;
	m->thr_off = m->thr_n = NULL;
	m->thr_all_off = m->thr_all_n = 0;
}

/* Append the per-thread counts of stack i of the current profile at
 * m->thr + *off. */
static void copy_stack_threads(struct ht_model *m, size_t i, size_t *off)
{
	const struct ht_stack *st = &m->cur.p->stacks[i];

	if (!st->nthreads)
		return;
	memcpy(m->thr + *off, st->threads, st->nthreads * sizeof *m->thr);
	*off += st->nthreads;
}

/* Per-site and profile-wide thread lists of the current sites.  0 or
 * -ENOMEM (then there is no breakdown). */
static int build_threads(struct ht_model *m)
{
	const struct ht_profile *p = m->cur.p;
	size_t total = 0, off = 0, start;

	drop_threads(m);
	if (!p)
		return 0;
	for (size_t i = 0; i < p->nstacks; i++)
		total += p->stacks[i].nthreads;
	if (!total)
		return 0;
	/* every entry twice: once in its site, once in the whole list */
	m->thr = malloc(2 * total * sizeof *m->thr);
	m->thr_off = calloc(m->nall + 1, sizeof *m->thr_off);
	m->thr_n = calloc(m->nall + 1, sizeof *m->thr_n);
	if (!m->thr || !m->thr_off || !m->thr_n) {
		drop_threads(m);
		return -ENOMEM;
	}
	for (size_t s = 0; s < m->nall; s++) {
		const struct ht_site *site = &m->all[s];

		start = off;
		for (size_t k = 0; k < site->nstacks; k++)
			copy_stack_threads(m, site->stack_idx[k], &off);
		m->thr_off[s] = start;
		m->thr_n[s] = merge_threads(m, m->thr + start, off - start);
	}
	start = off;
	for (size_t i = 0; i < p->nstacks; i++)
		copy_stack_threads(m, i, &off);
	m->thr_all_off = start;
	m->thr_all_n = merge_threads(m, m->thr + start, off - start);
	return 0;
}

/* Rebuild sites from cur (and the baseline aggregate). */
static int diagnose_sites(struct ht_model *m);

static int build_sites(struct ht_model *m)
{
	struct ht_profile *p = m->cur.p;
	size_t nst = p ? p->nstacks : 0, *count = NULL, *fill = NULL;
	int err = -ENOMEM;

	m->generation++;
	drop_threads(m);
	ht_u64map_free(&m->site_by_key);
	free(m->all);
	free(m->view);
	free(m->idx);
	m->all = NULL;
	m->view = NULL;
	m->idx = NULL;
	m->nall = m->nview = 0;
	/* pass 1: number the sites (struct ht_site is large: allocate only
	 * as many as there are) */
	count = calloc(nst + m->nbase + 1, sizeof *count);
	fill = calloc(nst + m->nbase + 1, sizeof *fill);
	m->idx = calloc(nst + 1, sizeof *m->idx);
	if (!m->idx || !count || !fill)
		goto out;
	for (size_t i = 0; i < nst; i++) {
		size_t *v;
		bool isnew;

		if (ht_u64map_put(&m->site_by_key, m->cur.si[i].gkey, m->nall, &v,
		             &isnew) < 0)
			goto out;
		if (isnew) {
			fill[m->nall] = i;  /* the site's first stack */
			m->nall++;
		}
		m->idx[i] = *v;
		count[*v]++;
	}
	m->all = calloc(m->nall + m->nbase + 1, sizeof *m->all);
	if (!m->all)
		goto out;
	for (size_t k = 0; k < m->nall; k++) {
		m->all[k].key = m->cur.si[fill[k]].gkey;
		label_site(m, &m->all[k], site_frame_of(&m->cur.si[fill[k]]));
		m->all[k].via = via_frame_of(&m->cur.si[fill[k]]);
	}
	for (size_t i = 0; i < nst; i++)
		ht_counts_add(&m->all[m->idx[i]].counts, &p->stacks[i].counts);
	/* stack index lists */
	for (size_t i = 0, off = 0; i < m->nall; i++) {
		m->all[i].stack_idx = m->idx + off;
		off += count[i];
	}
	{
		/* site of each stack, saved before idx becomes the lists */
		size_t *site_of = malloc((nst + 1) * sizeof *site_of);

		if (!site_of)
			goto out;
		memcpy(site_of, m->idx, nst * sizeof *site_of);
		for (size_t i = 0, off = 0; i < m->nall; i++) {
			fill[i] = off;
			off += count[i];
		}
		for (size_t i = 0; i < nst; i++) {
			m->idx[fill[site_of[i]]++] = i;
			m->all[site_of[i]].nstacks++;
		}
		free(site_of);
	}
	/* baseline deltas, and sites only the baseline has */
	memset(&m->totals_delta, 0, sizeof m->totals_delta);
	if (m->has_base) {
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
				s->key = key;
				label_site(m, s, m->base_frame[bi]);
				s->via = m->base_via[bi];
				s->has_delta = true;
				s->stack_idx = m->idx;
				s->nstacks = 0;
				if (ht_u64map_put(&m->site_by_key, key, m->nall, NULL,
				             NULL) < 0)
					goto out;
				m->nall++;
			} else {
				s = &m->all[*v];
			}
			ht_counts_sub(&s->delta, &m->base_counts[bi]);
		}
		m->totals_delta = p ? p->totals : m->totals_delta;
		ht_counts_sub(&m->totals_delta, &m->base.p->totals);
	}
	/* history, view */
	m->view = calloc(m->nall + 1, sizeof *m->view);
	if (!m->view)
		goto out;
	for (size_t i = 0; i < m->nall; i++) {
		fill_history(m, &m->all[i], m->stamp_base + i + 1);
		if (matches_filter(m, &m->all[i]))
			m->view[m->nview++] = &m->all[i];
	}
	m->stamp_base += m->nall + 2;
	err = diagnose_sites(m);
	if (err < 0)
		goto out;
	err = -ENOMEM;
	if (m->nview > 1)
		qsort_r(m->view, m->nview, sizeof *m->view, cmp_sites, m);
	err = build_threads(m);
out:
	free(count);
	free(fill);
	return err;
}

/* Halve the trend series: keep every other point, oldest first. */
static void trend_decimate(struct ht_model *m)
{
	size_t k = 0;

	for (size_t j = 0; j < m->tr_len; j += 2, k++) {
		m->tr_t[k] = m->tr_t[j];
		for (size_t i = 0; i < m->nhist; i++) {
			m->hist[i].tr_bytes[k] = m->hist[i].tr_bytes[j];
			m->hist[i].tr_var[k] = m->hist[i].tr_var[j];
		}
	}
	for (size_t j = 0, k2 = 0; j < m->tr_len; j += 2, k2++)
		m->tr_rss[k2] = m->tr_rss[j];
	m->tr_len = k;
	m->tr_step *= 2;
}

/* Record this update's pending values as the trend series' newest point
 * (a new one when tr_step has passed since the last, else in its place). */
static void push_trend(struct ht_model *m, const struct ht_profile *p)
{
	uint64_t time_ns = p->snapshot_time_ns;
	double t = time_ns ? (double)time_ns / 1e9 :
	           m->tr_len ? m->tr_t[m->tr_len - 1] + 1 : 0;
	size_t at;

	if (m->tr_step <= 0)
		m->tr_step = HT_TREND_STEP_S;
	if (m->tr_len && t < m->tr_t[m->tr_len - 1])
		t = m->tr_t[m->tr_len - 1];   /* a clock step back */
	if (!m->tr_len || t - m->tr_t[m->tr_len - 1] >= m->tr_step * 0.95) {
		if (m->tr_len == HT_TREND_POINTS)
			trend_decimate(m);
		at = m->tr_len++;
	} else {
		at = m->tr_len - 1;
	}
	m->tr_t[at] = t;
	m->tr_rss[at] = p->proc.have_rss ? (float)p->proc.rss : -1.0f;
	for (size_t i = 0; i < m->nhist; i++) {
		m->hist[i].tr_bytes[at] = (float)m->hist[i].pending;
		m->hist[i].tr_var[at] = (float)m->hist[i].pending_var;
	}
}

size_t ht_model_site_series(struct ht_model *m, const struct ht_site *site,
                            double *t, double *bytes, double *var)
{
	size_t n = m->tr_len, k = 0;
	struct hist *h;

	if (!site)
		return 0;
	memcpy(t, m->tr_t, n * sizeof *t);
	memset(bytes, 0, n * sizeof *bytes);
	memset(var, 0, n * sizeof *var);
	m->stamp_base += m->nall + 1;   /* a stamp no site uses */
	while ((h = next_site_hist(m, site, &k, m->stamp_base)) != NULL)
		for (size_t j = 0; j < n; j++) {
			bytes[j] += h->tr_bytes[j];
			var[j] += h->tr_var[j];
		}
	return n;
}

size_t ht_model_total_series(const struct ht_model *m, double *t,
                             double *bytes, double *var)
{
	size_t n = m->tr_len;

	memcpy(t, m->tr_t, n * sizeof *t);
	memset(bytes, 0, n * sizeof *bytes);
	memset(var, 0, n * sizeof *var);
	for (size_t i = 0; i < m->nhist; i++)
		for (size_t j = 0; j < n; j++) {
			bytes[j] += m->hist[i].tr_bytes[j];
			var[j] += m->hist[i].tr_var[j];
		}
	return n;
}

/* Fit a series of n points into *f and classify it. */
static enum ht_trend fit_points(struct ht_model *m, size_t n, const double *t,
                                const double *b, const double *v,
                                double rate, struct ht_fit *f)
{
	ht_series_clear(m->series);
	for (size_t j = 0; j < n; j++)
		if (!(b[j] < 0))   /* unknown points (RSS) are left out */
			ht_series_push(m->series, t[j], b[j], v[j]);
	ht_fit_series(m->series, rate, f);
	return ht_trend_classify(f, rate);
}

/* The ages of site's objects from the ages source, as the verdict wants
 * them.  False when there is no source or it failed. */
static bool site_ages(struct ht_model *m, struct ht_site *site,
                      struct ht_age_summary *as)
{
	const struct ht_profile *p = m->cur.p;
	const struct ht_ages_summary *a = &site->ages;

	if (!m->ages_fn || !site->nstacks)
		return false;
	if (site->nstacks > m->capids) {
		uint32_t *n = realloc(m->ids, site->nstacks * sizeof *n);

		if (!n)
			return false;
		m->ids = n;
		m->capids = site->nstacks;
	}
	for (size_t k = 0; k < site->nstacks; k++)
		m->ids[k] = p->stacks[site->stack_idx[k]].id;
	if (m->ages_fn(m->ages_arg, m->ids, site->nstacks, &site->ages) != 0)
		return false;
	memset(as, 0, sizeof *as);
	as->valid = true;
	as->live = a->live;
	as->oldest_age = a->oldest_s;
	as->median_age = a->median_s;
	as->freed = a->freed;
	as->median_lifetime = a->lifetime_median_s;
	as->span = a->span_s;
	if (a->span_s > 0) {
		as->alloc_rate = a->alloc_bytes / a->span_s;
		as->free_rate = a->freed_bytes / a->span_s;
	}
	return true;
}

/* Trend, ages and verdict of every site. */
static int diagnose_sites(struct ht_model *m)
{
	double rate = m->cur.p ? (double)m->cur.p->rate : 0;

	if (!m->series && !(m->series = malloc(sizeof *m->series)))
		return -ENOMEM;
	for (size_t i = 0; i < m->nall; i++) {
		struct ht_site *site = &m->all[i];
		struct ht_age_summary as;
		size_t n = ht_model_site_series(m, site, m->sr_t, m->sr_b,
		                                m->sr_v);

		site->trend = fit_points(m, n, m->sr_t, m->sr_b, m->sr_v, rate,
		                         &site->fit);
		site->has_ages = site_ages(m, site, &as);
		ht_site_verdict(&site->fit, site->trend,
		                site->has_ages ? &as : NULL, &site->verdict);
	}
	return 0;
}

/* The process: heap and RSS trends, and the memory verdict. */
static void diagnose_process(struct ht_model *m)
{
	const struct ht_profile *p = m->cur.p;
	struct ht_proc_diag *d = &m->proc;
	struct ht_mem_inputs in;
	double rate = p ? (double)p->rate : 0;
	size_t n;

	memset(d, 0, sizeof *d);
	if (!p || (!m->series && !(m->series = malloc(sizeof *m->series))))
		return;
	n = ht_model_total_series(m, m->sr_t, m->sr_b, m->sr_v);
	d->heap_trend = fit_points(m, n, m->sr_t, m->sr_b, m->sr_v, rate,
	                           &d->heap_fit);
	for (size_t j = 0; j < n; j++) {
		m->sr_b[j] = m->tr_rss[j];
		m->sr_v[j] = 0;
	}
	d->have_rss = p->proc.have_rss;
	/* RSS moves by pages, not samples: its "rate" is a page */
	d->rss_trend = fit_points(m, n, m->sr_t, m->sr_b, m->sr_v, 4096,
	                          &d->rss_fit);
	memset(&in, 0, sizeof in);
	in.heap = p->totals.cur_bytes;
	in.heap_slope = d->heap_fit.slope;
	in.heap_trend = d->heap_trend;
	switch (p->proc.astat_kind) {
	case 1:  /* glibc mallinfo2 */
		in.allocator = HT_MEM_ALLOC_GLIBC;
		in.have_alloc_stats = true;
		in.glibc_arena = (double)p->proc.astat[0];
		in.glibc_inuse = (double)p->proc.astat[1];
		in.glibc_free = (double)p->proc.astat[2];
		in.glibc_mmapped = (double)p->proc.astat[3];
		break;
	case 2:  /* jemalloc stats */
		in.allocator = HT_MEM_ALLOC_JEMALLOC;
		in.have_alloc_stats = true;
		in.je_allocated = (double)p->proc.astat[0];
		in.je_active = (double)p->proc.astat[1];
		in.je_resident = (double)p->proc.astat[2];
		in.je_retained = (double)p->proc.astat[3];
		break;
	default:
		in.allocator = p->alloc.kind == HT_ALLOC_GLIBC ? HT_MEM_ALLOC_GLIBC :
		               p->alloc.kind == HT_ALLOC_JEMALLOC ?
		               HT_MEM_ALLOC_JEMALLOC :
		               p->alloc.kind ? HT_MEM_ALLOC_OTHER :
		               HT_MEM_ALLOC_UNKNOWN;
		break;
	}
	in.have_rss = p->proc.have_rss;
	in.rss = (double)p->proc.rss;
	in.rss_slope = d->rss_fit.slope;
	in.rss_trend = d->rss_trend;
	in.have_proc = p->proc.have_map;
	in.proc_brk_heap = (double)p->proc.map_brk_heap;
	in.proc_stacks = (double)p->proc.map_stacks;
	in.proc_anon = (double)p->proc.map_anon;
	in.proc_file = (double)p->proc.map_file;
	in.proc_shmem = (double)p->proc.map_shmem;
	d->verdict = ht_mem_verdict(&in, d->text, sizeof d->text);
}

const struct ht_proc_diag *ht_model_proc_diag(const struct ht_model *m)
{
	return &m->proc;
}

int ht_model_set_ages_source(struct ht_model *m, ht_ages_source fn,
                             void *arg)
{
	m->ages_fn = fn;
	m->ages_arg = arg;
	return m->cur.p ? build_sites(m) : 0;
}

/* Append this update's in-use bytes to every stack key's history. */
static int push_history(struct ht_model *m)
{
	struct ht_profile *p = m->cur.p;

	for (size_t i = 0; i < m->nhist; i++)
		m->hist[i].pending = m->hist[i].pending_var = 0;
	for (size_t i = 0; i < p->nstacks; i++) {
		size_t *v;
		bool isnew;

		if (ht_u64map_put(&m->hist_by_key, m->cur.si[i].skey, m->nhist, &v,
		             &isnew) < 0)
			return -ENOMEM;
		if (isnew) {
			if (m->nhist == m->caphist) {
				size_t nc = m->caphist ? m->caphist * 2 : 64;
				struct hist *nh = realloc(m->hist,
				                          nc * sizeof *nh);

				if (!nh)
					return -ENOMEM;
				m->hist = nh;
				m->caphist = nc;
			}
			memset(&m->hist[m->nhist], 0, sizeof *m->hist);
			m->nhist++;
		}
		m->hist[*v].pending += p->stacks[i].counts.cur_bytes;
		m->hist[*v].pending_var += p->stacks[i].counts.var_cur_bytes;
	}
	for (size_t i = 0; i < m->nhist; i++) {
		struct hist *h = &m->hist[i];

		h->v[h->head] = h->pending;
		h->head = (h->head + 1) % HT_HISTORY_LEN;
		if (h->len < HT_HISTORY_LEN)
			h->len++;
	}
	push_trend(m, p);
	return 0;
}

/* ---- trees ---- */

static void tree_free(struct ht_tree_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nchildren; i++)
		tree_free(n->children[i]);
	free(n->children);
	free(n);
}

struct node_ext {                /* hidden per-node data: base counts */
	struct ht_tree_node node;
	struct ht_counts base;
	uint64_t path;
	uint64_t fkey;
	size_t cap;                  /* children allocated */
};

/* Children are found through one map per tree build (`tree_index`):
 * child path hash -> node (the hash covers the parent's path and the
 * frame).  NULL: a linear search among the children. */
static struct ht_tree_node *tree_child(struct ht_u64map *tree_index,
                                       struct ht_tree_node *parent,
                                       const struct ht_frame *f)
{
	struct node_ext *pe = (struct node_ext *)parent, *ce;
	uint64_t fk = frame_hash(FNV_INIT, f);
	uint64_t path = fnv(pe->path, &fk, sizeof fk);
	struct ht_tree_node **nc;
	size_t *v = tree_index ? ht_u64map_get(tree_index, path) : NULL;

	if (v) {
		struct node_ext *e = (struct node_ext *)(uintptr_t)*v;

		if (e->fkey == fk && e->node.parent == parent)
			return &e->node;
	}
	if (v || !tree_index) {
		/* no index, or a hash collision: look among the children */
		for (size_t i = 0; i < parent->nchildren; i++) {
			struct node_ext *e =
				(struct node_ext *)parent->children[i];

			if (e->fkey == fk)
				return &e->node;
		}
	}
	ce = calloc(1, sizeof *ce);
	if (!ce)
		return NULL;
	if (parent->nchildren == pe->cap) {
		size_t ncap = pe->cap ? pe->cap * 2 : 4;

		nc = realloc(parent->children, ncap * sizeof *nc);
		if (!nc) {
			free(ce);
			return NULL;
		}
		parent->children = nc;
		pe->cap = ncap;
	}
	ce->fkey = fk;
	ce->path = path;
	if (tree_index && !v)
		ht_u64map_put(tree_index, path, (size_t)(uintptr_t)ce, NULL, NULL);
	ce->node.frame = f;
	ce->node.parent = parent;
	ce->node.depth = parent->depth + 1;
	parent->children[parent->nchildren++] = &ce->node;
	return &ce->node;
}

static int cmp_nodes(const void *pa, const void *pb, void *arg)
{
	const struct ht_tree_node *a = *(struct ht_tree_node *const *)pa;
	const struct ht_tree_node *b = *(struct ht_tree_node *const *)pb;
	const struct ht_model *m = arg;

	int r = m->opt.sort == HT_SORT_NAME ? 0 :
	        cmp_value(m, &a->counts, &a->delta, a->has_delta,
	                  &b->counts, &b->delta, b->has_delta);

	return r ? r : cmp_frames_name(a->frame, b->frame);
}

/* Deltas, sort, and restore the expanded state, recursively. */
static void tree_finish(struct ht_model *m, struct ht_tree_node *n,
                        bool with_delta)
{
	struct node_ext *e = (struct node_ext *)n;

	if (with_delta) {
		n->delta = n->counts;
		ht_counts_sub(&n->delta, &e->base);
		n->has_delta = true;
	}
	if (n->parent)
		n->expanded = ht_u64map_get(&m->expanded, e->path) != NULL;
	for (size_t i = 0; i < n->nchildren; i++)
		tree_finish(m, n->children[i], with_delta);
	if (n->nchildren > 1)
		qsort_r(n->children, n->nchildren, sizeof *n->children,
		        cmp_nodes, m);
}

/* Remember which paths are expanded before a tree is rebuilt. */
static void tree_save_expanded(struct ht_model *m, struct ht_tree_node *n)
{
	struct node_ext *e = (struct node_ext *)n;

	if (!n)
		return;
	if (n->parent) {
		if (n->expanded)
			ht_u64map_put(&m->expanded, e->path, 1, NULL, NULL);
		else
			ht_u64map_del(&m->expanded, e->path, NULL);
	}
	for (size_t i = 0; i < n->nchildren; i++)
		tree_save_expanded(m, n->children[i]);
}

static struct ht_tree_node *new_root(uint64_t salt)
{
	struct node_ext *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->path = fnv(FNV_INIT, &salt, sizeof salt);
	return &r->node;
}

/* Insert one stack: frames from `from` walking outward (callers) or
 * inward.  Adds c to the counts (or to base when is_base). */
static int tree_insert(struct ht_u64map *tree_index, struct ht_tree_node *root,
                       const struct stack_info *si, bool callers,
                       const struct ht_counts *c, bool is_base)
{
	struct ht_tree_node *n = root;

	if (is_base)
		ht_counts_add(&((struct node_ext *)root)->base, c);
	else
		ht_counts_add(&root->counts, c);
	if (!si->nframes)
		return 0;
	if (callers) {
		for (size_t k = si->site + 1; k < si->nframes; k++) {
			n = tree_child(tree_index, n, si->frames[k]);
			if (!n)
				return -ENOMEM;
			if (is_base)
				ht_counts_add(&((struct node_ext *)n)->base, c);
			else
				ht_counts_add(&n->counts, c);
		}
	} else {
		/* down to the leaf: library frames below the site stay */
		for (size_t k = si->nframes; k-- > si->leaf; ) {
			n = tree_child(tree_index, n, si->frames[k]);
			if (!n)
				return -ENOMEM;
			if (is_base)
				ht_counts_add(&((struct node_ext *)n)->base, c);
			else
				ht_counts_add(&n->counts, c);
		}
	}
	return 0;
}

static void drop_trees(struct ht_model *m)
{
	tree_save_expanded(m, m->callers.root);
	tree_save_expanded(m, m->topdown.root);
	tree_free(m->callers.root);
	tree_free(m->topdown.root);
	memset(&m->callers, 0, sizeof m->callers);
	memset(&m->topdown, 0, sizeof m->topdown);
}

/* The callers tree of a site (model-owned, rebuilt only when the data or
 * the site changed), or NULL for an unknown key or on ENOMEM. */
/*
 * Build (or return the cached) tree t.  callers: the callers tree of
 * `site` (its stacks only, frames from the site outwards); otherwise the
 * whole program top-down.  Stacks of the baseline join as deltas.  NULL on
 * ENOMEM.  The tree keeps the expanded state of the one it replaces.
 */
static struct ht_tree_node *build_tree(struct ht_model *m, struct tree *t,
                                       const struct ht_site *site)
{
	bool callers = site != NULL;
	uint64_t key = callers ? site->key : 0;
	struct ht_tree_node *root;
	struct ht_u64map index = { 0 };

	if (t->valid && t->site_key == key && t->generation == m->generation)
		return t->root;
	tree_save_expanded(m, t->root);
	tree_free(t->root);
	t->root = NULL;
	t->valid = false;
	root = new_root(key);
	if (!root)
		return NULL;
	if (callers) {
		root->frame = site->frame;
		for (size_t k = 0; k < site->nstacks; k++) {
			size_t i = site->stack_idx[k];

			if (tree_insert(&index, root, &m->cur.si[i], true,
			                &m->cur.p->stacks[i].counts, false) < 0)
				goto fail;
		}
	} else {
		for (size_t i = 0; i < m->cur.p->nstacks; i++)
			if (tree_insert(&index, root, &m->cur.si[i], false,
			                &m->cur.p->stacks[i].counts, false) < 0)
				goto fail;
	}
	if (m->has_base)
		for (size_t i = 0; i < m->base.p->nstacks; i++)
			if ((!callers || m->base.si[i].gkey == key) &&
			    tree_insert(&index, root, &m->base.si[i], callers,
			                &m->base.p->stacks[i].counts, true) < 0)
				goto fail;
	ht_u64map_free(&index);
	tree_finish(m, root, m->has_base);
	root->expanded = true;
	t->root = root;
	t->site_key = key;
	t->generation = m->generation;
	t->valid = true;
	return root;
fail:
	ht_u64map_free(&index);
	tree_free(root);
	return NULL;
}

struct ht_tree_node *ht_model_callers(struct ht_model *m, uint64_t site_key)
{
	size_t *v = ht_u64map_get(&m->site_by_key, site_key);

	if (!v || !m->cur.p)
		return NULL;
	return build_tree(m, &m->callers, &m->all[*v]);
}

/* The whole program top-down (model-owned, cached per update), or NULL
 * on ENOMEM. */
struct ht_tree_node *ht_model_topdown(struct ht_model *m)
{
	if (!m->cur.p)
		return NULL;
	return build_tree(m, &m->topdown, NULL);
}

/* ---- public ---- */

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
	free_side(&m->base);
	if (m->base.p != m->cur.p)  /* else it is still the current one */
		ht_profile_free(m->base.p);
	m->base.p = NULL;
	m->has_base = false;
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
	ht_u64map_free(&m->base_by_key);
	free(m->base_counts);
	free(m->base_frame);
	free(m->base_via);
	m->base_counts = NULL;
	m->base_frame = NULL;
	m->base_via = NULL;
	m->nbase = 0;
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
	drop_trees(m);
	drop_base(m);
	free_side(&m->cur);
	ht_profile_free(m->cur.p);
	ht_u64map_free(&m->site_by_key);
	ht_u64map_free(&m->hist_by_key);
	ht_u64map_free(&m->raw_by_pc);
	ht_u64map_free(&m->expanded);
	drop_threads(m);
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
	free(m->series);
	free(m->ids);
	free(m->all);
	free(m->view);
	free(m->idx);
	free(m->filter);
	for (size_t i = 0; i < m->nfold; i++)
		free(m->fold[i]);
	free(m->fold);
	ht_symbolizer_free(m->sym);
	for (size_t i = 0; i < m->nretired_sym; i++)
		ht_symbolizer_free(m->retired_sym[i]);
	free(m->retired_sym);
	free(m);
}

/* Take ownership of p and recompute sites, history and deltas.  0 or
 * -errno (then p has been freed). */
int ht_model_update(struct ht_model *m, struct ht_profile *p)
{
	struct sideinfo old = m->cur;
	int err;

	if (!p)
		return -EINVAL;
	if (m->sym)
		ht_symbolizer_update(m->sym, p);
	m->cur.p = p;
	m->cur.si = NULL;
	err = symbolize_side(m, &m->cur, m->sym, &old);
	if (err < 0) {
		/* old may have lent frames already: drop both snapshots */
		free_side(&m->cur);
		ht_profile_free(p);
		m->cur.p = NULL;
		free_side(&old);
		if (!(m->has_base && m->base.p == old.p))
			ht_profile_free(old.p);
		build_sites(m);
		return err;
	}
	regroup_keys(m, &m->cur);
	/* the old snapshot may be the baseline: then the baseline keeps it */
	if (m->has_base && m->base.p == old.p) {
		free_side(&old);
	} else {
		free_side(&old);
		ht_profile_free(old.p);
	}
	/* sites index the new snapshot's stacks: rebuild them even when the
	 * history could not grow */
	err = push_history(m);
	{
		int e2 = build_sites(m);

		diagnose_process(m);
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

	if (o->filter && *o->filter && !(f = strdup(o->filter)))
		return -ENOMEM;
	free(m->filter);
	m->filter = f;
	m->opt = *o;
	m->opt.filter = m->filter;
	regroup_keys(m, &m->cur);
	regroup_keys(m, &m->base);
	err = build_base(m);
	if (err < 0)
		return err;
	return m->cur.p ? build_sites(m) : 0;
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

	if (!m->cur.p)
		return -EINVAL;
	drop_base(m);
	m->base.p = m->cur.p;
	m->has_base = true;
	err = symbolize_side(m, &m->base, m->sym, NULL);
	if (err < 0)
		goto fail;
	regroup_keys(m, &m->base);
	err = build_base(m);
	if (err < 0)
		goto fail;
	return build_sites(m);
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

	if (!base)
		return -EINVAL;
	drop_base(m);
	if (m->sym) {
		char *cause = NULL;

		err = ht_symbolizer_new(base, &m->symopt, &m->base_sym, &cause);
		free(cause);
		if (err < 0)
			m->base_sym = NULL;
		else if (m->nfold)
			ht_symbolizer_set_fold(m->base_sym,
			                       (const char *const *)m->fold,
			                       m->nfold);
	}
	m->base.p = base;
	m->has_base = true;
	err = symbolize_side(m, &m->base, m->base_sym, NULL);
	if (err < 0)
		goto fail;
	regroup_keys(m, &m->base);
	err = build_base(m);
	if (err < 0)
		goto fail;
	return m->cur.p ? build_sites(m) : 0;
fail:
	drop_base(m);
	return err;
}

/* Drop the baseline and its deltas. */
void ht_model_clear_baseline(struct ht_model *m)
{
	drop_base(m);
	if (m->cur.p)
		build_sites(m);
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

/* Forget the per-site history (after a reset). */
void ht_model_clear_history(struct ht_model *m)
{
	for (size_t i = 0; i < m->nhist; i++) {
		m->hist[i].len = 0;
		m->hist[i].head = 0;
	}
	for (size_t i = 0; i < m->nall; i++)
		m->all[i].hist_len = 0;
	m->tr_len = 0;
	m->tr_step = HT_TREND_STEP_S;
}

/* Frames of stack i, innermost first (model-owned), NULL when out of
 * range. */
const struct ht_frame *const *ht_model_stack_frames(struct ht_model *m,
                                                    size_t i, size_t *n)
{
	*n = 0;
	if (!m->cur.p || i >= m->cur.p->nstacks)
		return NULL;
	*n = m->cur.si[i].nframes;
	return m->cur.si[i].frames;
}

/* Index of the leaf frame (past the allocator's) of stack i. */
size_t ht_model_stack_leaf_index(struct ht_model *m, size_t i)
{
	if (!m->cur.p || i >= m->cur.p->nstacks)
		return 0;
	return m->cur.si[i].leaf;
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

/* Index of the site frame in the frames of stack i (0 when none). */
size_t ht_model_stack_site_index(struct ht_model *m, size_t i)
{
	if (!m->cur.p || i >= m->cur.p->nstacks)
		return 0;
	return m->cur.si[i].site;
}

/* Thread breakdown of the site with this key (model-owned), or NULL with
 * *n = 0 when the key is unknown or the profile has none. */
const struct ht_thread_counts *ht_model_site_threads(struct ht_model *m,
                                                     uint64_t key, size_t *n)
{
	size_t *v = m->thr ? ht_u64map_get(&m->site_by_key, key) : NULL;

	*n = 0;
	if (!v || !m->thr_n[*v])
		return NULL;
	*n = m->thr_n[*v];
	return m->thr + m->thr_off[*v];
}

/* Per-thread totals of the whole profile (model-owned), or NULL with
 * *n = 0 when it has no per-thread counts. */
const struct ht_thread_counts *ht_model_threads(struct ht_model *m, size_t *n)
{
	*n = m->thr ? m->thr_all_n : 0;
	return *n ? m->thr + m->thr_all_off : NULL;
}

/* True when the current profile has per-thread counts. */
bool ht_model_has_threads(const struct ht_model *m)
{
	return m->thr != NULL && m->thr_all_n > 0;
}

/* The dump's name for `thread`, or NULL (profile-owned). */
const char *ht_model_thread_name(const struct ht_model *m, uint64_t thread)
{
	const struct ht_profile *p = m->cur.p;

	if (!p || !p->thread_names || thread >= p->nthread_names)
		return NULL;
	return p->thread_names[thread];
}
