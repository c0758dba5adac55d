/*
 * The model's stacks: each stack of a profile symbolized into frames
 * (inlines expanded; raw addresses without a symbolizer), its allocator
 * leaf and site frame placed, and its identities hashed (the full stack,
 * and the site it groups into under the current options).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/grow.h"
#include "core/hash.h"
#include "core/model_priv.h"

/* Symbolic identity of a frame: function, file, module (no address, no
 * line: stable across runs and builds). */
uint64_t model_frame_hash(uint64_t h, const struct ht_frame *f)
{
	h = ht_fnv_str(h, f->function);
	h = ht_fnv_str(h, f->file);
	h = ht_fnv_str(h, f->module);
	return ht_fnv(h, &f->inlined, 1);
}

/* The key every pending stack has, full-stack and group alike: never a
 * resolved stack's (those hash frames; this hashes a tag no frame has). */
static uint64_t pending_key(void)
{
	return ht_fnv(HT_FNV_INIT, "\0pending", 8);
}

/* A frame of a full stack: its symbolic identity and its line (two calls
 * on two lines are two stacks; still no address). */
static uint64_t stack_frame_hash(uint64_t h, const struct ht_frame *f)
{
	h = model_frame_hash(h, f);
	return ht_fnv(h, &f->line, sizeof f->line);
}
/* A frame for pc when there is no symbolizer: "0x...". */
static const struct ht_frame *raw_frame(struct ht_model *m, uint64_t pc)
{
	size_t *v;
	bool isnew;
	struct ht_frame *f;
	char buf[32];

	if (ht_u64map_put(&m->raw_by_pc, pc, 0, &v, &isnew) < 0)
		return NULL;
	if (!isnew)
		return m->rawp[*v];
	if (ht_grow(&m->rawp, &m->capraw, m->nraw + 1, sizeof *m->rawp) < 0) {
		ht_u64map_del(&m->raw_by_pc, pc, NULL);
		return NULL;
	}
	f = calloc(1, sizeof *f);
	snprintf(buf, sizeof buf, "0x%" PRIx64, pc);
	if (!f || !(f->function = strdup(buf))) {
		free(f);
		ht_u64map_del(&m->raw_by_pc, pc, NULL);
		return NULL;
	}
	f->pc = pc;
	m->rawp[m->nraw] = f;
	*v = m->nraw++;
	return f;
}

/* Place the site of a stack: the innermost frame past the allocator
 * (leaf), then, unless the options show library frames as sites, past
 * the standard library's frames (ht_frame.library) to the program's own
 * code; via names the library frame it called.  A stack of library
 * frames only keeps its leaf. */
static void place_site(const struct ht_model *m, struct stack_info *s)
{
	size_t k = s->leaf;

	s->site = s->leaf;
	s->via = NO_VIA;
	if (m->opt.lib_sites || !s->nframes)
		return;
	while (k < s->nframes && s->frames[k]->library)
		k++;
	if (k == s->nframes || k == s->leaf)
		return;
	s->site = k;
	s->via = k - 1;
}

/* Group identity of a stack under the current grouping. */
static uint64_t group_key(const struct ht_model *m, const struct stack_info *s)
{
	const struct ht_frame *f;
	uint64_t h = HT_FNV_INIT;

	if (s->pending)
		return pending_key();
	if (m->opt.group == HT_GROUP_STACK || !s->nframes)
		return s->skey;
	f = s->frames[s->site];
	h = ht_fnv(h, "g", 1);
	h = ht_fnv_str(h, f->function);
	h = ht_fnv_str(h, f->module);
	if (m->opt.group == HT_GROUP_LINE) {
		h = ht_fnv_str(h, f->file);
		h = ht_fnv(h, &f->line, sizeof f->line);
	}
	return h;
}

/* Free sd's stack infos (not its profile). */
void model_free_side(struct sideinfo *sd)
{
	if (sd->si && sd->p)
		for (size_t i = 0; i < sd->p->nstacks; i++)
			free(sd->si[i].frames);
	free(sd->si);
	sd->si = NULL;
}

/* Two profiles whose modules are the same files at the same places: an
 * address means in one what it means in the other. */
static bool same_modules(const struct ht_profile *a, const struct ht_profile *b)
{
	if (a->nmodules != b->nmodules)
		return false;
	for (size_t i = 0; i < a->nmodules; i++) {
		const struct ht_module *x = &a->modules[i], *y = &b->modules[i];

		if (x->start != y->start || x->end != y->end ||
		    x->base != y->base || x->offset != y->offset ||
		    x->unloaded != y->unloaded || x->main != y->main ||
		    x->build_id_len != y->build_id_len ||
		    x->build_id_len > sizeof x->build_id ||
		    memcmp(x->build_id, y->build_id, x->build_id_len) ||
		    strcmp(x->path ? x->path : "", y->path ? y->path : ""))
			return false;
	}
	return true;
}

/* How a snapshot finds the stacks it shares with the previous one. */
enum reuse {
	REUSE_NONE,
	REUSE_BY_ID,     /* live snapshots of one process keep their stack
	                  * ids (the runtime never moves a stack table entry) */
	REUSE_BY_PCS,    /* any other: by the stack's address sequence */
};

/* A stack already symbolized in the previous snapshot, by the same
 * symbolizer over the same modules, takes over its frames, keys and
 * history entry instead of being looked up and hashed again. */
static enum reuse reuse_mode(const struct sideinfo *a,
                             const struct ht_profile *b,
                             const struct ht_symbolizer *sym)
{
	if (!a || !a->p || !a->si || a->sym != sym || !same_modules(a->p, b))
		return REUSE_NONE;
	if (a->p->kind == HT_SOURCE_LIVE && b->kind == HT_SOURCE_LIVE &&
	    a->p->pid == b->pid && a->p->start_time_ns == b->start_time_ns)
		return REUSE_BY_ID;
	return REUSE_BY_PCS;
}

/* The key a stack is found by in the previous snapshot (never 0). */
static uint64_t reuse_key(enum reuse mode, const struct ht_stack *st)
{
	uint64_t h;

	if (mode == REUSE_BY_ID)
		return (uint64_t)st->id + 1;
	h = ht_fnv(HT_FNV_INIT, &st->depth, sizeof st->depth);
	h = ht_fnv(h, st->pcs, st->depth * sizeof *st->pcs);
	return h ? h : 1;
}

/* Take over prev's stack j into s when it is stack st (same addresses,
 * frames not taken yet).  True when taken. */
static bool take_stack(struct sideinfo *prev, size_t j,
                       const struct ht_stack *st, struct stack_info *s)
{
	struct stack_info *o = &prev->si[j];
	const struct ht_stack *ost = &prev->p->stacks[j];

	if (!o->frames || o->pending || ost->depth != st->depth ||
	    memcmp(ost->pcs, st->pcs, st->depth * sizeof *st->pcs))
		return false;
	*s = *o;
	o->frames = NULL;
	return true;
}

/* Take over stack i (st) of the new snapshot from prev into s when prev
 * has it: at the same index (a snapshot mostly lists its stacks in the
 * last one's order), else by reuse key, prev's stacks indexed on the
 * first miss.  True when taken; out of memory, reuse stops (*mode). */
static bool take_prev(enum reuse *mode, struct ht_u64map *by_key,
                      struct sideinfo *prev, size_t i,
                      const struct ht_stack *st, struct stack_info *s)
{
	size_t *v;

	if (*mode == REUSE_NONE)
		return false;
	if (i < prev->p->nstacks && take_stack(prev, i, st, s))
		return true;
	if (!by_key->n)
		for (size_t j = 0; j < prev->p->nstacks; j++)
			if (ht_u64map_put(by_key, reuse_key(*mode,
			                  &prev->p->stacks[j]), j, NULL, NULL) < 0) {
				*mode = REUSE_NONE;
				return false;
			}
	v = ht_u64map_get(by_key, reuse_key(*mode, st));
	return v && take_stack(prev, *v, st, s);
}

/* Symbolize stack st into s (frames, leaf, full-stack key) with sym
 * (NULL: raw addresses).  The frames are gathered in the model's
 * scratch, then copied into an array of exactly their number: a stack
 * keeps its frames as long as it is in the snapshots, and arrays grown
 * by doubling as inlined frames expand them kept about half of every
 * one's room unused.  0 or -ENOMEM. */
static int symbolize_stack(struct ht_model *m, struct ht_symbolizer *sym,
                           const struct ht_stack *st, struct stack_info *s)
{
	uint64_t h = HT_FNV_INIT;
	size_t nf = 0;

	s->hist = NO_HIST;
	s->frames = NULL;
	for (uint32_t k = 0; k < st->depth; k++) {
		const struct ht_frame *fr;
		size_t n = 1;

		if (sym) {
			ht_symbolize(sym, st->pcs[k], &fr, &n);
		} else {
			fr = raw_frame(m, st->pcs[k]);
			if (!fr)
				return -ENOMEM;
		}
		if (ht_grow(&m->fscratch, &m->capfscratch, nf + n + 4,
		            sizeof *m->fscratch) < 0)
			return -ENOMEM;
		for (size_t j = 0; j < n; j++)
			m->fscratch[nf++] = &fr[j];
	}
	s->frames = malloc((nf ? nf : 1) * sizeof *s->frames);
	if (!s->frames)
		return -ENOMEM;
	memcpy(s->frames, m->fscratch, nf * sizeof *s->frames);
	s->nframes = nf;
	for (size_t k = 0; k < s->nframes; k++)
		h = stack_frame_hash(h, s->frames[k]);
	s->leaf = ht_allocator_run(s->frames, s->nframes);
	if (s->leaf == s->nframes)
		s->leaf = 0;    /* allocator frames only: keep them */
	s->site = s->leaf;
	s->via = NO_VIA;
	if (!s->nframes)
		h = ht_fnv(h, "(no stack)", 10);
	s->skey = h;
	return 0;
}

/* Stack s waits for its symbols: no frames yet (trees pass it by), one
 * row "[symbolizing]" and one history key for all such stacks, never
 * taken over by the next snapshot. */
static void mark_pending(struct stack_info *s)
{
	memset(s, 0, sizeof *s);
	s->hist = NO_HIST;
	s->via = NO_VIA;
	s->skey = pending_key();
	s->pending = true;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Biggest in-use bytes first (the default order: the top rows resolve
 * first), then by index. */
static int cmp_todo(const void *a, const void *b, void *arg)
{
	const struct ht_stack *st = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = st[i].counts.cur_bytes, y = st[j].counts.cur_bytes;

	if (x != y)
		return x > y ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Symbolize the pending stacks of the current snapshot in the todo
 * order until end_ms (monotonic; at least one stack); late: after the
 * update pushed the history (the stacks' bytes move to their keys).
 * 0 or -ENOMEM (the stack being symbolized stays pending). */
static int symbolize_todo(struct ht_model *m, double end_ms, bool late)
{
	struct sideinfo *sd = &m->cur;

	for (size_t k = 0; m->todo_at < m->ntodo; k++) {
		size_t i = m->todo[m->todo_at];
		struct stack_info *s = &sd->si[i];
		int err;

		if (k && mono_ms() > end_ms)
			break;
		memset(s, 0, sizeof *s);
		err = symbolize_stack(m, sd->sym, &sd->p->stacks[i], s);
		if (err < 0) {
			free(s->frames);
			mark_pending(s);
			return err;
		}
		m->todo_at++;
		if (late && (err = model_late_history(m, i, pending_key())) < 0)
			return err;
	}
	return 0;
}

/* The screen's first pass: the stacks not taken over (todo[0..ntodo),
 * pending) are put in order, and symbolized until the slice ends. */
static int start_todo(struct ht_model *m, double start_ms)
{
	qsort_r(m->todo, m->ntodo, sizeof *m->todo, cmp_todo,
	        m->cur.p->stacks);
	return symbolize_todo(m, start_ms + m->sym_slice_ms, false);
}

/* The current snapshot's stack i, resolved, when sd (the baseline) is
 * the same snapshot with the same symbolizer: its frames to copy rather
 * than look up again.  NULL otherwise. */
static const struct stack_info *resolved_in_cur(const struct ht_model *m,
                                                const struct sideinfo *sd,
                                                size_t i)
{
	if (sd != &m->base || m->cur.p != sd->p || !m->cur.si ||
	    sd->sym != m->cur.sym || m->cur.si[i].pending)
		return NULL;
	return &m->cur.si[i];
}

/* s as symbolize_stack would make it, from another side's resolved
 * stack of the same addresses and symbolizer.  0 or -ENOMEM. */
static int copy_stack(const struct stack_info *from, struct stack_info *s)
{
	memset(s, 0, sizeof *s);
	s->frames = malloc((from->nframes ? from->nframes : 1) * sizeof *s->frames);
	if (!s->frames)
		return -ENOMEM;
	memcpy(s->frames, from->frames, from->nframes * sizeof *s->frames);
	s->nframes = from->nframes;
	s->leaf = s->site = from->leaf;
	s->via = NO_VIA;
	s->skey = from->skey;
	s->hist = NO_HIST;
	return 0;
}

/* Symbolize the baseline's pending stacks until end_ms (at least one):
 * copied from the current snapshot where it has resolved them since.
 * 0 or -ENOMEM (the stack being symbolized stays pending). */
static int symbolize_btodo(struct ht_model *m, double end_ms)
{
	struct sideinfo *sd = &m->base;

	for (size_t k = 0; m->btodo_at < m->nbtodo; k++) {
		size_t i = m->btodo[m->btodo_at];
		struct stack_info *s = &sd->si[i];
		const struct stack_info *from = resolved_in_cur(m, sd, i);
		int err;

		if (k && mono_ms() > end_ms)
			break;
		memset(s, 0, sizeof *s);
		err = from ? copy_stack(from, s) :
		      symbolize_stack(m, sd->sym, &sd->p->stacks[i], s);
		if (err < 0) {
			free(s->frames);
			mark_pending(s);
			return err;
		}
		m->btodo_at++;
	}
	return 0;
}

/* Symbolize every stack of sd->p with sym (NULL: raw addresses); for
 * the current snapshot with a slice set (ht_model_set_sym_slice), only
 * as many as the slice allows, the rest pending.  A baseline made from
 * the current snapshot (the same symbolizer) takes the stacks the
 * current snapshot has resolved and leaves the others pending too, for
 * ht_model_sym_resume: setting it never waits for cold symbols. */
int model_symbolize_side(struct ht_model *m, struct sideinfo *sd,
                         struct ht_symbolizer *sym, struct sideinfo *prev)
{
	struct ht_profile *p = sd->p;
	struct ht_u64map prev_by_key = { 0 };
	enum reuse reuse = reuse_mode(prev, p, sym);
	bool sliced = sd == &m->cur && sym && m->sym_slice_ms > 0;
	/* the baseline set from the current snapshot, with a slice */
	bool bsliced = sd == &m->base && sym && sym == m->cur.sym &&
	               m->sym_slice_ms > 0 && m->cur.p == p && m->cur.si;
	double t0 = sliced ? mono_ms() : 0;
	int err = 0;

	model_free_side(sd);
	sd->sym = sym;
	if (sd == &m->cur) {
		m->ntodo = m->todo_at = 0;
		m->sym_base_turn = m->btodo_at < m->nbtodo;
	}
	if (sd == &m->base)
		m->nbtodo = m->btodo_at = 0;
	sd->si = calloc(p->nstacks ? p->nstacks : 1, sizeof *sd->si);
	if (!sd->si || (sliced && ht_grow(&m->todo, &m->captodo,
	                                  p->nstacks + 1, sizeof *m->todo) < 0) ||
	    (bsliced && ht_grow(&m->btodo, &m->capbtodo, p->nstacks + 1,
	                        sizeof *m->btodo) < 0))
		goto nomem;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct ht_stack *st = &p->stacks[i];
		struct stack_info *s = &sd->si[i];

		if (take_prev(&reuse, &prev_by_key, prev, i, st, s))
			continue;
		if (sliced) {
			mark_pending(s);
			m->todo[m->ntodo++] = i;
			continue;
		}
		if (bsliced && m->cur.si[i].pending) {
			mark_pending(s);
			m->btodo[m->nbtodo++] = i;
			continue;
		}
		if (bsliced) {
			if (copy_stack(&m->cur.si[i], s) < 0)
				goto nomem;
			continue;
		}
		if (symbolize_stack(m, sym, st, s) < 0)
			goto nomem;
	}
	ht_u64map_free(&prev_by_key);
	if (sliced && m->ntodo)
		err = start_todo(m, t0);
	if (err < 0)
		return model_fail(m, err, "symbolizing %zu stacks: out of "
		                  "memory", p->nstacks);
	return 0;
nomem:
	ht_u64map_free(&prev_by_key);
	return model_fail(m, -ENOMEM, "symbolizing %zu stacks: out of memory",
	                  p->nstacks);
}

/* The screen's symbolization slice per update (0: none). */
void ht_model_set_sym_slice(struct ht_model *m, double ms)
{
	m->sym_slice_ms = ms > 0 ? ms : 0;
}

/* True while stacks of the current snapshot, or of a baseline set from
 * it, wait for their symbols. */
bool ht_model_sym_pending(const struct ht_model *m, size_t *done,
                          size_t *total)
{
	if (done)
		*done = m->todo_at + m->btodo_at;
	if (total)
		*total = m->ntodo + m->nbtodo;
	return (m->cur.p && m->todo_at < m->ntodo) ||
	       (m->has_base && m->btodo_at < m->nbtodo);
}

/* Symbolize the next slice of pending stacks and rebuild the sites.
 * The slice is at least five times the last rebuild (a profile of many
 * stacks rebuilds in tens of milliseconds): rebuilding never takes more
 * than a sixth of the time. */
int ht_model_sym_resume(struct ht_model *m)
{
	double t0 = mono_ms(), slice = m->sym_slice_ms;
	bool base = false;
	int err;

	model_clear_cause(m);
	if (!ht_model_sym_pending(m, NULL, NULL))
		return 0;
	if (slice < 5 * m->sym_rebuild_ms)
		slice = 5 * m->sym_rebuild_ms;
	/* the current snapshot's stacks first: the baseline's only change
	 * the deltas, and those the current snapshot resolves meanwhile are
	 * copied, not looked up.  But each new snapshot gives the baseline
	 * one pass: snapshots that keep bringing new stacks never starve it */
	if (m->cur.p && m->todo_at < m->ntodo &&
	    !(m->btodo_at < m->nbtodo && m->sym_base_turn)) {
		err = symbolize_todo(m, t0 + slice, true);
	} else {
		err = symbolize_btodo(m, t0 + slice);
		m->sym_base_turn = false;
		base = true;
	}
	if (err < 0 && !ht_model_cause(m))
		model_fail(m, err, "symbolizing %zu stacks: out of memory",
		           m->ntodo + m->nbtodo);
	if (err < 0)
		return err;
	t0 = mono_ms();
	model_group_new_keys(m, &m->cur);
	if (base) {
		model_group_new_keys(m, &m->base);
		if ((err = model_build_base(m)) < 0)
			return err;
	}
	err = model_build_sites(m);
	m->sym_rebuild_ms = mono_ms() - t0;
	return err;
}

/* "(unknown)" frame for stacks the unwinder could not walk. */
static const struct ht_frame unknown_frame = {
	.function = "(unknown stack)",
};

/* The one row of the stacks still waiting for their symbols. */
static const struct ht_frame pending_frame = {
	.function = "[symbolizing]",
};

/* Place stack s's site and compute its group key. */
static void group_stack(const struct ht_model *m, struct stack_info *s)
{
	place_site(m, s);
	s->gkey = group_key(m, s);
	s->site_frame = s->nframes ? s->frames[s->site] :
	                s->pending ? &pending_frame : &unknown_frame;
	s->via_frame = s->nframes && s->via != NO_VIA ? s->frames[s->via] :
	               NULL;
	s->grouped = true;
}

/* Place every stack's site and compute its group key. */
void model_regroup_keys(struct ht_model *m, struct sideinfo *sd)
{
	if (!sd->p || !sd->si)
		return;
	for (size_t i = 0; i < sd->p->nstacks; i++)
		group_stack(m, &sd->si[i]);
}

/* The same for the stacks not taken over from the previous snapshot
 * (those were grouped under the current options: every change of them
 * regroups the current stacks). */
void model_group_new_keys(struct ht_model *m, struct sideinfo *sd)
{
	if (!sd->p || !sd->si)
		return;
	for (size_t i = 0; i < sd->p->nstacks; i++)
		if (!sd->si[i].grouped)
			group_stack(m, &sd->si[i]);
}

const struct ht_frame *model_site_frame_of(const struct stack_info *s)
{
	return s->site_frame;
}

const struct ht_frame *model_via_frame_of(const struct stack_info *s)
{
	return s->via_frame;
}

/* Frames of stack i, innermost first (model-owned), NULL when out of
 * range. */
const struct ht_frame *const *ht_model_stack_frames(struct ht_model *m,
                                                    size_t i, size_t *n)
{
	*n = 0;
	if (!m->cur.p || i >= m->cur.p->nstacks)
		return NULL;
	*n = m->cur.si[i].nframes;
	return m->cur.si[i].frames;
}

/* Index of the leaf frame (past the allocator's) of stack i. */
size_t ht_model_stack_leaf_index(struct ht_model *m, size_t i)
{
	if (!m->cur.p || i >= m->cur.p->nstacks)
		return 0;
	return m->cur.si[i].leaf;
}

/* Index of the site frame in the frames of stack i (0 when none). */
size_t ht_model_stack_site_index(struct ht_model *m, size_t i)
{
	if (!m->cur.p || i >= m->cur.p->nstacks)
		return 0;
	return m->cur.si[i].site;
}

