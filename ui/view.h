/*
 * Internals shared by the screen's files: the ui state, the data a refresh
 * publishes, and the views (a const ops table each, as tmux's window modes).
 *
 * Threads: the refresh worker (ui/refresh.c) alone touches the model and
 * the session while the screen runs; it publishes immutable struct
 * ht_ui_data snapshots that the ui thread draws from.  Only the ui thread
 * calls curses.  Nothing here may be included outside ui/.
 */
#ifndef HT_UI_VIEW_H
#define HT_UI_VIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/session.h"
#include "core/u64map.h"
#include "ui/keys.h"
#include "ui/ui.h"

#define HT_UI_SPARK 16        /* history points kept per row for trends */
#define HT_UI_MIN_COLS 60
#define HT_UI_MIN_LINES 15
#define HT_UI_MAX_TREE_ROWS 200000
/* The refresh worker symbolizes a cold profile in slices this long,
 * publishing the rows after each (ht_model_set_sym_slice) */
#define HT_UI_SYM_SLICE_MS 75.0
#define HT_UI_MAX_FLAME_NODES 200000

/* The numbers a row shows (a compact copy of struct ht_counts: a refresh
 * of 100,000 sites copies them all). */
struct ht_ui_counts {
	double cur_bytes, cur_objs, cum_bytes, cum_objs;
	double var_cur_bytes, var_cum_bytes;
	double d_cur_bytes, d_cur_objs, d_cum_bytes;  /* valid with has_delta */
	bool has_delta;
};

/* One site as a view draws it, copied out of the model. */
struct ht_ui_row {
	uint64_t key;
	const struct ht_frame *frame;   /* symbolizer-owned: lives as long as
	                                 * the model */
	const struct ht_frame *via;     /* library function folded, NULL */
	struct ht_ui_counts c;
	uint32_t nstacks;
	uint32_t hist_len;
	float hist[HT_UI_SPARK];        /* in-use bytes, oldest first */
	/* is it a leak (model.h: fit, trend, verdict) */
	float growth;                   /* bytes/s, valid unless trend is
	                                 * HT_TREND_UNKNOWN */
	uint8_t trend;                  /* enum ht_trend */
	uint8_t verdict;                /* enum ht_verdict */
	const char *verdict_text;       /* owned by the rowset; NULL: none */
};

/* One visible tree node, in display order. */
struct ht_ui_tree_row {
	uint64_t path;                  /* hash of the frames from the root */
	const struct ht_frame *frame;   /* NULL: the root */
	struct ht_ui_counts c;
	uint32_t depth;
	bool expanded;
	size_t nchildren;
	size_t parent;                  /* row index of the parent, SIZE_MAX */
};

enum ht_tree_kind { HT_TREE_NONE, HT_TREE_CALLERS, HT_TREE_TOPDOWN,
                    HT_TREE_FLAME /* the top-down tree as a graph */ };

/* One thread of a per-thread breakdown (jemalloc dumps with t<N> lines). */
struct ht_ui_thread_row {
	uint64_t thread;                /* thread number as the dump names it */
	char *name;                     /* owned by the data; NULL: unnamed */
	struct ht_ui_counts c;          /* no deltas */
};

/* Which per-thread breakdown the threads view asked for. */
enum ht_threads_kind {
	HT_THREADS_NONE,
	HT_THREADS_SITE,                /* the threads of one site */
	HT_THREADS_ALL,                 /* the whole profile by thread */
};

/* One process of the session's tree (core/family.h), for the P view. */
struct ht_ui_proc_row {
	char *name, *command;           /* owned by the data */
	int pid, ppid;
	unsigned depth;
	enum ht_proc_state state;
	int exit_status;
	uint64_t samples;
	double cur_bytes, cum_bytes;
	bool have_totals;
};

/* What one refresh published.  Immutable once published; freed by the ui
 * thread when replaced. */
struct ht_ui_rowset;
struct ht_flame;   /* ui/flame_layout.h */

struct ht_ui_data {
	uint64_t generation;
	/* the site rows: rows, keys and nrows point into rowset, which
	 * publications that did not change the sites share (refresh.c) */
	struct ht_ui_rowset *rowset;
	struct ht_ui_row *rows;
	uint64_t *keys;                 /* rows[i].key, packed: finding the
	                                 * selected site among 100,000 rows
	                                 * reads 0.8 MB, not 17 MB */
	size_t nrows;
	struct ht_ui_counts totals;
	bool has_baseline;
	uint64_t baseline_time_ns;
	struct ht_model_options opts;   /* filter points into filter_copy */
	char *filter_copy;
	/* the process */
	bool have_profile;
	int pid;
	enum ht_proc_state state;
	int exit_status;
	uint64_t rate, start_time_ns, snapshot_time_ns;
	uint64_t budget_ppm, overhead_ppm;   /* profile.h */
	uint64_t budget_unused_ppm;          /* profile.h */
	uint64_t end_time_ns;           /* EXITED: realtime of the exit */
	uint64_t samples, ring_drops, stacks_full, addrs_full;
	struct ht_alloc_desc alloc;     /* the program's allocator */
	double samples_per_sec;         /* < 0: not known yet */
	uint64_t rss;
	double refresh_ms;              /* how long the last refresh took */
	/* stacks symbolized of those the snapshot needed (sym_total 0:
	 * none pending; ht_model_sym_pending) */
	size_t sym_done, sym_total;
	/* the process: heap and RSS trends, the memory verdict, the events */
	struct ht_proc_diag proc;
	struct ht_proc_facts facts;     /* RSS, the allocator's own view */
	bool have_events;
	struct ht_events_status events;
	/* --follow: where the dump shown comes from */
	bool following;
	struct ht_follow_info follow;
	/* the tree asked for (tree_kind HT_TREE_NONE: none) */
	enum ht_tree_kind tree_kind;
	uint64_t tree_key;
	uint64_t tree_request;          /* the request this answers */
	const struct ht_frame *tree_site_frame;
	struct ht_ui_tree_row *tree;
	size_t ntree;
	bool tree_truncated;
	struct ht_flame *flame;         /* tree_kind HT_TREE_FLAME: owned */
	/* per-thread data: has_threads says whether the profile has any; the
	 * rows answer the threads request (threads_kind HT_THREADS_NONE:
	 * none asked) */
	bool has_threads;
	enum ht_threads_kind threads_kind;
	uint64_t threads_key;
	uint64_t threads_request;       /* the request this answers */
	const struct ht_frame *threads_site_frame;  /* NULL: site gone */
	struct ht_ui_counts threads_total;  /* the site's (or profile's) */
	struct ht_ui_thread_row *threads;
	size_t nthreads;
	/* the session's process tree: the root first (P); which process is
	 * shown (its segment) and whether it is not the session's own */
	struct ht_ui_proc_row *procs;
	size_t nprocs;
	double procs_cur_bytes;         /* the sum of their in use */
	char *shown_segment;
	char *shown_command;            /* the shown process's command */
	bool switched;
};

/* Requests from the ui thread to the worker (under ui->lock). */
struct ht_ui_requests {
	bool refresh;          /* take a snapshot now */
	bool set_options;      /* apply `opts` */
	struct ht_model_options opts;
	char *filter;          /* owned copy for opts.filter */
	bool baseline, clear_baseline;
	bool reset;
	bool dump;
	char *dump_path;       /* owned */
	enum ht_tree_kind tree_kind;
	uint64_t tree_key;
	uint64_t tree_request; /* bumped on every tree change */
	struct ht_u64map toggled;  /* paths whose expansion differs from the
	                            * default (the set moves to the worker) */
	enum ht_threads_kind threads_kind;
	uint64_t threads_key;
	uint64_t threads_request;  /* bumped on every threads change */
	char *switch_to;           /* owned: show this process's segment */
};

struct ht_ui;

/* A list view's cursor (cursor.c): the row under it, the first row shown,
 * and the key of the item it is on, which it follows when new rows come.
 * Until the user moves it (ht_cursor_remember) it stays on its row, or,
 * sticky, follows from the first rows on. */
struct ht_cursor {
	size_t row, scroll;
	uint64_t key;
	bool key_valid;
	bool sticky;
};
/* The key of row i of rows. */
typedef uint64_t (*ht_row_key)(const void *rows, size_t i);
/* Back to the first row, following nothing. */
void ht_cursor_reset(struct ht_cursor *c);
/* Follow the item under the cursor from now on (rows: n of them, may be
 * NULL). */
void ht_cursor_remember(struct ht_cursor *c, const void *rows, size_t n,
                        ht_row_key key_of);
/* New rows: the cursor on the row of its item, else within the rows. */
void ht_cursor_follow(struct ht_cursor *c, const void *rows, size_t n,
                      ht_row_key key_of);

struct ht_view_ops {
	const char *name;
	unsigned scope;                       /* HT_SCOPE_* bit */
	/* Draw the body in lines [y, y + h) of a screen w columns wide. */
	void (*draw)(struct ht_ui *ui, int y, int h, int w);
	/* Handle an action; returns true when handled. */
	bool (*action)(struct ht_ui *ui, enum ht_action a);
	/* New data was published. */
	void (*data)(struct ht_ui *ui);
	/* The view becomes the shown one (NULL: nothing to do). */
	void (*enter)(struct ht_ui *ui);
	/* The view stops being shown (NULL: nothing to do). */
	void (*leave)(struct ht_ui *ui);
	/* A new screen starts: forget the view's state (NULL: none). */
	void (*reset)(struct ht_ui *ui);
};
/* A leave hook: Esc from the next view comes back to this one. */
void ht_ui_come_back_here(struct ht_ui *ui);

extern const struct ht_view_ops ht_view_top;
extern const struct ht_view_ops ht_view_tree;
extern const struct ht_view_ops ht_view_help;
extern const struct ht_view_ops ht_view_output;
extern const struct ht_view_ops ht_view_threads;
extern const struct ht_view_ops ht_view_flame;
extern const struct ht_view_ops ht_view_procs;

enum ht_prompt {
	HT_PROMPT_NONE,
	HT_PROMPT_RESET,       /* y / n */
	HT_PROMPT_QUIT,        /* k / l / c */
	HT_PROMPT_FILTER,      /* line editing */
	HT_PROMPT_SEARCH,      /* the same, for the flame view's search */
};

struct ht_ui {
	struct ht_session *session;
	struct ht_model *model;
	const struct ht_ui_options *opt;
	bool live;             /* launch or attach: refresh periodically */
	bool utf8;

	/* worker shared state, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t worker;
	bool worker_started, stop, paused;
	struct ht_ui_requests req;
	struct ht_ui_data *pending;        /* published, not yet taken */
	struct ht_ui_data *garbage;        /* replaced data the worker frees
	                                    * (large frees off the ui thread) */
	char *worker_msg;                  /* status message from the worker */
	bool worker_msg_error;
	int wake_pipe[2];

	/* ui thread only */
	struct ht_ui_data *data;           /* what is drawn */
	const struct ht_view_ops *view;
	const struct ht_view_ops *back;    /* where Esc returns */
	bool alloc_mode;
	enum ht_sort sort;
	enum ht_sort sort_before_suspects;  /* L again returns to it */
	enum ht_group group;
	bool lib_sites;                    /* library frames name sites */
	char filter[128];
	struct ht_u64map toggled;          /* tree paths the user toggled
	                                    * (keys; a copy goes with each
	                                    * tree request) */
	struct ht_output_text *output;     /* view_output.c's lines */
	uint64_t tree_request;             /* last tree request sent */
	uint64_t threads_request;          /* last threads request sent */
	/* flame view */
	struct ht_flame_view *flame;       /* view_flame.c's state */
	/* status line and prompts */
	char status[512];
	bool status_error;
	double status_time;
	enum ht_prompt prompt;
	char edit[128];
	size_t edit_len;
	unsigned dumps;
	int body_lines;                    /* rows of the last body drawn */
};

/* ui.c: helpers the views use. */
void ht_ui_status(struct ht_ui *ui, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Queue a tree request (kind, key) and push the toggled set. */
void ht_ui_request_tree(struct ht_ui *ui, enum ht_tree_kind kind,
                        uint64_t key);
/* Queue a per-thread breakdown request (kind, site key). */
void ht_ui_request_threads(struct ht_ui *ui, enum ht_threads_kind kind,
                           uint64_t key);
/* Switch views (back = where Esc returns). */
void ht_ui_switch(struct ht_ui *ui, const struct ht_view_ops *v);
/* Send the ui's sort/group/filter to the model (through the worker). */
void ht_ui_request_options(struct ht_ui *ui);
/* Draw text at (y, x) cut to `cols` columns; returns columns used. */
int ht_ui_put(int y, int x, const char *s, int cols);
/* Draw a function name (shortened by ht_fmt_short_name unless `full`), then
 * two blanks and loc (its file:line, or NULL), in the colours of the
 * roles fn_role and loc_role (enum ht_color_role), in `cols`
 * columns: the name is cut with a marker so that loc stays whole.
 * Returns columns used. */
int ht_ui_put_name(int y, int x, const char *function, const char *loc,
                   int cols, bool utf8, bool full, int fn_role,
                   int loc_role);
/* Keep a cursor within n rows (n > 0) and scroll so that it is visible
 * in h lines. */
void ht_ui_clamp(size_t *cursor, size_t *scroll, size_t n, int h);
/* Move a cursor/scroll pair by an action over n rows in h visible lines;
 * returns true when the action was a movement. */
bool ht_ui_move(enum ht_action a, size_t *cursor, size_t *scroll, size_t n,
                int h);
/* Seconds since the epoch, as a double (realtime). */
double ht_ui_now(void);

/* refresh.c: the worker.  Start: 0 or -errno with *cause (caller frees);
 * stop: joins it (after the refresh in progress).  ht_ui_data_free frees a
 * published snapshot and all it owns (NULL is fine). */
int ht_refresh_start(struct ht_ui *ui, char **cause);
void ht_refresh_stop(struct ht_ui *ui);
void ht_ui_data_free(struct ht_ui_data *d);

/* view_top.c: the key of the site under the cursor (follow: the table
 * follows it from now on); false when the table is empty.  Reset: the
 * cursor back on the first row, following nothing. */
bool ht_view_top_selected(struct ht_ui *ui, uint64_t *key, bool follow);
void ht_view_top_reset(struct ht_ui *ui);

/* view_tree.c: open the tree view on a new tree (kind, key) from its
 * root, every node as the default has it. */
void ht_view_tree_open(struct ht_ui *ui, enum ht_tree_kind kind,
                       uint64_t key);

/* view_threads.c: open the threads view for the site under the top
 * view's cursor (the whole profile when the table is empty), or say in the
 * status line that the profile has no per-thread data. */
void ht_view_threads_open(struct ht_ui *ui);

/* view_flame.c: open the flame view (the whole program); apply a search
 * typed in the prompt (empty: none); free the view's state. */
void ht_view_flame_open(struct ht_ui *ui);
void ht_view_flame_search(struct ht_ui *ui, const char *needle);
void ht_view_flame_free(struct ht_ui *ui);

/* view_output.c: free the output view's text. */
void ht_view_output_free(struct ht_ui *ui);

/* header.c: the header lines; returns how many lines it used. */
int ht_header_draw(struct ht_ui *ui, int w);

#endif /* HT_UI_VIEW_H */
