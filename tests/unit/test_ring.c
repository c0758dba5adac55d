/*
 * Unit tests of src/runtime/ring.c: the Vyukov MPSC event ring (order,
 * wraparound, full = dropped and counted, concurrent producers).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/ring.h"

struct ring_mem {
	struct ht_seg_ring ring;
	struct ht_seg_event ev[];
};

static struct ring_mem *new_ring(uint32_t cap)
{
	struct ring_mem *m = calloc(1, sizeof *m + cap * sizeof(struct ht_seg_event));
	ht_ring_init(&m->ring);
	return m;
}

static struct ht_seg_event ev_of(uint32_t tid, uint64_t n)
{
	struct ht_seg_event e;
	memset(&e, 0, sizeof e);
	e.type = HT_EV_ALLOC;
	e.tid = tid;
	e.addr = n;
	e.size = n * 3;
	return e;
}

static void test_order_and_wrap(void **state)
{
	const uint32_t cap = 8;
	struct ring_mem *m = new_ring(cap);
	uint64_t tail = 0, drops = 0, next = 0, pushed = 0;
	struct ht_seg_event out, e;
	(void)state;

	/* 10 laps around the ring, pushing 5 and popping 5 at a time */
	for (int lap = 0; lap < 16; lap++) {
		for (int i = 0; i < 5; i++) {
			e = ev_of(1, pushed++);
			assert_int_equal(ht_ring_push(&m->ring, m->ev, cap, &e, &drops), 0);
		}
		for (int i = 0; i < 5; i++) {
			assert_int_equal(ht_ring_pop(&m->ring, m->ev, cap, &tail, &out), 1);
			assert_int_equal(out.addr, next);
			assert_int_equal(out.size, next * 3);
			next++;
		}
		assert_int_equal(ht_ring_pop(&m->ring, m->ev, cap, &tail, &out), 0);
	}
	assert_int_equal(drops, 0);
	assert_int_equal(tail, 80);
	free(m);
}

static void test_full_drops(void **state)
{
	const uint32_t cap = 16;
	struct ring_mem *m = new_ring(cap);
	uint64_t tail = 0, drops = 0;
	struct ht_seg_event out, e = ev_of(1, 0);
	(void)state;

	for (uint32_t i = 0; i < cap; i++) {
		e.addr = i;
		assert_int_equal(ht_ring_push(&m->ring, m->ev, cap, &e, &drops), 0);
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(ht_ring_push(&m->ring, m->ev, cap, &e, &drops), -1);
	assert_int_equal(drops, 5);
	/* one slot freed: one more fits, and it comes out last */
	assert_int_equal(ht_ring_pop(&m->ring, m->ev, cap, &tail, &out), 1);
	assert_int_equal(out.addr, 0);
	e.addr = 999;
	assert_int_equal(ht_ring_push(&m->ring, m->ev, cap, &e, &drops), 0);
	for (uint32_t i = 1; i < cap; i++) {
		assert_int_equal(ht_ring_pop(&m->ring, m->ev, cap, &tail, &out), 1);
		assert_int_equal(out.addr, i);
	}
	assert_int_equal(ht_ring_pop(&m->ring, m->ev, cap, &tail, &out), 1);
	assert_int_equal(out.addr, 999);
	free(m);
}

#define PRODUCERS 4
#define PER_PRODUCER 200000

static struct ring_mem *shared;
static uint64_t shared_drops;
static const uint32_t shared_cap = 256;

static void *producer(void *arg)
{
	uint32_t id = (uint32_t)(size_t)arg;
	for (uint64_t n = 0; n < PER_PRODUCER; n++) {
		struct ht_seg_event e = ev_of(id, n);
		ht_ring_push(&shared->ring, shared->ev, shared_cap, &e, &shared_drops);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	pthread_t th[PRODUCERS];
	uint64_t tail = 0, got = 0, last[PRODUCERS];
	int done = 0;
	struct ht_seg_event out;
	(void)state;

	shared = new_ring(shared_cap);
	shared_drops = 0;
	for (int i = 0; i < PRODUCERS; i++)
		last[i] = UINT64_MAX;
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&th[i], NULL, producer, (void *)(size_t)i);
	while (!done) {
		while (ht_ring_pop(&shared->ring, shared->ev, shared_cap, &tail, &out)) {
			assert_true(out.tid < PRODUCERS);
			/* per producer, events arrive in order (drops make gaps) */
			assert_true(last[out.tid] == UINT64_MAX || out.addr > last[out.tid]);
			assert_int_equal(out.size, out.addr * 3);
			last[out.tid] = out.addr;
			got++;
		}
		if (got + __atomic_load_n(&shared_drops, __ATOMIC_RELAXED) ==
		    (uint64_t)PRODUCERS * PER_PRODUCER)
			done = 1;
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(got + shared_drops, (uint64_t)PRODUCERS * PER_PRODUCER);
	assert_true(got > 0);
	free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_full_drops),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
