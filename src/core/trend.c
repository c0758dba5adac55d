/*
 * Trends and verdicts (see trend.h for the statistics and thresholds).
 * Pure: no I/O, no allocation; every function works on caller-owned
 * structs and writes only to its outputs.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/trend.h"
#include "core/units.h"

/* ---- history ---- */

void ht_series_clear(struct ht_series *s)
{
	s->len = 0;
}

void ht_series_copy(struct ht_series *dst, const struct ht_series *src)
{
	if (dst != src)
		memcpy(dst, src, sizeof *dst);
}

/* The count-weighted mean of two adjacent points. */
static struct ht_trend_point merge2(const struct ht_trend_point *a,
                                    const struct ht_trend_point *b)
{
	struct ht_trend_point m;
	double wa = a->n, wb = b->n, w = wa + wb;

	m.t = (a->t * wa + b->t * wb) / w;
	m.bytes = (a->bytes * wa + b->bytes * wb) / w;
	m.var = (a->var * wa + b->var * wb) / w;
	m.n = a->n + b->n;
	return m;
}

/* Make room for one point: drop the oldest point when the rest still
 * spans the window, else merge the adjacent pair holding the fewest
 * updates (the oldest such pair: old points coarsen first). */
static void make_room(struct ht_series *s)
{
	size_t best = 0;
	uint32_t best_n = UINT32_MAX;

	if (s->pts[s->len - 1].t - s->pts[1].t >= HT_TREND_WINDOW) {
		memmove(&s->pts[0], &s->pts[1], (s->len - 1) * sizeof s->pts[0]);
		s->len--;
		return;
	}
	for (size_t i = 0; i + 1 < s->len; i++) {
		uint32_t n = s->pts[i].n + s->pts[i + 1].n;

		if (n < best_n) {
			best_n = n;
			best = i;
		}
	}
	s->pts[best] = merge2(&s->pts[best], &s->pts[best + 1]);
	memmove(&s->pts[best + 1], &s->pts[best + 2],
	        (s->len - best - 2) * sizeof s->pts[0]);
	s->len--;
}

int ht_series_push(struct ht_series *s, double t, double bytes, double var)
{
	struct ht_trend_point *p;

	if (!isfinite(t) || !isfinite(bytes) || !isfinite(var))
		return -EINVAL;
	if (s->len && t <= s->pts[s->len - 1].t)
		return -EINVAL;
	if (s->len == HT_TREND_CAP)
		make_room(s);
	p = &s->pts[s->len++];
	p->t = t;
	p->bytes = bytes;
	p->var = var > 0 ? var : 0;
	p->n = 1;
	return 0;
}

/* ---- fit ---- */

struct line {
	double slope, se, se_sampling, se_scatter, mean, resid_sd;
};

/* Sampling part of the slope's variance.  The error that persists is a
 * random walk: the variance that accumulates (trend.h), at the rate of
 * V's own fitted slope |dV/dt|.  A step over (t_i-1, t_i] has variance
 * |dV/dt| (t_i - t_i-1) and shifts points i..n-1.  Objects renewed at a
 * steady level (a cache's turnover) re-draw their samples without moving
 * V: that wander is mean-reverting (the renewed samples are renewed
 * again), which the scatter part, inflated for autocorrelation, measures;
 * counting it here as a random walk too would overstate the error about
 * threefold (test_trend.c, test_turnover_and_drain). */
static double sampling_var(const struct ht_trend_point *p, size_t n,
                           double tbar, double sxx)
{
	double vbar = 0, w = 0, svt = 0, dvdt, tail = 0, v = 0;

	for (size_t i = 0; i < n; i++) {
		w += p[i].n;
		vbar += p[i].n * p[i].var;
	}
	vbar /= w;
	for (size_t i = 0; i < n; i++)
		svt += p[i].n * (p[i].t - tbar) * (p[i].var - vbar);
	dvdt = fabs(svt / sxx);
	for (size_t i = n; i-- > 1;) {
		tail += p[i].n * (p[i].t - tbar) / sxx;
		v += dvdt * (p[i].t - p[i - 1].t) * tail * tail;
	}
	return v;
}

/* Residual part, inflated for lag-1 autocorrelation (trend.h). */
static double scatter_var(const struct ht_trend_point *p, size_t n,
                          double tbar, double ybar, double slope,
                          double sxx, double *resid_sd)
{
	double ss = 0, w = 0, lag = 0, ss0 = 0, prev = 0, rho, s2;

	for (size_t i = 0; i < n; i++) {
		double r = p[i].bytes - ybar - slope * (p[i].t - tbar);

		ss += p[i].n * r * r;
		w += p[i].n;
		ss0 += r * r;
		if (i)
			lag += r * prev;
		prev = r;
	}
	*resid_sd = w > 0 ? sqrt(ss / w) : 0;
	if (n < 3)
		return 0;
	s2 = ss / (double)(n - 2) * ((double)n / w);  /* per update */
	rho = ss0 > 0 ? lag / ss0 : 0;
	rho = rho < 0 ? 0 : rho > 0.9 ? 0.9 : rho;
	return s2 / sxx * (1 + rho) / (1 - rho);
}

static void fit_line(const struct ht_trend_point *p, size_t n,
                     struct line *l)
{
	double w = 0, tbar = 0, ybar = 0, sxx = 0, sxy = 0, vs, vr;

	memset(l, 0, sizeof *l);
	l->se = INFINITY;
	for (size_t i = 0; i < n; i++) {
		w += p[i].n;
		tbar += p[i].n * p[i].t;
		ybar += p[i].n * p[i].bytes;
	}
	if (!n)
		return;
	tbar /= w;
	ybar /= w;
	l->mean = ybar;
	for (size_t i = 0; i < n; i++) {
		sxx += p[i].n * (p[i].t - tbar) * (p[i].t - tbar);
		sxy += p[i].n * (p[i].t - tbar) * (p[i].bytes - ybar);
	}
	if (n < 2 || sxx <= 0)
		return;
	l->slope = sxy / sxx;
	vs = sampling_var(p, n, tbar, sxx);
	vr = scatter_var(p, n, tbar, ybar, l->slope, sxx, &l->resid_sd);
	l->se_sampling = sqrt(vs);
	l->se_scatter = sqrt(vr);
	l->se = sqrt(vs + vr);
}

/* Significant large moves between consecutive points (NOISE). */
static void count_swings(const struct ht_series *s, double rate,
                         double level, struct ht_fit *f)
{
	double big = fmax(HT_TREND_MIN_R * rate, fabs(level) / 4);
	int last = 0;

	for (size_t i = 1; i < s->len; i++) {
		const struct ht_trend_point *a = &s->pts[i - 1], *b = &s->pts[i];
		double d = b->bytes - a->bytes;

		if (fabs(d) < big || fabs(d) <= HT_TREND_SWING_Z * sqrt(a->var + b->var))
			continue;
		if (d > 0)
			f->rises++;
		else
			f->drops++;
		if (last && (d > 0) != (last > 0))
			f->reversals++;
		last = d > 0 ? 1 : -1;
	}
}

/* Index of the first point of the recent part. */
static size_t recent_start(const struct ht_series *s)
{
	double cut = s->pts[s->len - 1].t -
	             HT_TREND_RECENT * (s->pts[s->len - 1].t - s->pts[0].t);
	size_t i = s->len;

	while (i > 0 && s->pts[i - 1].t >= cut)
		i--;
	return i;
}

/* Mean level, mean variance and mean time of points cut.. */
static void recent_level(const struct ht_series *s, size_t cut,
                         struct ht_fit *f)
{
	double w = 0;

	for (size_t i = cut; i < s->len; i++) {
		const struct ht_trend_point *p = &s->pts[i];

		w += p->n;
		f->recent_mean += p->n * p->bytes;
		f->recent_var += p->n * p->var;
		f->recent_t += p->n * p->t;
	}
	f->recent_mean /= w;
	f->recent_var /= w;
	f->recent_t /= w;
}

void ht_fit_series(const struct ht_series *s, double rate, struct ht_fit *f)
{
	struct line all, recent;
	size_t cut;

	memset(f, 0, sizeof *f);
	f->slope_se = f->recent_se = INFINITY;
	f->npoints = s->len;
	if (!s->len)
		return;
	if (rate <= 0)
		rate = 1;
	f->span = s->pts[s->len - 1].t - s->pts[0].t;
	f->last = s->pts[s->len - 1].bytes;
	f->min = f->max = s->pts[0].bytes;
	f->max_var = s->pts[0].var;
	for (size_t i = 1; i < s->len; i++) {
		f->min = fmin(f->min, s->pts[i].bytes);
		if (s->pts[i].bytes > f->max) {
			f->max = s->pts[i].bytes;
			f->max_var = s->pts[i].var;
		}
	}
	fit_line(s->pts, s->len, &all);
	f->slope = all.slope;
	f->slope_se = all.se;
	f->se_sampling = all.se_sampling;
	f->se_scatter = all.se_scatter;
	f->mean = all.mean;
	f->resid_sd = all.resid_sd;
	cut = recent_start(s);
	fit_line(s->pts + cut, s->len - cut, &recent);
	f->recent_slope = recent.slope;
	f->recent_se = recent.se;
	recent_level(s, cut, f);
	f->first = s->pts[0].bytes;
	f->first_var = s->pts[0].var;
	f->first_t = s->pts[0].t;
	count_swings(s, rate, f->mean, f);
}

/* ---- trend ---- */

const char *ht_trend_name(enum ht_trend t)
{
	switch (t) {
	case HT_TREND_GROWING: return "growing";
	case HT_TREND_PLATEAU: return "plateau";
	case HT_TREND_STABLE: return "stable";
	case HT_TREND_NOISE: return "noise";
	case HT_TREND_SHRINKING: return "shrinking";
	case HT_TREND_UNKNOWN: break;
	}
	return "collecting";
}

double ht_trend_min_change(const struct ht_fit *f, double rate)
{
	if (rate <= 0)
		rate = 1;
	return fmax(HT_TREND_MIN_R * rate, HT_TREND_MIN_REL * fabs(f->mean));
}

/* A change at this slope over this time is below what matters, or below
 * what two readings of an unchanged level differ by when the sampled
 * objects are renewed between them (z sqrt(2 V), as for a fall): a
 * cache's re-drawn samples make its level wander by that much. */
static bool small(double slope, double dt, const struct ht_fit *f,
                  double dmin)
{
	return isfinite(slope) &&
	       fabs(slope) * dt < fmax(dmin, HT_TREND_Z * sqrt(2 * f->recent_var));
}

/* The recent part falls, significantly and by dmin, and by more than two
 * readings of the level can differ when the sampled objects are renewed
 * between them (z sqrt(2 V): a cache's turnover re-draws its samples);
 * or falls significantly now and lies that far below the highest point
 * (a pool filled inside the window and drained since). */
static bool recent_fall(const struct ht_fit *f, double dmin)
{
	if (isfinite(f->recent_se) && f->recent_slope < -HT_TREND_Z * f->recent_se &&
	    f->max - f->recent_mean >= fmax(dmin, HT_TREND_Z * sqrt(f->max_var + f->recent_var)))
		return true;
	return isfinite(f->recent_se) &&
	       f->recent_slope < -HT_TREND_Z * f->recent_se &&
	       -f->recent_slope * f->span * HT_TREND_RECENT >=
	       fmax(dmin, HT_TREND_Z * sqrt(2 * f->recent_var));
}

/* The recent slope's standard error if growth at g went on.  Sampling
 * makes the increase over the recent part a Poisson sum whose variance is
 * about w g dt, w the weight of a sampled byte (V / level); the error the
 * fit takes from the samples it saw is too small exactly when a run of
 * few samples makes a steady leak's recent part look flat. */
static double recent_se_if_growing(const struct ht_fit *f, double g)
{
	double dt = f->span * HT_TREND_RECENT;

	if (!(g > 0) || !(dt > 0) || !(f->recent_mean > 0) || !(f->recent_var > 0))
		return f->recent_se;
	return fmax(f->recent_se, sqrt(f->recent_var / f->recent_mean * g * dt) / dt);
}

/* Rose from the oldest point, then (significantly) flat. */
static bool is_plateau(const struct ht_fit *f, double dmin)
{
	double rise = f->recent_mean - f->first, z = HT_TREND_Z;
	double dt = f->recent_t - f->first_t, g, g_se;

	if (!isfinite(f->recent_se) || dt <= 0)
		return false;
	if (rise < dmin || rise <= z * sqrt(f->first_var + f->recent_var))
		return false;
	g = rise / dt;
	g_se = sqrt(f->first_var + f->recent_var) / dt;
	if (f->recent_slope >= g / 4 ||
	    g - f->recent_slope <= z * hypot(g_se, recent_se_if_growing(f, g)))
		return false;
	/* flat now, not falling: a pool filled at start and being
	 * drained is no plateau */
	if (f->recent_slope < -z * f->recent_se)
		return false;
	return !recent_fall(f, dmin);
}

enum ht_trend ht_trend_classify(const struct ht_fit *f, double rate)
{
	double dmin = ht_trend_min_change(f, rate), z = HT_TREND_Z;

	if (f->npoints < HT_TREND_MIN_POINTS || f->span < HT_TREND_MIN_SPAN ||
	    !isfinite(f->slope_se))
		return HT_TREND_UNKNOWN;
	if (is_plateau(f, dmin))
		return HT_TREND_PLATEAU;
	/* a change must also exceed what re-sampling alone could make of
	 * two readings, the oldest and the recent level */
	dmin = fmax(dmin, z * sqrt(f->first_var + f->recent_var));
	if (f->slope > z * f->slope_se && f->slope * f->span >= dmin) {
		/* and still growing now: the recent part too, beyond one
		 * of its standard errors (a cache that filled early leaves
		 * a slope over the whole span, not in its last third); flat
		 * now only when significantly below the growth, with the
		 * error that growth would have */
		if (f->recent_slope >= f->slope / 4)
			return f->recent_slope > f->recent_se ? HT_TREND_GROWING
			                                      : HT_TREND_UNKNOWN;
		return f->slope - f->recent_slope >
		       z * hypot(f->slope_se, recent_se_if_growing(f, f->slope)) ?
		       HT_TREND_PLATEAU : HT_TREND_GROWING;
	}
	if (f->rises >= HT_TREND_SWINGS && f->drops >= HT_TREND_SWINGS &&
	    f->reversals >= 2 * HT_TREND_SWINGS - 1)
		return HT_TREND_NOISE;
	if ((f->slope < -z * f->slope_se && -f->slope * f->span >= dmin) ||
	    recent_fall(f, dmin))
		return HT_TREND_SHRINKING;
	if (f->span >= HT_TREND_STABLE_SPAN && (small(f->slope, f->span, f, dmin) ||
	    small(f->recent_slope, f->span * HT_TREND_RECENT, f, dmin)))
		return HT_TREND_STABLE;
	return HT_TREND_UNKNOWN;
}

/* ---- per-site verdict ---- */

const char *ht_verdict_name(enum ht_verdict v)
{
	switch (v) {
	case HT_VERDICT_LEAK: return "leak";
	case HT_VERDICT_CACHE_FILLING: return "cache filling";
	case HT_VERDICT_GROWING: return "growing";
	case HT_VERDICT_BOUNDED: return "bounded";
	case HT_VERDICT_CHURN: return "churn";
	case HT_VERDICT_NONE: break;
	}
	return "";
}

/* "1.2 MB" style, decimal units, 2-3 significant digits. */
static void fmt_bytes(char *buf, size_t len, double b)
{
	ht_units_fmt(buf, len, b, false, &ht_units_si_bytes);
}

/* "+1.2 MB/min" */
static void fmt_rate(char *buf, size_t len, double bytes_per_s)
{
	char b[32];

	fmt_bytes(b, sizeof b, fabs(bytes_per_s) * 60);
	snprintf(buf, len, "%s%s/min", bytes_per_s < 0 ? "-" : "+", b);
}

static bool ages_usable(const struct ht_age_summary *a)
{
	return a && a->valid && a->live >= HT_AGE_MIN_LIVE && a->span > 0;
}

/* Old objects are being freed: freed ones lived about as long as the
 * oldest live one, or nothing is as old as the observation. */
static bool evicting(const struct ht_age_summary *a)
{
	if (a->freed && a->median_lifetime >= HT_AGE_EVICT_REL * a->oldest_age)
		return true;
	return a->oldest_age < HT_AGE_KEPT_REL * a->span;
}

static bool short_lived(const struct ht_age_summary *a)
{
	return a->median_age < HT_AGE_SHORT_REL * a->span &&
	       a->median_age < HT_AGE_SHORT_MAX;
}

static double verdict_tier(enum ht_verdict v)
{
	switch (v) {
	case HT_VERDICT_LEAK: return 5;
	case HT_VERDICT_GROWING: return 4;
	case HT_VERDICT_CACHE_FILLING: return 3;
	case HT_VERDICT_CHURN: return 2;
	case HT_VERDICT_BOUNDED: return 1;
	case HT_VERDICT_NONE: break;
	}
	return 0;
}

static enum ht_verdict pick_verdict(enum ht_trend trend,
                                    const struct ht_age_summary *a)
{
	bool ages = ages_usable(a);

	switch (trend) {
	case HT_TREND_GROWING:
		if (!ages)
			return HT_VERDICT_GROWING;
		return evicting(a) ? HT_VERDICT_CACHE_FILLING : HT_VERDICT_LEAK;
	case HT_TREND_PLATEAU:
	case HT_TREND_STABLE:
		if (ages)
			return short_lived(a) ? HT_VERDICT_CHURN
			                      : HT_VERDICT_BOUNDED;
		return trend == HT_TREND_PLATEAU ? HT_VERDICT_BOUNDED
		                                 : HT_VERDICT_NONE;
	case HT_TREND_NOISE:
		return HT_VERDICT_CHURN;
	case HT_TREND_SHRINKING:
	case HT_TREND_UNKNOWN:
		break;
	}
	return HT_VERDICT_NONE;
}

static void verdict_text(const struct ht_fit *f, enum ht_trend trend,
                         const struct ht_age_summary *a,
                         struct ht_site_verdict *o)
{
	char r[40] = "", b[32] = "", c[32];
	bool ages = ages_usable(a);

	/* formatted only where a text uses them: this runs for every site
	 * on every update */
	if (o->verdict == HT_VERDICT_LEAK || o->verdict == HT_VERDICT_GROWING ||
	    o->verdict == HT_VERDICT_CACHE_FILLING ||
	    (o->verdict == HT_VERDICT_NONE && trend == HT_TREND_SHRINKING))
		fmt_rate(r, sizeof r, f->slope);
	else if (o->verdict == HT_VERDICT_BOUNDED ||
	         o->verdict == HT_VERDICT_CHURN ||
	         (o->verdict == HT_VERDICT_NONE && trend != HT_TREND_UNKNOWN))
		fmt_bytes(b, sizeof b, f->last);
	switch (o->verdict) {
	case HT_VERDICT_LEAK:
		if (a->freed)
			snprintf(o->text, sizeof o->text, "leak: %s, oldest %.0f s, "
			         "freed ones lived %.1f s", r, a->oldest_age,
			         a->median_lifetime);
		else
			snprintf(o->text, sizeof o->text, "leak: %s, oldest %.0f s, "
			         "nothing freed", r, a->oldest_age);
		return;
	case HT_VERDICT_CACHE_FILLING:
		snprintf(o->text, sizeof o->text, "cache filling: %s, "
		         "evicts after ~%.0f s", r,
		         a->freed ? a->median_lifetime : a->oldest_age);
		return;
	case HT_VERDICT_GROWING:
		snprintf(o->text, sizeof o->text, "growing: %s for %.0f s "
		         "(leak or filling cache)", r, f->span);
		return;
	case HT_VERDICT_BOUNDED:
		if (ages)
			snprintf(o->text, sizeof o->text, "bounded: %s, median "
			         "age %.0f s", b, a->median_age);
		else
			snprintf(o->text, sizeof o->text, "bounded: %s, %s",
			         b, ht_trend_name(trend));
		return;
	case HT_VERDICT_CHURN:
		fmt_bytes(c, sizeof c, f->max - f->min);
		if (ages && a->freed)
			snprintf(o->text, sizeof o->text, "churn: %s swings, "
			         "objects live %.1f s", c, a->median_lifetime);
		else
			snprintf(o->text, sizeof o->text, "churn: %s swings "
			         "around %s", c, b);
		return;
	case HT_VERDICT_NONE:
		break;
	}
	if (trend == HT_TREND_SHRINKING)
		snprintf(o->text, sizeof o->text, "shrinking: %s", r);
	else if (trend == HT_TREND_UNKNOWN)
		snprintf(o->text, sizeof o->text, "collecting (%.0f s)", f->span);
	else
		snprintf(o->text, sizeof o->text, "%s: %s", ht_trend_name(trend), b);
}

void ht_site_verdict(const struct ht_fit *f, enum ht_trend trend,
                     const struct ht_age_summary *age,
                     struct ht_site_verdict *out)
{
	double mib_per_min = fmax(f->slope, 0) * 60 / (1024.0 * 1024);

	memset(out, 0, sizeof *out);
	out->trend = trend;
	out->verdict = pick_verdict(trend, age);
	out->score = verdict_tier(out->verdict) +
	             mib_per_min / (1 + mib_per_min) * 0.999;
	verdict_text(f, trend, age, out);
}

/* ---- the process ---- */

const char *ht_mem_verdict_name(enum ht_mem_verdict v)
{
	switch (v) {
	case HT_MEM_HEAP_GROWS: return "heap grows";
	case HT_MEM_RETENTION: return "allocator retention";
	case HT_MEM_OUTSIDE_MALLOC: return "outside malloc";
	case HT_MEM_NONE: break;
	}
	return "";
}

/* Bytes malloc holds from the system (resident or mapped), and of them
 * the bytes in use, from the best view there is. */
static void malloc_view(const struct ht_mem_inputs *in, double *held,
                        double *used)
{
	*used = in->heap;
	*held = 0;
	if (in->have_alloc_stats && in->allocator == HT_MEM_ALLOC_GLIBC) {
		*held = in->glibc_arena + in->glibc_mmapped;
		*used = in->glibc_inuse + in->glibc_mmapped;
	} else if (in->have_alloc_stats &&
	           in->allocator == HT_MEM_ALLOC_JEMALLOC) {
		*held = in->je_resident;
		*used = in->je_allocated;
	} else if (in->have_proc) {
		/* without the allocator's numbers: the brk heap, or at least
		 * what is in use (anonymous mappings count as outside) */
		*held = fmax(in->proc_brk_heap, in->heap);
	} else {
		*held = in->heap;
	}
	if (*held < *used)
		*held = *used;
}

static bool flat_or_down(enum ht_trend t)
{
	return t == HT_TREND_STABLE || t == HT_TREND_PLATEAU ||
	       t == HT_TREND_SHRINKING || t == HT_TREND_NOISE;
}

static bool rss_holds(enum ht_trend t)
{
	return t == HT_TREND_GROWING || t == HT_TREND_STABLE ||
	       t == HT_TREND_PLATEAU;
}

static const char *retention_advice(enum ht_mem_allocator a)
{
	switch (a) {
	case HT_MEM_ALLOC_GLIBC:
		return "try malloc_trim(0), MALLOC_ARENA_MAX=2";
	case HT_MEM_ALLOC_JEMALLOC:
		return "try a shorter dirty_decay_ms/muzzy_decay_ms";
	case HT_MEM_ALLOC_OTHER:
	case HT_MEM_ALLOC_UNKNOWN:
		break;
	}
	return "see the allocator's release settings";
}

static bool retention(const struct ht_mem_inputs *in, double gap)
{
	bool pattern;

	if (gap < HT_MEM_MIN_BYTES || gap < HT_MEM_RETAIN_REL * in->rss)
		return false;
	pattern = (in->rss_trend == HT_TREND_GROWING &&
	           flat_or_down(in->heap_trend)) ||
	          (in->heap_trend == HT_TREND_SHRINKING &&
	           rss_holds(in->rss_trend));
	/* the allocator's own numbers show the free memory it keeps */
	return pattern || in->have_alloc_stats;
}

static void outside_text(const struct ht_mem_inputs *in, double outside,
                         char *text, size_t len)
{
	char o[32], a[32], s[32], f[32], m[32];

	fmt_bytes(o, sizeof o, outside);
	if (!in->have_proc) {
		snprintf(text, len, "most of RSS is outside malloc: %s", o);
		return;
	}
	fmt_bytes(a, sizeof a, in->proc_anon);
	fmt_bytes(s, sizeof s, in->proc_stacks);
	fmt_bytes(f, sizeof f, in->proc_file);
	fmt_bytes(m, sizeof m, in->proc_shmem);
	snprintf(text, len, "most of RSS is outside malloc (%s): %s in "
	         "anonymous mappings, %s thread stacks, %s file-backed, "
	         "%s shared", o, a, s, f, m);
}

enum ht_mem_verdict ht_mem_verdict(const struct ht_mem_inputs *in,
                                   char *text, size_t len)
{
	double held, used, gap, outside;
	char r[40], g[32];

	if (len)
		text[0] = '\0';
	if (in->heap_trend == HT_TREND_GROWING &&
	    !(in->have_rss && in->rss_trend == HT_TREND_GROWING &&
	      in->heap_slope < HT_MEM_HEAP_SHARE * in->rss_slope)) {
		fmt_rate(r, sizeof r, in->heap_slope);
		snprintf(text, len, "the heap grows at a site (leak or unbounded "
		         "cache): %s", r);
		return HT_MEM_HEAP_GROWS;
	}
	if (!in->have_rss || in->rss <= 0)
		return HT_MEM_NONE;
	malloc_view(in, &held, &used);
	gap = held - used;
	outside = in->rss - fmin(held, in->rss);
	if (retention(in, gap) && gap >= outside) {
		fmt_bytes(g, sizeof g, gap);
		snprintf(text, len, "RSS %s while the heap is %s: the allocator "
		         "keeps %s free (fragmentation or retention); %s",
		         in->rss_trend == HT_TREND_GROWING ? "grows" : "stays",
		         in->heap_trend == HT_TREND_SHRINKING ? "falling" : "flat",
		         g, retention_advice(in->allocator));
		return HT_MEM_RETENTION;
	}
	if (outside >= HT_MEM_MIN_BYTES && outside >= HT_MEM_OUTSIDE_REL * in->rss) {
		outside_text(in, outside, text, len);
		return HT_MEM_OUTSIDE_MALLOC;
	}
	return HT_MEM_NONE;
}
