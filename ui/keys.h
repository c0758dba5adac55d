/*
 * The key table: each action with its keys, the views it applies to, the
 * help text beside the binding, and the short label the footer shows.  The
 * help view and the footer are generated from this table, so they cannot
 * drift from what the keys do.
 */
#ifndef HT_UI_KEYS_H
#define HT_UI_KEYS_H

#include <stddef.h>

enum ht_action {
	HT_ACT_NONE,
	HT_ACT_UP, HT_ACT_DOWN, HT_ACT_PGUP, HT_ACT_PGDN, HT_ACT_HOME,
	HT_ACT_END,
	HT_ACT_ENTER,          /* top: callers of the site; tree: toggle */
	HT_ACT_EXPAND,         /* tree: expand (→, +) */
	HT_ACT_COLLAPSE,       /* tree: collapse (←, -) */
	HT_ACT_MODE_INUSE, HT_ACT_MODE_ALLOC, HT_ACT_MODE_TOGGLE,
	HT_ACT_RESET, HT_ACT_DUMP, HT_ACT_BASELINE, HT_ACT_BASELINE_CLEAR,
	HT_ACT_TOPDOWN, HT_ACT_GROUP, HT_ACT_SORT_NEXT, HT_ACT_SORT_LEFT,
	HT_ACT_SORT_RIGHT, HT_ACT_FILTER, HT_ACT_PAUSE, HT_ACT_OUTPUT,
	HT_ACT_HELP, HT_ACT_BACK, HT_ACT_QUIT, HT_ACT_REDRAW,
	HT_ACT_THREADS,        /* per-thread breakdown (jemalloc dumps) */
	HT_ACT_LIB_SITES,      /* library frames as sites / folded */
	HT_ACT_SUSPECTS,       /* leak suspects first, with verdicts */
	HT_ACT_FLAME,          /* the flame view (again: back) */
	HT_ACT_ZOOM_OUT,       /* flame: zoom out one step */
	HT_ACT_PROCS,          /* the processes of the tree (view_procs.c) */
};

/* Views a binding applies in (a mask). */
#define HT_SCOPE_TOP    0x1u
#define HT_SCOPE_TREE   0x2u
#define HT_SCOPE_HELP   0x4u
#define HT_SCOPE_OUTPUT 0x8u
#define HT_SCOPE_THREADS 0x10u
#define HT_SCOPE_FLAME  0x20u   /* its own Backspace: not in SUB */
#define HT_SCOPE_PROCS  0x40u
#define HT_SCOPE_SUB    (HT_SCOPE_TREE | HT_SCOPE_HELP | HT_SCOPE_OUTPUT | \
                         HT_SCOPE_THREADS | HT_SCOPE_PROCS)
#define HT_SCOPE_ALL    (HT_SCOPE_TOP | HT_SCOPE_SUB | HT_SCOPE_FLAME)

struct ht_key_binding {
	enum ht_action action;
	unsigned scope;        /* HT_SCOPE_* mask */
	int keys[4];           /* curses key codes, 0-terminated */
	const char *names;     /* how help shows the keys: "↑ k" */
	const char *ascii;     /* the same without Unicode arrows */
	const char *help;      /* one line of help */
	const char *footer;    /* short footer label, NULL = not in footer */
};

/* The table, and its length. */
const struct ht_key_binding *ht_keys_table(size_t *n);

/* The action a key triggers in a view with this scope bit (HT_ACT_NONE
 * when unbound there). */
enum ht_action ht_keys_lookup(int key, unsigned scope);

#endif /* HT_UI_KEYS_H */
