/*
 * Trends of in-use bytes, and what they say: is a site leaking, a cache
 * filling, bounded, or churning, and where did the process's memory go.
 * Pure computation: no I/O, no clock, no curses; the caller pushes
 * (time, bytes, variance) points and reads plain structs back.
 *
 * History.  A series keeps HT_TREND_CAP points in a fixed array (no
 * allocation; copy with struct assignment or ht_series_copy).  Each point
 * is the mean of one or more consecutive updates (n).  When the array is
 * full: if the points after the oldest still span HT_TREND_WINDOW
 * seconds, the oldest is dropped; otherwise the adjacent pair holding the
 * fewest updates is merged, the oldest such pair first.  So it covers at
 * least the last HT_TREND_WINDOW seconds at any update interval (minus
 * half a point's width: a point sits at the mean time of what it merged;
 * at 1 s: all of the last 10 min; at 10 s: 40 min), points are never
 * coarser than twice the finest (a recent point is never merged before
 * older ones of its width), and memory is fixed.  A time-bucketed ring
 * would need a bucket width chosen in advance: too wide blurs the first
 * seconds, when a decision is wanted, too narrow needs many buckets at
 * slow update rates.
 *
 * Fit.  Weighted least squares of bytes on time (weights: updates per
 * point).  The slope's variance has two parts, added:
 *  - sampling: the estimate's error is NOT independent point to point.
 *    The same sampled objects persist, so the error is the sum of the
 *    errors of the objects alive at that time: an allocation that stays
 *    adds its error to every later point, a free removes it from every
 *    later point.  That is a random walk whose steps have variance at
 *    least |V(t_i) - V(t_i-1)| (V the reported sampling variance).  For
 *    the least-squares slope b = sum c_i y_i, a step at i shifts all later
 *    points, so Var_s(b) = sum_i |dV_i| (sum_{j>=i} c_j)^2.  A constant
 *    set of objects (V constant) then gives no slope error at all however
 *    large V is (right: the level is off, not the slope), and a leak at r
 *    bytes/s (V ~ r R t) gives Var(b) ~ 1.2 r R / T, i.e. a relative
 *    error of sqrt(1.2 / samples seen), where treating the points as
 *    independent would claim sqrt(n) times better.
 *  - scatter: what the program does besides a straight line, and the part
 *    of the sampling error that is fresh at every point (churn): the usual
 *    residual variance s^2 / Sxx, inflated by (1 + rho) / (1 - rho) for
 *    the lag-1 autocorrelation rho of the residuals (capped at 0.9), since
 *    correlated residuals carry less information than their count.
 * Both may count the same noise once each: the standard error is at most
 * sqrt(2) conservative, never optimistic.
 *
 * Trend.  With z = HT_TREND_Z standard errors and a minimum meaningful
 * change  dmin = max(HT_TREND_MIN_R * R, HT_TREND_MIN_REL * level)  over
 * the span (a change of a few R is one or two samples, and a few percent
 * of the level is not worth a line), in this order:
 *  UNKNOWN    fewer than HT_TREND_MIN_POINTS points or less than
 *             HT_TREND_MIN_SPAN seconds (then the rest, in order):
 *  PLATEAU    the level rose from the oldest point to the recent part
 *             (the last HT_TREND_RECENT of the span) by >= dmin and by
 *             more than z sqrt(V_first + V_recent), at an average rate g;
 *             and the recent slope is below g / 4 and significantly so
 *             (g - recent slope > z times their combined error, the
 *             recent slope's error at least what growth at g would
 *             give it: sqrt(w g dt) / dt over the recent part's dt, w =
 *             V / level the weight of a sampled byte, since a run of
 *             few samples shrinks the error the fit takes from them just
 *             when it makes a steady leak look flat), and
 *             the recent part is not falling (significantly, by dmin,
 *             nor its slope below -z times its error);
 *  GROWING    slope > z se and slope * span >= dmin and >= z sqrt(V_first
 *             + V_recent) (a set of sampled objects renewed over time
 *             wanders by its standard error, slowly: a fit over a few
 *             points cannot tell that from growth, the variances can),
 *             and the recent slope at least a quarter of it and above
 *             its own standard error (still growing now); a recent
 *             slope under a quarter of it is PLATEAU (it grew and is
 *             not growing now: less sure than the rule above, which
 *             the sampling noise of a small cache rarely passes) when
 *             it is significantly below the slope, with the error growth
 *             at the slope would give it (as above), else GROWING (no
 *             evidence it stopped); a recent slope above a quarter but
 *             within its error is UNKNOWN (it grew, but has it stopped?);
 *  NOISE      at least HT_TREND_SWINGS significant rises and as many
 *             significant drops between consecutive points, each of at
 *             least max(4 R, level / 4) and beyond HT_TREND_SWING_Z
 *             sqrt(V_i + V_i-1) (2: four such moves together are far
 *             beyond chance; a steady leak or pool never drops or rises
 *             so, a sawtooth does at almost every update), changing
 *             direction at least 2 HT_TREND_SWINGS - 1 times (up, down,
 *             up, down: a fill followed by a drain is not noise);
 *  SHRINKING  slope < -z se and -slope * span >= that too, or the recent
 *             part alone falls so and by z sqrt(2 V) too (its few points
 *             make its own error less sure), or the recent slope is below
 *             -z times its error and the recent level is below the highest
 *             point by dmin and by z sqrt(V_max + V_recent) (a pool filled
 *             inside the window and drained since: the fill's rise hides
 *             the fall from the whole window's slope).  Whatever came
 *             before: a site falling now is shrinking; growth, which
 *             accuses a site, needs the whole window;
 *  STABLE     no significant slope, and the fitted change over the span,
 *             or the recent part's over its time, below dmin or below
 *             z sqrt(2 V) (what two readings of an unchanged level differ
 *             by when its sampled objects are renewed between them), over
 *             at least HT_TREND_STABLE_SPAN seconds;
 *  UNKNOWN    otherwise: no significant change, but too noisy to say the
 *             change is small.
 * A plateau stays one while its rise is in the history (up to
 * HT_TREND_WINDOW); later the site is stable.
 */
#ifndef HT_CORE_TREND_H
#define HT_CORE_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HT_TREND_CAP 240          /* points per series */
#define HT_TREND_WINDOW 600.0     /* s covered at least (when that old) */
#define HT_TREND_MIN_POINTS 5
#define HT_TREND_MIN_SPAN 4.0     /* s */
#define HT_TREND_Z 3.0            /* standard errors for "significant" */
#define HT_TREND_MIN_R 4.0        /* meaningful change: R multiples ... */
#define HT_TREND_MIN_REL 0.05     /* ... or this fraction of the level */
#define HT_TREND_RECENT 0.34      /* recent part: this fraction of span */
#define HT_TREND_STABLE_SPAN 8.0  /* s before "stable" */
#define HT_TREND_SWINGS 2         /* rises and drops that make noise */
#define HT_TREND_SWING_Z 2.0      /* standard errors for one swing */

/* One point: the mean of n consecutive updates. */
struct ht_trend_point {
	double t;        /* seconds (any origin; increasing) */
	double bytes;    /* unbiased estimate of in-use bytes */
	double var;      /* its sampling variance (bytes^2) */
	uint32_t n;      /* updates merged into this point */
};

struct ht_series {
	struct ht_trend_point pts[HT_TREND_CAP];
	size_t len;
};

/* Empty a series (also a valid initialiser, as is zeroing it). */
void ht_series_clear(struct ht_series *s);
/* Append an update.  Times must increase: a point not later than the last
 * one is refused with -EINVAL (as are non-finite values); negative bytes
 * (an estimate after a reset race) are kept, variances below 0 become 0.
 * 0 or -EINVAL. */
int ht_series_push(struct ht_series *s, double t, double bytes, double var);
void ht_series_copy(struct ht_series *dst, const struct ht_series *src);


/* A weighted least-squares fit over a series. */
struct ht_fit {
	size_t npoints;      /* points in the series (merged ones count 1) */
	double span;         /* s, newest t - oldest t */
	double slope;        /* bytes/s */
	double slope_se;     /* its standard error (sampling + scatter) */
	double se_sampling;  /* the sampling part alone */
	double se_scatter;   /* the residual-scatter part alone */
	double recent_slope, recent_se;   /* over the last HT_TREND_RECENT
	                                   * of the span */
	double recent_mean, recent_var;   /* its mean level and mean V */
	double recent_t;                  /* its mean time */
	double first, first_var, first_t; /* the oldest point */
	double mean;         /* weighted mean level, bytes */
	double last;         /* newest estimate, bytes */
	double min, max;     /* over the points */
	double max_var;      /* the variance of the highest point */
	double resid_sd;     /* residual standard deviation, bytes */
	int rises, drops;    /* significant large moves (see NOISE) */
	int reversals;       /* changes of direction between them */
};

/* Fit s; rate is the sampling interval R in bytes (0: unknown, taken as
 * 1).  Fewer than 2 points (or no time span) give slope 0, se infinite. */
void ht_fit_series(const struct ht_series *s, double rate, struct ht_fit *f);

enum ht_trend {
	HT_TREND_UNKNOWN,    /* "collecting" */
	HT_TREND_GROWING,    /* "growing" */
	HT_TREND_PLATEAU,    /* "plateau": grew, then flat */
	HT_TREND_STABLE,     /* "stable" */
	HT_TREND_NOISE,      /* "noise": large swings up and down */
	HT_TREND_SHRINKING,  /* "shrinking" */
};
const char *ht_trend_name(enum ht_trend t);

/* The minimum meaningful change over the span, bytes (see above). */
double ht_trend_min_change(const struct ht_fit *f, double rate);
/* Classify a fit (rate: R in bytes, as for ht_fit_series). */
enum ht_trend ht_trend_classify(const struct ht_fit *f, double rate);

/* What the allocation/free event stream says about a site's objects (all
 * from sampled objects; rates are unbiased estimates).  valid false (or a
 * NULL pointer) means no age data: the verdict then rests on the trend. */
struct ht_age_summary {
	bool valid;
	uint64_t live;             /* live sampled objects */
	double oldest_age;         /* s, of the oldest live one */
	double median_age;         /* s, median over live ones */
	uint64_t freed;            /* sampled objects freed while observed */
	double median_lifetime;    /* s, median over freed ones (freed > 0) */
	double alloc_rate;         /* bytes/s allocated */
	double free_rate;          /* bytes/s freed */
	double span;               /* s the stream has been observed */
};

enum ht_verdict {
	HT_VERDICT_NONE,         /* "" : nothing to say (or shrinking) */
	HT_VERDICT_LEAK,         /* "leak" */
	HT_VERDICT_CACHE_FILLING,/* "cache filling" */
	HT_VERDICT_GROWING,      /* "growing": grows, no age data to tell a
	                          * leak from a filling cache */
	HT_VERDICT_BOUNDED,      /* "bounded" */
	HT_VERDICT_CHURN,        /* "churn" */
};
const char *ht_verdict_name(enum ht_verdict v);

/* Age thresholds (see ht_site_verdict). */
#define HT_AGE_MIN_LIVE 4        /* live samples before ages count */
#define HT_AGE_EVICT_REL 0.5     /* freed lifetimes >= this * oldest age:
                                  * old objects are being evicted */
#define HT_AGE_KEPT_REL 0.5      /* oldest age >= this * span: kept since
                                  * it was first watched */
#define HT_AGE_SHORT_REL 0.1     /* median age < this * span ... */
#define HT_AGE_SHORT_MAX 1.0     /* ... and < this many s: short-lived
                                  * (request-scoped churn; a cache's
                                  * entries live seconds to hours) */

struct ht_site_verdict {
	enum ht_verdict verdict;
	enum ht_trend trend;
	double score;     /* suspect rank, higher first: the integer part is
	                   * the class (leak 5, growing 4, cache filling 3,
	                   * churn 2, bounded 1, else 0), the fraction grows
	                   * with the growth rate (0.5 at 1 MiB/min) */
	char text[96];    /* one line, e.g. "leak: +1.2 MB/min, oldest 40 s,
	                   * nothing freed" */
};

/* The verdict for a site from its fit and trend and an optional age
 * summary (NULL or !valid: the trend alone):
 *  growing/plateau-with-growth:
 *    LEAK          ages say old objects stay: no freed object lived
 *                  HT_AGE_EVICT_REL of the oldest live one's age, and
 *                  the oldest has been kept HT_AGE_KEPT_REL of the span
 *    CACHE_FILLING old objects are freed too (evicted)
 *    GROWING       no age data
 *  plateau, stable: BOUNDED, or CHURN when the live objects are
 *    short-lived (median age < HT_AGE_SHORT_REL of the span and below
 *    HT_AGE_SHORT_MAX s); stable without age data: NONE
 *  noise: CHURN
 *  shrinking, unknown: NONE (the text still says what is known). */
void ht_site_verdict(const struct ht_fit *f, enum ht_trend trend,
                     const struct ht_age_summary *age,
                     struct ht_site_verdict *out);

/* The whole process.  Plain numbers, 0 when unknown (set the have_*
 * flags).  Bytes and bytes/s. */
enum ht_mem_allocator {
	HT_MEM_ALLOC_UNKNOWN,
	HT_MEM_ALLOC_GLIBC,
	HT_MEM_ALLOC_JEMALLOC,
	HT_MEM_ALLOC_OTHER,
};

struct ht_mem_inputs {
	/* heaptop's estimate of the bytes in use, and its trend */
	double heap;
	double heap_slope;
	enum ht_trend heap_trend;
	/* the allocator's own view (have_alloc_stats) */
	enum ht_mem_allocator allocator;
	bool have_alloc_stats;
	double glibc_arena, glibc_inuse, glibc_free, glibc_mmapped;
	                               /* mallinfo2 arena, uordblks,
	                                * fordblks, hblkhd */
	double je_allocated, je_active, je_resident, je_retained;
	/* RSS of the program and its trend (have_rss) */
	bool have_rss;
	double rss, rss_slope;
	enum ht_trend rss_trend;
	/* /proc breakdown of RSS (have_proc; see procmem.h) */
	bool have_proc;
	double proc_brk_heap, proc_stacks, proc_anon, proc_file, proc_shmem;
};

enum ht_mem_verdict {
	HT_MEM_NONE,            /* "" */
	HT_MEM_HEAP_GROWS,      /* "heap grows" */
	HT_MEM_RETENTION,       /* "allocator retention" */
	HT_MEM_OUTSIDE_MALLOC,  /* "outside malloc" */
};
const char *ht_mem_verdict_name(enum ht_mem_verdict v);

#define HT_MEM_MIN_BYTES (8.0 * 1024 * 1024)  /* smaller gaps: nothing */
#define HT_MEM_RETAIN_REL 0.25   /* retained >= this * RSS */
#define HT_MEM_OUTSIDE_REL 0.5   /* outside malloc >= this * RSS */
#define HT_MEM_HEAP_SHARE 0.25   /* a growing heap is the verdict unless
                                  * RSS grows over 4 times faster */

/* The process's verdict, with a one-line text (advice named for the
 * allocator in use):
 *  HEAP_GROWS      the heap trend is growing (and accounts for at least
 *                  HT_MEM_HEAP_SHARE of RSS's growth when RSS grows);
 *  RETENTION       RSS grows while the heap does not, or RSS holds while
 *                  the heap shrinks (or the allocator holds that much
 *                  free), and the allocator holds >= HT_MEM_RETAIN_REL of
 *                  RSS (and HT_MEM_MIN_BYTES) beyond what is in use;
 *  OUTSIDE_MALLOC  memory not held by malloc is >= HT_MEM_OUTSIDE_REL of
 *                  RSS (and HT_MEM_MIN_BYTES);
 *  NONE            otherwise, or no RSS. */
enum ht_mem_verdict ht_mem_verdict(const struct ht_mem_inputs *in,
                                   char *text, size_t textlen);

#endif /* HT_CORE_TREND_H */
