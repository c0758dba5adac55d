/*
 * The top-sites table: rank, the mode's bytes with an uncertainty mark,
 * share of the total, objects, the other bytes, a trend sparkline of
 * in-use, and the site.  With a baseline, the change since it comes first.
 * The cursor follows the selected site's key across refreshes, not its
 * rank.  Draws only from published rows; never touches the model.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

/* The table's cursor, on a site (by key). */
static struct ht_cursor top;

enum col_kind {
	COL_RANK, COL_BYTES, COL_SHARE, COL_OBJS, COL_OTHER, COL_DBYTES,
	COL_DOBJS, COL_TREND, COL_GROWTH, COL_VERDICT, COL_SITE,
};

struct col {
	enum col_kind kind;
	const char *title;      /* UTF-8 */
	const char *ascii;
	int width;              /* 0: the rest */
	int sort;               /* enum ht_sort, or -1 */
};

#define MAXCOLS 11

static int layout(const struct ht_ui *ui, struct col *c, int w)
{
	bool base = ui->data != NULL && ui->data->has_baseline;
	bool alloc = ui->alloc_mode;
	bool suspects = ui->sort == HT_SORT_SUSPECT;
	int n = 0, trend = w >= 104 ? 14 : w >= 92 ? 10 : 0;
	bool other = w >= 72 && !suspects;
	bool growth = w >= 72 && !alloc;

	c[n++] = (struct col){ COL_RANK, "#", "#", 5, -1 };
	if (base) {
		c[n++] = alloc
		    ? (struct col){ COL_DBYTES, "\u0394ALLOC", "dALLOC", 9, -1 }
		    : (struct col){ COL_DBYTES, "\u0394IN-USE", "dIN-USE", 9,
		                    HT_SORT_GROWTH };
		if (!alloc)
			c[n++] = (struct col){ COL_DOBJS, "\u0394OBJS", "dOBJS",
			                       8, -1 };
	}
	c[n++] = alloc ? (struct col){ COL_BYTES, "ALLOC", "ALLOC", 9,
	                               HT_SORT_ALLOC_BYTES }
	               : (struct col){ COL_BYTES, "IN-USE", "IN-USE", 9,
	                               HT_SORT_INUSE_BYTES };
	c[n++] = (struct col){ COL_SHARE, "SHARE", "SHARE", 7, -1 };
	if (!base || alloc || other)
		c[n++] = alloc ? (struct col){ COL_OBJS, "OBJS", "OBJS", 8,
		                               HT_SORT_ALLOC_OBJS }
		               : (struct col){ COL_OBJS, "OBJS", "OBJS", 8,
		                               HT_SORT_INUSE_OBJS };
	if (other && !base)
		c[n++] = alloc ? (struct col){ COL_OTHER, "IN-USE", "IN-USE",
		                               8, HT_SORT_INUSE_BYTES }
		               : (struct col){ COL_OTHER, "ALLOC", "ALLOC", 8,
		                               HT_SORT_ALLOC_BYTES };
	if (growth)
		c[n++] = (struct col){ COL_GROWTH, "GROWTH/s", "GROWTH/s", 10,
		                       -1 };
	if (suspects)
		c[n++] = (struct col){ COL_VERDICT, "VERDICT", "VERDICT", 14,
		                       HT_SORT_SUSPECT };
	else if (trend)
		c[n++] = (struct col){ COL_TREND, "TREND", "TREND", trend, -1 };
	c[n++] = (struct col){ COL_SITE, "SITE", "SITE", 0, HT_SORT_NAME };
	return n;
}

static const char *sort_name(enum ht_sort s)
{
	switch (s) {
	case HT_SORT_INUSE_BYTES: return "in-use bytes";
	case HT_SORT_INUSE_OBJS: return "in-use objects";
	case HT_SORT_ALLOC_BYTES: return "allocated bytes";
	case HT_SORT_ALLOC_OBJS: return "allocated objects";
	case HT_SORT_GROWTH: return "growth";
	case HT_SORT_NAME: return "name";
	case HT_SORT_SUSPECT: return "leak suspects";
	}
	return "?";
}

static const char *group_name(enum ht_group g)
{
	switch (g) {
	case HT_GROUP_STACK: return "stack";
	case HT_GROUP_FUNCTION: return "function";
	case HT_GROUP_LINE: return "line";
	}
	return "?";
}

/* Right-align s in a field of `width` columns at x. */
static void put_right(int y, int x, int width, const char *s,
                      enum ht_color_role role)
{
	int len = (int)ht_fmt_columns(s, strlen(s));
	int pad = width - 1 - len;

	attron(ht_color(role));
	ht_ui_put(y, x + (pad > 0 ? pad : 0), s, width - 1);
	attroff(ht_color(role));
}

static enum ht_color_role delta_role(double v)
{
	return v > 0.5 ? HT_CR_GROWTH : v < -0.5 ? HT_CR_SHRINK : HT_CR_DIM;
}

/* Draw one site; `sel` draws it as the cursor row. */
static void draw_row(struct ht_ui *ui, const struct ht_ui_row *r, size_t rank,
                     int y, int w, const struct col *c, int ncols, bool sel)
{
	const struct ht_ui_counts *k = &r->c;
	bool alloc = ui->alloc_mode;
	double main_b = alloc ? k->cum_bytes : k->cur_bytes;
	double main_var = alloc ? k->var_cum_bytes : k->var_cur_bytes;
	double total = alloc ? ui->data->totals.cum_bytes
	                     : ui->data->totals.cur_bytes;
	char buf[256];
	int x = 0, i;

	if (sel) {
		attrset(ht_color(HT_CR_SELECTED));
		mvhline(y, 0, ' ', w);
	}
#define ROLE(r) (sel ? HT_CR_SELECTED : (r))
	for (i = 0; i < ncols && x < w; i++) {
		int cw = c[i].width ? c[i].width : w - x;

		if (x + cw > w)
			cw = w - x;
		switch (c[i].kind) {
		case COL_RANK:
			snprintf(buf, sizeof buf, "%zu", rank + 1);
			put_right(y, x, cw, buf, ROLE(HT_CR_DIM));
			break;
		case COL_BYTES: {
			bool unsure = ht_rel_stderr(main_b, main_var) >
			              HT_UNCERTAIN_REL;

			ht_fmt_bytes(buf, sizeof buf, main_b, false);
			put_right(y, x, cw - 1, buf, ROLE(HT_CR_BYTES));
			if (unsure) {
				attron(ht_color(ROLE(HT_CR_UNCERTAIN)));
				ht_ui_put(y, x + cw - 2,
				          ui->utf8 ? "\u00b1" : "~", 1);
				attroff(ht_color(ROLE(HT_CR_UNCERTAIN)));
			}
			break;
		}
		case COL_SHARE:
			if (total > 0)
				snprintf(buf, sizeof buf, "%.1f%%",
				         100.0 * main_b / total);
			else
				snprintf(buf, sizeof buf, "-");
			put_right(y, x, cw, buf, ROLE(HT_CR_DEFAULT));
			break;
		case COL_OBJS:
			ht_fmt_count(buf, sizeof buf,
			             alloc ? k->cum_objs : k->cur_objs, false);
			put_right(y, x, cw, buf, ROLE(HT_CR_DEFAULT));
			break;
		case COL_OTHER:
			ht_fmt_bytes(buf, sizeof buf,
			             alloc ? k->cur_bytes : k->cum_bytes, false);
			put_right(y, x, cw, buf, ROLE(HT_CR_DEFAULT));
			break;
		case COL_DBYTES: {
			double v = alloc ? k->d_cum_bytes : k->d_cur_bytes;

			ht_fmt_bytes(buf, sizeof buf, v, true);
			put_right(y, x, cw, buf, ROLE(delta_role(v)));
			break;
		}
		case COL_DOBJS:
			ht_fmt_count(buf, sizeof buf, k->d_cur_objs, true);
			put_right(y, x, cw, buf, ROLE(delta_role(k->d_cur_objs)));
			break;
		case COL_GROWTH:
			if (r->trend == HT_TREND_UNKNOWN) {
				put_right(y, x, cw, "?", ROLE(HT_CR_DIM));
				break;
			}
			ht_fmt_bytes(buf, sizeof buf, r->growth, true);
			put_right(y, x, cw, buf, ROLE(
			          r->trend == HT_TREND_GROWING ? HT_CR_GROWTH :
			          r->trend == HT_TREND_SHRINKING ? HT_CR_SHRINK :
			          HT_CR_DIM));
			break;
		case COL_VERDICT: {
			enum ht_verdict v = (enum ht_verdict)r->verdict;
			const char *t = v != HT_VERDICT_NONE ? ht_verdict_name(v) :
			                ht_trend_name((enum ht_trend)r->trend);

			attron(ht_color(ROLE(v == HT_VERDICT_LEAK ||
			                     v == HT_VERDICT_GROWING ? HT_CR_GROWTH :
			                     v == HT_VERDICT_NONE ? HT_CR_DIM :
			                     HT_CR_DEFAULT)));
			ht_ui_put(y, x, t, cw - 1);
			attroff(ht_color(ROLE(HT_CR_DEFAULT)));
			attrset(sel ? ht_color(HT_CR_SELECTED) : A_NORMAL);
			break;
		}
		case COL_TREND: {
			double h[HT_UI_SPARK];
			unsigned j;

			for (j = 0; j < r->hist_len; j++)
				h[j] = r->hist[j];
			ht_fmt_sparkline(buf, sizeof buf, h, r->hist_len,
			                 (size_t)(cw - 1), ui->utf8);
			attron(ht_color(ROLE(HT_CR_SPARKLINE)));
			ht_ui_put(y, x, buf, cw - 1);
			attroff(ht_color(ROLE(HT_CR_SPARKLINE)));
			break;
		}
		case COL_SITE: {
			const struct ht_frame *f = r->frame;
			const char *loc = NULL;
			int used;

			if (f && f->file && f->line > 0) {
				snprintf(buf, sizeof buf, "%s:%d",
				         ht_fmt_basename(f->file), f->line);
				loc = buf;
			} else if (f && f->file) {
				loc = ht_fmt_basename(f->file);
			} else if (f && f->module) {
				loc = f->module;
			}
			/* the name is cut, never its location */
			used = ht_ui_put_name(y, x, f ? f->function : NULL, loc,
			                      cw, ui->utf8, false,
			                      ROLE(HT_CR_FUNCTION),
			                      ROLE(HT_CR_LOCATION));
			attrset(sel ? ht_color(HT_CR_SELECTED) : A_NORMAL);
			if (r->via && r->via->function && used + 6 < cw) {
				char via[512];

				snprintf(buf, sizeof buf, "via %s",
				         ht_fmt_short_name(via, sizeof via,
				                           r->via->function,
				                           ui->utf8));
				attron(ht_color(ROLE(HT_CR_DIM)));
				ht_ui_put(y, x + used + 2, buf, cw - used - 2);
				attroff(ht_color(ROLE(HT_CR_DIM)));
			}
			break;
		}
		}
		x += cw;
	}
#undef ROLE
	attrset(A_NORMAL);
}

static void draw_top(struct ht_ui *ui, int y, int h, int w)
{
	const struct ht_ui_data *d = ui->data;
	struct col c[MAXCOLS];
	int ncols = layout(ui, c, w), i, x = 0, rows_h = h - 2;
	char title[512];
	bool pending;
	size_t r;

	if (d == NULL) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y, 0, "waiting for data ...", w);
		attrset(A_NORMAL);
		return;
	}
	/* The title shows what was asked for at once; the rows follow when
	 * the worker has applied it. */
	pending = d->opts.group != ui->group || d->opts.sort != ui->sort ||
	          d->opts.lib_sites != ui->lib_sites ||
	          strcmp(d->opts.filter ? d->opts.filter : "", ui->filter) != 0;
	snprintf(title, sizeof title,
	         "Top sites \u00b7 mode: %s \u00b7 group: %s \u00b7 sort: %s "
	         "\u00b7 %zu sites%s%s%s%s%s%s",
	         ui->alloc_mode ? "allocated" : "in-use",
	         group_name(ui->group), sort_name(ui->sort), d->nrows,
	         ui->lib_sites ? " \u00b7 library sites" : "",
	         ui->filter[0] ? " \u00b7 filter: " : "", ui->filter,
	         d->has_baseline ? " \u00b7 since baseline" : "",
	         ui->paused ? " \u00b7 PAUSED" : "",
	         pending ? " \u00b7 updating..." : "");
	if (!ui->utf8) {
		/* "·" -> "|" for terminals without UTF-8 */
		char *p;

		while ((p = strstr(title, "\u00b7")) != NULL) {
			p[0] = '|';
			memmove(p + 1, p + 2, strlen(p + 2) + 1);
		}
	}
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, title, w);
	attrset(ht_color(HT_CR_COLUMNS));
	mvhline(y + 1, 0, ' ', w);
	for (i = 0; i < ncols && x < w; i++) {
		int cw = c[i].width ? c[i].width : w - x;
		const char *t = ui->utf8 ? c[i].title : c[i].ascii;
		bool sorted = c[i].sort >= 0 && (int)d->opts.sort == c[i].sort;
		int len = (int)ht_fmt_columns(t, strlen(t));

		attrset(ht_color(sorted ? HT_CR_SORT_COLUMN : HT_CR_COLUMNS));
		if (c[i].kind == COL_SITE || c[i].kind == COL_TREND)
			ht_ui_put(y + 1, x, t, cw);
		else
			ht_ui_put(y + 1, x + (cw - 1 - len > 0 ? cw - 1 - len : 0),
			          t, cw);
		x += cw;
	}
	attrset(A_NORMAL);
	if (d->nrows == 0) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y + 2, 0, d->have_profile
		          ? (d->opts.filter ? "no site matches the filter"
		                            : "no sampled allocations yet")
		          : "waiting for the first snapshot ...", w);
		attrset(A_NORMAL);
		return;
	}
	if (ui->sort == HT_SORT_SUSPECT && rows_h > 2)
		rows_h--;  /* the last line: the selected site's verdict */
	ht_ui_clamp(&top.row, &top.scroll, d->nrows, rows_h);
	for (r = top.scroll, i = 0; r < d->nrows && i < rows_h; r++, i++)
		draw_row(ui, &d->rows[r], r, y + 2 + i, w, c, ncols,
		         r == top.row);
	if (ui->sort == HT_SORT_SUSPECT && top.row < d->nrows) {
		const struct ht_ui_row *sel = &d->rows[top.row];

		snprintf(title, sizeof title, "%s%s",
		         sel->verdict_text ? "verdict: " : "",
		         sel->verdict_text ? sel->verdict_text :
		         "no verdict yet for this site");
		attrset(ht_color(sel->verdict == HT_VERDICT_LEAK ?
		                 HT_CR_GROWTH : HT_CR_TITLE));
		mvhline(y + 2 + rows_h, 0, ' ', w);
		ht_ui_put(y + 2 + rows_h, 0, title, w);
		attrset(A_NORMAL);
	}
}

static uint64_t site_key(const void *rows, size_t i)
{
	return ((const struct ht_ui_data *)rows)->keys[i];
}

static void remember_key(struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;

	ht_cursor_remember(&top, d, d ? d->nrows : 0, site_key);
}

bool ht_view_top_selected(struct ht_ui *ui, uint64_t *key, bool follow)
{
	const struct ht_ui_data *d = ui->data;

	if (d == NULL || top.row >= d->nrows)
		return false;
	if (follow)
		remember_key(ui);
	*key = d->keys[top.row];
	return true;
}

void ht_view_top_reset(struct ht_ui *ui)
{
	ht_cursor_reset(&top);
}

static bool action_top(struct ht_ui *ui, enum ht_action a)
{
	const struct ht_ui_data *d = ui->data;
	size_t n = d ? d->nrows : 0;
	uint64_t key;

	if (ht_ui_move(a, &top.row, &top.scroll, n,
	               ui->body_lines - 2 - (ui->sort == HT_SORT_SUSPECT))) {
		remember_key(ui);
		return true;
	}
	if (a == HT_ACT_ENTER) {
		if (ht_view_top_selected(ui, &key, true))
			ht_view_tree_open(ui, HT_TREE_CALLERS, key);
		return true;
	}
	return false;
}

/* New rows: put the cursor back on the site it was on.  Until the user
 * moves, the cursor stays on the top row (whatever site climbs there);
 * after that it follows the site. */
static void data_top(struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;

	if (d != NULL)
		ht_cursor_follow(&top, d, d->nrows, site_key);
}

/* Back on the table: stop building trees and breakdowns nobody sees. */
static void enter_top(struct ht_ui *ui)
{
	ui->back = &ht_view_top;
	if (ui->req.tree_kind != HT_TREE_NONE)
		ht_ui_request_tree(ui, HT_TREE_NONE, 0);
	if (ui->req.threads_kind != HT_THREADS_NONE)
		ht_ui_request_threads(ui, HT_THREADS_NONE, 0);
}

const struct ht_view_ops ht_view_top = {
	.name = "top",
	.scope = HT_SCOPE_TOP,
	.draw = draw_top,
	.action = action_top,
	.data = data_top,
	.enter = enter_top,
	.leave = ht_ui_come_back_here,
	.reset = ht_view_top_reset,
};
