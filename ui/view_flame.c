/*
 * The flame view (f): the whole program top-down as an icicle graph, the
 * root on top and each frame's callees under it, a frame as wide as its
 * share of the mode's bytes (in use, or allocated); with a baseline, frames
 * whose in-use grew since it are red and those that shrank green.  Arrows
 * move between frames, Enter zooms into one, Backspace zooms out, / marks
 * the frames matching a substring with the share they hold.  A line under
 * the graph describes the selected frame.  Draws only from the graph the
 * refresh worker published (ui/flame_layout.h); never touches the model.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/colors.h"
#include "ui/flame_layout.h"
#include "ui/format.h"
#include "ui/view.h"

#define ZOOM_MAX 256

/* The view's state: frames by path (stable across refreshes), the cells
 * of the last layout, the search and its marks. */
struct ht_flame_view {
	uint64_t sel;                   /* path of the selected frame */
	bool sel_valid;
	uint64_t zoom[ZOOM_MAX];        /* the zooms, outermost first */
	size_t nzoom;
	int width, rows;                /* of the graph last drawn */
	struct ht_flame_layout layout;
	char search[128];
	uint8_t *marks;                 /* ht_flame_search's, for `marked` */
	size_t marks_cap;
	const struct ht_flame *marked;  /* the graph marks are for */
	double matched[2];              /* by enum ht_flame_value */
	size_t nmatched;
};

/* What one draw or key works on: the graph, the zoom, the selection. */
struct ctx {
	const struct ht_flame *f;
	struct ht_flame_view *st;
	enum ht_flame_value v;
	uint32_t zoom, sel;
};

static struct ht_flame_view *state(struct ht_ui *ui)
{
	if (ui->flame == NULL)
		ui->flame = calloc(1, sizeof *ui->flame);
	return ui->flame;
}

/* The graph when it answers the request last sent, else NULL. */
static const struct ht_flame *current(const struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;

	if (d == NULL || d->tree_kind != HT_TREE_FLAME ||
	    d->tree_request != ui->tree_request)
		return NULL;
	return d->flame;
}

static enum ht_flame_value mode_value(const struct ht_ui *ui)
{
	return ui->alloc_mode ? HT_FLAME_ALLOC : HT_FLAME_INUSE;
}

static const char *frame_name(const struct ht_flame_node *n)
{
	if (n->frame == NULL)
		return "all";
	return n->frame->function ? n->frame->function : "?";
}

/* The zoom: the innermost remembered zoom still in the graph (the ones
 * gone are dropped), else the root. */
static uint32_t resolve_zoom(const struct ht_flame *f,
                             struct ht_flame_view *st)
{
	while (st->nzoom > 0) {
		uint32_t z = ht_flame_find(f, st->zoom[st->nzoom - 1]);

		if (z != HT_FLAME_NONE)
			return z;
		st->nzoom--;
	}
	return 0;
}

/* Find the zoom and the selection, lay out the graph in the size last
 * drawn, and keep the selection on a frame with a cell (its nearest
 * ancestor that has one).  False when there is no graph yet. */
static bool prepare(struct ht_ui *ui, struct ctx *c)
{
	struct ht_flame_view *st = state(ui);
	size_t cell;

	c->f = current(ui);
	c->st = st;
	c->v = mode_value(ui);
	if (c->f == NULL || st == NULL || c->f->n == 0)
		return false;
	c->zoom = resolve_zoom(c->f, st);
	c->sel = st->sel_valid ? ht_flame_find(c->f, st->sel) : HT_FLAME_NONE;
	if (c->sel == HT_FLAME_NONE || !ht_flame_under(c->f, c->sel, c->zoom))
		c->sel = c->zoom;
	if (ht_flame_layout(c->f, c->zoom, c->v, st->width, st->rows,
	                    &st->layout) != 0) {
		ht_ui_status(ui, true, "out of memory laying out the graph");
		st->layout.n = 0;
		st->layout.nrows = 0;
	}
	while ((cell = ht_flame_cell_of(&st->layout, c->sel)) == SIZE_MAX &&
	       c->sel != c->zoom && c->f->nodes[c->sel].parent != HT_FLAME_NONE)
		c->sel = c->f->nodes[c->sel].parent;
	st->sel = c->f->nodes[c->sel].path;
	st->sel_valid = true;
	return true;
}

/* ---- search marks ----------------------------------------------------- */

static void update_marks(struct ht_ui *ui)
{
	struct ht_flame_view *st = ui->flame;
	const struct ht_flame *f = current(ui);

	if (st == NULL)
		return;
	st->marked = NULL;
	if (f == NULL || st->search[0] == '\0')
		return;
	if (f->n > st->marks_cap) {
		uint8_t *m = realloc(st->marks, f->n);

		if (m == NULL) {
			ht_ui_status(ui, true, "out of memory searching");
			return;
		}
		st->marks = m;
		st->marks_cap = f->n;
	}
	st->matched[HT_FLAME_ALLOC] = ht_flame_search(f, st->search,
	                                              HT_FLAME_ALLOC,
	                                              st->marks);
	st->matched[HT_FLAME_INUSE] = ht_flame_search(f, st->search,
	                                              HT_FLAME_INUSE,
	                                              st->marks);
	st->nmatched = 0;
	for (uint32_t i = 0; i < f->n; i++)
		st->nmatched += st->marks[i] & 1;
	st->marked = f;
}

static bool marked(const struct ctx *c, uint32_t node)
{
	return c->st->marked == c->f && (c->st->marks[node] & 1);
}

/* ---- drawing ---------------------------------------------------------- */

static void dim_line(int y, int w, const char *s)
{
	attrset(ht_color(HT_CR_DIM));
	ht_ui_put(y, 0, s, w);
	attrset(A_NORMAL);
}

static void draw_title(struct ht_ui *ui, const struct ctx *c, int y, int w)
{
	char title[512];
	size_t len;
	const char *dot = ui->utf8 ? " \u00b7 " : " | ";

	len = (size_t)snprintf(title, sizeof title, "Flame graph%swidth: %s",
	                       dot, ui->alloc_mode ? "allocated"
	                                           : "in-use");
	if (c->f != NULL && c->zoom != 0 && len < sizeof title)
		len += (size_t)snprintf(title + len, sizeof title - len,
		                        "%szoom: %s (Backspace: out)", dot,
		                        frame_name(&c->f->nodes[c->zoom]));
	if (c->f != NULL && c->f->has_delta && len < sizeof title)
		len += (size_t)snprintf(title + len, sizeof title - len,
		                        "%sin-use since the baseline: red "
		                        "grew, green shrank", dot);
	if (c->f != NULL && c->f->truncated && len < sizeof title)
		snprintf(title + len, sizeof title - len,
		         "%scut at %u frames", dot, (unsigned)c->f->n);
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, title, w);
	attrset(A_NORMAL);
}

static enum ht_color_role cell_role(const struct ctx *c, uint32_t node,
                                    size_t nth)
{
	const struct ht_flame_node *n = &c->f->nodes[node];

	if (node == c->sel)
		return HT_CR_SELECTED;
	if (marked(c, node))
		return HT_CR_FLAME_MATCH;
	if (c->f->has_delta && n->d_cur > 0.5)
		return HT_CR_FLAME_GROWTH;
	if (c->f->has_delta && n->d_cur < -0.5)
		return HT_CR_FLAME_SHRINK;
	return nth % 2 ? HT_CR_FLAME_B : HT_CR_FLAME_A;
}

/* One cell: the name as far as it fits (none under 3 columns), and a
 * separator in its last column. */
static void draw_cell(struct ht_ui *ui, const struct ctx *c,
                      const struct ht_flame_cell *cell, int y, size_t nth)
{
	char name[512];
	int room = cell->w - 1;
	size_t len;

	ht_fmt_short_name(name, sizeof name,
	                  frame_name(&c->f->nodes[cell->node]), ui->utf8);
	len = strlen(name);

	attrset(ht_color(cell_role(c, cell->node, nth)));
	mvhline(y, cell->x, ' ', cell->w);
	if (room >= 3) {
		if (ht_fmt_columns(name, len) <= (size_t)room) {
			ht_ui_put(y, cell->x, name, room);
		} else {
			ht_ui_put(y, cell->x, name, room - 1);
			ht_ui_put(y, cell->x + room - 1,
			          ui->utf8 ? "\u2026" : "~", 1);
		}
	}
	ht_ui_put(y, cell->x + cell->w - 1, ui->utf8 ? "\u2502" : "|", 1);
	attrset(A_NORMAL);
}

static void draw_graph(struct ht_ui *ui, const struct ctx *c, int y)
{
	const struct ht_flame_layout *l = &c->st->layout;

	for (int r = 0; r < l->nrows; r++)
		for (size_t k = l->row[r]; k < l->row[r + 1]; k++)
			draw_cell(ui, c, &l->cells[k], y + r, k - l->row[r]);
}

/* The selected frame: full name, file:line, bytes, share, change. */
static void draw_detail(struct ht_ui *ui, const struct ctx *c, int y, int w)
{
	const struct ht_flame_node *n = &c->f->nodes[c->sel];
	const struct ht_frame *fr = n->frame;
	double v = ht_flame_value(n, c->v);
	double total = ht_flame_value(&c->f->nodes[0], c->v);
	double zv = ht_flame_value(&c->f->nodes[c->zoom], c->v);
	char buf[256], num[32];
	int x = 0;

	move(y, 0);
	clrtoeol();
	buf[0] = '\0';
	if (fr != NULL && fr->file != NULL)
		snprintf(buf, sizeof buf, "%s:%d%s", ht_fmt_basename(fr->file),
		         fr->line, fr->inlined ? " [inlined]" : "");
	else if (fr != NULL && fr->module != NULL)
		snprintf(buf, sizeof buf, "%s", fr->module);
	/* the whole name, cut before its location is */
	x += ht_ui_put_name(y, x, fr ? frame_name(n) : "[all allocations]",
	                    buf[0] != '\0' ? buf : NULL, w - x, ui->utf8, true,
	                    HT_CR_FUNCTION, HT_CR_LOCATION);
	ht_fmt_bytes(num, sizeof num, v, false);
	snprintf(buf, sizeof buf, "%s %s  %.1f%% of all", num,
	         c->v == HT_FLAME_ALLOC ? "allocated" : "in use",
	         total > 0 ? 100.0 * v / total : 0.0);
	if (c->zoom != 0 && zv > 0) {
		size_t len = strlen(buf);

		snprintf(buf + len, sizeof buf - len, ", %.1f%% of the zoom",
		         100.0 * v / zv);
	}
	attrset(ht_color(HT_CR_BYTES));
	if (x + 2 < w)
		x += 2 + ht_ui_put(y, x + 2, buf, w - x - 2);
	if (c->f->has_delta && x + 2 < w) {
		ht_fmt_bytes(num, sizeof num, n->d_cur, true);
		snprintf(buf, sizeof buf, "%s%s in use",
		         ui->utf8 ? "\u0394" : "d", num);
		attrset(ht_color(n->d_cur > 0.5 ? HT_CR_GROWTH
		                 : n->d_cur < -0.5 ? HT_CR_SHRINK : HT_CR_DIM));
		ht_ui_put(y, x + 2, buf, w - x - 2);
	}
	attrset(A_NORMAL);
}

/* The search: what it matched, as a share of everything. */
static void draw_search(const struct ctx *c, int y, int w)
{
	const struct ht_flame_view *st = c->st;
	double total = ht_flame_value(&c->f->nodes[0], c->v);
	double m = st->marked == c->f ? st->matched[c->v] : 0;
	char buf[256], num[32];

	ht_fmt_bytes(num, sizeof num, m, false);
	snprintf(buf, sizeof buf, "match \"%s\": %.1f%% of all (%s) in %zu "
	         "frames  (/ to change, empty clears)", st->search,
	         total > 0 ? 100.0 * m / total : 0.0, num,
	         st->marked == c->f ? st->nmatched : 0);
	attrset(ht_color(HT_CR_FLAME_MATCH));
	ht_ui_put(y, 0, buf, w);
	attrset(A_NORMAL);
}

static void draw_flame(struct ht_ui *ui, int y, int h, int w)
{
	struct ht_flame_view *st = state(ui);
	struct ctx c = { 0 };
	int info, graph_h;

	if (st == NULL) {
		dim_line(y, w, "out of memory");
		return;
	}
	info = 1 + (st->search[0] != '\0');
	graph_h = h - 1 - info;
	st->width = w;
	st->rows = graph_h > 1 ? graph_h : 1;
	if (!prepare(ui, &c)) {
		draw_title(ui, &c, y, w);
		dim_line(y + 1, w, c.f == NULL ? "building the flame graph ..."
		                               : "nothing to show");
		return;
	}
	draw_title(ui, &c, y, w);
	draw_graph(ui, &c, y + 1);
	if (st->layout.nrows == 1 && ht_flame_value(&c.f->nodes[c.zoom],
	                                            c.v) <= 0)
		dim_line(y + 2, w, ui->alloc_mode ? "nothing allocated here"
		                                  : "nothing in use here");
	draw_detail(ui, &c, y + h - info, w);
	if (st->search[0] != '\0')
		draw_search(&c, y + h - 1, w);
}

/* ---- keys ------------------------------------------------------------- */

static void select_node(struct ctx *c, uint32_t node)
{
	c->sel = node;
	c->st->sel = c->f->nodes[node].path;
	c->st->sel_valid = true;
}

static bool push_zoom(struct ht_ui *ui, struct ctx *c, uint32_t node)
{
	struct ht_flame_view *st = c->st;

	if (node == c->zoom)
		return false;
	if (st->nzoom == ZOOM_MAX) {
		memmove(st->zoom, st->zoom + 1,
		        (ZOOM_MAX - 1) * sizeof *st->zoom);
		st->nzoom--;
	}
	st->zoom[st->nzoom++] = c->f->nodes[node].path;
	c->zoom = node;
	ht_ui_status(ui, false, "zoomed into %s (Backspace: out)",
	             frame_name(&c->f->nodes[node]));
	return true;
}

/* Zoom out one step; false when not zoomed. */
static bool pop_zoom(struct ht_ui *ui, struct ctx *c)
{
	if (c->st->nzoom == 0)
		return false;
	c->st->nzoom--;
	c->zoom = resolve_zoom(c->f, c->st);
	if (c->zoom == 0)
		ht_ui_status(ui, false, "the whole program");
	else
		ht_ui_status(ui, false, "zoomed into %s",
		             frame_name(&c->f->nodes[c->zoom]));
	return true;
}

/* The first child holding any of the mode's bytes, or HT_FLAME_NONE. */
static uint32_t first_child(const struct ctx *c, uint32_t node)
{
	const struct ht_flame_node *n = &c->f->nodes[node];

	for (uint32_t k = 0; k < n->nchild; k++)
		if (ht_flame_value(&c->f->nodes[n->child + k], c->v) > 0)
			return n->child + k;
	return HT_FLAME_NONE;
}

/* Down: the leftmost callee on the graph; one below the last row, or
 * narrower than a column, comes into view by zooming into the frame. */
static void step_down(struct ht_ui *ui, struct ctx *c)
{
	uint32_t to = ht_flame_step(c->f, &c->st->layout, c->sel,
	                            HT_FLAME_DOWN);

	if (to != HT_FLAME_NONE) {
		select_node(c, to);
		return;
	}
	to = first_child(c, c->sel);
	if (to == HT_FLAME_NONE) {
		ht_ui_status(ui, false, "%s calls nothing that %s",
		             frame_name(&c->f->nodes[c->sel]),
		             ui->alloc_mode ? "allocated" : "holds memory");
		return;
	}
	push_zoom(ui, c, c->sel);
	select_node(c, to);
}

/* Up: the caller; from the top of a zoom, zoom out to show it. */
static void step_up(struct ht_ui *ui, struct ctx *c)
{
	uint32_t to = ht_flame_step(c->f, &c->st->layout, c->sel, HT_FLAME_UP);
	uint32_t parent = c->f->nodes[c->sel].parent;

	if (to != HT_FLAME_NONE) {
		select_node(c, to);
	} else if (c->sel == c->zoom && parent != HT_FLAME_NONE &&
	           pop_zoom(ui, c)) {
		while (!ht_flame_under(c->f, parent, c->zoom) &&
		       pop_zoom(ui, c))
			;
		select_node(c, parent);
	}
}

static void step_side(struct ctx *c, enum ht_flame_step s)
{
	uint32_t to = ht_flame_step(c->f, &c->st->layout, c->sel, s);

	if (to != HT_FLAME_NONE)
		select_node(c, to);
}

static void open_search(struct ht_ui *ui)
{
	struct ht_flame_view *st = state(ui);

	ui->prompt = HT_PROMPT_SEARCH;
	snprintf(ui->edit, sizeof ui->edit, "%s", st ? st->search : "");
	ui->edit_len = strlen(ui->edit);
}

static bool action_flame(struct ht_ui *ui, enum ht_action a)
{
	struct ctx c;

	switch (a) {
	case HT_ACT_BACK:
	case HT_ACT_FLAME:
		ht_ui_switch(ui, &ht_view_top);
		return true;
	case HT_ACT_FILTER:
		open_search(ui);
		return true;
	case HT_ACT_UP: case HT_ACT_DOWN: case HT_ACT_COLLAPSE:
	case HT_ACT_EXPAND: case HT_ACT_ENTER: case HT_ACT_ZOOM_OUT:
	case HT_ACT_HOME:
		break;
	default:
		return false;
	}
	if (!prepare(ui, &c)) {
		if (a == HT_ACT_ZOOM_OUT)
			ht_ui_switch(ui, &ht_view_top);
		return true;
	}
	switch (a) {
	case HT_ACT_UP:
		step_up(ui, &c);
		break;
	case HT_ACT_DOWN:
		step_down(ui, &c);
		break;
	case HT_ACT_COLLAPSE:
		step_side(&c, HT_FLAME_LEFT);
		break;
	case HT_ACT_EXPAND:
		step_side(&c, HT_FLAME_RIGHT);
		break;
	case HT_ACT_ENTER:
		push_zoom(ui, &c, c.sel);
		break;
	case HT_ACT_ZOOM_OUT:
		if (!pop_zoom(ui, &c))
			ht_ui_switch(ui, &ht_view_top);
		break;
	case HT_ACT_HOME:
		select_node(&c, c.zoom);
		break;
	default:
		break;
	}
	return true;
}

/* A new graph: its search marks (the selection and the zoom follow their
 * paths when drawn). */
static void data_flame(struct ht_ui *ui)
{
	update_marks(ui);
}

/* ---- entry points ----------------------------------------------------- */

void ht_view_flame_open(struct ht_ui *ui)
{
	struct ht_flame_view *st = state(ui);

	if (st == NULL) {
		ht_ui_status(ui, true, "out of memory");
		return;
	}
	st->nzoom = 0;
	st->sel_valid = false;
	st->search[0] = '\0';
	st->marked = NULL;
	ht_ui_request_tree(ui, HT_TREE_FLAME, 0);
	ht_ui_switch(ui, &ht_view_flame);
}

void ht_view_flame_search(struct ht_ui *ui, const char *needle)
{
	struct ht_flame_view *st = state(ui);

	if (st == NULL)
		return;
	snprintf(st->search, sizeof st->search, "%s", needle);
	update_marks(ui);
	if (st->search[0] == '\0')
		ht_ui_status(ui, false, "search cleared");
}

void ht_view_flame_free(struct ht_ui *ui)
{
	if (ui->flame == NULL)
		return;
	ht_flame_layout_free(&ui->flame->layout);
	free(ui->flame->marks);
	free(ui->flame);
	ui->flame = NULL;
}

const struct ht_view_ops ht_view_flame = {
	.name = "flame",
	.scope = HT_SCOPE_FLAME,
	.draw = draw_flame,
	.action = action_flame,
	.data = data_flame,
	.leave = ht_ui_come_back_here,
};
