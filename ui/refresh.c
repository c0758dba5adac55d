/*
 * The refresh worker: the one thread that touches the session and the
 * model while the screen runs.  Every delay (or on request) it takes a
 * snapshot, updates the model, applies the ui's requests (options,
 * baseline, reset, dump, trees) and publishes an immutable copy of what the
 * views draw, then wakes the ui thread through a pipe.  So a refresh of
 * 100,000 sites never delays a key.  Symbols come in slices (the
 * model's ht_model_set_sym_slice): while stacks are pending, each pass
 * publishes and the next one symbolizes more at once, so a cold profile
 * shows its biggest sites first and its rows fill in.
 *
 * Must never call curses, and never hold ui->lock while working on the
 * model or the session.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/cause.h"
#include "core/alloc.h"
#include "core/basefile.h"
#include "ui/flame_layout.h"
#include "core/family.h"
#include "core/grow.h"
#include "ui/view.h"

/* ---- copying out of the model ----------------------------------------- */

/* Site rows shared between publications: a pass that changed nothing in
 * the model (a tree toggle, a threads request, a dump) publishes the
 * previous rows again instead of copying every site (17 MB at 100,000
 * sites).  Both threads free data, so the count is atomic. */
struct ht_ui_rowset {
	int refs;
	struct ht_ui_row *rows;
	uint64_t *keys;
	size_t n;
	char *texts;     /* the rows' verdict texts, NUL separated */
};

static struct ht_ui_rowset *rowset_get(struct ht_ui_rowset *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

static void rowset_put(struct ht_ui_rowset *r)
{
	if (r == NULL || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(r->rows);
	free(r->keys);
	free(r->texts);
	free(r);
}

void ht_ui_data_free(struct ht_ui_data *d)
{
	if (d == NULL)
		return;
	rowset_put(d->rowset);
	free(d->tree);
	ht_flame_free(d->flame);
	for (size_t i = 0; i < d->nthreads; i++)
		free(d->threads[i].name);
	free(d->threads);
	for (size_t i = 0; i < d->nprocs; i++) {
		free(d->procs[i].name);
		free(d->procs[i].command);
	}
	free(d->procs);
	free(d->shown_segment);
	free(d->shown_command);
	free(d->filter_copy);
	free(d);
}

static void copy_counts(struct ht_ui_counts *c, const struct ht_counts *v,
                        const struct ht_counts *delta, bool has_delta)
{
	c->cur_bytes = v->cur_bytes;
	c->cur_objs = v->cur_objs;
	c->cum_bytes = v->cum_bytes;
	c->cum_objs = v->cum_objs;
	c->var_cur_bytes = v->var_cur_bytes;
	c->var_cum_bytes = v->var_cum_bytes;
	c->has_delta = has_delta && delta != NULL;
	if (c->has_delta) {
		c->d_cur_bytes = delta->cur_bytes;
		c->d_cur_objs = delta->cur_objs;
		c->d_cum_bytes = delta->cum_bytes;
	} else {
		c->d_cur_bytes = c->d_cur_objs = c->d_cum_bytes = 0;
	}
}

/* Is this node open when the user has not toggled it?  The root and its
 * children are; so is every node with a single child (call chains read as
 * one line of descent: a site's callers out to main), and the node where
 * such a chain first branches (main, showing what it calls). */
static bool default_expanded(const struct ht_tree_node *n)
{
	return n->depth <= 1 || n->nchildren == 1 ||
	       (n->parent != NULL && n->parent->nchildren == 1);
}

struct flat {
	struct ht_ui_tree_row *rows;
	size_t n, cap;
	bool truncated;
	const struct ht_u64map *toggled;
};

static int flatten(struct flat *f, const struct ht_tree_node *node,
                   uint64_t parent_path, size_t parent, uint32_t depth)
{
	struct ht_ui_tree_row *r;
	size_t me, i;
	int rc;

	if (f->n >= HT_UI_MAX_TREE_ROWS) {
		f->truncated = true;
		return 0;
	}
	if (ht_grow(&f->rows, &f->cap, f->n + 1, sizeof *f->rows) < 0)
		return -ENOMEM;
	me = f->n++;
	r = &f->rows[me];
	memset(r, 0, sizeof *r);
	/* the key the ui's toggled set and tree cursor follow */
	r->path = ht_frame_path(parent_path, node->frame, true);
	r->frame = node->frame;
	copy_counts(&r->c, &node->counts, &node->delta, node->has_delta);
	r->depth = depth;
	r->nchildren = node->nchildren;
	r->parent = parent;
	r->expanded = node->nchildren > 0 &&
	              (default_expanded(node) !=
	               (ht_u64map_get(f->toggled, r->path) != NULL));
	if (!r->expanded)
		return 0;
	for (i = 0; i < node->nchildren; i++) {
		uint64_t path = f->rows[me].path;

		rc = flatten(f, node->children[i], path, me, depth + 1);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Copy the per-thread breakdown asked for (a site's threads, or the whole
 * profile's) with the dump's thread names into d.  A site that is gone
 * leaves d->threads_site_frame NULL and no rows.  0 or -ENOMEM (d then has
 * no rows). */
static int copy_threads(struct ht_model *m, struct ht_ui_data *d,
                        enum ht_threads_kind kind, uint64_t key)
{
	const struct ht_thread_counts *t;
	size_t n = 0, i;

	if (kind == HT_THREADS_SITE) {
		const struct ht_site *s = ht_model_site(m, key);

		if (s == NULL)
			return 0;
		d->threads_site_frame = s->frame;
		copy_counts(&d->threads_total, &s->counts, NULL, false);
		t = ht_model_site_threads(m, key, &n);
	} else {
		if (ht_model_totals(m) != NULL)
			copy_counts(&d->threads_total, ht_model_totals(m), NULL,
			            false);
		t = ht_model_threads(m, &n);
	}
	if (n == 0)
		return 0;
	d->threads = calloc(n, sizeof *d->threads);
	if (d->threads == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct ht_ui_thread_row *r = &d->threads[i];
		const char *name = ht_model_thread_name(m, t[i].thread);

		r->thread = t[i].thread;
		copy_counts(&r->c, &t[i].counts, NULL, false);
		if (name != NULL && name[0] != '\0') {
			r->name = strdup(name);
			if (r->name == NULL) {
				d->nthreads = i;
				return -ENOMEM;
			}
		}
	}
	d->nthreads = n;
	return 0;
}

/* ---- the worker -------------------------------------------------------- */

struct worker {
	struct ht_ui *ui;
	uint64_t prev_samples, prev_time_ns;
	bool have_prev;
	/* the options the model has now, and the filter string they point to */
	struct ht_model_options opts;
	char *filter;
	struct ht_u64map toggled;
	struct ht_ui_rowset *rows;  /* the rows published last (a reference) */
	uint64_t rss;
	enum ht_proc_state state;
	int exit_status;
	double refresh_ms, samples_per_sec;
	bool alloc_warned;          /* the allocator advice was shown */
	bool quiet_noted;           /* the "nothing sampled" note was shown */
	bool base_looked;           /* looked for a saved baseline */
	uint64_t exit_seen_ns;      /* realtime the exit was first seen */
	bool pinned;   /* --follow: the user set the baseline (b) */
	struct ht_family *family;   /* the session's tree (live sessions) */
	bool resume;   /* stacks wait for symbols: another pass at once */
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void set_msg(struct worker *w, bool error, char *msg)
{
	struct ht_ui *ui = w->ui;

	pthread_mutex_lock(&ui->lock);
	free(ui->worker_msg);
	ui->worker_msg = msg;
	ui->worker_msg_error = error;
	pthread_mutex_unlock(&ui->lock);
}

__attribute__((format(printf, 3, 4)))
static void set_msgf(struct worker *w, bool error, const char *fmt, ...)
{
	char *m = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	set_msg(w, error, m);
}

/* Copy the model's sites into a new row set (one reference). */
static struct ht_ui_rowset *copy_rows(struct ht_model *m)
{
	struct ht_ui_rowset *rs = calloc(1, sizeof *rs);
	struct ht_site *const *sites;
	const double *vh;
	const size_t *vh_len;
	size_t n = 0;

	if (rs == NULL)
		return NULL;
	rs->refs = 1;
	sites = ht_model_sites(m, &n);
	if (n > 0) {
		rs->rows = malloc(n * sizeof *rs->rows);
		rs->keys = malloc(n * sizeof *rs->keys);
		if (rs->rows == NULL || rs->keys == NULL) {
			rowset_put(rs);
			return NULL;
		}
	}
	{
		/* the verdict texts, in one block */
		size_t len = 0, off = 0;

		for (size_t i = 0; i < n; i++)
			if (sites[i]->verdict.verdict != HT_VERDICT_NONE)
				len += strlen(sites[i]->verdict.text) + 1;
		if (len && !(rs->texts = malloc(len))) {
			rowset_put(rs);
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			const struct ht_site_verdict *v = &sites[i]->verdict;
			size_t l = strlen(v->text) + 1;

			rs->rows[i].verdict_text = NULL;
			if (v->verdict == HT_VERDICT_NONE)
				continue;
			memcpy(rs->texts + off, v->text, l);
			rs->rows[i].verdict_text = rs->texts + off;
			off += l;
		}
	}
	vh = ht_model_view_history(m, HT_UI_SPARK, &vh_len);
	for (size_t i = 0; i < n; i++) {
		const struct ht_site *s = sites[i];
		struct ht_ui_row *r = &rs->rows[i];
		double one[HT_UI_SPARK];
		/* every row's at once; out of memory, row by row */
		const double *hv = vh ? vh + i * HT_UI_SPARK : one;
		size_t h = vh ? vh_len[i] :
		           ht_model_site_history(m, s, one, HT_UI_SPARK), k;

		/* the growth now: a plateau's is its recent part's */
		r->growth = (float)(s->trend == HT_TREND_PLATEAU ?
		                    s->fit.recent_slope : s->fit.slope);
		r->trend = (uint8_t)s->trend;
		r->verdict = (uint8_t)s->verdict.verdict;

		r->key = rs->keys[i] = s->key;
		r->frame = s->frame;
		r->via = s->via;
		copy_counts(&r->c, &s->counts, &s->delta, s->has_delta);
		r->nstacks = s->nstacks > UINT32_MAX ? UINT32_MAX
		                                     : (uint32_t)s->nstacks;
		r->hist_len = (uint32_t)h;
		for (k = 0; k < h; k++)
			r->hist[k] = (float)hv[k];
	}
	rs->n = n;
	return rs;
}

/* The session's tree and which of its processes is shown. */
static int copy_procs(struct worker *w, struct ht_ui_data *d)
{
	const char *seg = ht_session_segment_name(w->ui->session);
	const struct ht_family_proc *pr;
	size_t n;

	d->switched = ht_session_switched(w->ui->session);
	if (seg && !(d->shown_segment = strdup(seg)))
		return -ENOMEM;
	if (ht_session_command(w->ui->session) &&
	    !(d->shown_command = strdup(ht_session_command(w->ui->session))))
		return -ENOMEM;
	if (!w->family)
		return 0;
	pr = ht_family_procs(w->family, &n);
	d->procs_cur_bytes = ht_family_totals(w->family).cur_bytes;
	if (!n)
		return 0;
	d->procs = calloc(n, sizeof *d->procs);
	if (!d->procs)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct ht_ui_proc_row *r = &d->procs[k];

		r->name = strdup(pr[k].name);
		r->command = strdup(pr[k].command);
		d->nprocs = k + 1;
		if (!r->name || !r->command)
			return -ENOMEM;
		r->pid = pr[k].pid;
		r->ppid = pr[k].ppid;
		r->depth = pr[k].depth;
		r->state = pr[k].state;
		r->exit_status = pr[k].exit_status;
		r->samples = pr[k].samples;
		r->cur_bytes = pr[k].totals.cur_bytes;
		r->cum_bytes = pr[k].totals.cum_bytes;
		r->have_totals = pr[k].have_totals;
	}
	return 0;
}

/* Re-read the session's tree (after a snapshot). */
static void update_family(struct worker *w)
{
	const char *root = ht_session_root_segment(w->ui->session);
	char *cause = NULL;

	if (!root || ht_session_follower(w->ui->session))
		return;
	if (!w->family && !(w->family = ht_family_new()))
		return;
	if (ht_family_update(w->family, root, &cause) < 0)
		set_msgf(w, true, "process tree: %s", cause ? cause : "failed");
	free(cause);
}

/* Show another process of the tree (or the session's own again): the
 * model starts over with its data. */
static bool switch_process(struct worker *w, const char *segment)
{
	struct ht_ui *ui = w->ui;
	char *cause = NULL;
	int rc = ht_session_switch(ui->session, segment, &cause);

	if (rc != 0) {
		set_msgf(w, true, "cannot show that process: %s",
		         cause ? cause : strerror(-rc));
		free(cause);
		return false;
	}
	ht_model_clear_baseline(ui->model);
	ht_model_clear_history(ui->model);
	w->have_prev = false;
	w->samples_per_sec = -1;
	return true;
}

/* What to publish.  sites_changed: the model's sites may differ from the
 * rows published last (else those are shared). */
static struct ht_ui_data *build(struct worker *w,
                                const struct ht_ui_requests *rq,
                                bool sites_changed)
{
	struct ht_model *m = w->ui->model;
	struct ht_ui_data *d = calloc(1, sizeof *d);
	const struct ht_profile *p;
	size_t i;

	if (d == NULL)
		return NULL;
	if (sites_changed || w->rows == NULL) {
		struct ht_ui_rowset *rs = copy_rows(m);

		if (rs == NULL) {
			free(d);
			return NULL;
		}
		rowset_put(w->rows);
		w->rows = rs;
	}
	d->rowset = rowset_get(w->rows);
	d->rows = d->rowset->rows;
	d->keys = d->rowset->keys;
	d->nrows = d->rowset->n;
	if (ht_model_totals(m) != NULL)
		copy_counts(&d->totals, ht_model_totals(m),
		            ht_model_totals_delta(m), ht_model_has_baseline(m));
	d->has_baseline = ht_model_has_baseline(m);
	d->baseline_time_ns = d->has_baseline ? ht_model_baseline_time_ns(m)
	                                      : 0;
	d->opts = w->opts;
	if (w->filter != NULL) {
		d->filter_copy = strdup(w->filter);
		d->opts.filter = d->filter_copy;
	}
	p = ht_model_profile(m);
	if (p != NULL) {
		d->have_profile = true;
		d->pid = p->pid;
		d->rate = p->rate;
		d->budget_ppm = p->budget_ppm;
		d->overhead_ppm = p->overhead_ppm;
		d->budget_unused_ppm = p->budget_unused_ppm;
		d->alloc = p->alloc;
		d->start_time_ns = p->start_time_ns;
		d->snapshot_time_ns = p->snapshot_time_ns;
		d->samples = p->samples;
		d->ring_drops = p->ring_drops;
		d->stacks_full = p->stacks_full;
		d->addrs_full = p->addrs_full;
		d->state = p->state;
		d->exit_status = p->exit_status;
		d->facts = p->proc;
	}
	if (w->ui->live && w->state != HT_PROC_UNKNOWN) {
		d->state = w->state;
		d->exit_status = w->exit_status;
	}
	/* "up" stops at the exit: the runtime's time, else when seen */
	if (d->state == HT_PROC_EXITED && w->exit_seen_ns == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		w->exit_seen_ns = (uint64_t)ts.tv_sec * 1000000000ull +
		                  (uint64_t)ts.tv_nsec;
	}
	if (d->state == HT_PROC_EXITED)
		d->end_time_ns = p != NULL && p->exit_time_ns != 0
		                 ? p->exit_time_ns : w->exit_seen_ns;
	/* a live snapshot carries RSS (without heaptop's own segment);
	 * following dumps, the worker reads it */
	d->rss = p != NULL && p->proc.have_rss ? p->proc.rss : w->rss;
	d->proc = *ht_model_proc_diag(m);
	d->have_events = ht_session_events(w->ui->session, &d->events);
	if (ht_session_follower(w->ui->session) != NULL) {
		d->following = true;
		ht_follow_info(ht_session_follower(w->ui->session), &d->follow);
	}
	d->samples_per_sec = w->samples_per_sec;
	d->refresh_ms = w->refresh_ms;
	if (!ht_model_sym_pending(m, &d->sym_done, &d->sym_total))
		d->sym_done = d->sym_total = 0;
	if (copy_procs(w, d) != 0)
		set_msg(w, true, strdup("out of memory copying the processes"));

	d->tree_kind = rq->tree_kind;
	d->tree_key = rq->tree_key;
	d->tree_request = rq->tree_request;
	if (rq->tree_kind != HT_TREE_NONE && p != NULL) {
		struct ht_tree_node *root = NULL;
		struct flat f = { NULL, 0, 0, false, &w->toggled };

		if (rq->tree_kind == HT_TREE_CALLERS) {
			const struct ht_site *s = ht_model_site(m, rq->tree_key);

			root = ht_model_callers(m, rq->tree_key);
			d->tree_site_frame = s ? s->frame : NULL;
		} else {
			root = ht_model_topdown(m);
		}
		if (rq->tree_kind == HT_TREE_FLAME) {
			d->flame = root ? ht_flame_build(root,
			                                 HT_UI_MAX_FLAME_NODES)
			                : NULL;
			if (root != NULL && d->flame == NULL)
				set_msg(w, true, strdup("out of memory copying "
				                        "the flame graph"));
		} else if (root != NULL &&
		           flatten(&f, root, 0, SIZE_MAX, 0) == 0) {
			d->tree = f.rows;
			d->ntree = f.n;
			d->tree_truncated = f.truncated;
		} else {
			free(f.rows);
		}
	}
	d->has_threads = p != NULL && ht_model_has_threads(m);
	d->threads_kind = rq->threads_kind;
	d->threads_key = rq->threads_key;
	d->threads_request = rq->threads_request;
	if (rq->threads_kind != HT_THREADS_NONE && d->has_threads &&
	    copy_threads(m, d, rq->threads_kind, rq->threads_key) != 0) {
		for (i = 0; i < d->nthreads; i++)
			free(d->threads[i].name);
		free(d->threads);
		d->threads = NULL;
		d->nthreads = 0;
		set_msg(w, true, strdup("out of memory copying the threads"));
	}
	return d;
}

/* --follow: poll for a new dump; the model changes only when one came
 * (so a site's history has one point per dump), with the previous dump
 * as the baseline unless the user pinned one. */
static void follow_snapshot(struct worker *w, struct ht_follow *f)
{
	struct ht_ui *ui = w->ui;
	struct ht_profile *p = NULL;
	char *cause = NULL, *msg;
	double t0 = mono_ms();
	int r, rc;

	r = ht_follow_poll(f, &cause);
	while ((msg = ht_follow_take_notice(f)) != NULL)
		set_msg(w, strncmp(msg, "skipped", 7) == 0, msg);
	w->state = ht_session_state(ui->session, &w->exit_status);
	w->rss = w->state == HT_PROC_RUNNING
	         ? ht_session_rss_bytes(ui->session) : 0;
	if (r < 0) {
		set_msgf(w, true, "%s", cause ? cause : strerror(-r));
		free(cause);
		return;
	}
	if (r == HT_FOLLOW_NONE)
		return;
	rc = ht_session_snapshot(ui->session, &p, &cause);
	if (rc == 0)
		rc = ht_follow_update_model(ui->model, p, r, w->pinned);
	if (rc != 0)
		set_msgf(w, true, "cannot show the new dump: %s",
		         cause ? cause : strerror(-rc));
	free(cause);
	w->refresh_ms = mono_ms() - t0;
}

/* The segment a live session shows, when its baseline can be saved. */
static const char *base_segment(struct worker *w)
{
	if (!w->ui->live || ht_session_follower(w->ui->session) != NULL)
		return NULL;
	return ht_session_segment_name(w->ui->session);
}

/* b in a live session: keep the baseline with the segment. */
static void save_baseline(struct worker *w)
{
	const struct ht_profile *p = ht_model_profile(w->ui->model);
	const char *seg = base_segment(w);
	char *cause = NULL;
	int rc;

	if (seg == NULL || p == NULL)
		return;
	rc = ht_basefile_save(seg, p, &cause);
	if (rc != 0)
		set_msgf(w, true, "baseline not kept with the segment: %s",
		         cause ? cause : strerror(-rc));
	free(cause);
}

/* Why the model failed with err: its cause, or the errno's text. */
static const char *model_cause(const struct ht_model *m, int err)
{
	return ht_model_cause(m) ? ht_model_cause(m) : strerror(-err);
}

/* Once, after the first snapshot: the baseline an earlier viewer of the
 * segment set (b), saved with the segment's reset generation. */
static void load_saved_baseline(struct worker *w)
{
	const struct ht_profile *cur = ht_model_profile(w->ui->model);
	const char *seg = base_segment(w);
	struct ht_profile *bp = NULL;
	char *cause = NULL;
	int rc;

	w->base_looked = true;
	if (seg == NULL || cur == NULL || ht_model_has_baseline(w->ui->model))
		return;
	rc = ht_basefile_load(seg, cur->reset_generation, &bp, &cause);
	if (rc == 0 &&
	    (rc = ht_model_set_baseline_profile(w->ui->model, bp)) < 0)
		ht_cause_set(&cause, "%s", model_cause(w->ui->model, rc));
	if (rc == 0)
		set_msgf(w, false, "baseline kept with the segment: showing "
		         "change since an earlier b (B clears it)");
	else if (rc != -ENOENT)
		set_msgf(w, true, "saved baseline: %s",
		         cause ? cause : strerror(-rc));
	free(cause);
}

static void snapshot(struct worker *w)
{
	struct ht_ui *ui = w->ui;
	struct ht_profile *p = NULL;
	char *cause = NULL;
	double t0 = mono_ms();
	int rc;

	if (ht_session_follower(ui->session) != NULL) {
		follow_snapshot(w, ht_session_follower(ui->session));
		return;
	}
	if (ui->live)
		w->state = ht_session_state(ui->session, &w->exit_status);
	/* jemalloc's paced dumps: nothing new to read yet */
	if (ht_model_profile(ui->model) != NULL &&
	    !ht_session_has_news(ui->session))
		return;
	rc = ht_session_snapshot(ui->session, &p, &cause);
	if (rc != 0) {
		set_msgf(w, true, "snapshot failed: %s",
		         cause ? cause : strerror(-rc));
		free(cause);
		return;
	}
	free(cause);
	if (w->have_prev && p->snapshot_time_ns > w->prev_time_ns &&
	    p->samples >= w->prev_samples)
		w->samples_per_sec = (double)(p->samples - w->prev_samples) /
		                     ((double)(p->snapshot_time_ns -
		                               w->prev_time_ns) / 1e9);
	if (p->snapshot_time_ns > w->prev_time_ns || !w->have_prev) {
		w->prev_samples = p->samples;
		w->prev_time_ns = p->snapshot_time_ns;
		w->have_prev = true;
	}
	if (!w->alloc_warned && ui->live &&
	    ht_alloc_source(&p->alloc) == HT_ASRC_NONE) {
		char adv[512];

		w->alloc_warned = true;
		if (ht_alloc_advice(&p->alloc, adv, sizeof adv))
			set_msgf(w, true, "heaptop cannot see the allocations: %s",
			         adv);
	}
	if (!w->quiet_noted && ui->live) {
		char note[256];

		if (ht_profile_quiet_note(p, note, sizeof note)) {
			w->quiet_noted = true;
			set_msgf(w, false, "%s", note);
		}
	}
	rc = ht_model_update(ui->model, p);
	if (rc != 0)
		set_msgf(w, true, "model update failed: %s",
		         model_cause(ui->model, rc));
	else if (!w->base_looked)
		load_saved_baseline(w);
	w->refresh_ms = mono_ms() - t0;
}

static void take_requests(struct ht_ui *ui, struct ht_ui_requests *rq)
{
	*rq = ui->req;
	/* the strings and the key set move to rq (the ui sends a new set
	 * with each tree request) */
	memset(&ui->req.toggled, 0, sizeof ui->req.toggled);
	ui->req.filter = NULL;
	ui->req.dump_path = NULL;
	ui->req.refresh = ui->req.set_options = false;
	ui->req.baseline = ui->req.clear_baseline = false;
	ui->req.reset = ui->req.dump = false;
	ui->req.switch_to = NULL;
}

static bool has_requests(const struct ht_ui_requests *r, uint64_t tree_seen,
                         uint64_t threads_seen)
{
	return r->refresh || r->set_options || r->baseline || r->switch_to ||
	       r->clear_baseline || r->reset || r->dump ||
	       r->tree_request != tree_seen ||
	       r->threads_request != threads_seen;
}

static void work(struct worker *w, struct ht_ui_requests *rq, bool due)
{
	struct ht_ui *ui = w->ui;
	struct ht_ui_data *d, *old;
	char *cause = NULL;
	bool snap = due || rq->refresh;
	int rc;

	if (rq->switch_to && switch_process(w, rq->switch_to))
		snap = true;
	if (rq->reset) {
		rc = ht_session_reset(ui->session, &cause);
		if (rc == 0) {
			ht_model_clear_history(ui->model);
			set_msg(w, false, strdup("counters reset"));
			snap = true;
		} else {
			set_msgf(w, true, "reset failed: %s",
			         cause ? cause : strerror(-rc));
		}
		free(cause);
		cause = NULL;
	}
	if (rq->dump && rq->dump_path != NULL) {
		rc = ht_session_dump(ui->session, rq->dump_path,
		                     ui->opt->dump_format,
		                     ht_model_symbolizer(ui->model), &cause);
		if (rc == 0)
			set_msgf(w, false, "dumped to %s", rq->dump_path);
		else
			set_msgf(w, true, "dump to %s failed: %s", rq->dump_path,
			         cause ? cause : strerror(-rc));
		free(cause);
		cause = NULL;
	}
	if (rq->set_options) {
		free(w->filter);
		w->filter = rq->filter;
		rq->filter = NULL;
		w->opts = rq->opts;
		w->opts.filter = w->filter;
		rc = ht_model_set_options(ui->model, &w->opts);
		if (rc != 0)
			set_msgf(w, true, "cannot apply options: %s",
			         model_cause(ui->model, rc));
	}
	if (snap) {
		snapshot(w);
		update_family(w);
	} else if (w->resume) {
		rc = ht_model_sym_resume(ui->model);
		if (rc != 0)
			set_msgf(w, true, "symbolizing: %s",
			         model_cause(ui->model, rc));
	}
	if (rq->clear_baseline) {
		ht_model_clear_baseline(ui->model);
		w->pinned = false;
		if (base_segment(w) != NULL)
			ht_basefile_remove(base_segment(w));
	}
	if (rq->baseline) {
		w->pinned = true;
		rc = ht_model_set_baseline(ui->model);
		if (rc != 0)
			set_msgf(w, true, "cannot set a baseline: %s",
			         model_cause(ui->model, rc));
		else
			save_baseline(w);
	}
	d = build(w, rq, snap || w->resume || rq->set_options ||
	                 rq->baseline || rq->clear_baseline);
	w->resume = ht_model_sym_pending(ui->model, NULL, NULL);
	if (d == NULL) {
		set_msg(w, true, strdup("out of memory copying the sites"));
		return;
	}
	pthread_mutex_lock(&ui->lock);
	old = ui->pending;   /* not taken yet: replaced */
	ui->pending = d;
	pthread_mutex_unlock(&ui->lock);
	ht_ui_data_free(old);   /* outside the lock the ui thread takes */
}

static void wake_ui(struct ht_ui *ui)
{
	char c = 1;
	ssize_t r;

	do
		r = write(ui->wake_pipe[1], &c, 1);
	while (r < 0 && errno == EINTR);
}

static void *worker_main(void *arg)
{
	struct worker w;
	struct ht_ui *ui = arg;
	struct ht_ui_requests rq;
	struct ht_ui_data *garbage;
	uint64_t tree_seen = 0, threads_seen = 0;
	double next_due = 0;   /* the first refresh happens at once */
	bool first = true;

	/* Below the ui thread: on a busy machine the keys win the CPU and the
	 * refresh waits (Linux: nice applies per thread).  Failing is not
	 * fatal: the refresh then competes at equal priority. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
	memset(&w, 0, sizeof w);
	w.ui = ui;
	w.samples_per_sec = -1;
	w.state = HT_PROC_UNKNOWN;
	w.opts = *ht_model_options(ui->model);
	/* a cold profile's first rows within a slice, the rest filling in
	 * pass after pass, each published */
	ht_model_set_sym_slice(ui->model, HT_UI_SYM_SLICE_MS);
	if (w.opts.filter != NULL) {
		w.filter = strdup(w.opts.filter);
		w.opts.filter = w.filter;
	}
	pthread_mutex_lock(&ui->lock);
	while (!ui->stop) {
		double now = mono_ms();
		bool due = first ||
		           (ui->live && !ui->paused && now >= next_due);

		if (!due && !w.resume &&
		    !has_requests(&ui->req, tree_seen, threads_seen)) {
			struct timespec ts;
			double wait_ms = ui->live && !ui->paused
			                 ? next_due - now : 1000.0;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)(wait_ms / 1000.0);
			ts.tv_nsec += (long)(fmod(wait_ms, 1000.0) * 1e6);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&ui->cond, &ui->lock, &ts);
			continue;
		}
		if (due)
			next_due = now + (ui->opt->delay > 0.05
			                  ? ui->opt->delay * 1000.0 : 50.0);
		first = false;
		take_requests(ui, &rq);
		if (rq.tree_request != tree_seen) {
			/* the tree request's key set: the worker's from now on */
			struct ht_u64map t = w.toggled;

			w.toggled = rq.toggled;
			rq.toggled = t;
		}
		tree_seen = rq.tree_request;
		threads_seen = rq.threads_request;
		garbage = ui->garbage;
		ui->garbage = NULL;
		pthread_mutex_unlock(&ui->lock);

		ht_ui_data_free(garbage);

		work(&w, &rq, due);
		free(rq.filter);
		free(rq.dump_path);
		free(rq.switch_to);
		ht_u64map_free(&rq.toggled);
		wake_ui(ui);

		pthread_mutex_lock(&ui->lock);
	}
	pthread_mutex_unlock(&ui->lock);
	free(w.filter);
	ht_family_free(w.family);
	rowset_put(w.rows);
	ht_u64map_free(&w.toggled);
	return NULL;
}

/*
 * Start the worker.  Asynchronous signals are blocked in it so SIGWINCH,
 * SIGINT and SIGTERM reach the ui thread.  Returns 0 or -errno with *cause.
 */
int ht_refresh_start(struct ht_ui *ui, char **cause)
{
	sigset_t all, old;
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ui->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Crashes stay deliverable in the worker: a blocked SIGSEGV would kill
	 * the process without running the handler that restores the
	 * terminal. */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&ui->worker, NULL, worker_main, ui);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		ht_cause_set(cause, "cannot start the refresh thread: %s",
		             strerror(rc));
		return -rc;
	}
	ui->worker_started = true;
	return 0;
}

/* Stop and join the worker (it finishes the refresh in progress). */
void ht_refresh_stop(struct ht_ui *ui)
{
	if (!ui->worker_started)
		return;
	pthread_mutex_lock(&ui->lock);
	ui->stop = true;
	pthread_cond_signal(&ui->cond);
	pthread_mutex_unlock(&ui->lock);
	pthread_join(ui->worker, NULL);
	ui->worker_started = false;
}
