/*
 * The model's per-thread rows: for profiles that carry per-thread counts
 * (jemalloc dumps), each site's threads and the whole profile's, summed
 * by thread number and sorted like the sites.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_priv.h"

static int cmp_thread_number(const void *pa, const void *pb)
{
	uint64_t a = ((const struct ht_thread_counts *)pa)->thread;
	uint64_t b = ((const struct ht_thread_counts *)pb)->thread;

	return a < b ? -1 : a > b;
}

/* Threads in the sites' order: by the sort value (in-use bytes for
 * growth, which has no per-thread baseline), thread number for names and
 * ties. */
static int cmp_threads(const void *pa, const void *pb, void *arg)
{
	const struct ht_thread_counts *a = pa, *b = pb;
	const struct ht_model *m = arg;

	int r = m->opt.sort == HT_SORT_NAME ? 0 :
	        model_cmp_value(m, &a->counts, NULL, false, &b->counts, NULL, false);

	return r ? r : cmp_thread_number(pa, pb);
}

/* Sum the n entries at t by thread number, in place, and sort the result;
 * returns the number of distinct threads. */
static size_t merge_threads(const struct ht_model *m,
                            struct ht_thread_counts *t, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0; /* qsort with a NULL base is undefined even for 0 */
	qsort(t, n, sizeof *t, cmp_thread_number);
	for (size_t i = 0; i < n; i++) {
		if (k && t[k - 1].thread == t[i].thread)
			ht_counts_add(&t[k - 1].counts, &t[i].counts);
		else
			t[k++] = t[i];
	}
	qsort_r(t, k, sizeof *t, cmp_threads, (void *)m);
	return k;
}

/* Drop the thread lists. */
void model_drop_threads(struct ht_model *m)
{
	free(m->thr);
	free(m->thr_off);
	free(m->thr_n);
	m->thr = NULL;
	m->thr_off = m->thr_n = NULL;
	m->thr_all_off = m->thr_all_n = 0;
}

/* Append the per-thread counts of stack i of the current profile at
 * m->thr + *off. */
static void copy_stack_threads(struct ht_model *m, size_t i, size_t *off)
{
	const struct ht_stack *st = &m->cur.p->stacks[i];

	if (!st->nthreads)
		return;
	memcpy(m->thr + *off, st->threads, st->nthreads * sizeof *m->thr);
	*off += st->nthreads;
}

/* Per-site and profile-wide thread lists of the current sites.  0 or
 * -ENOMEM (then there is no breakdown). */
int model_build_threads(struct ht_model *m)
{
	const struct ht_profile *p = m->cur.p;
	size_t total = 0, off = 0, start;

	model_drop_threads(m);
	if (!p)
		return 0;
	for (size_t i = 0; i < p->nstacks; i++)
		total += p->stacks[i].nthreads;
	if (!total)
		return 0;
	/* every entry twice: once in its site, once in the whole list */
	m->thr = malloc(2 * total * sizeof *m->thr);
	m->thr_off = calloc(m->nall + 1, sizeof *m->thr_off);
	m->thr_n = calloc(m->nall + 1, sizeof *m->thr_n);
	if (!m->thr || !m->thr_off || !m->thr_n) {
		model_drop_threads(m);
		return model_fail(m, -ENOMEM, "threads of %zu sites: out of "
		                  "memory", m->nall);
	}
	for (size_t s = 0; s < m->nall; s++) {
		const struct ht_site *site = &m->all[s];

		start = off;
		for (size_t k = 0; k < site->nstacks; k++)
			copy_stack_threads(m, site->stack_idx[k], &off);
		m->thr_off[s] = start;
		m->thr_n[s] = merge_threads(m, m->thr + start, off - start);
	}
	start = off;
	for (size_t i = 0; i < p->nstacks; i++)
		copy_stack_threads(m, i, &off);
	m->thr_all_off = start;
	m->thr_all_n = merge_threads(m, m->thr + start, off - start);
	return 0;
}

/* Thread breakdown of the site with this key (model-owned), or NULL with
 * *n = 0 when the key is unknown or the profile has none. */
const struct ht_thread_counts *ht_model_site_threads(struct ht_model *m,
                                                     uint64_t key, size_t *n)
{
	size_t *v = m->thr ? ht_u64map_get(&m->site_by_key, key) : NULL;

	*n = 0;
	if (!v || !m->thr_n[*v])
		return NULL;
	*n = m->thr_n[*v];
	return m->thr + m->thr_off[*v];
}

/* Per-thread totals of the whole profile (model-owned), or NULL with
 * *n = 0 when it has no per-thread counts. */
const struct ht_thread_counts *ht_model_threads(struct ht_model *m, size_t *n)
{
	*n = m->thr ? m->thr_all_n : 0;
	return *n ? m->thr + m->thr_all_off : NULL;
}

/* True when the current profile has per-thread counts. */
bool ht_model_has_threads(const struct ht_model *m)
{
	return m->thr != NULL && m->thr_all_n > 0;
}

/* The dump's name for `thread`, or NULL (profile-owned). */
const char *ht_model_thread_name(const struct ht_model *m, uint64_t thread)
{
	const struct ht_profile *p = m->cur.p;

	if (!p || !p->thread_names || thread >= p->nthread_names)
		return NULL;
	return p->thread_names[thread];
}
