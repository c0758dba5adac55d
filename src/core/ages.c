/*
 * Live sampled objects and freed lifetimes per stack (see ages.h).
 *
 * Objects live in one array with a free list, found by address through
 * a u64map and chained per stack (indexes, doubly linked), so a summary
 * walks only the objects of the stacks it is asked about.  Lifetimes go
 * into per-stack log2 histograms (LIFE_BINS bins of powers of two
 * milliseconds), coarse enough to be small, fine enough for a median.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/ages.h"
#include "core/u64map.h"

const double ht_age_bucket_s[HT_AGE_BUCKETS - 1] = { 1, 10, 60, 600, 3600 };

#define NONE UINT32_MAX
#define LIFE_BINS 32  /* bin i: lifetimes in [2^(i-1), 2^i) ms; 0: < 1 ms */

struct obj {
	uint64_t addr;      /* 0: on the free list */
	uint64_t born_ns;
	double bytes;
	uint32_t stack;
	uint32_t prev, next; /* the stack's chain, or the free list (next) */
};

struct stk {
	uint32_t stack;
	uint32_t head;       /* first live object, NONE */
	uint64_t freed;
	uint32_t life[LIFE_BINS];
	double alloc_bytes, freed_bytes;
	uint64_t stamp;      /* summary de-duplication */
};

struct ht_ages {
	struct obj *objs;
	size_t nobjs, capobjs, live;
	uint32_t free_head;
	struct ht_u64map by_addr;   /* addr -> index into objs */
	struct stk *stks;
	size_t nstks, capstks;
	struct ht_u64map by_stack;  /* stack index + 1 -> index into stks */
	uint64_t start_ns;          /* following since (0: not yet) */
	uint64_t stamp;
	double *scratch;            /* ages for a median */
	size_t capscratch;
};

struct ht_ages *ht_ages_new(void)
{
	struct ht_ages *a = calloc(1, sizeof *a);

	if (a)
		a->free_head = NONE;
	return a;
}

void ht_ages_free(struct ht_ages *a)
{
	if (!a)
		return;
	free(a->objs);
	free(a->stks);
	free(a->scratch);
	ht_u64map_free(&a->by_addr);
	ht_u64map_free(&a->by_stack);
	free(a);
}

size_t ht_ages_count(const struct ht_ages *a)
{
	return a ? a->live : 0;
}

static struct stk *stack_get(struct ht_ages *a, uint32_t stack, bool create)
{
	size_t *v = ht_u64map_get(&a->by_stack, (uint64_t)stack + 1);
	struct stk *s;

	if (v)
		return &a->stks[*v];
	if (!create)
		return NULL;
	if (ht_grow(&a->stks, &a->capstks, a->nstks + 1, sizeof *a->stks) < 0)
		return NULL;
	if (ht_u64map_put(&a->by_stack, (uint64_t)stack + 1, a->nstks, NULL,
	                  NULL) < 0)
		return NULL;
	s = &a->stks[a->nstks++];
	memset(s, 0, sizeof *s);
	s->stack = stack;
	s->head = NONE;
	return s;
}

static void unlink_obj(struct ht_ages *a, uint32_t i)
{
	struct obj *o = &a->objs[i];
	struct stk *s = stack_get(a, o->stack, false);

	if (o->prev != NONE)
		a->objs[o->prev].next = o->next;
	else if (s)
		s->head = o->next;
	if (o->next != NONE)
		a->objs[o->next].prev = o->prev;
	ht_u64map_del(&a->by_addr, o->addr, NULL);
	o->addr = 0;
	o->next = a->free_head;
	a->free_head = i;
	a->live--;
}

/* Insert (or replace) the object at addr.  0 or -ENOMEM. */
static int insert(struct ht_ages *a, uint64_t addr, uint32_t stack,
                  uint64_t born_ns, double bytes)
{
	size_t *v = ht_u64map_get(&a->by_addr, addr);
	struct stk *s;
	uint32_t i;

	if (!addr)
		return 0;
	if (v)
		unlink_obj(a, (uint32_t)*v);  /* its free was never seen */
	s = stack_get(a, stack, true);
	if (!s)
		return -ENOMEM;
	if (a->free_head != NONE) {
		i = a->free_head;
		a->free_head = a->objs[i].next;
	} else {
		if (a->nobjs >= NONE ||
		    ht_grow(&a->objs, &a->capobjs, a->nobjs + 1,
		            sizeof *a->objs) < 0)
			return -ENOMEM;
		i = (uint32_t)a->nobjs++;
	}
	if (ht_u64map_put(&a->by_addr, addr, i, NULL, NULL) < 0) {
		a->objs[i].addr = 0;
		a->objs[i].next = a->free_head;
		a->free_head = i;
		return -ENOMEM;
	}
	a->objs[i] = (struct obj){ addr, born_ns, bytes, stack, NONE, s->head };
	if (s->head != NONE)
		a->objs[s->head].prev = i;
	s->head = i;
	a->live++;
	return 0;
}

static void forget_all(struct ht_ages *a, bool lifetimes)
{
	ht_u64map_clear(&a->by_addr);
	a->nobjs = a->live = 0;
	a->free_head = NONE;
	for (size_t i = 0; i < a->nstks; i++) {
		a->stks[i].head = NONE;
		if (lifetimes) {
			a->stks[i].freed = 0;
			memset(a->stks[i].life, 0, sizeof a->stks[i].life);
			a->stks[i].alloc_bytes = a->stks[i].freed_bytes = 0;
		}
	}
}

int ht_ages_load(struct ht_ages *a, const struct ht_live_obj *objs, size_t n,
                 uint64_t now_ns, bool first)
{
	forget_all(a, first);
	if (first || !a->start_ns)
		a->start_ns = now_ns;
	for (size_t i = 0; i < n; i++) {
		uint64_t born = objs[i].born_ns <= now_ns ? objs[i].born_ns : now_ns;

		if (insert(a, objs[i].addr, objs[i].stack, born,
		           objs[i].weight_bytes) < 0)
			return -ENOMEM;
	}
	return 0;
}

static unsigned life_bin(uint64_t ns)
{
	uint64_t ms = ns / 1000000u;
	unsigned b = 0;

	while (ms && b < LIFE_BINS - 1) {
		ms >>= 1;
		b++;
	}
	return b;
}

static int on_free(struct ht_ages *a, const struct ht_event *e)
{
	size_t *v = ht_u64map_get(&a->by_addr, e->addr);
	struct stk *s;

	if (v) {
		const struct obj *o = &a->objs[*v];

		/* the object this free belongs to: same birth (a free that
		 * overtook the next allocation at this address in the ring
		 * leaves that allocation alone) */
		if (!e->born_ns || o->born_ns == e->born_ns)
			unlink_obj(a, (uint32_t)*v);
	}
	s = stack_get(a, e->stack, true);
	if (!s)
		return -ENOMEM;
	s->freed++;
	s->freed_bytes += e->weight_bytes;
	if (e->born_ns && e->time_ns >= e->born_ns)
		s->life[life_bin(e->time_ns - e->born_ns)]++;
	return 0;
}

int ht_ages_apply(struct ht_ages *a, const struct ht_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ht_event *e = &ev[i];
		struct stk *s;

		switch (e->type) {
		case HT_EV_ALLOC:
			if (insert(a, e->addr, e->stack,
			           e->born_ns ? e->born_ns : e->time_ns,
			           e->weight_bytes) < 0)
				return -ENOMEM;
			s = stack_get(a, e->stack, false);
			if (s)
				s->alloc_bytes += e->weight_bytes;
			break;
		case HT_EV_FREE:
			if (on_free(a, e) < 0)
				return -ENOMEM;
			break;
		case HT_EV_RESET:
			/* the counters restart: so do ages and lifetimes */
			forget_all(a, true);
			a->start_ns = e->time_ns;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double x = *(const double *)pa, y = *(const double *)pb;

	return x < y ? -1 : x > y;
}

static unsigned age_bucket(double s)
{
	unsigned b = 0;

	while (b < HT_AGE_BUCKETS - 1 && s >= ht_age_bucket_s[b])
		b++;
	return b;
}

int ht_ages_summarize(struct ht_ages *a, const uint32_t *stacks, size_t n,
                      uint64_t now_ns, struct ht_ages_summary *out)
{
	uint32_t life[LIFE_BINS] = { 0 };
	size_t k = 0;

	memset(out, 0, sizeof *out);
	if (a->start_ns && now_ns > a->start_ns)
		out->span_s = (double)(now_ns - a->start_ns) / 1e9;
	a->stamp++;
	for (size_t i = 0; i < n; i++) {
		struct stk *s = stack_get(a, stacks[i], false);

		if (!s || s->stamp == a->stamp)
			continue;
		s->stamp = a->stamp;
		out->freed += s->freed;
		out->alloc_bytes += s->alloc_bytes;
		out->freed_bytes += s->freed_bytes;
		for (unsigned b = 0; b < LIFE_BINS; b++) {
			life[b] += s->life[b];
			/* coarse buckets: a bin's lower bound decides */
			out->life_hist[age_bucket(b ? ldexp(1e-3, (int)b - 1) : 0)] +=
				s->life[b];
		}
		for (uint32_t j = s->head; j != NONE; j = a->objs[j].next) {
			const struct obj *o = &a->objs[j];
			double age = now_ns > o->born_ns ?
			             (double)(now_ns - o->born_ns) / 1e9 : 0;

			if (ht_grow(&a->scratch, &a->capscratch, k + 1,
			            sizeof *a->scratch) < 0)
				return -ENOMEM;
			a->scratch[k++] = age;
			out->live_bytes += o->bytes;
			out->age_hist[age_bucket(age)] += o->bytes;
			if (age > out->oldest_s)
				out->oldest_s = age;
		}
	}
	out->live = k;
	if (k) {
		qsort(a->scratch, k, sizeof *a->scratch, cmp_double);
		out->median_s = k % 2 ? a->scratch[k / 2] :
		                (a->scratch[k / 2 - 1] + a->scratch[k / 2]) / 2;
	}
	if (out->freed) {
		uint64_t half = (out->freed + 1) / 2, seen = 0;

		for (unsigned b = 0; b < LIFE_BINS; b++) {
			seen += life[b];
			if (seen >= half) {
				/* the bin's geometric middle */
				out->lifetime_median_s = b ? ldexp(1e-3, (int)b - 1) *
				                         M_SQRT2 : 0.0005;
				break;
			}
		}
	}
	return 0;
}
