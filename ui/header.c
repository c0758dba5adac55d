/*
 * The header: what is being watched and how it is doing (program, pid,
 * state, uptime, heap estimates, RSS, sample rate, samples per second,
 * ring drops, baseline age, where the program's output goes).  Draws only
 * from the published data and session facts that never change while the
 * screen runs; never touches the model.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

struct line {
	int y, x, w;
};

static void put_role(struct line *l, enum ht_color_role role, const char *s)
{
	if (l->x >= l->w)
		return;
	attrset(ht_color(role));
	l->x += ht_ui_put(l->y, l->x, s, l->w - l->x);
	attrset(A_NORMAL);
}

/* "label value  " */
static void item(struct line *l, const char *label, const char *value,
                 enum ht_color_role vrole)
{
	if (label != NULL && *label != '\0') {
		put_role(l, HT_CR_HEADER_LABEL, label);
		put_role(l, HT_CR_DEFAULT, " ");
	}
	put_role(l, vrole, value);
	put_role(l, HT_CR_DEFAULT, "  ");
}

static const char *state_text(const struct ht_ui_data *d, char *buf,
                              size_t len, enum ht_color_role *role)
{
	*role = HT_CR_STATE_RUNNING;
	switch (d->state) {
	case HT_PROC_RUNNING:
		return "running";
	case HT_PROC_STARTING:
		return "starting";
	case HT_PROC_EXITED:
		*role = HT_CR_STATE_EXITED;
		snprintf(buf, len, "exited, status %d", d->exit_status);
		return buf;
	case HT_PROC_EXECED:
		*role = HT_CR_STATE_EXITED;
		return "exec'd";
	case HT_PROC_DISABLED:
		*role = HT_CR_STATE_EXITED;
		return "runtime disabled";
	case HT_PROC_UNKNOWN:
	default:
		*role = HT_CR_HEADER_VALUE;
		return "unknown";
	}
}

/*
 * Draw the header in lines 0.. of a screen w columns wide.  Returns the
 * number of lines used (3).
 */
int ht_header_draw(struct ht_ui *ui, int w)
{
	const struct ht_ui_data *d = ui->data;
	/* the command of the process shown (the worker copies it: a switch
	 * to another process of the tree changes it) */
	const char *cmd = ui->data && ui->data->shown_command ?
	                  ui->data->shown_command :
	                  ht_session_command(ui->session);
	const char *out = ht_session_app_output(ui->session);
	enum ht_session_kind kind = ht_session_kind(ui->session);
	struct line l = { 0, 0, w };
	char a[64], b[64], v[160];
	enum ht_color_role role;

	move(0, 0);
	clrtoeol();
	move(1, 0);
	clrtoeol();
	move(2, 0);
	clrtoeol();
	move(3, 0);
	clrtoeol();

	put_role(&l, HT_CR_TITLE, "heaptop  ");
	if (kind == HT_SESS_FOLLOW && (d == NULL || !d->have_profile)) {
		put_role(&l, HT_CR_DIM, "waiting for ");
		put_role(&l, HT_CR_HEADER_VALUE, cmd ? cmd : "?");
		put_role(&l, HT_CR_DIM, "  (start the program with MALLOC_CONF="
		         "prof:true,prof_prefix:PREFIX,lg_prof_interval:N)");
		return 3;
	}
	if (d == NULL || !d->have_profile) {
		put_role(&l, HT_CR_DIM, "waiting for the first snapshot...  ");
		put_role(&l, HT_CR_HEADER_VALUE, cmd ? cmd : "?");
		return 3;
	}
	if (d->pid > 0 && !d->following) {   /* following: in its line */
		snprintf(v, sizeof v, "%d", d->pid);
		item(&l, "pid", v, HT_CR_HEADER_VALUE);
	}
	if (kind == HT_SESS_LOAD) {
		item(&l, NULL, "saved profile", HT_CR_HEADER_VALUE);
	} else if (d->following) {
		/* "following PREFIX: pid N, dump FILE (...), age Xs, ..." */
		char fl[PATH_MAX + 256];

		ht_follow_describe(&d->follow, ht_ui_now(), fl, sizeof fl);
		item(&l, NULL, fl, d->follow.alive ? HT_CR_HEADER_VALUE
		                                   : HT_CR_STATE_EXITED);
	} else {
		const char *st = state_text(d, v, sizeof v, &role);

		item(&l, NULL, st, role);
		if (d->start_time_ns != 0) {
			double end = d->end_time_ns != 0
			             ? (double)d->end_time_ns / 1e9
			             : d->state == HT_PROC_RUNNING
			             ? ht_ui_now()
			             : (double)d->snapshot_time_ns / 1e9;
			double up = end - (double)d->start_time_ns / 1e9;

			item(&l, "up", ht_fmt_duration(a, sizeof a, up),
			     HT_CR_HEADER_VALUE);
		}
	}
	if (d->switched)
		item(&l, NULL, "[child process; P Enter on the first: back]",
		     HT_CR_PAUSED);
	if (d->nprocs > 1) {
		ht_fmt_bytes(a, sizeof a, d->procs_cur_bytes, false);
		item(&l, "with children", a, HT_CR_HEADER_VALUE);
	}
	if (ui->paused)
		item(&l, NULL, "[PAUSED]", HT_CR_PAUSED);
	/* the command last: on a narrow screen it is what gets cut */
	if (!d->following)
		put_role(&l, HT_CR_HEADER_VALUE, cmd ? cmd : "?");

	l.y = 1;
	l.x = 0;
	snprintf(v, sizeof v, "%s (%s objs)",
	         ht_fmt_bytes(a, sizeof a, d->totals.cur_bytes, false),
	         ht_fmt_count(b, sizeof b, d->totals.cur_objs, false));
	item(&l, "in use", v, HT_CR_HEADER_VALUE);
	if (d->proc.heap_trend != HT_TREND_UNKNOWN) {
		snprintf(v, sizeof v, "%s/s %s",
		         ht_fmt_bytes(a, sizeof a, d->proc.heap_fit.slope, true),
		         ht_trend_name(d->proc.heap_trend));
		item(&l, NULL, v, d->proc.heap_trend == HT_TREND_GROWING ?
		     HT_CR_GROWTH : HT_CR_DIM);
	}
	snprintf(v, sizeof v, "%s (%s objs)",
	         ht_fmt_bytes(a, sizeof a, d->totals.cum_bytes, false),
	         ht_fmt_count(b, sizeof b, d->totals.cum_objs, false));
	item(&l, "allocated", v, HT_CR_HEADER_VALUE);
	if (d->rss > 0) {
		ht_fmt_bytes(a, sizeof a, (double)d->rss, false);
		if (d->proc.have_rss && d->proc.rss_trend != HT_TREND_UNKNOWN)
			snprintf(v, sizeof v, "%s %s/s %s", a,
			         ht_fmt_bytes(b, sizeof b, d->proc.rss_fit.slope,
			                      true),
			         ht_trend_name(d->proc.rss_trend));
		else
			snprintf(v, sizeof v, "%s", a);
		item(&l, "RSS", v, HT_CR_HEADER_VALUE);
	}
	/* the allocator's own view beside them */
	if (d->facts.astat_kind == HT_ASTAT_GLIBC) {
		snprintf(v, sizeof v, "%s used %s free",
		         ht_fmt_bytes(a, sizeof a, (double)(d->facts.astat[1] +
		                                            d->facts.astat[3]), false),
		         ht_fmt_bytes(b, sizeof b, (double)d->facts.astat[2], false));
		item(&l, "malloc", v, HT_CR_HEADER_VALUE);
	} else if (d->facts.astat_kind == HT_ASTAT_JEMALLOC) {
		snprintf(v, sizeof v, "%s allocated %s resident",
		         ht_fmt_bytes(a, sizeof a, (double)d->facts.astat[0], false),
		         ht_fmt_bytes(b, sizeof b, (double)d->facts.astat[2], false));
		item(&l, "jemalloc", v, HT_CR_HEADER_VALUE);
	}

	l.y = 2;
	l.x = 0;
	if (d->rate > 0)
		item(&l, "rate", ht_fmt_bytes(a, sizeof a, (double)d->rate,
		                              false), HT_CR_HEADER_VALUE);
	if (d->budget_ppm > 0) {
		/* the runtime chooses the rate: its cost against the budget */
		if (d->overhead_ppm > 0)
			snprintf(v, sizeof v, "%g%% (costs %.2f%%)",
			         (double)d->budget_ppm / 1e4,
			         (double)d->overhead_ppm / 1e4);
		else
			snprintf(v, sizeof v, "%g%% (measuring)",
			         (double)d->budget_ppm / 1e4);
		item(&l, "budget", v, HT_CR_HEADER_VALUE);
	} else if (d->budget_unused_ppm > 0) {
		/* jemalloc's profiler keeps its own fixed interval */
		snprintf(v, sizeof v, "%g%% does not apply (jemalloc's profiler)",
		         (double)d->budget_unused_ppm / 1e4);
		item(&l, "budget", v, HT_CR_GROWTH);
	}
	if (kind != HT_SESS_LOAD && kind != HT_SESS_FOLLOW) {
		enum ht_alloc_source src = ht_alloc_source(&d->alloc);

		/* where the numbers come from; a warning when nowhere */
		if (src == HT_ASRC_JEMALLOC && ht_alloc_dump_interval(&d->alloc) > 1.0) {
			/* paced: many stacks make each dump expensive */
			snprintf(v, sizeof v, "jemalloc profiler (a dump every %.0fs)",
			         ht_alloc_dump_interval(&d->alloc));
			item(&l, "source", v, HT_CR_HEADER_VALUE);
		} else if (src == HT_ASRC_JEMALLOC) {
			item(&l, "source", "jemalloc profiler", HT_CR_HEADER_VALUE);
		}
		else if (src == HT_ASRC_NONE) {
			snprintf(v, sizeof v, "%s: not visible",
			         ht_alloc_kind_name(d->alloc.kind));
			item(&l, "allocator", v, HT_CR_GROWTH);
		}
		if (d->samples_per_sec >= 0 && src != HT_ASRC_JEMALLOC)
			item(&l, "samples/s",
			     ht_fmt_count(a, sizeof a, d->samples_per_sec, false),
			     HT_CR_HEADER_VALUE);
		snprintf(v, sizeof v, "%llu", (unsigned long long)d->ring_drops);
		item(&l, "drops", v, d->ring_drops ? HT_CR_GROWTH
		                                   : HT_CR_HEADER_VALUE);
		if (d->stacks_full + d->addrs_full > 0) {
			snprintf(v, sizeof v, "%llu", (unsigned long long)
			         (d->stacks_full + d->addrs_full));
			item(&l, "lost (tables full)", v, HT_CR_GROWTH);
		}
	}
	if (d->sym_total > 0) {
		/* rows fill in as the refresh worker symbolizes */
		snprintf(v, sizeof v, "%s/%s", ht_fmt_grouped(a, sizeof a, d->sym_done),
		         ht_fmt_grouped(b, sizeof b, d->sym_total));
		item(&l, "symbolizing", v, HT_CR_GROWTH);
	}
	if (d->has_baseline) {
		double age = ht_ui_now() - (double)d->baseline_time_ns / 1e9;

		snprintf(v, sizeof v, "%s ago", ht_fmt_duration(a, sizeof a, age));
		item(&l, "baseline", v, HT_CR_HEADER_VALUE);
	}
	if (out != NULL)
		item(&l, "output", out, HT_CR_LOCATION);
	/* a fourth line when there is something to say about memory */
	l.y = 3;
	l.x = 0;
	if (d->proc.verdict != HT_MEM_NONE && d->proc.text[0])
		item(&l, "memory", d->proc.text, HT_CR_GROWTH);
	if (d->have_events && d->events.degraded) {
		snprintf(v, sizeof v, "ring overflow (%llu events lost): ages "
		         "approximate, counters exact",
		         (unsigned long long)d->events.drops);
		item(&l, NULL, v, HT_CR_GROWTH);
	}
	return l.x > 0 ? 4 : 3;
}
