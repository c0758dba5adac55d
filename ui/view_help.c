/*
 * The help view, generated from the key table (ui/keys.c) so it always
 * lists exactly the bindings the screen has, plus a legend of the marks
 * the tables use.  No state beyond its scroll position.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

/* The first line shown. */
static size_t first_line;

/* The legend: a mark (as drawn with UTF-8, and without) and its text. */
static const struct {
	const char *mark, *mark_ascii, *text;
} legend[] = {
	{ "", "", "" },
	{ "", "", "Marks and columns" },
	{ "\u00b1", "~", "the estimate rests on few samples (relative "
	  "standard error > 20%)" },
	{ "\u0394", "d...", "change since the baseline (b sets it, B clears "
	  "it)" },
	{ "TREND", "TREND", "in-use bytes of the site over recent updates" },
	{ "SHARE", "SHARE", "the site's part of all in-use (or allocated) "
	  "bytes" },
	{ "FLAME", "FLAME", "f: each frame as wide as its bytes; with a "
	  "baseline red grew, green shrank; / marks matches" },
	{ "", "", "  Sampled estimates: bytes are what the program asked "
	  "for; set the rate with -r." },
};

#define NLEGEND (sizeof legend / sizeof legend[0])

static const char *scope_text(unsigned scope)
{
	if ((scope & HT_SCOPE_ALL) == HT_SCOPE_ALL)
		return "";
	if (scope == HT_SCOPE_TOP)
		return "  [sites table]";
	if (scope == HT_SCOPE_TREE)
		return "  [tree]";
	if (scope == HT_SCOPE_SUB)
		return "  [other views]";
	if (scope == (HT_SCOPE_TOP | HT_SCOPE_THREADS))
		return "  [sites table, threads]";
	return "";
}

static size_t help_lines(void)
{
	size_t n;

	ht_keys_table(&n);
	return n + NLEGEND;
}

static void draw_help(struct ht_ui *ui, int y, int h, int w)
{
	const struct ht_key_binding *t;
	size_t n, total = help_lines(), i;
	int row;

	t = ht_keys_table(&n);
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, "heaptop help: keys (Esc or q to go back)", w);
	attrset(A_NORMAL);
	if (h > 1 && first_line + (size_t)(h - 1) > total)
		first_line = total > (size_t)(h - 1) ? total - (size_t)(h - 1)
		                                          : 0;
	for (row = 1, i = first_line; row < h && i < total; row++, i++) {
		char line[512], cut[512];

		if (i < n) {
			const char *keys = ui->utf8 ? t[i].names : t[i].ascii;
			int kw = (int)ht_fmt_columns(keys, strlen(keys));

			attrset(ht_color(HT_CR_FOOTER_KEY));
			ht_ui_put(y + row, 2, keys, w - 2);
			attrset(A_NORMAL);
			snprintf(line, sizeof line, "%s%s", t[i].help,
			         scope_text(t[i].scope));
			/* a line that does not fit ends with a marker */
			if (14 > 2 + kw && w > 14)
				ht_ui_put(y + row, 14, ht_fmt_cut(cut,
				          sizeof cut, line, (size_t)(w - 14),
				          ui->utf8), w - 14);
			else if (w > 3 + kw)
				ht_ui_put(y + row, 2 + kw + 1, ht_fmt_cut(cut,
				          sizeof cut, line, (size_t)(w - 3 - kw),
				          ui->utf8), w - 3 - kw);
		} else {
			const char *mark = ui->utf8 ? legend[i - n].mark
			                            : legend[i - n].mark_ascii;
			char s[256];

			if (*mark)   /* the mark in a column of 9 */
				snprintf(s, sizeof s, "  %-*s%s",
				         9 + (int)(strlen(mark) -
				                   ht_fmt_columns(mark, strlen(mark))),
				         mark, legend[i - n].text);
			else
				snprintf(s, sizeof s, "%s", legend[i - n].text);
			attrset(i - n == 1 ? ht_color(HT_CR_TITLE) : A_NORMAL);
			ht_ui_put(y + row, 0, ht_fmt_cut(cut, sizeof cut, s,
			          (size_t)w, ui->utf8), w);
			attrset(A_NORMAL);
		}
	}
}

static bool action_help(struct ht_ui *ui, enum ht_action a)
{
	size_t cursor = first_line, total = help_lines();
	int h = ui->body_lines - 1;

	/* scroll the page: the "cursor" is the first line shown */
	if (a == HT_ACT_END) {
		first_line = total > (size_t)h ? total - (size_t)h : 0;
		return true;
	}
	if (ht_ui_move(a, &cursor, &cursor, total, 1)) {
		first_line = cursor;
		return true;
	}
	return false;
}

/* Opened: from the first line. */
static void enter_help(struct ht_ui *ui)
{
	first_line = 0;
}

const struct ht_view_ops ht_view_help = {
	.name = "help",
	.scope = HT_SCOPE_HELP,
	.draw = draw_help,
	.action = action_help,
	.data = NULL,
	.enter = enter_help,
};
