/*
 * Call trees: the callers of one site (Enter on the sites table) or the
 * whole program top-down (t).  Each visible node shows its inclusive bytes
 * (in-use or allocated, per mode), the change since the baseline when one
 * is set, and the frame.  Expansion is the ui's: the set of nodes the user
 * toggled, sent to the refresh worker, which flattens the model's tree into
 * rows.  Draws only from published rows; never touches the model.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

/* The cursor, on a node (by path). */
static struct ht_cursor cur;

/* The tree rows when they answer the request last sent, else NULL. */
static const struct ht_ui_data *current(const struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;

	if (d == NULL || d->tree_kind == HT_TREE_NONE ||
	    d->tree_request != ui->tree_request)
		return NULL;
	return d;
}

static void draw_tree(struct ht_ui *ui, int y, int h, int w)
{
	const struct ht_ui_data *d = current(ui);
	const struct ht_ui_data *any = ui->data;
	bool base = any != NULL && any->has_baseline;
	bool alloc = ui->alloc_mode;
	int rows_h = h - 2, i, vx = 0;
	char title[512], buf[128];
	size_t r;

	if (any != NULL && any->tree_kind == HT_TREE_CALLERS && d != NULL &&
	    d->tree_site_frame != NULL) {
		const struct ht_frame *f = d->tree_site_frame;
		char loc[256] = "";

		if (f->file != NULL)
			snprintf(loc, sizeof loc, "  %s:%d",
			         ht_fmt_basename(f->file), f->line);
		char name[256];

		snprintf(title, sizeof title, "Callers of %s%s \u00b7 mode: %s",
		         ht_fmt_short_name(name, sizeof name,
		                           f->function ? f->function : "?",
		                           ui->utf8), loc,
		         alloc ? "allocated" : "in-use");
	} else {
		snprintf(title, sizeof title, "%s \u00b7 mode: %s",
		         ui->req.tree_kind == HT_TREE_CALLERS ? "Callers"
		                                              : "Top-down call tree",
		         alloc ? "allocated" : "in-use");
	}
	if (!ui->utf8) {
		char *p = strstr(title, "\u00b7");

		if (p != NULL) {
			p[0] = '|';
			memmove(p + 1, p + 2, strlen(p + 2) + 1);
		}
	}
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, title, w);
	attrset(ht_color(HT_CR_COLUMNS));
	mvhline(y + 1, 0, ' ', w);
	ht_ui_put(y + 1, 1, alloc ? "   ALLOC" : "  IN-USE", 9);
	vx = 9;
	attrset(ht_color(HT_CR_COLUMNS));
	ht_ui_put(y + 1, vx, "  SHARE", 8);
	vx += 8;
	if (base) {
		ht_ui_put(y + 1, vx, ui->utf8 ? "  \u0394BYTES" : "  dBYTES", 9);
		vx += 9;
	}
	ht_ui_put(y + 1, vx + 1, ui->req.tree_kind == HT_TREE_CALLERS
	          ? "CALLERS (site first, then who called it)"
	          : "CALL TREE (outermost first)", w - vx - 1);
	attrset(A_NORMAL);
	if (d == NULL) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y + 2, 0, "building the tree ...", w);
		attrset(A_NORMAL);
		return;
	}
	if (d->ntree == 0) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y + 2, 0, "nothing to show (the site is gone?)", w);
		attrset(A_NORMAL);
		return;
	}
	ht_ui_clamp(&cur.row, &cur.scroll, d->ntree, rows_h);
	for (r = cur.scroll, i = 0; r < d->ntree && i < rows_h; r++, i++) {
		const struct ht_ui_tree_row *t = &d->tree[r];
		const struct ht_frame *f = t->frame;
		bool sel = r == cur.row;
		double v = alloc ? t->c.cum_bytes : t->c.cur_bytes;
		double total = alloc ? d->tree[0].c.cum_bytes
		                     : d->tree[0].c.cur_bytes;
		int row = y + 2 + i, x, indent;
		const char *mark;

#define ROLE(rr) (sel ? HT_CR_SELECTED : (rr))
		if (sel) {
			attrset(ht_color(HT_CR_SELECTED));
			mvhline(row, 0, ' ', w);
		}
		ht_fmt_bytes(buf, sizeof buf, v, false);
		attrset(ht_color(ROLE(HT_CR_BYTES)));
		mvprintw(row, 0, "%9s", buf);
		attrset(ht_color(ROLE(HT_CR_DEFAULT)));
		if (total > 0)
			mvprintw(row, 9, "%7.1f%%", 100.0 * v / total);
		x = 17;
		if (base) {
			double dv = alloc ? t->c.d_cum_bytes : t->c.d_cur_bytes;

			ht_fmt_bytes(buf, sizeof buf, dv, true);
			attrset(ht_color(ROLE(dv > 0.5 ? HT_CR_GROWTH
			                      : dv < -0.5 ? HT_CR_SHRINK
			                                  : HT_CR_DIM)));
			mvprintw(row, x, "%9s", buf);
			x += 9;
		}
		x += 1;
		indent = (int)t->depth * 2;
		if (indent > w / 2)
			indent = w / 2;
		if (t->nchildren == 0)
			mark = ui->utf8 ? "\u00b7 " : "  ";
		else if (t->expanded)
			mark = ui->utf8 ? "\u25be " : "- ";
		else
			mark = ui->utf8 ? "\u25b8 " : "+ ";
		attrset(ht_color(ROLE(HT_CR_DIM)));
		x += indent;
		if (x < w)
			x += ht_ui_put(row, x, mark, w - x);
		if (f == NULL) {
			const struct ht_frame *sf = d->tree_site_frame;

			attrset(ht_color(ROLE(HT_CR_FUNCTION)));
			if (d->tree_kind == HT_TREE_CALLERS && sf != NULL) {
				const char *loc = NULL;

				if (sf->file != NULL) {
					/* line 0: grouped by function */
					snprintf(buf, sizeof buf, sf->line > 0 ?
					         "%s:%d" : "%s",
					         ht_fmt_basename(sf->file),
					         sf->line);
					loc = buf;
				}
				ht_ui_put_name(row, x, sf->function, loc,
				               w - x, ui->utf8, sel,
				               ROLE(HT_CR_FUNCTION),
				               ROLE(HT_CR_LOCATION));
			} else {
				ht_ui_put(row, x, "[all allocations]", w - x);
			}
		} else {
			const char *loc = f->module;

			if (f->file != NULL) {
				snprintf(buf, sizeof buf, "%s:%d",
				         ht_fmt_basename(f->file), f->line);
				loc = buf;
			}
			/* the selected row keeps the whole name */
			x += ht_ui_put_name(row, x, f->function, loc, w - x,
			                    ui->utf8, sel, ROLE(HT_CR_FUNCTION),
			                    ROLE(HT_CR_LOCATION));
			if (f->inlined && x + 1 < w)
				ht_ui_put(row, x + 1, "[inlined]", w - x - 1);
		}
		attrset(A_NORMAL);
#undef ROLE
	}
	if (d->tree_truncated && rows_h > 0 &&
	    cur.scroll + (size_t)rows_h >= d->ntree) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y + h - 1, 0, "(tree cut: too many open nodes)", w);
		attrset(A_NORMAL);
	}
}

static uint64_t row_path(const void *rows, size_t i)
{
	return ((const struct ht_ui_data *)rows)->tree[i].path;
}

static void remember_path(struct ht_ui *ui)
{
	const struct ht_ui_data *d = current(ui);

	ht_cursor_remember(&cur, d, d ? d->ntree : 0, row_path);
}

static void toggle(struct ht_ui *ui, const struct ht_ui_tree_row *t)
{
	if (t->nchildren == 0)
		return;
	if (!ht_u64map_del(&ui->toggled, t->path, NULL) &&
	    ht_u64map_put(&ui->toggled, t->path, 0, NULL, NULL) < 0) {
		ht_ui_status(ui, true, "out of memory");
		return;
	}
	ht_ui_request_tree(ui, ui->req.tree_kind, ui->req.tree_key);
}

static bool action_tree(struct ht_ui *ui, enum ht_action a)
{
	const struct ht_ui_data *d = current(ui);
	const struct ht_ui_tree_row *t;
	size_t n = d ? d->ntree : 0;

	if (ht_ui_move(a, &cur.row, &cur.scroll, n,
	               ui->body_lines - 2)) {
		remember_path(ui);
		return true;
	}
	if (a != HT_ACT_ENTER && a != HT_ACT_EXPAND && a != HT_ACT_COLLAPSE)
		return false;
	if (d == NULL || cur.row >= n)
		return true;
	t = &d->tree[cur.row];
	remember_path(ui);
	switch (a) {
	case HT_ACT_ENTER:
		toggle(ui, t);
		break;
	case HT_ACT_EXPAND:
		if (t->nchildren > 0 && !t->expanded)
			toggle(ui, t);
		else if (t->nchildren > 0 && cur.row + 1 < n)
			ht_ui_move(HT_ACT_DOWN, &cur.row,
			           &cur.scroll, n, ui->body_lines - 2);
		break;
	case HT_ACT_COLLAPSE:
		if (t->nchildren > 0 && t->expanded) {
			toggle(ui, t);
		} else if (t->parent != SIZE_MAX) {
			cur.row = t->parent;
			if (cur.row < cur.scroll)
				cur.scroll = cur.row;
		}
		break;
	default:
		break;
	}
	remember_path(ui);
	return true;
}

/* New rows: keep the cursor on the node it was on. */
static void data_tree(struct ht_ui *ui)
{
	const struct ht_ui_data *d = current(ui);

	if (d != NULL)
		ht_cursor_follow(&cur, d, d->ntree, row_path);
}

/* A new tree from its root (the cursor follows its node from the first
 * rows on), every node as the default has it. */
static void reset_tree(struct ht_ui *ui)
{
	ht_cursor_reset(&cur);
	cur.sticky = true;
	ht_u64map_free(&ui->toggled);
}

void ht_view_tree_open(struct ht_ui *ui, enum ht_tree_kind kind,
                       uint64_t key)
{
	reset_tree(ui);
	ht_ui_request_tree(ui, kind, key);
	ht_ui_switch(ui, &ht_view_tree);
}

const struct ht_view_ops ht_view_tree = {
	.name = "tree",
	.scope = HT_SCOPE_TREE,
	.draw = draw_tree,
	.action = action_tree,
	.data = data_tree,
	.leave = ht_ui_come_back_here,
	.reset = reset_tree,
};
