/*
 * The memo of a thread's recent walks (see walkmemo.h).  Runs on the
 * sampled path inside malloc: no allocation, no lock.
 */
#include "config.h"

#include "runtime/walkmemo.h"

#include <string.h>

static struct ht_walkmemo_ent *slot(struct ht_walkmemo *m, uint64_t key)
{
	return &m->ent[(key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - HT_WALKMEMO_LOG2_WAYS)];
}

/* Zero when e's walk started at s's pc and sp within bounds b (or'ed
 * differences: one branch for the lot). */
static uintptr_t other_place(const struct ht_walkmemo_ent *e, const struct ht_fpw_start *s,
			     const struct ht_fpw_bounds *b)
{
	return (e->pc ^ s->pc) | (e->sp ^ s->sp) | (e->lo ^ b->lo) | (e->hi ^ b->hi);
}

/* True when e holds the walk from s within b and every word it read still
 * holds what it read. */
static int hit(const struct ht_walkmemo_ent *e, const struct ht_fpw_start *s,
	       const struct ht_fpw_bounds *b)
{
	const struct ht_fpw_read *r = e->reads, *end = r + e->nreads;
	uintptr_t d = 0;

	/* the key: the start and bounds, fp if the walk used it */
	if ((other_place(e, s, b) | ((e->fp ^ s->fp) & e->fp_mask)) != 0)
		return 0;
	if (e->epoch != ht_fpwalk_epoch())
		return 0;
	/* every word lies in [sp, hi) of this thread's stack, as when the
	 * walk read it (the walker checked), and sp and hi are the same.
	 * Two at a time, the differences or'ed: one branch per pair (a
	 * frame-pointer frame is a pair) */
	for (; r + 1 < end; r += 2)
		d |= (*(const uintptr_t *)r[0].addr ^ r[0].val) |
		     (*(const uintptr_t *)r[1].addr ^ r[1].val);
	if (r < end)
		d |= *(const uintptr_t *)r->addr ^ r->val;
	return d == 0;
}

int ht_walkmemo_find(struct ht_walkmemo *m, const struct ht_fpw_start *s,
		     const struct ht_fpw_bounds *b, struct ht_walkmemo_look *look,
		     uint32_t *idx)
{
	uint64_t start = (uint64_t)s->pc ^ ((uint64_t)s->sp >> 4);
	struct ht_walkmemo_ent *e;

	look->fp_ent = NULL;
	/* known bounds (a mapping ends at a page, so hi - 16 does not wrap),
	 * lo <= sp <= fp <= hi - 16: the word at fp + 8 lies in the stack */
	if (b->hi > b->lo && s->sp >= b->lo && s->fp >= s->sp && s->fp <= b->hi - 16 &&
	    !(s->fp & 7)) {
		look->fp_ent = slot(m, start ^ (((const uint64_t *)s->fp)[1] << 7));
		if (hit(look->fp_ent, s, b)) {
			*idx = look->fp_ent->idx;
			return 1;
		}
	}
	look->any_ent = slot(m, start);
	e = look->any_ent;
	if (!other_place(e, s, b) && !e->fp_mask && e->nreads) {
		/* this start's entry, for a walk that did not use fp: its first
		 * word (in [sp, hi), as sp and the bounds are the same) is the
		 * return address into the caller; another value there is
		 * another caller, whose entry is chosen by it */
		uintptr_t v0 = *(const uintptr_t *)e->reads[0].addr;

		if (v0 != e->reads[0].val)
			look->any_ent = e = slot(m, start ^ ((uint64_t)v0 << 7) ^ 1);
	}
	if (e != look->fp_ent && hit(e, s, b)) {
		*idx = e->idx;
		return 1;
	}
	return 0;
}

struct ht_fpw_log ht_walkmemo_begin(struct ht_walkmemo_look *look)
{
	struct ht_walkmemo_ent *e = look->fp_ent ? look->fp_ent : look->any_ent;
	struct ht_fpw_log log = { 0, 0, e->reads };

	look->log_ent = e;
	e->pc = 0;
	e->epoch = ht_fpwalk_epoch();
	return log;
}

void ht_walkmemo_keep(const struct ht_walkmemo_look *look, const struct ht_fpw_log *log,
		      const struct ht_fpw_start *s, const struct ht_fpw_bounds *b,
		      uint32_t depth, uint32_t idx)
{
	struct ht_walkmemo_ent *e = log->fp_used ? look->fp_ent : look->any_ent;

	if (log->n > HT_WALKMEMO_READS || !depth || !e)
		return;
	if (e != look->log_ent) {
		/* logged in the entry for a walk through fp, which it was not */
		memcpy(e->reads, look->log_ent->reads, log->n * sizeof e->reads[0]);
		e->epoch = look->log_ent->epoch;
	}
	e->sp = s->sp;
	e->fp = s->fp;
	e->fp_mask = log->fp_used ? ~(uintptr_t)0 : 0;
	e->lo = b->lo;
	e->hi = b->hi;
	e->idx = idx;
	e->nreads = log->n;
	e->pc = s->pc;
}

void ht_walkmemo_forget(void)
{
	ht_fpwalk_new_epoch();
}
