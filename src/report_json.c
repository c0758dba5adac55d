/*
 * The batch JSON report: one object per update (totals, the process's
 * memory, the sites with their frames and threads, the process tree), one
 * line each, for scripts; names are kept whole.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "core/alloc.h"
#include "core/events.h"
#include "core/follow.h"
#include "core/json.h"
#include "report.h"

/* "notes": what the profile's numbers need said beside them (none: no
 * member) */
static void json_notes(FILE *f, const struct ht_profile *p)
{
	char note[512];
	bool any = false;

	if (ht_profile_quiet_note(p, note, sizeof note)) {
		fputs(",\"notes\":[", f);
		ht_json_string(f, note);
		any = true;
	}
	if (ht_profile_budget_note(p, note, sizeof note)) {
		fputs(any ? "," : ",\"notes\":[", f);
		ht_json_string(f, note);
		any = true;
	}
	if (any)
		fputs("]", f);
}

/* The stack of a site that represents it: the largest in use, then the
 * largest allocated. */
static size_t heaviest_stack(const struct ht_profile *p,
                             const struct ht_site *s)
{
	size_t best = s->stack_idx[0];

	for (size_t k = 1; k < s->nstacks; k++) {
		const struct ht_counts *a = &p->stacks[s->stack_idx[k]].counts;
		const struct ht_counts *b = &p->stacks[best].counts;

		if (a->cur_bytes > b->cur_bytes ||
		    (a->cur_bytes == b->cur_bytes && a->cum_bytes > b->cum_bytes))
			best = s->stack_idx[k];
	}
	return best;
}

static void json_allocator(FILE *f, const struct ht_profile *p,
                           const struct ht_session *s)
{
	const struct ht_alloc_desc *a = &p->alloc;
	char adv[512];

	fputs(",\"allocator\":", f);
	if (ht_session_kind(s) == HT_SESS_LOAD ||
	    ht_session_kind(s) == HT_SESS_FOLLOW) {
		fputs("null", f);
		return;
	}
	fputs("{\"name\":", f);
	ht_json_string(f, ht_alloc_kind_name(a->kind));
	fputs(",\"prefix\":", f);
	ht_json_string(f, a->prefix);
	fprintf(f, ",\"linkage\":\"%s\",\"profiling\":%s,\"source\":\"%s\""
	        ",\"advice\":", ht_alloc_linkage(a),
	        (a->flags & HT_ALLOC_F_PROF_ON) ? "true" : "false",
	        ht_alloc_source_name(ht_alloc_source(a)));
	if (ht_alloc_advice(a, adv, sizeof adv))
		ht_json_string(f, adv);
	else
		fputs("null", f);
	if (ht_alloc_source(a) == HT_ASRC_JEMALLOC)
		fprintf(f, ",\"dump_seconds\":%.6f,\"dump_interval\":%.6f",
		        a->dump_seconds, ht_alloc_dump_interval(a));
	fputs("}", f);
}

static void json_opt_number(FILE *f, const char *name, bool have, double v)
{
	fprintf(f, ",\"%s\":", name);
	if (have)
		ht_json_number(f, v);
	else
		fputs("null", f);
}

/* A site's trend, ages and verdict. */
static void json_site_diag(FILE *f, const struct ht_site *st)
{
	bool fit = st->trend != HT_TREND_UNKNOWN && isfinite(st->fit.slope_se);
	bool ages = st->has_ages && st->ages.live > 0;

	json_opt_number(f, "growth_bytes_per_s", fit, st->fit.slope);
	json_opt_number(f, "growth_stderr", fit, st->fit.slope_se);
	fprintf(f, ",\"trend\":\"%s\"", ht_trend_name(st->trend));
	json_opt_number(f, "age_oldest_s", ages, st->ages.oldest_s);
	json_opt_number(f, "age_median_s", ages, st->ages.median_s);
	if (st->has_ages) {
		fputs(",\"age_hist_bytes\":[", f);
		for (int i = 0; i < HT_AGE_BUCKETS; i++) {
			if (i)
				fputc(',', f);
			ht_json_number(f, st->ages.age_hist[i]);
		}
		fputc(']', f);
		json_opt_number(f, "lifetime_median_s", st->ages.freed > 0,
		                st->ages.lifetime_median_s);
		fprintf(f, ",\"freed_samples\":%zu", st->ages.freed);
		json_opt_number(f, "alloc_rate_bytes_per_s", st->ages.span_s > 0,
		                st->ages.span_s > 0 ?
		                st->ages.alloc_bytes / st->ages.span_s : 0);
		json_opt_number(f, "free_rate_bytes_per_s", st->ages.span_s > 0,
		                st->ages.span_s > 0 ?
		                st->ages.freed_bytes / st->ages.span_s : 0);
	}
	fputs(",\"verdict\":", f);
	if (st->verdict.verdict != HT_VERDICT_NONE)
		ht_json_string(f, ht_verdict_name(st->verdict.verdict));
	else
		fputs("null", f);
	fputs(",\"verdict_text\":", f);
	ht_json_string(f, st->verdict.text[0] ? st->verdict.text : NULL);
	fputs(",\"suspect_score\":", f);
	ht_json_number(f, st->verdict.score);
}

/* The process: RSS, the allocator's view, trends, verdict, events. */
static void json_memory(FILE *f, struct ht_model *m, struct ht_session *s)
{
	const struct ht_profile *p = ht_model_profile(m);
	const struct ht_proc_diag *d = ht_model_proc_diag(m);
	const char *const *names = astat_names(p->proc.astat_kind);
	struct ht_events_status es;

	json_opt_number(f, "rss_bytes", p->proc.have_rss, (double)p->proc.rss);
	fputs(",\"allocator_stats\":", f);
	if (names) {
		fputs("{\"source\":", f);
		ht_json_string(f, astat_source(p->proc.astat_kind));
		for (int i = 0; i < 6; i++)
			if (names[i])
				fprintf(f, ",\"%s\":%" PRIu64, names[i],
				        p->proc.astat[i]);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"memory\":{\"heap_trend\":", f);
	ht_json_string(f, ht_trend_name(d->heap_trend));
	json_opt_number(f, "heap_growth_bytes_per_s",
	                d->heap_trend != HT_TREND_UNKNOWN, d->heap_fit.slope);
	fputs(",\"rss_trend\":", f);
	ht_json_string(f, d->have_rss ? ht_trend_name(d->rss_trend) : NULL);
	json_opt_number(f, "rss_growth_bytes_per_s",
	                d->have_rss && d->rss_trend != HT_TREND_UNKNOWN,
	                d->rss_fit.slope);
	fputs(",\"rss_by_kind\":", f);
	if (p->proc.have_map)
		fprintf(f, "{\"brk_heap\":%" PRIu64 ",\"thread_stacks\":%" PRIu64
		        ",\"anonymous\":%" PRIu64 ",\"file\":%" PRIu64
		        ",\"shmem\":%" PRIu64 "}", p->proc.map_brk_heap,
		        p->proc.map_stacks, p->proc.map_anon, p->proc.map_file,
		        p->proc.map_shmem);
	else
		fputs("null", f);
	fputs(",\"verdict\":", f);
	ht_json_string(f, d->verdict != HT_MEM_NONE ?
	               ht_mem_verdict_name(d->verdict) : NULL);
	fputs(",\"text\":", f);
	ht_json_string(f, d->text[0] ? d->text : NULL);
	fputc('}', f);
	fputs(",\"events\":", f);
	if (ht_session_events(s, &es))
		fprintf(f, "{\"consumed\":%" PRIu64 ",\"drops\":%" PRIu64
		        ",\"reloads\":%" PRIu64 ",\"degraded\":%s,"
		        "\"ages_since_attach\":%s,\"ring_events\":%" PRIu64 "}",
		        es.events, es.drops, es.reloads,
		        es.degraded ? "true" : "false",
		        es.since_attach ? "true" : "false", es.ring_cap);
	else
		fputs("null", f);
}

/* ,"follow":{...}: where the shown dump comes from. */
static void json_follow(FILE *f, struct ht_session *s)
{
	struct ht_follow_info fi;
	char kind[2] = { 0, 0 };

	ht_follow_info(ht_session_follower(s), &fi);
	kind[0] = fi.kind;
	fputs(",\"follow\":{\"prefix\":", f);
	ht_json_string(f, fi.prefix);
	fprintf(f, ",\"pid\":%d,\"alive\":%s,\"file\":", fi.pid,
	        fi.alive ? "true" : "false");
	ht_json_string(f, fi.file);
	fprintf(f, ",\"seq\":%" PRIu64 ",\"kind\":", fi.seq);
	ht_json_string(f, ht_follow_kind_name(fi.kind));
	fputs(",\"kind_letter\":", f);
	ht_json_string(f, kind);
	fputs(",\"kind_seq\":", f);
	if (fi.kind_seq >= 0)
		fprintf(f, "%" PRId64, fi.kind_seq);
	else
		fputs("null", f);
	fprintf(f, ",\"mtime\":%.3f,\"age\":%.3f,\"dumps_seen\":%" PRIu64
	        ",\"dumps_loaded\":%" PRIu64 ",\"processes\":%u}",
	        (double)fi.mtime_ns / 1e9,
	        fmax(0, realtime_now() - (double)fi.mtime_ns / 1e9),
	        fi.dumps_seen, fi.dumps_loaded, fi.npids);
}

static void json_counts(FILE *f, const struct ht_counts *c, bool stderrs)
{
	fputs("\"inuse_bytes\":", f);
	ht_json_number(f, c->cur_bytes);
	fputs(",\"inuse_objects\":", f);
	ht_json_number(f, c->cur_objs);
	fputs(",\"alloc_bytes\":", f);
	ht_json_number(f, c->cum_bytes);
	fputs(",\"alloc_objects\":", f);
	ht_json_number(f, c->cum_objs);
	if (stderrs) {
		fputs(",\"inuse_bytes_stderr\":", f);
		ht_json_number(f, sqrt(fmax(c->var_cur_bytes, 0)));
		fputs(",\"inuse_objects_stderr\":", f);
		ht_json_number(f, sqrt(fmax(c->var_cur_objs, 0)));
		fputs(",\"alloc_bytes_stderr\":", f);
		ht_json_number(f, sqrt(fmax(c->var_cum_bytes, 0)));
		fprintf(f, ",\"inuse_samples\":%" PRIu64
		        ",\"alloc_samples\":%" PRIu64,
		        c->raw_cur_objs, c->raw_cum_objs);
	}
}

/* "function":...,"file":...,"line":N,"module":... of a frame. */
static void json_location(FILE *f, const struct ht_frame *fr)
{
	fputs("\"function\":", f);
	ht_json_string(f, fr->function);
	fputs(",\"file\":", f);
	ht_json_string(f, fr->file);
	fprintf(f, ",\"line\":%d,\"module\":", fr->line);
	ht_json_string(f, fr->module);
}

static void json_frame(FILE *f, const struct ht_frame *fr)
{
	char addr[32];

	fputc('{', f);
	json_location(f, fr);
	snprintf(addr, sizeof addr, "0x%" PRIx64, fr->pc);
	fprintf(f, ",\"inlined\":%s,\"address\":\"%s\"}",
	        fr->inlined ? "true" : "false", addr);
}

/* [{"thread":N,"name":...,<counts>},...] */
static void json_threads(FILE *f, const struct ht_model *m,
                         const struct ht_thread_counts *th, size_t n)
{
	fputc('[', f);
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputc(',', f);
		fprintf(f, "{\"thread\":%" PRIu64 ",\"name\":", th[k].thread);
		ht_json_string(f, ht_model_thread_name(m, th[k].thread));
		fputc(',', f);
		json_counts(f, &th[k].counts, true);
		fputc('}', f);
	}
	fputc(']', f);
}

/* "processes": the session's tree (root first), and the sum of their
 * totals beside "totals".  Nothing for loaded and followed sessions. */
static void json_processes(FILE *f, const struct ht_family *fam)
{
	size_t n;
	const struct ht_family_proc *pr;
	struct ht_counts all;

	if (!fam)
		return;
	pr = ht_family_procs(fam, &n);
	all = ht_family_totals(fam);
	fputs(",\"totals_with_children\":{", f);
	json_counts(f, &all, false);
	fputs("},\"processes\":[", f);
	for (size_t k = 0; k < n; k++) {
		const struct ht_family_proc *q = &pr[k];

		fprintf(f, "%s{\"pid\":%d,\"ppid\":%d,\"depth\":%u,\"command\":",
		        k ? "," : "", q->pid, q->ppid, q->depth);
		ht_json_string(f, q->command);
		fprintf(f, ",\"state\":\"%s\",\"exit_status\":",
		        state_name(q->state));
		if (q->state == HT_PROC_EXITED && q->exit_status >= 0)
			fprintf(f, "%d", q->exit_status);
		else
			fputs("null", f);
		fputs(",\"segment\":", f);
		ht_json_string(f, q->name);
		fprintf(f, ",\"samples\":%" PRIu64 ",\"totals\":", q->samples);
		if (q->have_totals) {
			fputc('{', f);
			json_counts(f, &q->totals, false);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
		fputc('}', f);
	}
	fputc(']', f);
}

void print_json(struct ht_model *m, struct ht_session *s,
                       const struct options *o, bool final,
                       const struct ht_family *fam)
{
	const struct ht_profile *p = ht_model_profile(m);
	struct ht_site *const *sites;
	size_t n, shown;
	FILE *f = stdout;
	double now = p->snapshot_time_ns ? (double)p->snapshot_time_ns / 1e9 :
	             (double)time(NULL);
	bool exited = p->state == HT_PROC_EXITED;
	bool threads = !o->no_threads && ht_model_has_threads(m);

	fputs("{\"time\":", f);
	fprintf(f, "%.3f", now);
	fprintf(f, ",\"pid\":%d,\"state\":\"%s\",\"exit_status\":", p->pid,
	        ht_session_kind(s) == HT_SESS_LOAD ? "loaded" :
	        state_name(p->state));
	if (exited && p->exit_status >= 0)
		fprintf(f, "%d", p->exit_status);
	else
		fputs("null", f);
	fprintf(f, ",\"final\":%s,\"rate\":%" PRIu64, final ? "true" : "false",
	        p->rate);
	/* with a budget the runtime chooses the rate; null: none, or the
	 * cost is not measured yet */
	json_opt_number(f, "budget_pct", p->budget_ppm > 0,
	                (double)p->budget_ppm / 1e4);
	json_opt_number(f, "overhead_pct", p->overhead_ppm > 0,
	                (double)p->overhead_ppm / 1e4);
	fputs(",\"command\":", f);
	ht_json_string(f, ht_session_command(s));
	json_allocator(f, p, s);
	json_memory(f, m, s);
	if (ht_session_follower(s))
		json_follow(f, s);
	fputs(",\"totals\":{", f);
	json_counts(f, ht_model_totals(m), false);
	fputs("}", f);
	json_notes(f, p);
	json_processes(f, fam);
	if (ht_model_has_baseline(m)) {
		fputs(",\"totals_delta\":{", f);
		json_counts(f, ht_model_totals_delta(m), false);
		fputs("}", f);
	}
	fputs(",\"sites\":[", f);
	sites = ht_model_sites(m, &n);
	shown = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	for (size_t i = 0; i < shown; i++) {
		const struct ht_site *st = sites[i];
		const struct ht_frame *fr = st->frame;

		if (i)
			fputc(',', f);
		fputc('{', f);
		json_location(f, fr);
		if (st->via) {
			fputs(",\"via\":", f);
			ht_json_string(f, st->via->function);
		}
		fputc(',', f);
		json_counts(f, &st->counts, true);
		json_site_diag(f, st);
		if (st->has_delta) {
			fputs(",\"delta\":{", f);
			json_counts(f, &st->delta, false);
			fputs("}", f);
		}
		fprintf(f, ",\"id\":\"%016" PRIx64 "\"", st->key);
		fputs(",\"frames\":[", f);
		if (st->nstacks) {
			size_t si = heaviest_stack(p, st), nf, first;
			const struct ht_frame *const *frames =
				ht_model_stack_frames(m, si, &nf);

			/* from the innermost frame past the allocator's: the
			 * library frames folded into the site included */
			first = ht_model_stack_leaf_index(m, si);
			for (size_t k = first; k < nf; k++) {
				if (k > first)
					fputc(',', f);
				json_frame(f, frames[k]);
			}
		}
		fputc(']', f);
		if (threads) {
			size_t nt;
			const struct ht_thread_counts *th =
				ht_model_site_threads(m, st->key, &nt);

			fputs(",\"threads\":", f);
			json_threads(f, m, th, nt);
		}
		fputc('}', f);
	}
	fputc(']', f);
	if (threads) {
		size_t nt;
		const struct ht_thread_counts *th = ht_model_threads(m, &nt);

		fputs(",\"threads\":", f);
		json_threads(f, m, th, nt);
	}
	fputs("}\n", f);
	fflush(f);
}
