/*
 * Stack table (see stacks.h).  Open addressing with linear probing over the
 * segment's struct ht_seg_stack array; frames in a bump-allocated pool.
 * Runs inside malloc: no allocation; the insertion lock is only taken with
 * the caller's recursion guard set.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "runtime/stacks.h"
#include "runtime/util.h"

void ht_stacks_attach(struct ht_stack_table *t, struct ht_seg_stack *entries,
		      uint32_t cap, uint64_t *frames, uint32_t frames_cap,
		      uint32_t *used, uint32_t *frames_used, unsigned char *counts,
		      uint64_t stride, uint32_t stripes, uint64_t *stripes_used,
		      const uint64_t *reset_gen)
{
	t->entries = entries;
	t->frames = frames;
	t->counts = counts;
	t->stride = stride;
	t->stripe_mask = (stripes && stripes <= HT_STACK_STRIPES ? stripes : 1) - 1;
	t->cap = cap;
	t->frames_cap = frames_cap;
	t->max_used = cap - cap / 8;
	t->lock = 0;
	memset(t->locks, 0, sizeof t->locks);
	t->used = used;
	t->frames_used = frames_used;
	t->stripes_used = stripes_used;
	t->stripes_marked = 0;
	t->reset_gen = reset_gen;
}

/* Whether the reset generation is still gen (a stripe lock held: a reset
 * zeroing this stripe's counters of the entry holds it too). */
static int same_gen(const struct ht_stack_table *t, uint32_t gen)
{
	return (uint32_t)__atomic_load_n(t->reset_gen, __ATOMIC_ACQUIRE) == gen;
}

uint64_t ht_stacks_hash(const uint64_t *pcs, uint32_t depth)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ depth;

	for (uint32_t i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h ? h : 1;
}

static int same_stack(const struct ht_stack_table *t, const struct ht_seg_stack *e,
		      const uint64_t *pcs, uint32_t depth)
{
	const uint64_t *f;

	if (e->depth != depth || e->frames_idx > t->frames_cap ||
	    depth > t->frames_cap - e->frames_idx)
		return 0;
	/* a few frames: a loop is cheaper than memcmp's call and set-up */
	f = &t->frames[e->frames_idx];
	for (uint32_t i = 0; i < depth; i++)
		if (f[i] != pcs[i])
			return 0;
	return 1;
}

/* Probe for the stack; returns 1 with *slot = its index when found, 0 with
 * *slot = the first empty slot on its probe path, -1 if the table has no
 * empty slot on the path. */
static int probe(const struct ht_stack_table *t, uint64_t h, const uint64_t *pcs,
		 uint32_t depth, uint32_t *slot)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = (uint32_t)h & mask;

	for (uint32_t n = 0; n < t->cap; n++, i = (i + 1) & mask) {
		struct ht_seg_stack *e = &t->entries[i];
		uint64_t eh = __atomic_load_n(&e->hash, __ATOMIC_ACQUIRE);

		if (eh == 0) {
			*slot = i;
			return 0;
		}
		if (eh == h && same_stack(t, e, pcs, depth)) {
			*slot = i;
			return 1;
		}
	}
	return -1;
}

int ht_stacks_intern(struct ht_stack_table *t, const uint64_t *pcs,
		     uint32_t depth, uint32_t *idx)
{
	uint64_t h = ht_stacks_hash(pcs, depth);
	uint32_t slot, used, fused;
	int r;

	r = probe(t, h, pcs, depth, &slot);
	if (r == 1) {
		*idx = slot;
		return 0;
	}
	if (r < 0 || __atomic_load_n(t->used, __ATOMIC_RELAXED) >= t->max_used)
		return -ENOSPC;
	ht_spin_lock(&t->lock);
	/* again under the lock: someone may have inserted it meanwhile */
	r = probe(t, h, pcs, depth, &slot);
	if (r == 1) {
		ht_spin_unlock(&t->lock);
		*idx = slot;
		return 0;
	}
	used = __atomic_load_n(t->used, __ATOMIC_RELAXED);
	fused = __atomic_load_n(t->frames_used, __ATOMIC_RELAXED);
	if (r < 0 || used >= t->max_used || depth > t->frames_cap - fused) {
		ht_spin_unlock(&t->lock);
		return -ENOSPC;
	}
	memcpy(&t->frames[fused], pcs, depth * sizeof *pcs);
	t->entries[slot].frames_idx = fused;
	t->entries[slot].depth = depth;
	/* used < max_used < cap: the stripes have room for it */
	t->entries[slot].counts_idx = used;
	__atomic_store_n(t->frames_used, fused + depth, __ATOMIC_RELAXED);
	__atomic_store_n(&t->entries[slot].hash, h, __ATOMIC_RELEASE);
	__atomic_store_n(t->used, used + 1, __ATOMIC_RELAXED);
	ht_spin_unlock(&t->lock);
	*idx = slot;
	return 1;
}

/* Entry idx's lock in stripe s, and its counters there. */
static int *counter_lock(struct ht_stack_table *t, unsigned s, uint32_t idx)
{
	return &t->locks[s][idx & (HT_STACK_LOCKS - 1)].v;
}

static struct ht_seg_stripe *stripe_head(const struct ht_stack_table *t, unsigned s)
{
	return (struct ht_seg_stripe *)(void *)(t->counts + (uint64_t)s * t->stride);
}

static struct ht_seg_counts *counts_of(const struct ht_stack_table *t, unsigned s, uint32_t idx)
{
	return (struct ht_seg_counts *)(void *)(t->counts + (uint64_t)s * t->stride +
						sizeof(struct ht_seg_stripe)) +
	       t->entries[idx].counts_idx;
}

/* Publish that stripe s holds counts, before its first write (a reader
 * that sums it early reads zeros). */
static void mark(struct ht_stack_table *t, unsigned s)
{
	uint64_t bit = UINT64_C(1) << s;

	if (HT_LIKELY(__atomic_load_n(&t->stripes_marked, __ATOMIC_RELAXED) & bit))
		return;
	__atomic_fetch_or(&t->stripes_marked, bit, __ATOMIC_RELAXED);
	__atomic_fetch_or(t->stripes_used, bit, __ATOMIC_RELEASE);
}

/* Under the entry's lock, the only writer: a load and a store that a
 * reader never sees torn.  On x86-64 one unlocked addition to memory is
 * exactly that (an aligned 8-byte store is never torn there), in one
 * instruction where the atomic load and store take three. */
static void add(uint64_t *p, uint64_t v)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
#else
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
#endif
}

void ht_stacks_prefetch(struct ht_stack_table *t, unsigned s, uint32_t idx)
{
	const struct ht_seg_counts *c = counts_of(t, s, idx);

	__builtin_prefetch(counter_lock(t, s, idx), 1);
	__builtin_prefetch(&c->cur_objs, 1);
	__builtin_prefetch(&c->var_cum_bytes, 1);
}

void ht_stacks_add(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
		   const struct ht_weight *w, uint32_t gen)
{
	struct ht_seg_counts *e = counts_of(t, s, idx);
	int *lock = counter_lock(t, s, idx);

	mark(t, s);
	__atomic_fetch_add(&stripe_head(t, s)->samples, 1, __ATOMIC_RELAXED);
	ht_spin_lock(lock);
	if (HT_UNLIKELY(!same_gen(t, gen))) {
		ht_spin_unlock(lock);
		return;
	}
	add(&e->cur_objs, 1);
	add(&e->cur_bytes, size);
	add(&e->cum_objs, 1);
	add(&e->cum_bytes, size);
	add(&e->est_cur_objs, w->est_objs);
	add(&e->est_cur_bytes, w->est_bytes);
	add(&e->est_cum_objs, w->est_objs);
	add(&e->est_cum_bytes, w->est_bytes);
	add(&e->var_cur_objs, w->var_objs);
	add(&e->var_cur_bytes, w->var_bytes);
	add(&e->var_cum_bytes, w->var_bytes);
	ht_spin_unlock(lock);
}

/* ht_stacks_sub's subtraction, stripe s marked */
static inline void sub_marked(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
			      const struct ht_weight *w, uint32_t gen)
{
	struct ht_seg_counts *e = counts_of(t, s, idx);
	int *lock = counter_lock(t, s, idx);

	ht_spin_lock(lock);
	if (HT_UNLIKELY(!same_gen(t, gen))) {
		ht_spin_unlock(lock);
		return;
	}
	/* modulo 2^64: the stripe's share of the stack may go "negative" */
	add(&e->cur_objs, -(uint64_t)1);
	add(&e->cur_bytes, -size);
	add(&e->est_cur_objs, -w->est_objs);
	add(&e->est_cur_bytes, -w->est_bytes);
	add(&e->var_cur_objs, -w->var_objs);
	add(&e->var_cur_bytes, -w->var_bytes);
	ht_spin_unlock(lock);
}

void ht_stacks_sub(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
		   const struct ht_weight *w, uint32_t gen)
{
	mark(t, s);
	sub_marked(t, s, idx, size, w, gen);
}

void ht_stacks_free(struct ht_stack_table *t, unsigned s, uint32_t idx, uint64_t size,
		    const struct ht_weight *w, uint32_t gen)
{
	mark(t, s);
	__atomic_fetch_add(&stripe_head(t, s)->sampled_frees, 1, __ATOMIC_RELAXED);
	sub_marked(t, s, idx, size, w, gen);
}

void ht_stacks_totals(const struct ht_stack_table *t, uint64_t *samples, uint64_t *frees)
{
	ht_seg_stripes_sum(t->counts, 0, t->stride,
			   __atomic_load_n(t->stripes_used, __ATOMIC_ACQUIRE), samples, frees);
}

void ht_stacks_counts(const struct ht_stack_table *t, uint32_t idx, struct ht_seg_counts *out)
{
	ht_seg_counts_sum(t->counts, 0, t->stride,
			  __atomic_load_n(t->stripes_used, __ATOMIC_ACQUIRE),
			  t->entries[idx].counts_idx, out);
}

void ht_stacks_reset(struct ht_stack_table *t)
{
	uint64_t used = __atomic_load_n(t->stripes_used, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < t->cap; i++) {
		if (!__atomic_load_n(&t->entries[i].hash, __ATOMIC_ACQUIRE))
			continue;
		for (unsigned s = 0; s <= t->stripe_mask; s++) {
			uint64_t *c = (uint64_t *)(void *)counts_of(t, s, i);
			int *lock = counter_lock(t, s, i);

			if (!(used & (UINT64_C(1) << s)))
				continue;
			ht_spin_lock(lock);
			for (unsigned k = 0; k < sizeof(struct ht_seg_counts) / sizeof *c; k++)
				__atomic_store_n(&c[k], 0, __ATOMIC_RELAXED);
			ht_spin_unlock(lock);
		}
	}
}
