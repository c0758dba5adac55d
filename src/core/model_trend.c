/*
 * The model over time: each stack key's in-use history and trend series,
 * a site's series summed from its stacks, and the leak diagnosis drawn
 * from them (each site's trend, ages and verdict; the process's heap and
 * RSS trends and memory verdict).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/model_priv.h"

/* Row i of hrows: its history ring, its trend bytes and variances. */
static double *row_v(const struct ht_model *m, size_t i)
{
	return (double *)(void *)(m->hrows + i * m->hrow_bytes);
}

static float *row_tb(const struct ht_model *m, size_t i)
{
	return (float *)(void *)(row_v(m, i) + m->hv_cap);
}

static float *row_tv(const struct ht_model *m, size_t i)
{
	return row_tb(m, i) + m->ht_cap;
}

/* The smallest power of two >= need, at most max. */
static size_t cap_for(size_t need, size_t max)
{
	size_t c = 1;

	while (c < need)
		c *= 2;
	return c < max ? c : max;
}

/* The ring v of cap values, its newest `held` before position head,
 * turned oldest first from v[0]. */
static void ring_unwrap(double *v, size_t cap, size_t head, size_t held)
{
	double tmp[HT_HISTORY_LEN];

	if (!held)
		return;
	for (size_t j = 0; j < held; j++)   /* j-th newest */
		tmp[held - 1 - j] = v[(head + cap - 1 - j) % cap];
	memcpy(v, tmp, held * sizeof *v);
}

/* Lay hrows out again with rings of hv_cap and trends of ht_cap (both at
 * least the current ones), in place: each ring's values oldest first from
 * 0.  Every part of every row moves up (or stays), so rows and parts are
 * moved from the last down: no second copy of the histories.  0 or
 * -ENOMEM (then nothing changed). */
static int reshape_rows(struct ht_model *m, size_t hv_cap, size_t ht_cap)
{
	size_t rb = hv_cap * sizeof(double) + 2 * ht_cap * sizeof(float);
	size_t rows = m->caprows > m->nhist ? m->caprows : m->nhist;
	size_t ob = m->hrow_bytes, oc = m->hv_cap, otc = m->ht_cap;
	size_t tr = m->tr_len * sizeof(float);
	unsigned char *n;

	if (rows < 16)
		rows = 16;
	if (rows > SIZE_MAX / rb || !(n = realloc(m->hrows, rows * rb)))
		return -ENOMEM;
	for (size_t i = m->nhist; i-- > 0;) {
		unsigned char *from = n + i * ob, *to = n + i * rb;

		memmove(to + hv_cap * sizeof(double) + ht_cap * sizeof(float),
		        from + oc * sizeof(double) + otc * sizeof(float), tr);
		memmove(to + hv_cap * sizeof(double),
		        from + oc * sizeof(double), tr);
		memmove(to, from, oc * sizeof(double));
		ring_unwrap((double *)(void *)to, oc, m->hv_head, m->hist_max);
	}
	m->hrows = n;
	m->hrow_bytes = rb;
	m->caprows = rows;
	m->hv_cap = hv_cap;
	m->ht_cap = ht_cap;
	m->hv_head = m->hist_max % hv_cap;
	return 0;
}

/* Room in every row for this update's history value and trend point.
 * 0 or -ENOMEM (then nothing changed). */
static int reserve_rows(struct ht_model *m)
{
	size_t hv = cap_for(m->hist_max + 1, HT_HISTORY_LEN);
	size_t ht = cap_for(m->tr_len + 1, HT_TREND_POINTS);

	if (hv <= m->hv_cap && ht <= m->ht_cap)
		return 0;
	return reshape_rows(m, hv > m->hv_cap ? hv : m->hv_cap,
	                    ht > m->ht_cap ? ht : m->ht_cap);
}

/* The histories of a site's stacks, each stack key once (several stacks
 * of a site may share a key): the next one's index in hist[] from cursor
 * *k (start at 0), marked with stamp; NO_HIST at the end. */
static size_t next_site_hist(struct ht_model *m, const struct ht_site *site,
                             size_t *k, size_t stamp)
{
	while (*k < site->nstacks) {
		const struct stack_info *si = &m->cur.si[site->stack_idx[(*k)++]];
		size_t *v = si->hist != NO_HIST ? NULL :
		            ht_u64map_get(&m->hist_by_key, si->skey);
		size_t i;

		if (si->hist == NO_HIST && !v)
			continue;
		i = si->hist != NO_HIST ? si->hist : *v;
		if (m->hist[i].stamp == stamp)
			continue;
		m->hist[i].stamp = stamp;
		return i;
	}
	return NO_HIST;
}

/* Add the newest n values of history i to out[0..*len), newest values
 * aligned (out is only valid up to *len: the part it grows into is
 * zeroed here; the first history is added to zeros, which is a copy). */
static void add_history(const struct ht_model *m, double *out, size_t *len,
                        size_t i, size_t n)
{
	const double *v = row_v(m, i);
	size_t pos = m->hv_head, a = n < pos ? n : pos, rest = n - a;
	double *o;

	if (n > *len) {
		/* shift what we have so newest values stay aligned */
		size_t add = n - *len;

		memmove(out + add, out, *len * sizeof *out);
		memset(out, 0, add * sizeof *out);
		*len = n;
	}
	/* the ring's newest n values, oldest first: the part wrapped to
	 * its end, then the part below its head */
	o = out + *len - n;
	for (size_t k = 0; k < rest; k++)
		o[k] += v[m->hv_cap - rest + k];
	for (size_t k = 0; k < a; k++)
		o[rest + k] += v[pos - a + k];
}

/* Halve the trend series: keep every other point, oldest first. */
static void trend_decimate(struct ht_model *m)
{
	size_t k = 0;

	for (size_t j = 0; j < m->tr_len; j += 2, k++) {
		m->tr_t[k] = m->tr_t[j];
		m->tr_tot_b[k] = m->tr_tot_b[j];
		m->tr_tot_v[k] = m->tr_tot_v[j];
	}
	for (size_t i = 0; i < m->nhist; i++) {
		float *tb = row_tb(m, i), *tv = row_tv(m, i);

		for (size_t j = 0, k2 = 0; j < m->tr_len; j += 2, k2++) {
			tb[k2] = tb[j];
			tv[k2] = tv[j];
		}
	}
	for (size_t j = 0, k2 = 0; j < m->tr_len; j += 2, k2++)
		m->tr_rss[k2] = m->tr_rss[j];
	m->tr_len = k;
	m->tr_step *= 2;
}

/* Make room for this update's point of the trend series (a new one when
 * tr_step has passed since the last, else in its place); its index. */
static size_t push_trend(struct ht_model *m, const struct ht_profile *p)
{
	uint64_t time_ns = p->snapshot_time_ns;
	double t = time_ns ? (double)time_ns / 1e9 :
	           m->tr_len ? m->tr_t[m->tr_len - 1] + 1 : 0;
	size_t at;

	if (m->tr_step <= 0)
		m->tr_step = HT_TREND_STEP_S;
	if (m->tr_len && t < m->tr_t[m->tr_len - 1])
		t = m->tr_t[m->tr_len - 1];   /* a clock step back */
	if (!m->tr_len || t - m->tr_t[m->tr_len - 1] >= m->tr_step * 0.95) {
		if (m->tr_len == HT_TREND_POINTS)
			trend_decimate(m);
		at = m->tr_len++;
	} else {
		at = m->tr_len - 1;
	}
	m->tr_t[at] = t;
	m->tr_rss[at] = p->proc.have_rss ? (float)p->proc.rss : -1.0f;
	return at;
}

/* A site's trend series, summed from its stacks' (each stack key once).
 * The series' length. */
static size_t sum_site(struct ht_model *m, const struct ht_site *site,
                       double *t, double *bytes, double *var)
{
	size_t n = m->tr_len, k = 0, stamp = ++m->stamp_base, i;

	memcpy(t, m->tr_t, n * sizeof *t);
	memset(bytes, 0, n * sizeof *bytes);
	memset(var, 0, n * sizeof *var);
	while ((i = next_site_hist(m, site, &k, stamp)) != NO_HIST) {
		const float *tb = row_tb(m, i), *tv = row_tv(m, i);

		for (size_t j = 0; j < n; j++) {
			bytes[j] += tb[j];
			var[j] += tv[j];
		}
	}
	return n;
}

size_t ht_model_site_series(struct ht_model *m, const struct ht_site *site,
                            double *t, double *bytes, double *var)
{
	return site ? sum_site(m, site, t, bytes, var) : 0;
}

size_t ht_model_site_history(struct ht_model *m, const struct ht_site *site,
                             double *out, size_t max)
{
	size_t k = 0, stamp, len = 0, i;

	if (!site)
		return 0;
	i = site->nstacks == 1 ? m->cur.si[site->stack_idx[0]].hist : NO_HIST;
	if (i != NO_HIST) {   /* its one key: nothing to de-duplicate */
		add_history(m, out, &len, i,
		            m->hist[i].len < max ? m->hist[i].len : max);
		return len;
	}
	stamp = ++m->stamp_base;
	while ((i = next_site_hist(m, site, &k, stamp)) != NO_HIST) {
		size_t n = m->hist[i].len < max ? m->hist[i].len : max;

		add_history(m, out, &len, i, n);
	}
	return len;
}

size_t ht_model_total_series(const struct ht_model *m, double *t,
                             double *bytes, double *var)
{
	size_t n = m->tr_len;

	memcpy(t, m->tr_t, n * sizeof *t);
	memcpy(bytes, m->tr_tot_b, n * sizeof *bytes);
	memcpy(var, m->tr_tot_v, n * sizeof *var);
	return n;
}

/* Start loading the newest history values of site s's first stack (a
 * row is 2 KB: the hardware prefetcher does not follow). */
static void prefetch_newest(const struct ht_model *m, const struct ht_site *s)
{
	const struct stack_info *si;
	const double *v;

	if (!s->nstacks)
		return;
	si = &m->cur.si[s->stack_idx[0]];
	if (si->hist == NO_HIST || !m->hv_cap)
		return;
	v = row_v(m, si->hist);
	__builtin_prefetch(&m->hist[si->hist].stamp, 1);
	__builtin_prefetch(&v[m->hv_head ? m->hv_head - 1 : m->hv_cap - 1]);
	if (m->hv_cap >= 16)   /* the line before */
		__builtin_prefetch(&v[(m->hv_head + m->hv_cap - 9) %
		                      m->hv_cap]);
}

const double *ht_model_view_history(struct ht_model *m, size_t max,
                                   const size_t **len)
{
	size_t *pos;

	if (max > HT_HISTORY_LEN)
		max = HT_HISTORY_LEN;
	if (m->nview > SIZE_MAX / (HT_HISTORY_LEN + 1) ||
	    ht_grow(&m->vh, &m->capvh, m->nview * max + 1, sizeof *m->vh) < 0 ||
	    ht_grow(&m->vh_len, &m->capvh_len, m->nview + 1,
	            sizeof *m->vh_len) < 0 ||
	    ht_grow(&m->vh_pos, &m->capvh_pos, m->nall + 1,
	            sizeof *m->vh_pos) < 0)
		return NULL;
	pos = m->vh_pos;
	for (size_t k = 0; k < m->nall; k++)
		pos[k] = SIZE_MAX;
	for (size_t i = 0; i < m->nview; i++)
		pos[m->view[i] - m->all] = i;
	/* in the sites' order: their stacks and rows come nearly in
	 * memory order (the view's would miss the cache at each) */
	for (size_t k = 0; k < m->nall; k++) {
		if (k + 8 < m->nall)
			prefetch_newest(m, &m->all[k + 8]);
		if (pos[k] != SIZE_MAX)
			m->vh_len[pos[k]] = ht_model_site_history(m, &m->all[k],
			                                         m->vh + pos[k] * max,
			                                         max);
	}
	*len = m->vh_len;
	return m->vh;
}

/* Fit a series of n points into *f and classify it. */
static enum ht_trend fit_points(struct ht_model *m, size_t n, const double *t,
                                const double *b, const double *v,
                                double rate, struct ht_fit *f)
{
	ht_series_clear(m->series);
	for (size_t j = 0; j < n; j++)
		if (!(b[j] < 0))   /* unknown points (RSS) are left out */
			ht_series_push(m->series, t[j], b[j], v[j]);
	ht_fit_series(m->series, rate, f);
	return ht_trend_classify(f, rate);
}

/* The ages of site's objects from the ages source, as the verdict wants
 * them.  False when there is no source or it failed. */
static bool site_ages(struct ht_model *m, struct ht_site *site,
                      struct ht_age_summary *as)
{
	const struct ht_profile *p = m->cur.p;
	const struct ht_ages_summary *a = &site->ages;

	if (!m->ages_fn || !site->nstacks)
		return false;
	if (site->nstacks > m->capids) {
		uint32_t *n = realloc(m->ids, site->nstacks * sizeof *n);

		if (!n)
			return false;
		m->ids = n;
		m->capids = site->nstacks;
	}
	for (size_t k = 0; k < site->nstacks; k++)
		m->ids[k] = p->stacks[site->stack_idx[k]].id;
	if (m->ages_fn(m->ages_arg, m->ids, site->nstacks, &site->ages) != 0)
		return false;
	memset(as, 0, sizeof *as);
	as->valid = true;
	as->live = a->live;
	as->oldest_age = a->oldest_s;
	as->median_age = a->median_s;
	as->freed = a->freed;
	as->median_lifetime = a->lifetime_median_s;
	as->span = a->span_s;
	if (a->span_s > 0) {
		as->alloc_rate = a->alloc_bytes / a->span_s;
		as->free_rate = a->freed_bytes / a->span_s;
	}
	return true;
}

/* Start loading what sum_site will read of site i (a site and a
 * history entry are larger than the hardware prefetcher follows), a few
 * sites ahead: the walk is bound by memory latency. */
static void prefetch_site(const struct ht_model *m, size_t i)
{
	const struct ht_site *s = &m->all[i];
	const struct stack_info *si;

	if (i >= m->nall || !s->nstacks)
		return;
	__builtin_prefetch(&s->verdict, 1);
	si = &m->cur.si[s->stack_idx[0]];
	if (si->hist == NO_HIST)
		return;
	__builtin_prefetch(&m->hist[si->hist].stamp, 1);
	__builtin_prefetch(row_tb(m, si->hist));
	__builtin_prefetch(row_tv(m, si->hist));
}

/* Which sites this update fits: with more than HT_FIT_EVERY sites, one
 * in `rounds` (the turn), and every site whose fit was made for another
 * key (new, moved, or never fitted); the others keep theirs, at most
 * rounds - 1 updates old.  Fitting every site's 128-point series is most
 * of an update with 100,000 sites.  The number of rounds, or 0 when the
 * keys cannot be kept (then every site is fitted). */
static size_t fit_rounds(struct ht_model *m, double rate)
{
	size_t rounds = (m->nall + HT_FIT_EVERY - 1) / HT_FIT_EVERY;

	if (rate != m->fit_rate) {
		m->nfit_key = 0;
		m->fit_rate = rate;
	}
	if (ht_grow(&m->fit_key, &m->capfit_key, m->nall + 1,
	            sizeof *m->fit_key) < 0) {
		m->nfit_key = 0;
		return 0;
	}
	if (rounds < 1)
		rounds = 1;
	m->fit_turn = (m->fit_turn + 1) % rounds;
	return rounds;
}

/* Trend, ages and verdict of every site: one pass over the sites (each
 * is large: a pass costs cache misses).  A site's history is summed when
 * asked for (ht_model_site_history). */
int model_diagnose_sites(struct ht_model *m)
{
	double rate = m->cur.p ? (double)m->cur.p->rate : 0;
	size_t rounds;

	if (!m->series && !(m->series = malloc(sizeof *m->series)))
		return model_fail(m, -ENOMEM, "trends: out of memory");
	rounds = fit_rounds(m, rate);
	for (size_t i = 0; i < m->nall; i++) {
		struct ht_site *site = &m->all[i];
		struct ht_age_summary as;
		bool fit = !rounds || i % rounds == m->fit_turn ||
		           i >= m->nfit_key || m->fit_key[i] != site->key;
		bool had_ages = !fit && site->has_ages;  /* of the last update */

		prefetch_site(m, i + 4);
		if (fit) {
			size_t n = sum_site(m, site, m->sr_t, m->sr_b, m->sr_v);

			site->trend = fit_points(m, n, m->sr_t, m->sr_b,
			                         m->sr_v, rate, &site->fit);
		}
		if (rounds)
			m->fit_key[i] = site->key;
		site->has_ages = site_ages(m, site, &as);
		if (!fit && !had_ages && !site->has_ages)
			continue;   /* the same fit, no ages: the same verdict */
		ht_site_verdict(&site->fit, site->trend,
		                site->has_ages ? &as : NULL, &site->verdict);
	}
	m->nfit_key = rounds ? m->nall : 0;
	return 0;
}

/* The process: heap and RSS trends, and the memory verdict. */
void model_diagnose_process(struct ht_model *m)
{
	const struct ht_profile *p = m->cur.p;
	struct ht_proc_diag *d = &m->proc;
	struct ht_mem_inputs in;
	double rate = p ? (double)p->rate : 0;
	size_t n;

	memset(d, 0, sizeof *d);
	if (!p || (!m->series && !(m->series = malloc(sizeof *m->series))))
		return;
	n = ht_model_total_series(m, m->sr_t, m->sr_b, m->sr_v);
	d->heap_trend = fit_points(m, n, m->sr_t, m->sr_b, m->sr_v, rate,
	                           &d->heap_fit);
	for (size_t j = 0; j < n; j++) {
		m->sr_b[j] = m->tr_rss[j];
		m->sr_v[j] = 0;
	}
	d->have_rss = p->proc.have_rss;
	/* RSS moves by pages, not samples: its "rate" is a page */
	d->rss_trend = fit_points(m, n, m->sr_t, m->sr_b, m->sr_v, 4096,
	                          &d->rss_fit);
	memset(&in, 0, sizeof in);
	in.heap = p->totals.cur_bytes;
	in.heap_slope = d->heap_fit.slope;
	in.heap_trend = d->heap_trend;
	switch (p->proc.astat_kind) {
	case 1:  /* glibc mallinfo2 */
		in.allocator = HT_MEM_ALLOC_GLIBC;
		in.have_alloc_stats = true;
		in.glibc_arena = (double)p->proc.astat[0];
		in.glibc_inuse = (double)p->proc.astat[1];
		in.glibc_free = (double)p->proc.astat[2];
		in.glibc_mmapped = (double)p->proc.astat[3];
		break;
	case 2:  /* jemalloc stats */
		in.allocator = HT_MEM_ALLOC_JEMALLOC;
		in.have_alloc_stats = true;
		in.je_allocated = (double)p->proc.astat[0];
		in.je_active = (double)p->proc.astat[1];
		in.je_resident = (double)p->proc.astat[2];
		in.je_retained = (double)p->proc.astat[3];
		break;
	default:
		in.allocator = p->alloc.kind == HT_ALLOC_GLIBC ? HT_MEM_ALLOC_GLIBC :
		               p->alloc.kind == HT_ALLOC_JEMALLOC ?
		               HT_MEM_ALLOC_JEMALLOC :
		               p->alloc.kind ? HT_MEM_ALLOC_OTHER :
		               HT_MEM_ALLOC_UNKNOWN;
		break;
	}
	in.have_rss = p->proc.have_rss;
	in.rss = (double)p->proc.rss;
	in.rss_slope = d->rss_fit.slope;
	in.rss_trend = d->rss_trend;
	in.have_proc = p->proc.have_map;
	in.proc_brk_heap = (double)p->proc.map_brk_heap;
	in.proc_stacks = (double)p->proc.map_stacks;
	in.proc_anon = (double)p->proc.map_anon;
	in.proc_file = (double)p->proc.map_file;
	in.proc_shmem = (double)p->proc.map_shmem;
	d->verdict = ht_mem_verdict(&in, d->text, sizeof d->text);
}

const struct ht_proc_diag *ht_model_proc_diag(const struct ht_model *m)
{
	return &m->proc;
}

int ht_model_set_ages_source(struct ht_model *m, ht_ages_source fn,
                             void *arg)
{
	model_clear_cause(m);
	m->ages_fn = fn;
	m->ages_arg = arg;
	return m->cur.p ? model_build_sites(m) : 0;
}

/* Append this update's in-use bytes to every stack key's history.  The
 * array grows before the map learns a new key, so that every index the
 * map holds is in the array. */
int model_push_history(struct ht_model *m)
{
	struct ht_profile *p = m->cur.p;
	size_t at;

	if (reserve_rows(m) < 0)
		return model_fail(m, -ENOMEM, "history of %zu stacks: out of "
		                  "memory", m->nhist);
	/* pending is 0 here: a new entry's, or reset by the last push */
	for (size_t i = 0; i < p->nstacks; i++) {
		struct stack_info *si = &m->cur.si[i];
		size_t *v;
		bool isnew;

		if (si->hist == NO_HIST) {
			/* a stack new to this snapshot: find or add its key's */
			if (ht_grow(&m->hist, &m->caphist, m->nhist + 1,
			            sizeof *m->hist) < 0 ||
			    ht_grow(&m->hrows, &m->caprows, m->nhist + 1,
			            m->hrow_bytes) < 0 ||
			    ht_u64map_put(&m->hist_by_key, si->skey, m->nhist,
			                  &v, &isnew) < 0) {
				for (size_t j = 0; j < m->nhist; j++)
					m->hist[j].pending = m->hist[j].pending_var = 0;
				return model_fail(m, -ENOMEM, "history of %zu "
				                  "stacks: out of memory",
				                  m->nhist + 1);
			}
			if (isnew) {
				memset(&m->hist[m->nhist], 0, sizeof *m->hist);
				memset(row_v(m, m->nhist++), 0, m->hrow_bytes);
			}
			si->hist = *v;
		}
		m->hist[si->hist].pending += p->stacks[i].counts.cur_bytes;
		m->hist[si->hist].pending_var += p->stacks[i].counts.var_cur_bytes;
	}
	at = push_trend(m, p);
	if (m->hist_max < HT_HISTORY_LEN)
		m->hist_max++;
	m->tr_tot_b[at] = m->tr_tot_v[at] = 0;
	/* one pass: each entry is large, a pass costs a cache miss each */
	for (size_t i = 0; i < m->nhist; i++) {
		struct hist *h = &m->hist[i];
		float *tb = row_tb(m, i), *tv = row_tv(m, i);

		row_v(m, i)[m->hv_head] = h->pending;
		if (h->len < HT_HISTORY_LEN)
			h->len++;
		tb[at] = (float)h->pending;
		tv[at] = (float)h->pending_var;
		m->tr_tot_b[at] += tb[at];
		m->tr_tot_v[at] += tv[at];
		h->pending = h->pending_var = 0;
	}
	m->hv_head = (m->hv_head + 1) % m->hv_cap;
	return 0;
}

/* Forget the per-site history (after a reset). */
void ht_model_clear_history(struct ht_model *m)
{
	for (size_t i = 0; i < m->nhist; i++)
		m->hist[i].len = 0;
	m->hist_max = 0;
	m->nfit_key = 0;
	m->tr_len = 0;
	m->tr_step = HT_TREND_STEP_S;
}

/* The newest point of entry h: its ring slot and trend point. */
static void add_newest(struct ht_model *m, size_t i, double b, double var)
{
	row_v(m, i)[(m->hv_head + m->hv_cap - 1) % m->hv_cap] += b;
	row_tb(m, i)[m->tr_len - 1] += (float)b;
	row_tv(m, i)[m->tr_len - 1] += (float)var;
}

/* Stack i of the current snapshot, pending at this update's push, now
 * symbolized: its bytes move from the pending key's newest point to its
 * own key's (an entry new to it gets this one point), so the sites and
 * the totals read as if it had been symbolized before the push.  0 or
 * -ENOMEM (cause set; its history then starts at the next update). */
int model_late_history(struct ht_model *m, size_t i, uint64_t pending_key)
{
	struct stack_info *si = &m->cur.si[i];
	const struct ht_counts *c = &m->cur.p->stacks[i].counts;
	size_t *v = ht_u64map_get(&m->hist_by_key, pending_key);
	bool isnew;

	if (!v || !m->tr_len || !m->hist[*v].len)
		return 0;   /* not pushed (or reset since): nothing to move */
	add_newest(m, *v, -c->cur_bytes, -c->var_cur_bytes);
	if (ht_grow(&m->hist, &m->caphist, m->nhist + 1, sizeof *m->hist) < 0 ||
	    ht_grow(&m->hrows, &m->caprows, m->nhist + 1, m->hrow_bytes) < 0 ||
	    ht_u64map_put(&m->hist_by_key, si->skey, m->nhist, &v,
	                  &isnew) < 0)
		return model_fail(m, -ENOMEM, "history of %zu stacks: out of "
		                  "memory", m->nhist + 1);
	if (isnew) {
		/* one point, the newest: the ring's slot before hv_head */
		memset(&m->hist[m->nhist], 0, sizeof *m->hist);
		memset(row_v(m, m->nhist++), 0, m->hrow_bytes);
		m->hist[*v].len = 1;
	}
	si->hist = *v;
	add_newest(m, *v, c->cur_bytes, c->var_cur_bytes);
	return 0;
}
