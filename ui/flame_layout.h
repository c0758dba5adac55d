/*
 * The flame view's data and geometry, without curses: the whole program's
 * top-down tree copied into a flat, immutable graph (level by level), the
 * cells of an icicle drawn from it for a zoom and a width, the frames a
 * search matches, and moving between cells.  Pure functions over caller
 * data, so the unit tests check them without a terminal.
 */
#ifndef HT_UI_FLAME_LAYOUT_H
#define HT_UI_FLAME_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#define HT_FLAME_NONE UINT32_MAX

/* One frame of the graph. */
/*
 * A node's path: a hash of its parent's path and its frame's identity
 * (NULL: the root).  by_line: the frame's line tells siblings apart (the
 * call tree: one row per calling line); otherwise its module (the flame
 * graph merges a function's lines into one frame).  Pure.
 */
uint64_t ht_frame_path(uint64_t parent, const struct ht_frame *f,
                       bool by_line);

struct ht_flame_node {
	uint64_t path;                  /* hash of the frames from the root:
	                                 * the frame's identity across
	                                 * refreshes */
	const struct ht_frame *frame;   /* NULL: the root (all allocations);
	                                 * symbolizer-owned */
	double cur, cum;                /* inclusive in-use / allocated bytes */
	double d_cur, d_cum;            /* their change since the baseline
	                                 * (with has_delta) */
	uint32_t parent;                /* node index, HT_FLAME_NONE: root */
	uint32_t child, nchild;         /* children: nodes[child, +nchild) */
	uint32_t depth;                 /* root = 0 */
};

/* The graph: nodes level by level (breadth first), each node's children
 * next to each other in the tree's order; nodes[0] is the root. */
struct ht_flame {
	struct ht_flame_node *nodes;
	uint32_t n;
	uint32_t *level;                /* level d: nodes[level[d],
	                                 * level[d + 1]); nlevels + 1 entries */
	uint32_t nlevels;
	bool has_delta;
	bool truncated;                 /* deeper frames left out: more than
	                                 * max_nodes */
};

/* Copy a tree (ht_model_topdown) into a new graph of at most max_nodes
 * frames (the deepest levels go first).  NULL on ENOMEM. */
struct ht_flame *ht_flame_build(const struct ht_tree_node *root,
                                size_t max_nodes);
void ht_flame_free(struct ht_flame *f);

/* The value that gives a frame its width. */
enum ht_flame_value { HT_FLAME_INUSE, HT_FLAME_ALLOC };
/* That value, never negative. */
double ht_flame_value(const struct ht_flame_node *n, enum ht_flame_value v);

/* The node with this path, or HT_FLAME_NONE. */
uint32_t ht_flame_find(const struct ht_flame *f, uint64_t path);
/* Is node a (or is it) under node b? */
bool ht_flame_under(const struct ht_flame *f, uint32_t a, uint32_t b);

/* One cell of the icicle: columns [x, x + w) of its row. */
struct ht_flame_cell {
	uint32_t node;
	int x, w;
};

/* The cells, row by row: row r is cells[row[r], row[r + 1]), left to
 * right; row 0 holds the zoomed frame alone, full width. */
struct ht_flame_layout {
	struct ht_flame_cell *cells;
	size_t n, cap;
	size_t *row;                    /* nrows + 1 entries */
	int nrows;
	uint32_t zoom;
	int width;
};

/*
 * Lay out the frames under `zoom` in `width` columns and at most `rows`
 * rows.  A frame spans the columns between its left and right edges, each
 * rounded to the nearest column, where the edges are the running sums of
 * the values of its elder siblings from the left of its parent (so
 * siblings abut and children stay inside their parent); one that rounds to
 * no column is left out with everything under it.  Reuses *out's memory.
 * 0 or -ENOMEM.
 */
int ht_flame_layout(const struct ht_flame *f, uint32_t zoom,
                    enum ht_flame_value v, int width, int rows,
                    struct ht_flame_layout *out);
void ht_flame_layout_free(struct ht_flame_layout *l);

/* The cell showing node, or SIZE_MAX. */
size_t ht_flame_cell_of(const struct ht_flame_layout *l, uint32_t node);

/* Moving the selection between cells. */
enum ht_flame_step {
	HT_FLAME_LEFT,                  /* the cell to the left on the row */
	HT_FLAME_RIGHT,
	HT_FLAME_UP,                    /* the parent */
	HT_FLAME_DOWN,                  /* the leftmost child with a cell */
};
/* The node a step from `node` (which has a cell) lands on, or
 * HT_FLAME_NONE when there is none on the layout. */
uint32_t ht_flame_step(const struct ht_flame *f,
                       const struct ht_flame_layout *l, uint32_t node,
                       enum ht_flame_step s);

/*
 * Mark the frames whose function name contains needle (marks[i] bit 1; bit
 * 2: a frame above it matches), and return the value they hold together: a
 * frame under a match is already counted in it.  An empty needle marks
 * nothing.  marks has f->n entries.
 */
double ht_flame_search(const struct ht_flame *f, const char *needle,
                       enum ht_flame_value v, uint8_t *marks);

#endif /* HT_UI_FLAME_LAYOUT_H */
