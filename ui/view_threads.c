/*
 * The threads view: the per-thread breakdown of a profile that carries one
 * (jemalloc dumps with t<N> lines and thread names).  T on the sites table
 * shows the selected site by thread; T again switches to the whole profile
 * by thread and back.  Each row: thread number, in-use bytes and objects,
 * allocated bytes, share of the site (or profile) in the current mode, and
 * the thread's name.  The cursor follows its thread number across
 * refreshes.  Draws only from published rows; never touches the model.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

/* The cursor, on a thread (by number). */
static struct ht_cursor cur;

/* The thread rows when they answer the request last sent, else NULL. */
static const struct ht_ui_data *current(const struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;

	if (d == NULL || d->threads_kind == HT_THREADS_NONE ||
	    d->threads_request != ui->threads_request)
		return NULL;
	return d;
}

/* Replace each "·" by "|" on a terminal without UTF-8. */
static void ascii_dots(const struct ht_ui *ui, char *s)
{
	char *p;

	if (ui->utf8)
		return;
	while ((p = strstr(s, "\u00b7")) != NULL) {
		p[0] = '|';
		memmove(p + 1, p + 2, strlen(p + 2) + 1);
	}
}

/* Right-align s in a field of `width` columns at x (one blank after). */
static void put_right(int y, int x, int width, const char *s)
{
	int len = (int)ht_fmt_columns(s, strlen(s));
	int pad = width - 1 - len;

	ht_ui_put(y, x + (pad > 0 ? pad : 0), s, width - 1);
}

static void draw_title(struct ht_ui *ui, const struct ht_ui_data *d, int y,
                       int w)
{
	char title[512], loc[256] = "", count[64] = "";
	const char *mode = ui->alloc_mode ? "allocated" : "in-use";

	if (d != NULL)
		snprintf(count, sizeof count, " \u00b7 %zu threads",
		         d->nthreads);
	if (ui->req.threads_kind == HT_THREADS_ALL) {
		snprintf(title, sizeof title, "Threads of the whole profile "
		         "\u00b7 mode: %s%s \u00b7 T: the site", mode, count);
	} else if (d != NULL && d->threads_site_frame != NULL) {
		const struct ht_frame *f = d->threads_site_frame;
		char name[256];

		if (f->file != NULL) /* line 0: grouped by function */
			snprintf(loc, sizeof loc, f->line > 0 ? "  %s:%d" :
			         "  %s", ht_fmt_basename(f->file), f->line);
		snprintf(title, sizeof title, "Threads of %s%s \u00b7 mode: %s"
		         "%s \u00b7 T: whole profile",
		         ht_fmt_short_name(name, sizeof name,
		                           f->function ? f->function : "?",
		                           ui->utf8), loc, mode, count);
	} else {
		snprintf(title, sizeof title, "Threads of the site \u00b7 mode: "
		         "%s \u00b7 T: whole profile", mode);
	}
	ascii_dots(ui, title);
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, title, w);
	attrset(A_NORMAL);
}

/* Column layout: THREAD IN-USE OBJS ALLOC SHARE NAME. */
enum { W_THREAD = 8, W_INUSE = 10, W_OBJS = 9, W_ALLOC = 10, W_SHARE = 8 };

static void draw_columns(const struct ht_ui *ui, int y, int w)
{
	const struct ht_ui_data *d = ui->data;
	enum ht_sort s = d != NULL ? d->opts.sort : ui->sort;
	int x = 0;

	attrset(ht_color(HT_CR_COLUMNS));
	mvhline(y, 0, ' ', w);
#define COL(width, text, sorted)                                           \
	do {                                                               \
		attrset(ht_color((sorted) ? HT_CR_SORT_COLUMN               \
		                          : HT_CR_COLUMNS));                \
		put_right(y, x, (width), (text));                          \
		x += (width);                                              \
	} while (0)
	COL(W_THREAD, "THREAD", s == HT_SORT_NAME);
	COL(W_INUSE, "IN-USE", s == HT_SORT_INUSE_BYTES ||
	                       s == HT_SORT_GROWTH);
	COL(W_OBJS, "OBJS", s == HT_SORT_INUSE_OBJS);
	COL(W_ALLOC, "ALLOC", s == HT_SORT_ALLOC_BYTES);
	COL(W_SHARE, "SHARE", false);
#undef COL
	attrset(ht_color(HT_CR_COLUMNS));
	ht_ui_put(y, x + 1, "NAME", w - x - 1);
	attrset(A_NORMAL);
}

static void draw_row(struct ht_ui *ui, const struct ht_ui_data *d,
                     const struct ht_ui_thread_row *r, int y, int w,
                     bool sel)
{
	bool alloc = ui->alloc_mode;
	double v = alloc ? r->c.cum_bytes : r->c.cur_bytes;
	double total = alloc ? d->threads_total.cum_bytes
	                     : d->threads_total.cur_bytes;
	char buf[64];
	int x = 0;

#define ROLE(rr) (sel ? HT_CR_SELECTED : (rr))
	if (sel) {
		attrset(ht_color(HT_CR_SELECTED));
		mvhline(y, 0, ' ', w);
	}
	attrset(ht_color(ROLE(HT_CR_DIM)));
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->thread);
	put_right(y, x, W_THREAD, buf);
	x += W_THREAD;
	attrset(ht_color(ROLE(HT_CR_BYTES)));
	ht_fmt_bytes(buf, sizeof buf, r->c.cur_bytes, false);
	put_right(y, x, W_INUSE - 1, buf);
	if (ht_rel_stderr(r->c.cur_bytes, r->c.var_cur_bytes) >
	    HT_UNCERTAIN_REL) {
		attrset(ht_color(ROLE(HT_CR_UNCERTAIN)));
		ht_ui_put(y, x + W_INUSE - 2, ui->utf8 ? "\u00b1" : "~", 1);
	}
	x += W_INUSE;
	attrset(ht_color(ROLE(HT_CR_DEFAULT)));
	ht_fmt_count(buf, sizeof buf, r->c.cur_objs, false);
	put_right(y, x, W_OBJS, buf);
	x += W_OBJS;
	attrset(ht_color(ROLE(HT_CR_BYTES)));
	ht_fmt_bytes(buf, sizeof buf, r->c.cum_bytes, false);
	put_right(y, x, W_ALLOC, buf);
	x += W_ALLOC;
	attrset(ht_color(ROLE(HT_CR_DEFAULT)));
	if (total > 0)
		snprintf(buf, sizeof buf, "%.1f%%", 100.0 * v / total);
	else
		snprintf(buf, sizeof buf, "-");
	put_right(y, x, W_SHARE, buf);
	x += W_SHARE + 1;
	if (x < w) {
		attrset(ht_color(ROLE(r->name ? HT_CR_FUNCTION : HT_CR_DIM)));
		ht_ui_put(y, x, r->name ? r->name : "(unnamed)", w - x);
	}
#undef ROLE
	attrset(A_NORMAL);
}

static void dim_line(int y, int w, const char *s)
{
	attrset(ht_color(HT_CR_DIM));
	ht_ui_put(y, 0, s, w);
	attrset(A_NORMAL);
}

static void draw_threads(struct ht_ui *ui, int y, int h, int w)
{
	const struct ht_ui_data *d = current(ui);
	int rows_h = h - 2, i;
	size_t r;

	draw_title(ui, d, y, w);
	draw_columns(ui, y + 1, w);
	if (d == NULL) {
		dim_line(y + 2, w, "reading the threads ...");
		return;
	}
	if (!d->has_threads) {
		dim_line(y + 2, w, "no per-thread data in this profile");
		return;
	}
	if (d->threads_kind == HT_THREADS_SITE &&
	    d->threads_site_frame == NULL) {
		dim_line(y + 2, w, "the site is gone (T: the whole profile)");
		return;
	}
	if (d->nthreads == 0) {
		dim_line(y + 2, w, "no per-thread counts here");
		return;
	}
	ht_ui_clamp(&cur.row, &cur.scroll, d->nthreads, rows_h);
	for (r = cur.scroll, i = 0; r < d->nthreads && i < rows_h;
	     r++, i++)
		draw_row(ui, d, &d->threads[r], y + 2 + i, w,
		         r == cur.row);
}

static uint64_t thread_key(const void *rows, size_t i)
{
	return ((const struct ht_ui_data *)rows)->threads[i].thread;
}

static void remember_thread(struct ht_ui *ui)
{
	const struct ht_ui_data *d = current(ui);

	ht_cursor_remember(&cur, d, d ? d->nthreads : 0, thread_key);
}

/* Ask for a breakdown and show it from its top row. */
static void request(struct ht_ui *ui, enum ht_threads_kind kind,
                    uint64_t key)
{
	ht_cursor_reset(&cur);
	ht_ui_request_threads(ui, kind, key);
}

/*
 * Open the threads view from the sites table (the selected site's
 * threads; the whole profile's when the table is empty), or, in the
 * threads view, switch between the site and the whole profile.  When the
 * profile has no per-thread counts, only says so in the status line.
 */
void ht_view_threads_open(struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;
	uint64_t site;
	bool have_site = ht_view_top_selected(ui, &site, false);

	if (d == NULL || !d->have_profile) {
		ht_ui_status(ui, false, "no profile yet: waiting for data");
		return;
	}
	if (!d->has_threads) {
		ht_ui_status(ui, false, "no per-thread data in this profile");
		return;
	}
	if (ui->view == &ht_view_threads) {
		if (ui->req.threads_kind == HT_THREADS_SITE || !have_site)
			request(ui, HT_THREADS_ALL, 0);
		else
			request(ui, HT_THREADS_SITE, site);
		return;
	}
	if (have_site) {
		/* the site stays selected when the table comes back */
		ht_view_top_selected(ui, &site, true);
		request(ui, HT_THREADS_SITE, site);
	} else {
		request(ui, HT_THREADS_ALL, 0);
	}
	ht_ui_switch(ui, &ht_view_threads);
}

static bool action_threads(struct ht_ui *ui, enum ht_action a)
{
	const struct ht_ui_data *d = current(ui);
	size_t n = d ? d->nthreads : 0;

	if (ht_ui_move(a, &cur.row, &cur.scroll, n,
	               ui->body_lines - 2)) {
		remember_thread(ui);
		return true;
	}
	return false;
}

/* New rows: keep the cursor on the thread it was on. */
static void data_threads(struct ht_ui *ui)
{
	const struct ht_ui_data *d = current(ui);

	if (d != NULL)
		ht_cursor_follow(&cur, d, d->nthreads, thread_key);
}

static void reset_threads(struct ht_ui *ui)
{
	ht_cursor_reset(&cur);
}

const struct ht_view_ops ht_view_threads = {
	.name = "threads",
	.scope = HT_SCOPE_THREADS,
	.draw = draw_threads,
	.action = action_threads,
	.data = data_threads,
	.leave = ht_ui_come_back_here,
	.reset = reset_threads,
};
