/*
 * The model: what every view shows, computed without curses.  It takes
 * successive profiles (snapshots), symbolizes their stacks, groups them
 * into sites (by full stack, function, or source line), keeps a short
 * history per site for trends, an optional baseline for diffs, and builds
 * call trees (callers of one site, or the whole program top-down).
 *
 * A site's "frame" is the program's own code: past the innermost run of
 * allocator frames (ht_allocator_run) and past the standard library's
 * frames (ht_frame.library; unless lib_sites), the library frame nearest
 * it being the site's "via".  A stack of library frames only keeps its
 * innermost one.  Allocator and library frames stay in the stacks and in
 * the top-down tree.
 *
 * Ownership: the model owns the profiles it is given and everything it
 * returns; returned pointers are valid until the next ht_model_update,
 * ht_model_set_* or ht_model_free.
 */
#ifndef HT_CORE_MODEL_H
#define HT_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ages.h"
#include "core/profile.h"
#include "core/symbolize.h"
#include "core/trend.h"

#define HT_HISTORY_LEN 120  /* updates of per-site history kept */
/* The trend series: at most HT_TREND_POINTS points, one per
 * HT_TREND_STEP_S seconds at first; when full, every other point goes
 * and the step doubles (128 points: 2 min at 1 s, 10 min at 8 s). */
#define HT_TREND_POINTS 128
#define HT_TREND_STEP_S 1.0

enum ht_group {
	HT_GROUP_STACK,     /* one site per distinct full stack */
	HT_GROUP_FUNCTION,  /* by the site frame's function (no line) */
	HT_GROUP_LINE,      /* by the site frame's function + file:line */
};

enum ht_sort {
	HT_SORT_INUSE_BYTES,
	HT_SORT_INUSE_OBJS,
	HT_SORT_ALLOC_BYTES,
	HT_SORT_ALLOC_OBJS,
	HT_SORT_GROWTH,     /* in-use bytes now minus baseline (needs one) */
	HT_SORT_NAME,       /* function name, ascending */
	HT_SORT_SUSPECT,    /* leak suspects first (verdict.score) */
};

struct ht_site {
	uint64_t key;                 /* stable across updates: hash of the
	                               * grouping identity; selection follows it.
	                               * Symbolic (function, file, module, line;
	                               * no address): the same across sessions
	                               * and dumps of one binary (the JSON id) */
	const struct ht_frame *frame; /* the site frame (symbolizer- or
	                               * model-owned, valid for the model's
	                               * life); line 0 when grouped by function:
	                               * the site merges the function's lines */
	const struct ht_frame *via;   /* the library function the site called
	                               * (of its first stack), NULL: none */
	struct ht_counts counts;
	struct ht_counts delta;       /* counts - baseline counts (baseline set) */
	bool has_delta;
	/* (its in-use bytes over the last updates: ht_model_site_history) */
	/* stacks grouped into this site (indexes into the current profile) */
	const size_t *stack_idx;
	size_t nstacks;
	/* is it a leak: the fit of the trend series, its trend, the ages of
	 * its live sampled objects (has_ages: an ages source answered), and
	 * the verdict drawn from them */
	struct ht_fit fit;
	enum ht_trend trend;
	bool has_ages;
	struct ht_ages_summary ages;
	struct ht_site_verdict verdict;
};

/* Where ages come from (a live session following the runtime's events):
 * summarise the live sampled objects of the runtime stacks `ids`
 * (ht_stack.id).  0, or an error: the site then has no ages. */
typedef int (*ht_ages_source)(void *arg, const uint32_t *ids, size_t n,
                              struct ht_ages_summary *out);

/* Relative standard error of an estimate, sqrt(var) / value (0 when the
 * value is 0).  The ui marks rows with ± above HT_UNCERTAIN_REL. */
double ht_rel_stderr(double value, double var);
#define HT_UNCERTAIN_REL 0.20

struct ht_model_options {
	enum ht_group group;
	enum ht_sort sort;
	const char *filter;   /* substring of function or file, NULL = all */
	bool descending;      /* default true for numbers */
	bool lib_sites;       /* library frames name sites (no folding) */
};

struct ht_model;

/* A model owning `sym` (may be NULL: then it symbolizes nothing and shows
 * addresses).  Returns NULL on allocation failure. */
struct ht_model *ht_model_new(struct ht_symbolizer *sym);
void ht_model_free(struct ht_model *m);
/* The model's symbolizer (owned by the model; NULL without symbols). */
struct ht_symbolizer *ht_model_symbolizer(struct ht_model *m);

/* The cause of the model's last error (a message for the user; model-
 * owned, valid until the next update or ht_model_set_*), or NULL. */
const char *ht_model_cause(const struct ht_model *m);

/* Take ownership of a new snapshot and recompute sites and history.
 * Returns 0 or -errno (ht_model_cause says why).  Whatever fails, the
 * sites stay consistent: none, or every one of them complete. */
int ht_model_update(struct ht_model *m, struct ht_profile *p);

/* Symbolize in slices (the screen; 0, the default: everything at each
 * update).  With a slice, an update symbolizes the stacks of the new
 * snapshot (those not taken over from the last) biggest in-use bytes
 * first for about `ms` milliseconds; the rest are pending: they have no
 * frames and all group into one site "[symbolizing]" (never merged with
 * a resolved stack's), until ht_model_sym_resume symbolizes them slice
 * by slice (a slice at least five times the last rebuild of the
 * sites).  Once none is pending, the sites are those of an update
 * without a slice. */
void ht_model_set_sym_slice(struct ht_model *m, double ms);
/* True while stacks of the current snapshot are pending; *done of
 * *total (either may be NULL) have been symbolized. */
bool ht_model_sym_pending(const struct ht_model *m, size_t *done,
                          size_t *total);
/* Symbolize the next slice of pending stacks and rebuild the sites.
 * 0 (also when none is pending) or -errno with ht_model_cause. */
int ht_model_sym_resume(struct ht_model *m);

/* The current profile (NULL before the first update). */
const struct ht_profile *ht_model_profile(const struct ht_model *m);

/* Change grouping, sort, or filter; recomputes sites. */
int ht_model_set_options(struct ht_model *m, const struct ht_model_options *o);
const struct ht_model_options *ht_model_options(const struct ht_model *m);

/* Sites in the current order.  *n gets the count. */
struct ht_site *const *ht_model_sites(struct ht_model *m, size_t *n);
/* The site with this key, or NULL. */
const struct ht_site *ht_model_site(struct ht_model *m, uint64_t key);

/* Totals of the current profile, and their deltas when a baseline is set. */
const struct ht_counts *ht_model_totals(const struct ht_model *m);
const struct ht_counts *ht_model_totals_delta(const struct ht_model *m);

/* Per-thread breakdown, for profiles that carry one (jemalloc dumps with
 * "t<N>:" lines; ht_stack.threads).  Threads are summed over the site's
 * stacks (or over all stacks for the profile-wide list), one entry per
 * thread number, sorted like the sites (HT_SORT_NAME and HT_SORT_GROWTH:
 * by thread number / in-use bytes), ties by thread number.  No deltas: a
 * baseline does not change these.  NULL with *n = 0 when the site is
 * unknown or the profile has no per-thread data.  Model-owned, valid until
 * the next ht_model_update, ht_model_set_* or ht_model_free. */
const struct ht_thread_counts *ht_model_site_threads(struct ht_model *m,
                                                     uint64_t key, size_t *n);
const struct ht_thread_counts *ht_model_threads(struct ht_model *m,
                                                size_t *n);
/* True when the current profile has per-thread counts. */
bool ht_model_has_threads(const struct ht_model *m);
/* The name the dump gave thread `thread` (jemalloc's thread.prof.name),
 * or NULL.  Profile-owned, valid as long as the current profile. */
const char *ht_model_thread_name(const struct ht_model *m, uint64_t thread);

/* Baseline: the current snapshot becomes the baseline (live mode), or a
 * given profile (the model takes ownership; --base OLD, stacks matched by
 * symbolized frames, not addresses; -errno with ht_model_cause when its
 * symbolizer cannot be made, never a silent diff of raw addresses; the
 * profile is freed on error).  Clear drops it. */
int ht_model_set_baseline(struct ht_model *m);
int ht_model_set_baseline_profile(struct ht_model *m, struct ht_profile *base);
void ht_model_clear_baseline(struct ht_model *m);
bool ht_model_has_baseline(const struct ht_model *m);
uint64_t ht_model_baseline_time_ns(const struct ht_model *m); /* realtime */

/* A site's in-use bytes over the last updates (at most HT_HISTORY_LEN
 * since the start or the last ht_model_clear_history), its newest `max`
 * values, oldest first, into out[]: summed from its stacks' on demand
 * (a screen reads the newest few of the rows it shows; summing every
 * site's whole history at each update was most of an update's memory
 * traffic).  Returns the number of values. */
size_t ht_model_site_history(struct ht_model *m, const struct ht_site *site,
                             double *out, size_t max);
/* The same for every site of the view (ht_model_sites), at once and
 * faster than site by site: site i's values at [i * max], (*len)[i] of
 * them (max at most HT_HISTORY_LEN).  Model-owned, valid until the next
 * ht_model_update, ht_model_set_* or ht_model_free; NULL when out of
 * memory. */
const double *ht_model_view_history(struct ht_model *m, size_t max,
                                   const size_t **len);
/* The in-use series of a site for trends since the start (or the last
 * ht_model_clear_history), oldest first: times (realtime s), estimated
 * bytes and their sampling variance, into arrays of HT_TREND_POINTS.
 * Returns the number of points. */
size_t ht_model_site_series(struct ht_model *m, const struct ht_site *site,
                            double *t, double *bytes, double *var);
/* The same for the whole profile. */
size_t ht_model_total_series(const struct ht_model *m, double *t,
                             double *bytes, double *var);

/* Ask fn for the ages of every site's objects at each update (NULL:
 * none).  Recomputes the sites. */
int ht_model_set_ages_source(struct ht_model *m, ht_ages_source fn,
                             void *arg);

/* The process as a whole: the heap estimate's trend, RSS's trend, and
 * the memory verdict (ht_mem_verdict) from the profile's process facts
 * (ht_profile.proc). */
struct ht_proc_diag {
	struct ht_fit heap_fit, rss_fit;
	enum ht_trend heap_trend, rss_trend;
	bool have_rss;
	enum ht_mem_verdict verdict;
	char text[192];
};
const struct ht_proc_diag *ht_model_proc_diag(const struct ht_model *m);

/* Drop the per-site history (after a reset). */
void ht_model_clear_history(struct ht_model *m);

/* Call trees.  A node is one symbolized frame (inlined frames are nodes of
 * their own, marked inlined). */
struct ht_tree_node {
	const struct ht_frame *frame;   /* NULL for the root */
	struct ht_counts counts;        /* inclusive */
	struct ht_counts delta;         /* inclusive, when has_delta */
	bool has_delta;
	struct ht_tree_node **children; /* sorted by the model's sort */
	size_t nchildren;
	struct ht_tree_node *parent;
	uint32_t depth;                 /* root = 0 */
};

/* Callers of a site: the root's children are the site frame's callers,
 * then their callers, out to main / thread start.  Returns NULL when the
 * key is unknown.  Owned by the model. */
struct ht_tree_node *ht_model_callers(struct ht_model *m, uint64_t site_key);

/* The whole program top-down: root -> main/thread start -> ... -> site. */
struct ht_tree_node *ht_model_topdown(struct ht_model *m);

/* Symbolized frames of stack `i` of the current profile, outermost last,
 * inlines expanded.  *n gets the count; the array is model-owned. */
const struct ht_frame *const *ht_model_stack_frames(struct ht_model *m,
                                                    size_t i, size_t *n);

/* Index, in ht_model_stack_frames(m, i), of stack i's site frame. */
size_t ht_model_stack_site_index(struct ht_model *m, size_t i);
/* Index of stack i's innermost frame past the allocator's (the site, or
 * the library frames folded into it start there). */
size_t ht_model_stack_leaf_index(struct ht_model *m, size_t i);

/* Extra library patterns (prefixes, '*' globs; ht_is_library_frame),
 * copied; sites recomputed.  0 or -errno. */
int ht_model_set_fold(struct ht_model *m, const char *const *pats, size_t n);

/* Symbolizer options (sysroot, debug dir) used for a baseline profile
 * loaded from a file (ht_model_set_baseline_profile).  The strings must
 * outlive the model. */
void ht_model_set_symbol_options(struct ht_model *m,
                                 const struct ht_sym_options *o);

#endif /* HT_CORE_MODEL_H */
