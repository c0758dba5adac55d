/*
 * The flame view's data and geometry (see flame_layout.h): the graph
 * copied from the model's top-down tree, the icicle's cells for a zoom and
 * a width, search marks and steps between cells.  No curses, no ui state.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/hash.h"
#include "ui/flame_layout.h"

/* ---- the graph -------------------------------------------------------- */

uint64_t ht_frame_path(uint64_t parent, const struct ht_frame *f,
                       bool by_line)
{
	uint64_t h = ht_fnv(HT_FNV_INIT, &parent, sizeof parent);
	bool inl = f != NULL && f->inlined;

	if (f == NULL)
		return ht_fnv_str(h, "<root>");
	h = ht_fnv_str(h, f->function);
	h = ht_fnv_str(h, f->file);
	h = by_line ? ht_fnv(h, &f->line, sizeof f->line)
	            : ht_fnv_str(h, f->module);
	return ht_fnv(h, &inl, 1);
}

static void copy_node(struct ht_flame_node *n, const struct ht_tree_node *t,
                      uint32_t parent, uint64_t parent_path)
{
	memset(n, 0, sizeof *n);
	n->frame = t->frame;
	n->path = ht_frame_path(parent_path, t->frame, false);
	n->cur = t->counts.cur_bytes;
	n->cum = t->counts.cum_bytes;
	if (t->has_delta) {
		n->d_cur = t->delta.cur_bytes;
		n->d_cum = t->delta.cum_bytes;
	}
	n->parent = parent;
	n->depth = t->depth;
}

/* Room for `need` nodes (and their tree nodes) and `levels` levels. */
static int reserve(struct ht_flame *f, const struct ht_tree_node ***src,
                   size_t *cap, size_t need, uint32_t levels)
{
	uint32_t *lv = realloc(f->level, ((size_t)levels + 2) * sizeof *lv);

	if (lv == NULL)
		return -ENOMEM;
	f->level = lv;
	if (need > *cap) {
		size_t c = *cap ? *cap : 256;
		struct ht_flame_node *nodes;
		const struct ht_tree_node **s;

		while (c < need)
			c *= 2;
		nodes = realloc(f->nodes, c * sizeof *nodes);
		if (nodes == NULL)
			return -ENOMEM;
		f->nodes = nodes;
		s = realloc(*src, c * sizeof *s);
		if (s == NULL)
			return -ENOMEM;
		*src = s;
		*cap = c;
	}
	return 0;
}

/* Append the level below the last one; 1 when there was none (or it would
 * pass max_nodes: truncated), 0 when added, -ENOMEM. */
static int add_level(struct ht_flame *f, const struct ht_tree_node ***src,
                     size_t *cap, size_t max_nodes)
{
	uint32_t start = f->level[f->nlevels - 1], end = f->level[f->nlevels];
	size_t next = 0, k = end;

	for (uint32_t i = start; i < end; i++)
		next += (*src)[i]->nchildren;
	if (next == 0)
		return 1;
	if (end + next > max_nodes) {
		f->truncated = true;
		return 1;
	}
	if (reserve(f, src, cap, end + next, f->nlevels + 1) != 0)
		return -ENOMEM;
	for (uint32_t i = start; i < end; i++) {
		const struct ht_tree_node *t = (*src)[i];

		f->nodes[i].child = (uint32_t)k;
		f->nodes[i].nchild = (uint32_t)t->nchildren;
		for (size_t c = 0; c < t->nchildren; c++, k++) {
			copy_node(&f->nodes[k], t->children[c], i,
			          f->nodes[i].path);
			f->nodes[k].depth = f->nlevels;
			(*src)[k] = t->children[c];
		}
	}
	f->n = (uint32_t)k;
	f->nlevels++;
	f->level[f->nlevels] = (uint32_t)k;
	return 0;
}

struct ht_flame *ht_flame_build(const struct ht_tree_node *root,
                                size_t max_nodes)
{
	struct ht_flame *f = calloc(1, sizeof *f);
	const struct ht_tree_node **src = NULL;
	size_t cap = 0;
	int rc;

	if (f == NULL)
		return NULL;
	if (max_nodes < 1)
		max_nodes = 1;
	if (max_nodes >= HT_FLAME_NONE)
		max_nodes = HT_FLAME_NONE - 1;
	if (reserve(f, &src, &cap, 1, 1) != 0)
		goto fail;
	copy_node(&f->nodes[0], root, HT_FLAME_NONE, 0);
	f->nodes[0].depth = 0;
	src[0] = root;
	f->has_delta = root->has_delta;
	f->n = 1;
	f->nlevels = 1;
	f->level[0] = 0;
	f->level[1] = 1;
	while ((rc = add_level(f, &src, &cap, max_nodes)) == 0)
		;
	if (rc < 0)
		goto fail;
	free(src);
	return f;
fail:
	free(src);
	ht_flame_free(f);
	return NULL;
}

void ht_flame_free(struct ht_flame *f)
{
	if (f == NULL)
		return;
	free(f->nodes);
	free(f->level);
	free(f);
}

double ht_flame_value(const struct ht_flame_node *n, enum ht_flame_value v)
{
	double x = v == HT_FLAME_ALLOC ? n->cum : n->cur;

	return x > 0 ? x : 0;
}

uint32_t ht_flame_find(const struct ht_flame *f, uint64_t path)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (f->nodes[i].path == path)
			return i;
	return HT_FLAME_NONE;
}

bool ht_flame_under(const struct ht_flame *f, uint32_t a, uint32_t b)
{
	while (a != HT_FLAME_NONE && a < f->n) {
		if (a == b)
			return true;
		a = f->nodes[a].parent;
	}
	return false;
}

/* ---- the icicle's cells ----------------------------------------------- */

static int push_cell(struct ht_flame_layout *l, uint32_t node, int x, int w)
{
	if (ht_grow(&l->cells, &l->cap, l->n + 1, sizeof *l->cells) < 0)
		return -ENOMEM;
	l->cells[l->n++] = (struct ht_flame_cell){ node, x, w };
	return 0;
}

static int column(double at, double scale)
{
	return (int)floor(at * scale + 0.5);
}

/* The cells of the row below row r: each parent cell's children, with
 * their value edges in lo (the parents' in plo); returns 0 or -ENOMEM. */
static int lay_row(const struct ht_flame *f, struct ht_flame_layout *l,
                   int r, enum ht_flame_value v, double scale,
                   double **plo, size_t *lo_cap)
{
	size_t first = l->row[r], last = l->row[r + 1];

	for (size_t c = first; c < last; c++) {
		const struct ht_flame_node *p = &f->nodes[l->cells[c].node];
		double edge = (*plo)[c];
		double end = edge + ht_flame_value(p, v);

		for (uint32_t k = 0; k < p->nchild; k++) {
			uint32_t ci = p->child + k;
			double hi = edge + ht_flame_value(&f->nodes[ci], v);
			int x0 = column(edge, scale);
			int x1 = column(hi < end ? hi : end, scale);

			if (x1 > x0) {
				if (push_cell(l, ci, x0, x1 - x0) != 0)
					return -ENOMEM;
				if (l->n > *lo_cap) {
					double *lo = realloc(*plo, l->cap *
					                     sizeof *lo);

					if (lo == NULL)
						return -ENOMEM;
					*plo = lo;
					*lo_cap = l->cap;
				}
				(*plo)[l->n - 1] = edge;
			}
			edge = hi;
		}
	}
	return 0;
}

int ht_flame_layout(const struct ht_flame *f, uint32_t zoom,
                    enum ht_flame_value v, int width, int rows,
                    struct ht_flame_layout *out)
{
	double total, scale, *lo = NULL;
	size_t lo_cap = 0;
	size_t *row;
	int r;

	out->n = 0;
	out->nrows = 0;
	out->zoom = zoom;
	out->width = width;
	if (rows < 1 || width < 1 || zoom >= f->n)
		return 0;
	row = realloc(out->row, ((size_t)rows + 1) * sizeof *row);
	if (row == NULL)
		return -ENOMEM;
	out->row = row;
	total = ht_flame_value(&f->nodes[zoom], v);
	scale = total > 0 ? width / total : 0;
	if (push_cell(out, zoom, 0, width) != 0)
		return -ENOMEM;
	lo = malloc(out->cap * sizeof *lo);
	if (lo == NULL)
		return -ENOMEM;
	lo_cap = out->cap;
	lo[0] = 0;
	out->row[0] = 0;
	out->row[1] = 1;
	out->nrows = 1;
	for (r = 0; r + 1 < rows && scale > 0; r++) {
		if (lay_row(f, out, r, v, scale, &lo, &lo_cap) != 0) {
			free(lo);
			return -ENOMEM;
		}
		if (out->n == out->row[r + 1])
			break;
		out->row[r + 2] = out->n;
		out->nrows++;
	}
	free(lo);
	return 0;
}

void ht_flame_layout_free(struct ht_flame_layout *l)
{
	free(l->cells);
	free(l->row);
	memset(l, 0, sizeof *l);
}

size_t ht_flame_cell_of(const struct ht_flame_layout *l, uint32_t node)
{
	for (size_t c = 0; c < l->n; c++)
		if (l->cells[c].node == node)
			return c;
	return SIZE_MAX;
}

static int row_of(const struct ht_flame_layout *l, size_t c)
{
	int r = 0;

	while (r < l->nrows && l->row[r + 1] <= c)
		r++;
	return r;
}

uint32_t ht_flame_step(const struct ht_flame *f,
                       const struct ht_flame_layout *l, uint32_t node,
                       enum ht_flame_step s)
{
	size_t c = ht_flame_cell_of(l, node);
	int r;

	if (c == SIZE_MAX)
		return HT_FLAME_NONE;
	r = row_of(l, c);
	switch (s) {
	case HT_FLAME_LEFT:
		return c > l->row[r] ? l->cells[c - 1].node : HT_FLAME_NONE;
	case HT_FLAME_RIGHT:
		return c + 1 < l->row[r + 1] ? l->cells[c + 1].node
		                             : HT_FLAME_NONE;
	case HT_FLAME_UP:
		return node == l->zoom ? HT_FLAME_NONE : f->nodes[node].parent;
	case HT_FLAME_DOWN:
		if (r + 1 >= l->nrows)
			return HT_FLAME_NONE;
		for (size_t k = l->row[r + 1]; k < l->row[r + 2]; k++)
			if (f->nodes[l->cells[k].node].parent == node)
				return l->cells[k].node;
		return HT_FLAME_NONE;
	}
	return HT_FLAME_NONE;
}

/* ---- search ----------------------------------------------------------- */

double ht_flame_search(const struct ht_flame *f, const char *needle,
                       enum ht_flame_value v, uint8_t *marks)
{
	bool any = needle != NULL && needle[0] != '\0';
	double matched = 0;

	/* breadth first: a parent's marks are known before its children's */
	for (uint32_t i = 0; i < f->n; i++) {
		const struct ht_flame_node *n = &f->nodes[i];
		const char *fn = n->frame != NULL ? n->frame->function : NULL;
		bool hit = any && fn != NULL && strstr(fn, needle) != NULL;
		bool under = n->parent != HT_FLAME_NONE &&
		             marks[n->parent] != 0;

		marks[i] = (uint8_t)((hit ? 1 : 0) | (under ? 2 : 0));
		if (hit && !under)
			matched += ht_flame_value(n, v);
	}
	return matched;
}
