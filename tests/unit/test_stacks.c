/*
 * Unit tests of src/runtime/stacks.c: interning (same stack, same entry),
 * collisions in a small table, full table and full frame pool, concurrent
 * interning, counters in stripes summed, reset, frees racing below
 * zero from several threads (read as zero, exact underneath), exact
 * counts from threads adding and subtracting at once in one stripe and in
 * several, the samples and frees counted per stripe.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/stacks.h"

enum { STRIPES = 4 };

struct table {
	struct ht_stack_table t;
	struct ht_seg_stack *e;
	uint64_t *frames;
	unsigned char *counts;
	uint64_t stride;
	uint32_t used, frames_used;
	uint64_t stripes_used;
	uint64_t gen; /* the reset generation */
};

static struct table *new_table(uint32_t cap, uint32_t frames_cap)
{
	/* the table's counter locks are cache-line aligned */
	size_t size = (sizeof(struct table) + 63) / 64 * 64;
	struct table *tb = aligned_alloc(64, size);

	memset(tb, 0, size);
	tb->e = calloc(cap, sizeof *tb->e);
	tb->frames = calloc(frames_cap, sizeof *tb->frames);
	tb->stride = (sizeof(struct ht_seg_stripe) + cap * sizeof(struct ht_seg_counts) + 63) /
		     64 * 64;
	tb->counts = aligned_alloc(64, STRIPES * tb->stride);
	memset(tb->counts, 0, STRIPES * tb->stride);
	ht_stacks_attach(&tb->t, tb->e, cap, tb->frames, frames_cap, &tb->used, &tb->frames_used,
			 tb->counts, tb->stride, STRIPES, &tb->stripes_used, &tb->gen);
	return tb;
}

static void free_table(struct table *tb)
{
	free(tb->e);
	free(tb->frames);
	free(tb->counts);
	free(tb);
}

/* Entry idx's counters as a reader sees them: summed over the stripes. */
static struct ht_seg_counts sum_of(struct table *tb, uint32_t idx)
{
	struct ht_seg_counts c;

	ht_stacks_counts(&tb->t, idx, &c);
	return c;
}

/* Stripe s's own share of entry idx (what its CPU wrote). */
static const struct ht_seg_counts *share(struct table *tb, unsigned s, uint32_t idx)
{
	return ht_seg_counts_at(tb->counts, 0, tb->stride, s, tb->e[idx].counts_idx);
}

static void make_stack(uint64_t *pcs, uint32_t depth, uint64_t seed)
{
	for (uint32_t i = 0; i < depth; i++)
		pcs[i] = 0x400000 + seed * 0x1000 + i * 8;
}

static void test_intern_same(void **state)
{
	struct table *tb = new_table(1024, 4096);
	uint64_t a[5], b[5];
	uint32_t ia, ia2, ib;
	(void)state;

	make_stack(a, 5, 1);
	make_stack(b, 5, 2);
	assert_int_equal(ht_stacks_intern(&tb->t, a, 5, &ia), 1);
	assert_int_equal(ht_stacks_intern(&tb->t, a, 5, &ia2), 0);
	assert_int_equal(ia, ia2);
	assert_int_equal(ht_stacks_intern(&tb->t, b, 5, &ib), 1);
	assert_true(ia != ib);
	/* a prefix is a different stack */
	assert_int_equal(ht_stacks_intern(&tb->t, a, 4, &ib), 1);
	assert_true(ia != ib);
	assert_int_equal(tb->used, 3);
	assert_int_equal(tb->frames_used, 14);
	assert_memory_equal(&tb->frames[tb->e[ia].frames_idx], a, sizeof a);
	assert_int_equal(tb->e[ia].depth, 5);
	assert_true(tb->e[ia].hash != 0);
	/* the unwinder-failed stack */
	assert_int_equal(ht_stacks_intern(&tb->t, NULL, 0, &ib), 1);
	assert_int_equal(ht_stacks_intern(&tb->t, NULL, 0, &ia2), 0);
	assert_int_equal(ib, ia2);
	free_table(tb);
}

/* A 16-entry table takes 14 stacks (7/8), all distinct and all found
 * again despite colliding home slots; the 15th is refused. */
static void test_collisions_and_full(void **state)
{
	struct table *tb = new_table(16, 4096);
	uint32_t idx[14], again;
	uint64_t pcs[3];
	(void)state;

	for (uint32_t s = 0; s < 14; s++) {
		make_stack(pcs, 3, s + 100);
		assert_int_equal(ht_stacks_intern(&tb->t, pcs, 3, &idx[s]), 1);
		for (uint32_t k = 0; k < s; k++)
			assert_true(idx[k] != idx[s]);
	}
	for (uint32_t s = 0; s < 14; s++) {
		make_stack(pcs, 3, s + 100);
		assert_int_equal(ht_stacks_intern(&tb->t, pcs, 3, &again), 0);
		assert_int_equal(again, idx[s]);
	}
	make_stack(pcs, 3, 999);
	assert_int_equal(ht_stacks_intern(&tb->t, pcs, 3, &again), -ENOSPC);
	assert_int_equal(tb->used, 14);
	free_table(tb);
}

static void test_frames_full(void **state)
{
	struct table *tb = new_table(64, 10);
	uint64_t pcs[6];
	uint32_t idx;
	(void)state;

	make_stack(pcs, 6, 1);
	assert_int_equal(ht_stacks_intern(&tb->t, pcs, 6, &idx), 1);
	make_stack(pcs, 6, 2);
	assert_int_equal(ht_stacks_intern(&tb->t, pcs, 6, &idx), -ENOSPC);
	make_stack(pcs, 4, 3);
	assert_int_equal(ht_stacks_intern(&tb->t, pcs, 4, &idx), 1);
	assert_int_equal(tb->frames_used, 10);
	free_table(tb);
}

static struct table *shared;
static uint32_t seen[8][200];

static void *interner(void *arg)
{
	int id = (int)(size_t)arg;
	uint64_t pcs[8];

	for (int round = 0; round < 50; round++)
		for (uint32_t s = 0; s < 200; s++) {
			uint32_t idx;
			make_stack(pcs, 8, (s * 7 + (uint32_t)id * 13 + (uint32_t)round) % 200);
			if (ht_stacks_intern(&shared->t, pcs, 8, &idx) < 0)
				abort();
			seen[id][(s * 7 + (uint32_t)id * 13 + (uint32_t)round) % 200] = idx;
		}
	return NULL;
}

static void test_concurrent(void **state)
{
	pthread_t th[8];
	(void)state;

	shared = new_table(4096, 8192);
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, interner, (void *)(size_t)i);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(shared->used, 200);
	assert_int_equal(shared->frames_used, 200 * 8);
	for (int s = 0; s < 200; s++)
		for (int i = 1; i < 8; i++)
			assert_int_equal(seen[i][s], seen[0][s]);
	free_table(shared);
}

static void test_counters(void **state)
{
	struct table *tb = new_table(64, 64);
	struct ht_weight w = { 3 * 256, 3000 * 256, 6 * 256, 77 };
	uint64_t pcs[2] = { 1, 2 }, other[2] = { 3, 4 }, samples, frees;
	uint32_t idx, idx2;
	struct ht_seg_counts c;
	(void)state;

	/* counters are numbered in the order stacks are made */
	ht_stacks_intern(&tb->t, pcs, 2, &idx);
	ht_stacks_intern(&tb->t, other, 2, &idx2);
	assert_int_equal(tb->e[idx].counts_idx, 0);
	assert_int_equal(tb->e[idx2].counts_idx, 1);
	/* one sample on stripe 0, one on stripe 2: the sums */
	ht_stacks_add(&tb->t, 0, idx, 1000, &w, 0);
	ht_stacks_add(&tb->t, 2, idx, 1000, &w, 0);
	assert_int_equal(tb->stripes_used, 0x5);
	assert_int_equal(share(tb, 0, idx)->cur_objs, 1);
	assert_int_equal(share(tb, 2, idx)->cur_objs, 1);
	assert_int_equal(share(tb, 1, idx)->cur_objs, 0);
	c = sum_of(tb, idx);
	assert_int_equal(c.cur_objs, 2);
	assert_int_equal(c.cur_bytes, 2000);
	assert_int_equal(c.est_cur_bytes, 6000 * 256);
	assert_int_equal(c.var_cum_bytes, 154);
	/* the other stack's counters are untouched */
	c = sum_of(tb, idx2);
	assert_int_equal(c.cum_objs, 0);
	/* freed on stripe 1, sampled on 0: stripe 1 goes "negative", the
	 * sum is right */
	ht_stacks_sub(&tb->t, 1, idx, 1000, &w, 0);
	assert_int_equal(tb->stripes_used, 0x7);
	assert_int_equal(share(tb, 1, idx)->cur_objs, (uint64_t)-1);
	c = sum_of(tb, idx);
	assert_int_equal(c.cur_objs, 1);
	assert_int_equal(c.cum_objs, 2);
	assert_int_equal(c.est_cur_objs, 3 * 256);
	assert_int_equal(c.est_cum_objs, 6 * 256);
	assert_int_equal(c.var_cur_bytes, 77);
	/* a sampled free on stripe 3: subtracted and counted there */
	ht_stacks_free(&tb->t, 3, idx, 1000, &w, 0);
	assert_int_equal(tb->stripes_used, 0xf);
	assert_int_equal(share(tb, 3, idx)->cur_objs, (uint64_t)-1);
	c = sum_of(tb, idx);
	assert_int_equal(c.cur_objs, 0);
	assert_int_equal(c.cum_objs, 2);
	assert_int_equal(c.est_cur_bytes, 0);
	ht_stacks_totals(&tb->t, &samples, &frees);
	assert_int_equal(samples, 2);
	assert_int_equal(frees, 1);
	/* a reset: the generation moves on, then the counters are zeroed */
	tb->gen = 1;
	ht_stacks_reset(&tb->t);
	for (unsigned s = 0; s < STRIPES; s++) {
		assert_int_equal(share(tb, s, idx)->cur_objs, 0);
		assert_int_equal(share(tb, s, idx)->cum_bytes, 0);
		assert_int_equal(share(tb, s, idx)->est_cum_bytes, 0);
		assert_int_equal(share(tb, s, idx)->var_cum_bytes, 0);
	}
	assert_true(tb->e[idx].hash != 0); /* still interned */
	/* a reset leaves the samples and frees counted */
	ht_stacks_totals(&tb->t, &samples, &frees);
	assert_int_equal(samples, 2);
	assert_int_equal(frees, 1);
	/* the free of a sample from before the reset subtracts nothing, and
	 * a sample whose generation was read before it adds nothing (it is
	 * counted as a sample all the same): every share stays exactly 0 */
	ht_stacks_sub(&tb->t, 0, idx, 1000, &w, 0);
	ht_stacks_add(&tb->t, 1, idx, 1000, &w, 0);
	for (unsigned s = 0; s < STRIPES; s++) {
		assert_int_equal(share(tb, s, idx)->cur_objs, 0);
		assert_int_equal(share(tb, s, idx)->est_cur_bytes, 0);
		assert_int_equal(share(tb, s, idx)->cum_objs, 0);
	}
	ht_stacks_totals(&tb->t, &samples, &frees);
	assert_int_equal(samples, 3);
	/* the new generation's samples count */
	ht_stacks_add(&tb->t, 1, idx, 1000, &w, 1);
	c = sum_of(tb, idx);
	assert_int_equal(c.cur_objs, 1);
	assert_int_equal(c.cum_bytes, 1000);
	/* a sum that reads below zero (a free that beat its sample to the
	 * counters, as a reader may see them) reads as zero, never as
	 * 2^64 - 1 */
	ht_stacks_sub(&tb->t, 0, idx, 1000, &w, 1);
	ht_stacks_sub(&tb->t, 0, idx, 1000, &w, 1);
	assert_int_equal(share(tb, 0, idx)->cur_objs, (uint64_t)-2);
	c = sum_of(tb, idx);
	assert_int_equal(c.cur_objs, 0);
	assert_int_equal(c.est_cur_bytes, 0);
	free_table(tb);
}

/* More frees than samples, from several threads on several stripes at
 * once, with samples between: the in-use counters read as zero, and
 * underneath they hold exactly the samples minus the frees, modulo 2^64
 * (no update lost, nothing saturated). */
static struct table *race_tb;
static uint32_t race_idx;
enum { RACE_N = 200000 };

static void *race_free(void *arg)
{
	struct ht_weight w = { 3 * 256, 3000 * 256, 6 * 256, 77 };
	unsigned who = (unsigned)(size_t)arg;

	for (int i = 0; i < RACE_N; i++) {
		ht_stacks_sub(&race_tb->t, who % 2, race_idx, 1000, &w, 0);
		if ((who & 2) && i % 4 == 0)
			ht_stacks_add(&race_tb->t, (who + i) % STRIPES, race_idx, 1000, &w, 0);
	}
	return NULL;
}

static void test_counters_race(void **state)
{
	uint64_t pcs[2] = { 5, 6 }, raw = 0;
	pthread_t th[4];
	struct ht_seg_counts c;
	struct ht_weight w = { 3 * 256, 3000 * 256, 6 * 256, 77 };
	(void)state;

	race_tb = new_table(64, 64);
	ht_stacks_intern(&race_tb->t, pcs, 2, &race_idx);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, race_free, (void *)(size_t)i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	/* 4 x RACE_N frees, 2 x RACE_N / 4 samples: below zero, read as 0 */
	c = sum_of(race_tb, race_idx);
	assert_int_equal(c.cur_objs, 0);
	assert_int_equal(c.cur_bytes, 0);
	assert_int_equal(c.est_cur_bytes, 0);
	assert_int_equal(c.var_cur_bytes, 0);
	assert_int_equal(c.cum_objs, 2 * RACE_N / 4);
	for (unsigned s = 0; s < STRIPES; s++)
		raw += share(race_tb, s, race_idx)->cur_objs;
	assert_int_equal(raw, (uint64_t)(2 * RACE_N / 4) - (uint64_t)(4 * RACE_N));
	/* and after a reset, adds count from zero again */
	ht_stacks_reset(&race_tb->t);
	ht_stacks_add(&race_tb->t, 1, race_idx, 1000, &w, 0);
	c = sum_of(race_tb, race_idx);
	assert_int_equal(c.cur_objs, 1);
	assert_int_equal(c.est_cur_objs, 3 * 256);
	free_table(race_tb);
}

/* Threads adding to and subtracting from the same entries at once (two in
 * one lock stripe, one in another): no update is lost.  Each thread adds
 * EXACT_N samples to each entry and takes back every other one. */
enum { EXACT_THREADS = 4, EXACT_N = 100000 };
static struct table *exact_tb;
static uint32_t exact_idx[3];

static void *exact_worker(void *arg)
{
	struct ht_weight w = { 3 * 256, 3000 * 256, 6 * 256, 77 };
	unsigned who = (unsigned)(size_t)arg;

	for (int i = 0; i < EXACT_N; i++)
		for (int k = 0; k < 3; k++) {
			/* half the threads in one stripe, the others spread */
			unsigned s = who % 2 ? 0 : (unsigned)(i + k) % STRIPES;

			ht_stacks_add(&exact_tb->t, s, exact_idx[k], 1000, &w, 0);
			if (i & 1)
				ht_stacks_sub(&exact_tb->t, (s + 1) % STRIPES, exact_idx[k], 1000, &w, 0);
		}
	return NULL;
}

static void test_counters_exact(void **state)
{
	pthread_t th[EXACT_THREADS];
	uint64_t n = (uint64_t)EXACT_THREADS * EXACT_N, back = n / 2;
	uint32_t found = 0;
	(void)state;

	exact_tb = new_table(256, 1024);
	/* two entries in one stripe, one in another */
	for (uint64_t seed = 1; found < 3; seed++) {
		uint64_t pcs[3] = { seed, seed + 1, seed + 2 };
		uint32_t idx, stripe;
		int same;

		assert_true(ht_stacks_intern(&exact_tb->t, pcs, 3, &idx) >= 0);
		stripe = idx % HT_STACK_LOCKS;
		same = found > 0 && stripe == exact_idx[0] % HT_STACK_LOCKS;
		if (found == 0 || (found == 1 && same && idx != exact_idx[0]) ||
		    (found == 2 && !same))
			exact_idx[found++] = idx;
	}
	for (int i = 0; i < EXACT_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, exact_worker, (void *)(size_t)i), 0);
	for (int i = 0; i < EXACT_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < 3; k++) {
		struct ht_seg_counts sum = sum_of(exact_tb, exact_idx[k]), *e = &sum;

		assert_int_equal(e->cum_objs, n);
		assert_int_equal(e->cum_bytes, n * 1000);
		assert_int_equal(e->est_cum_bytes, n * 3000 * 256);
		assert_int_equal(e->var_cum_bytes, n * 77);
		assert_int_equal(e->cur_objs, n - back);
		assert_int_equal(e->cur_bytes, (n - back) * 1000);
		assert_int_equal(e->est_cur_objs, (n - back) * 3 * 256);
		assert_int_equal(e->var_cur_objs, (n - back) * 6 * 256);
	}
	{
		uint64_t samples, frees;

		ht_stacks_totals(&exact_tb->t, &samples, &frees);
		assert_int_equal(samples, 3 * n);
		assert_int_equal(frees, 0);
	}
	free_table(exact_tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_same),
		cmocka_unit_test(test_collisions_and_full),
		cmocka_unit_test(test_frames_full),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_counters_race),
		cmocka_unit_test(test_counters_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
