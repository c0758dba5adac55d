/*
 * The processes view (P): the processes of the session's tree that
 * sampled (the launched or attached program first, its fork children and
 * exec'd images indented under their parents), with state, bytes in use,
 * bytes allocated and samples.  Enter shows the selected process's sites:
 * the worker switches the session to that process's segment
 * (ht_session_switch) and the model starts over with its data; Enter on
 * the session's own process goes back.  The ui thread only sends the
 * segment name; it never touches the session.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

/* The list's cursor (a row; the list is short and rarely changes). */
static struct ht_cursor procs;

static const char *state_word(const struct ht_ui_proc_row *r, char *buf,
                              size_t n)
{
	switch (r->state) {
	case HT_PROC_RUNNING: return "running";
	case HT_PROC_STARTING: return "starting";
	case HT_PROC_EXECED: return "execed";
	case HT_PROC_DISABLED: return "disabled";
	case HT_PROC_EXITED:
		if (r->exit_status < 0)
			return "exited";
		snprintf(buf, n, "exited(%d)", r->exit_status);
		return buf;
	default: return "unknown";
	}
}

static void draw_row(const struct ht_ui_data *d, const struct ht_ui_proc_row *r,
                     int y, int w, bool selected)
{
	char line[1024], st[32], in[32], al[32];
	bool shown = d->shown_segment && strcmp(d->shown_segment, r->name) == 0;

	ht_fmt_bytes(in, sizeof in, r->cur_bytes, false);
	ht_fmt_bytes(al, sizeof al, r->cum_bytes, false);
	snprintf(line, sizeof line, "%c%8d %-12s %10s %10s %9llu %*s%s%s",
	         shown ? '*' : ' ', r->pid, state_word(r, st, sizeof st),
	         r->have_totals ? in : "?", r->have_totals ? al : "?",
	         (unsigned long long)r->samples,
	         (int)(r->depth > 8 ? 16 : 2 * r->depth), "",
	         r->depth ? "`- " : "", r->command);
	attrset(selected ? ht_color(HT_CR_SELECTED) : A_NORMAL);
	mvhline(y, 0, ' ', w);
	ht_ui_put(y, 0, line, w);
	attrset(A_NORMAL);
}

static void draw_procs(struct ht_ui *ui, int y, int h, int w)
{
	const struct ht_ui_data *d = ui->data;
	char title[128];
	int rows_h = h - 2, i;
	size_t r;

	snprintf(title, sizeof title, "%9s %-12s %10s %10s %9s %s", "PID",
	         "STATE", "INUSE", "ALLOC", "SAMPLES", "COMMAND");
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, "processes of the tree (Enter: show its sites; "
	          "* the one shown)", w);
	attrset(ht_color(HT_CR_COLUMNS));
	mvhline(y + 1, 0, ' ', w);
	ht_ui_put(y + 1, 0, title, w);
	attrset(A_NORMAL);
	if (d == NULL || d->nprocs == 0) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y + 2, 0, "no process of the tree has sampled yet", w);
		attrset(A_NORMAL);
		return;
	}
	ht_ui_clamp(&procs.row, &procs.scroll, d->nprocs, rows_h);
	for (r = procs.scroll, i = 0; r < d->nprocs && i < rows_h; r++, i++)
		draw_row(d, &d->procs[r], y + 2 + i, w, r == procs.row);
}

/* Ask the worker to show the selected process (the first: back home). */
static void open_proc(struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;
	const struct ht_ui_proc_row *r;
	char *name;

	if (d == NULL || procs.row >= d->nprocs)
		return;
	r = &d->procs[procs.row];
	name = strdup(r->name);
	if (!name)
		return;
	pthread_mutex_lock(&ui->lock);
	free(ui->req.switch_to);
	ui->req.switch_to = name;
	pthread_cond_signal(&ui->cond);
	pthread_mutex_unlock(&ui->lock);
	ht_view_top_reset(ui);
	ht_ui_status(ui, false, "showing pid %d: %s", r->pid, r->command);
	ht_ui_switch(ui, &ht_view_top);
}

static bool action_procs(struct ht_ui *ui, enum ht_action a)
{
	const struct ht_ui_data *d = ui->data;
	size_t n = d ? d->nprocs : 0;

	if (a == HT_ACT_ENTER) {
		open_proc(ui);
		return true;
	}
	return ht_ui_move(a, &procs.row, &procs.scroll, n,
	                  ui->body_lines - 2);
}

static void reset_procs(struct ht_ui *ui)
{
	ht_cursor_reset(&procs);
}

static void data_procs(struct ht_ui *ui)
{
	const struct ht_ui_data *d = ui->data;

	if (d != NULL && procs.row >= d->nprocs)
		procs.row = d->nprocs ? d->nprocs - 1 : 0;
}

const struct ht_view_ops ht_view_procs = {
	.name = "processes",
	.scope = HT_SCOPE_PROCS,
	.draw = draw_procs,
	.action = action_procs,
	.data = data_procs,
	.reset = reset_procs,
};
