/*
 * Process trees: the segments of this user arranged by process, each
 * under its parent (fork parent, or the image it exec'd from).  Used by
 * --list and by the per-process reports.  Never includes curses.
 */
#ifndef HT_CORE_PROCTREE_H
#define HT_CORE_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/session.h"

struct ht_proc {
	struct ht_segment_info info; /* strings owned by the tree */
	int parent;      /* index of the parent process, -1 for a root */
	unsigned depth;  /* 0 for a root */
	bool quiet;      /* ended, sampled nothing through the hooks */
	bool hideable;   /* it and all its descendants are quiet */
};

struct ht_proctree {
	struct ht_proc *procs;
	size_t n, cap;
	size_t *order;   /* display order: each root then its subtree,
	                  * depth first, siblings by start time then pid */
};

/* Read every segment of this user into t (zeroed first) and link it.
 * 0, or -errno with *cause; t is empty on failure. */
int ht_proctree_read(struct ht_proctree *t, char **cause);

/* Add one process (copies its strings).  0 or -ENOMEM. */
int ht_proctree_add(struct ht_proctree *t, const struct ht_segment_info *i);

/*
 * Link the added processes: the parent of a process is the segment whose
 * next_name is its name (the image it exec'd from), else the segment named
 * by its parent_name, else the latest image of its ppid; a link that
 * would close a loop (inconsistent headers) is dropped.  Sets depth, quiet,
 * hideable and order.  0 or -ENOMEM.
 */
int ht_proctree_link(struct ht_proctree *t);

/* The index of the process whose segment is `name`, or -1. */
int ht_proctree_find(const struct ht_proctree *t, const char *name);

void ht_proctree_free(struct ht_proctree *t);

#endif /* HT_CORE_PROCTREE_H */
