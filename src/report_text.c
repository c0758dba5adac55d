/*
 * The batch text report: one update as a header, the allocator and
 * memory lines, and the site table with its per-thread rows, like
 * `top -b`.  Names are shortened to BATCH_NAME_MAX columns.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/events.h"
#include "core/follow.h"
#include "core/units.h"
#include "report.h"
#include "runtime/segment.h"
#include "ui/format.h"

/* Batch text shortens names longer than this (JSON keeps them whole). */
#define BATCH_NAME_MAX 100

/* Bytes as batch text writes them ("1.5K", always one decimal). */
static void text_bytes(char *buf, size_t n, double v)
{
	ht_units_fmt(buf, n, v, false, &ht_units_text_bytes);
}

const char *state_name(enum ht_proc_state s)
{
	switch (s) {
	case HT_PROC_STARTING: return "starting";
	case HT_PROC_RUNNING: return "running";
	case HT_PROC_EXITED: return "exited";
	case HT_PROC_EXECED: return "execed";
	case HT_PROC_DISABLED: return "disabled";
	default: return "unknown";
	}
}

static void print_value(char *buf, size_t n, double v, double var)
{
	char h[32];

	text_bytes(h, sizeof h, v);
	snprintf(buf, n, "%s%s", h,
	         ht_rel_stderr(v, var) > HT_UNCERTAIN_REL ? "±" : "");
}

/* The four count columns of a row: in use and allocated, bytes and
 * objects, with "±" where the estimate is uncertain. */
struct cells {
	char ib[40], ab[40], io[40], ao[40];
};

static void count_cells(struct cells *cl, const struct ht_counts *c)
{
	print_value(cl->ib, sizeof cl->ib, c->cur_bytes, c->var_cur_bytes);
	print_value(cl->ab, sizeof cl->ab, c->cum_bytes, c->var_cum_bytes);
	snprintf(cl->io, sizeof cl->io, "%.0f%s", c->cur_objs,
	         ht_rel_stderr(c->cur_objs, c->var_cur_objs) >
	         HT_UNCERTAIN_REL ? "±" : "");
	snprintf(cl->ao, sizeof cl->ao, "%.0f", c->cum_objs);
}

/* "thread N (name)" with the name's control characters made visible
 * (names come from files). */
static void thread_label(char *buf, size_t n, const struct ht_model *m,
                         uint64_t thread)
{
	const char *name = ht_model_thread_name(m, thread);
	int len = snprintf(buf, n, "thread %" PRIu64, thread);

	if (!name || !*name || len < 0 || (size_t)len + 4 >= n)
		return;
	buf[len++] = ' ';
	buf[len++] = '(';
	for (; *name && (size_t)len + 2 < n; name++)
		buf[len++] = (unsigned char)*name < 0x20 || *name == 0x7f ?
		             '?' : *name;
	buf[len++] = ')';
	buf[len] = '\0';
}

/* One row of the per-thread columns: the site table's numbers, the
 * growth column left blank, then `indent` and the thread. */
static void print_thread_row(const struct ht_model *m,
                             const struct ht_thread_counts *t, bool delta,
                             const char *indent)
{
	const struct ht_counts *c = &t->counts;
	struct cells cl;
	char label[160];

	count_cells(&cl, c);
	thread_label(label, sizeof label, m, t->thread);
	/* under a site: past its TREND column; in the thread table: none */
	printf("%12s %10s %12s %10s%s %s%s%s\n", cl.ib, cl.io, cl.ab, cl.ao,
	       delta ? "             " : "", *indent ? "                   " : " ",
	       indent, label);
}

/* The per-thread totals table (at most --top rows). */
static void print_thread_table(struct ht_model *m, const struct options *o,
                               bool delta)
{
	size_t nt, shown;
	const struct ht_thread_counts *th = ht_model_threads(m, &nt);

	shown = o->top && (size_t)o->top < nt ? (size_t)o->top : nt;
	printf("\n%12s %10s %12s %10s%s  %s\n", "INUSE", "OBJS", "ALLOC",
	       "ALLOCOBJS", delta ? "             " : "", "THREAD");
	for (size_t i = 0; i < shown; i++)
		print_thread_row(m, &th[i], delta, "");
	if (shown < nt)
		printf("... %zu more threads\n", nt - shown);
}

/* Batch text: the allocator line (live sessions), and what to do when
 * heaptop cannot see the allocations. */
static void print_allocator(const struct ht_profile *p,
                            const struct ht_session *s)
{
	char d[256], a[512];

	if (ht_session_kind(s) == HT_SESS_LOAD ||
	    ht_session_kind(s) == HT_SESS_FOLLOW)
		return;
	printf("allocator: %s\n", ht_alloc_describe(&p->alloc, d, sizeof d));
	if (ht_alloc_source(&p->alloc) == HT_ASRC_JEMALLOC)
		printf("note: jemalloc counts its size classes (usable bytes), "
		       "not the sizes requested\n");
	if (ht_alloc_dump_interval(&p->alloc) > 1.0)
		printf("note: a jemalloc dump takes %.2f s: one every %.0f s, to "
		       "keep them under 1%% of the time\n", p->alloc.dump_seconds,
		       ht_alloc_dump_interval(&p->alloc));
	if (ht_alloc_advice(&p->alloc, a, sizeof a))
		printf("warning: heaptop cannot see this program's allocations: "
		       "%s\n", a);
}

/* ---- is it a leak: trends, ages, verdicts, the process's memory ---- */

/* "+1.2M/s growing", or "collecting" while there is no trend yet. */
static void trend_text(char *buf, size_t n, const struct ht_fit *f,
                       enum ht_trend t)
{
	char g[24];

	if (t == HT_TREND_UNKNOWN) {
		snprintf(buf, n, "%s", ht_trend_name(t));
		return;
	}
	text_bytes(g, sizeof g, f->slope);
	snprintf(buf, n, "%s%s/s %s", f->slope >= 0 ? "+" : "", g,
	         ht_trend_name(t));
}

/* A function name for a batch text line: a name longer than
 * BATCH_NAME_MAX columns loses its template arguments and parameter
 * lists ("std::vector<...>::_M_allocate(...)"), then is cut with "~". */
static const char *batch_name(char *buf, size_t len, const char *name)
{
	char tmp[BATCH_NAME_MAX * 8];

	if (name == NULL)
		return "?";
	if (ht_fmt_columns(name, strlen(name)) <= BATCH_NAME_MAX)
		return name;
	ht_fmt_short_name(tmp, sizeof tmp, name, false);
	return ht_fmt_cut(buf, len, tmp, BATCH_NAME_MAX, false);
}

/* The TREND column. */
static void trend_cell(char *buf, size_t n, const struct ht_site *st)
{
	trend_text(buf, n, &st->fit, st->trend);
}

/* The line under a site: its growth with the standard error, the ages
 * of its live objects, the verdict; nothing while there is nothing. */
static void print_verdict(const struct ht_site *st)
{
	char g[32], e[32], line[320];
	int n = 0;

	if (st->trend != HT_TREND_UNKNOWN && isfinite(st->fit.slope_se)) {
		text_bytes(g, sizeof g, st->fit.slope);
		text_bytes(e, sizeof e, st->fit.slope_se);
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "growth %s%s/s \u00b1%s/s", st->fit.slope >= 0 ?
		              "+" : "", g, e);
	}
	if (st->has_ages && st->ages.live > 0)
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "%sages: oldest %.0f s, median %.0f s",
		              n ? ", " : "", st->ages.oldest_s,
		              st->ages.median_s);
	if (st->verdict.verdict != HT_VERDICT_NONE && st->verdict.text[0])
		n += snprintf(line + n, sizeof line - (size_t)n, "%s%s",
		              n ? "; " : "", st->verdict.text);
	if (n > 0)
		printf("%12s   %s\n", "", line);
}

const char *const *astat_names(uint32_t kind)
{
	static const char *const glibc[6] = { "arena", "in_use", "free",
	                                      "mmapped", NULL, NULL };
	static const char *const je[6] = { "allocated", "active", "resident",
	                                   "retained", "mapped", "metadata" };

	return kind == HT_ASTAT_GLIBC ? glibc :
	       kind == HT_ASTAT_JEMALLOC ? je : NULL;
}

const char *astat_source(uint32_t kind)
{
	return kind == HT_ASTAT_GLIBC ? "mallinfo2" :
	       kind == HT_ASTAT_JEMALLOC ? "jemalloc" : NULL;
}

/* Batch text: the process's memory under the allocator line. */
static void print_memory(struct ht_model *m, struct ht_session *s)
{
	const struct ht_profile *p = ht_model_profile(m);
	const struct ht_proc_diag *d = ht_model_proc_diag(m);
	const char *const *names = astat_names(p->proc.astat_kind);
	struct ht_events_status es;
	char b[32], g[32];

	if (ht_session_kind(s) == HT_SESS_LOAD ||
	    ht_session_kind(s) == HT_SESS_FOLLOW)
		return;
	text_bytes(b, sizeof b, p->totals.cur_bytes);
	trend_text(g, sizeof g, &d->heap_fit, d->heap_trend);
	printf("memory: heap %s (%s)", b, g);
	if (p->proc.have_rss) {
		text_bytes(b, sizeof b, (double)p->proc.rss);
		trend_text(g, sizeof g, &d->rss_fit, d->rss_trend);
		printf(", RSS %s (%s)", b, g);
	}
	if (names) {
		printf(", %s:", astat_source(p->proc.astat_kind));
		for (int i = 0; i < 6; i++)
			if (names[i]) {
				text_bytes(b, sizeof b, (double)p->proc.astat[i]);
				printf(" %s %s", names[i], b);
			}
	}
	printf("\n");
	if (p->proc.have_map) {
		char h[32], st[32], an[32], fi[32];

		text_bytes(h, sizeof h, (double)p->proc.map_brk_heap);
		text_bytes(st, sizeof st, (double)p->proc.map_stacks);
		text_bytes(an, sizeof an, (double)p->proc.map_anon);
		text_bytes(fi, sizeof fi, (double)p->proc.map_file);
		printf("rss by kind: brk heap %s, thread stacks %s, other "
		       "anonymous %s, files %s\n", h, st, an, fi);
	}
	if (d->verdict != HT_MEM_NONE && d->text[0])
		printf("verdict: %s\n", d->text);
	if (ht_session_events(s, &es) && es.degraded) {
		printf("note: the event ring overflowed (%" PRIu64 " events "
		       "lost): ages and lifetimes are approximate; the counters "
		       "are exact", es.drops);
		/* a ring 4 times larger rides out delays 4 times longer; a
		 * rate the follower cannot keep up with needs fewer samples */
		if (es.ring_cap > 0 && es.ring_cap < HT_SEG_MAX_RING)
			printf(" (for the next run: a larger ring, HEAPTOP_RING=%" PRIu64
			       " (now %" PRIu64 "), or a coarser -r)",
			       es.ring_cap * 4 < HT_SEG_MAX_RING ? es.ring_cap * 4 :
			       (uint64_t)HT_SEG_MAX_RING, es.ring_cap);
		printf("\n");
	}
}

/* "following PREFIX: pid N, dump FILE (seq S, kind K), age Xs, K dumps
 * seen" under the header line. */
static void print_follow_text(struct ht_session *s)
{
	struct ht_follow_info fi;
	char line[PATH_MAX + 256];

	ht_follow_info(ht_session_follower(s), &fi);
	ht_follow_describe(&fi, (double)time(NULL), line, sizeof line);
	printf("%s\n", line);
}

/* The processes of the session's tree that sampled, one line each,
 * indented by depth like --list; only when there is more than one. */
static void print_processes(const struct ht_family *fam)
{
	size_t n;
	const struct ht_family_proc *pr = fam ? ht_family_procs(fam, &n) : NULL;

	if (!pr || n < 2)
		return;
	printf("processes:\n");
	for (size_t k = 0; k < n; k++) {
		const struct ht_family_proc *q = &pr[k];
		char st[48], b1[32], b2[32];

		if (q->state == HT_PROC_EXITED && q->exit_status >= 0)
			snprintf(st, sizeof st, "exited(%d)", q->exit_status);
		else
			snprintf(st, sizeof st, "%s", state_name(q->state));
		text_bytes(b1, sizeof b1, q->totals.cur_bytes);
		text_bytes(b2, sizeof b2, q->totals.cum_bytes);
		printf("  %8d %-12s in use %10s allocated %10s samples %8" PRIu64
		       " %*s%s%s\n", q->pid, st, q->have_totals ? b1 : "?",
		       q->have_totals ? b2 : "?", q->samples,
		       (int)(q->depth > 8 ? 16 : 2 * q->depth), "",
		       q->depth ? "`- " : "", q->command);
	}
}

void print_text(struct ht_model *m, struct ht_session *s,
                       const struct options *o, bool final,
                       const struct ht_family *fam)
{
	const struct ht_profile *p = ht_model_profile(m);
	const struct ht_counts *t = ht_model_totals(m);
	struct ht_site *const *sites;
	size_t n, shown;
	char b1[32], b2[32], rate[32], tm[32];
	time_t now = (time_t)(p->snapshot_time_ns / 1000000000ull);
	struct tm tmv;
	char state[64], note[512];
	bool delta = ht_model_has_baseline(m);
	bool threads = !o->no_threads && ht_model_has_threads(m);
	size_t nthreads = 0;

	if (p->state == HT_PROC_EXITED && p->exit_status >= 0)
		snprintf(state, sizeof state, "exited, status %d",
		         p->exit_status);
	else if (ht_session_kind(s) == HT_SESS_LOAD)
		snprintf(state, sizeof state, "loaded");
	else
		snprintf(state, sizeof state, "%s", state_name(p->state));
	if (!now)
		now = time(NULL);
	localtime_r(&now, &tmv);
	strftime(tm, sizeof tm, "%H:%M:%S", &tmv);
	text_bytes(rate, sizeof rate, (double)p->rate);
	text_bytes(b1, sizeof b1, t->cur_bytes);
	text_bytes(b2, sizeof b2, t->cum_bytes);
	printf("heaptop - %s%s", tm, final ? " final" : "");
	if (p->pid > 0)
		printf(" pid %d", p->pid);
	printf(" %s, rate %s", state, rate);
	if (p->budget_ppm > 0 && p->overhead_ppm > 0)
		printf(" (budget %g%%, costs %.2f%%)", (double)p->budget_ppm / 1e4,
		       (double)p->overhead_ppm / 1e4);
	else if (p->budget_ppm > 0)
		printf(" (budget %g%%, measuring)", (double)p->budget_ppm / 1e4);
	printf(", in use %s in %.0f objects, allocated %s in %.0f objects", b1,
	       t->cur_objs, b2, t->cum_objs);
	if (ht_session_kind(s) != HT_SESS_LOAD &&
	    ht_session_kind(s) != HT_SESS_FOLLOW)
		printf(", samples %" PRIu64 ", drops %" PRIu64, p->samples,
		       p->ring_drops);
	printf("\n");
	if (ht_profile_quiet_note(p, note, sizeof note))
		printf("note: %s\n", note);
	if (ht_profile_budget_note(p, note, sizeof note))
		printf("note: %s\n", note);
	print_allocator(p, s);
	print_processes(fam);
	print_memory(m, s);
	if (ht_session_follower(s))
		print_follow_text(s);
	if (delta) {
		const struct ht_counts *d = ht_model_totals_delta(m);

		text_bytes(b1, sizeof b1, d->cur_bytes);
		printf("since baseline: in use %s%s, %+.0f objects\n",
		       d->cur_bytes >= 0 ? "+" : "", b1, d->cur_objs);
	}
	printf("%12s %10s %12s %10s%s %-18s %s\n", "INUSE", "OBJS", "ALLOC",
	       "ALLOCOBJS", delta ? "       GROWTH" : "", "TREND", "SITE");
	sites = ht_model_sites(m, &n);
	shown = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	if (threads)
		ht_model_threads(m, &nthreads);
	for (size_t i = 0; i < shown; i++) {
		const struct ht_site *st = sites[i];
		const struct ht_counts *c = &st->counts;
		struct cells cl;
		char gb[48] = "", tr[48];
		char nb[BATCH_NAME_MAX * 3 + 1];
		const struct ht_frame *f = st->frame;

		count_cells(&cl, c);
		if (delta && st->has_delta) {
			char h[24], sh[32];

			text_bytes(h, sizeof h, st->delta.cur_bytes);
			snprintf(sh, sizeof sh, "%s%s",
			         st->delta.cur_bytes > 0 ? "+" : "", h);
			snprintf(gb, sizeof gb, " %12s", sh);
		}
		if (ht_session_kind(s) == HT_SESS_LOAD)
			snprintf(tr, sizeof tr, "-");  /* one profile: no trend */
		else
			trend_cell(tr, sizeof tr, st);
		printf("%12s %10s %12s %10s%s %-18s %s", cl.ib, cl.io, cl.ab,
		       cl.ao, gb, tr,
		       batch_name(nb, sizeof nb, f->function));
		if (f->file && f->line > 0)
			printf(" (%s:%d)", ht_fmt_basename(f->file), f->line);
		else if (f->file)
			printf(" (%s)", ht_fmt_basename(f->file));
		else if (f->module)
			printf(" (%s)", f->module);
		if (st->via && st->via->function)
			printf(" via %s", batch_name(nb, sizeof nb,
			                             st->via->function));
		printf("\n");
		print_verdict(st);
		/* which threads allocated it: only worth a line when the
		 * profile has more than one thread */
		if (threads && nthreads > 1) {
			size_t nt, tshown;
			const struct ht_thread_counts *th =
				ht_model_site_threads(m, st->key, &nt);

			tshown = o->threads && (size_t)o->threads < nt ?
			         (size_t)o->threads : nt;
			for (size_t k = 0; k < tshown; k++)
				print_thread_row(m, &th[k], delta, "  ");
			if (tshown < nt)
				printf("%12s %10s %12s %10s%s %-18s   ... %zu "
				       "more threads\n", "", "", "", "",
				       delta ? "             " : "", "",
				       nt - tshown);
		}
	}
	if (shown < n)
		printf("... %zu more sites\n", n - shown);
	if (threads)
		print_thread_table(m, o, delta);
	printf("\n");
	fflush(stdout);
}
