/*
 * What the model's files (model.c, model_stacks.c, model_trend.c,
 * model_threads.c, model_tree.c) share and nothing else does: the
 * model's state, and the functions one file calls in another.
 */
#ifndef HT_CORE_MODEL_PRIV_H
#define HT_CORE_MODEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/u64map.h"

#define NO_VIA SIZE_MAX
/* Sites whose trend is fitted at every update; past that, a share of
 * them each update (model_trend.c, fit_rounds) */
#define HT_FIT_EVERY 16384

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
	size_t hist;                     /* its entry of the model's hist[]
	                                  * (entries are never removed), or
	                                  * NO_HIST: not known yet */
	bool grouped;                    /* site and gkey placed under the
	                                  * current options */
	bool pending;                    /* waits for its symbols (no frames;
	                                  * see ht_model_set_sym_slice) */
	/* the site's frame and via's (model_site_frame_of, _via_frame_of),
	 * kept with site: reading them through frames[] costs a cache miss
	 * per site and update */
	const struct ht_frame *site_frame, *via_frame;
};
#define NO_HIST SIZE_MAX

struct sideinfo {                        /* a profile plus its stack infos */
	struct ht_profile *p;
	struct stack_info *si;
	struct ht_symbolizer *sym;       /* symbolizer used (not owned) */
};

struct hist {
	size_t len;                      /* values in its history ring */
	double pending;                  /* value being summed this update */
	double pending_var;
	uint64_t stamp;                  /* last site that summed it */
	/* its values are row i (hist[i]) of the model's hrows */
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
	/* capacities of all, view and idx, and the grouping's scratch
	 * arrays: kept from one update to the next (a large profile would
	 * otherwise fault in fresh pages every update) */
	size_t capall, capview, capidx;
	size_t *scratch, capscratch;
	struct sort_ent *sorted;         /* the view's sort keys (twice) */
	size_t capsorted;
	uint64_t *order;                 /* the keys of the last sorted view */
	size_t norder, caporder;
	size_t *order_at, caporder_at;   /* and their indexes into all[] */
	/* the stacks' gkeys at the last numbering (number_sites), nnum of
	 * them; num_ok while site_by_key, idx and the sites' keys and stack
	 * lists are that numbering's; renumbered: this build numbered the
	 * sites anew (else order_at still indexes the same sites) */
	uint64_t *num_gkey;
	size_t nnum, capnum;
	bool num_ok, renumbered;
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
	/* the values of hist[i], in row i of hrows (rows of hrow_bytes,
	 * caprows of them): a ring of hv_cap doubles, the last updates'
	 * in-use bytes (the newest at hv_head - 1, shared by every row),
	 * then the trend series, ht_cap floats of bytes and ht_cap of
	 * variances, aligned with tr_t (zero before the stack first
	 * appeared).  hv_cap and ht_cap grow with the history held (at
	 * most HT_HISTORY_LEN and HT_TREND_POINTS): a young history costs
	 * a few bytes a stack, not the 2 KB of a full one */
	unsigned char *hrows;
	size_t hrow_bytes, caprows, hv_cap, ht_cap, hv_head;
	/* the longest history (pushes since the last reset) */
	size_t hist_max;
	/* trend series times (realtime s), oldest first: a point at most
	 * every tr_step seconds (a faster update replaces the newest point);
	 * when full, every other point goes and tr_step doubles, so the
	 * series covers everything since the start or the last reset in
	 * HT_TREND_POINTS points */
	double tr_t[HT_TREND_POINTS];
	float tr_rss[HT_TREND_POINTS];   /* RSS, < 0: unknown */
	/* the sums over hist[] of tr_bytes and tr_var, point by point (in
	 * hist[] order, as ht_model_total_series once summed them on each
	 * call), kept by model_push_history */
	double tr_tot_b[HT_TREND_POINTS], tr_tot_v[HT_TREND_POINTS];
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
	/* the key each site of all[] had when its fit (fit, trend) was
	 * made, for the first nfit_key: with more than HT_FIT_EVERY sites,
	 * an update fits a site whose key moved and a share of the others
	 * (turn fit_turn), the rest keep their fit of a few updates ago */
	uint64_t *fit_key;
	size_t capfit_key, nfit_key, fit_turn;
	double fit_rate;                 /* the rate they were made at */
	struct ht_proc_diag proc;

	/* ht_model_view_history's: the values, their counts, and each
	 * site's row in the view */
	double *vh;
	size_t *vh_len, *vh_pos, capvh, capvh_len, capvh_pos;
	/* a stack's frames while model_stacks.c gathers them */
	const struct ht_frame **fscratch;
	size_t capfscratch;
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

	/* symbolization in slices (the screen): the current snapshot's
	 * stacks to symbolize, biggest first, todo_at the next one */
	double sym_slice_ms;
	double sym_rebuild_ms;           /* the last pass's site rebuild */
	size_t *todo, ntodo, captodo, todo_at;
	/* the same for a baseline set from the current snapshot while its
	 * stacks were pending (ht_model_set_baseline): its pending stacks,
	 * in index order, symbolized after the current snapshot's, except
	 * for one pass after each new snapshot (sym_base_turn: the next
	 * pass is the baseline's) */
	size_t *btodo, nbtodo, capbtodo, btodo_at;
	bool sym_base_turn;

	struct tree callers, topdown;
	char *cause;                     /* of the last error (ht_model_cause) */
	uint64_t generation;
	size_t stamp_base;               /* history de-duplication stamps */
};

/* model.c */
/* Set the model's cause (ht_model_cause) and return err. */
int model_fail(struct ht_model *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Forget the cause (at the start of a public call that may fail). */
void model_clear_cause(struct ht_model *m);
/* Rebuild the sites from the current stacks and the baseline aggregate.
 * 0, or -errno with the model's cause (then there are no sites). */
int model_build_sites(struct ht_model *m);
/* Aggregate the baseline by group key (nothing without one).  0 or
 * -ENOMEM with the cause set. */
int model_build_base(struct ht_model *m);

/* model_sort.c: the order of the sites */
/* Sort m->view[0..nview) by the options' order.  0 or -ENOMEM (then the
 * view keeps the last order). */
int model_sort_view(struct ht_model *m);
/* The order of two rows by the sort value (0 on a tie), and by name. */
int model_cmp_value(const struct ht_model *m,
                    const struct ht_counts *ca, const struct ht_counts *da,
                    bool ha, const struct ht_counts *cb,
                    const struct ht_counts *db, bool hb);
int model_cmp_frames_name(const struct ht_frame *a, const struct ht_frame *b);

/* model_stacks.c: symbolized stacks and their grouping keys */
/* Symbolic identity of a frame: function, file, module (no line). */
uint64_t model_frame_hash(uint64_t h, const struct ht_frame *f);
/* Symbolize every stack of sd->p with sym (NULL: raw addresses), taking
 * over the frames of prev's same stacks when prev is the previous
 * snapshot of the same process.  0 or -ENOMEM (cause set). */
int model_symbolize_side(struct ht_model *m, struct sideinfo *sd,
                         struct ht_symbolizer *sym, struct sideinfo *prev);
/* Free sd's stack infos (not its profile). */
void model_free_side(struct sideinfo *sd);
/* Place every stack's site and compute its group key (the options
 * changed, or the stacks are new). */
void model_regroup_keys(struct ht_model *m, struct sideinfo *sd);
/* The same for the stacks new in this snapshot only. */
void model_group_new_keys(struct ht_model *m, struct sideinfo *sd);
/* A stack's site frame, and the library frame it called (or NULL), once
 * grouped. */
const struct ht_frame *model_site_frame_of(const struct stack_info *s);
const struct ht_frame *model_via_frame_of(const struct stack_info *s);

/* model_trend.c: history, trend series, leak suspects */
/* Append this update's in-use bytes to every stack key's history and
 * the trend series.  0 or -ENOMEM (cause set; history unchanged). */
int model_push_history(struct ht_model *m);
/* Stack i of the current snapshot was pending at this update's push
 * and is symbolized now: move its bytes from the pending key's history
 * to its own key's.  0 or -ENOMEM (cause set). */
int model_late_history(struct ht_model *m, size_t i, uint64_t pending_key);
/* Trend, ages and verdict of every site.  0 or -ENOMEM (cause set). */
int model_diagnose_sites(struct ht_model *m);
/* Heap and RSS trends of the process, and the memory verdict. */
void model_diagnose_process(struct ht_model *m);

/* model_threads.c: per-thread rows */
/* Per-site and profile-wide thread lists of the current sites.  0 or
 * -ENOMEM (cause set; then there is no breakdown). */
int model_build_threads(struct ht_model *m);
void model_drop_threads(struct ht_model *m);

/* model_tree.c: call trees */
void model_drop_trees(struct ht_model *m);

#endif /* HT_CORE_MODEL_PRIV_H */
