/*
 * Unit tests of the segment reader's ring consumer (src/core/segread.c,
 * ht_segread_ring_*): a segment laid out by the runtime's own
 * ht_seg_format in a shared-memory object, events pushed with the
 * runtime's ht_ring_push, read back through ht_segread_open and
 * ht_segread_ring_read.  Order across wraparound, overflow (drops
 * counted by the producer, the reader gets the rest in order), invalid
 * events dropped and counted, the consumer slot (busy, stolen from a dead
 * pid, released on detach), and a reader thread popping while the main
 * thread takes snapshots and statuses.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/segread.h"
#include "runtime/ring.h"
#include "runtime/segment.h"

#define RING_CAP 16u

static char segname[64];
static struct ht_seg_view v; /* the "runtime's" view */
static size_t segsize;

static int setup(void **state)
{
	static int counter;
	struct ht_seg_caps caps = { 64, 256, RING_CAP, 8, 1024, 1 };
	void *mem;

	(void)state;
	snprintf(segname, sizeof segname, "httest-ringread.%d.%d", (int)getpid(),
	         counter++);
	segsize = ht_seg_size(&caps);
	assert_int_equal(ht_seg_create(segname, segsize, NULL, &mem), 0);
	ht_seg_format(mem, &caps, &v);
	v.hdr->pid = getpid();
	v.hdr->uid = getuid();
	__atomic_store_n(&v.hdr->state, (uint32_t)HT_STATE_RUNNING, __ATOMIC_RELEASE);
	return 0;
}

static int teardown(void **state)
{
	char path[80];

	(void)state;
	snprintf(path, sizeof path, "/%s", segname);
	shm_unlink(path);
	munmap(v.base, segsize);
	return 0;
}

static int push(uint32_t type, uint64_t addr, uint32_t stack)
{
	struct ht_seg_event e;

	memset(&e, 0, sizeof e);
	e.type = type;
	e.tid = 7;
	e.time_ns = 1000 + addr;
	e.born_ns = type == HT_EV_FREE ? 500 + addr : e.time_ns;
	e.addr = addr;
	e.size = addr * 2;
	e.weight_bytes = (addr * 2) << HT_EST_SHIFT;
	e.stack = stack;
	return ht_ring_push(v.ring, v.events, RING_CAP, &e, &v.hdr->ring_drops);
}

static struct ht_segread *open_attached(void)
{
	struct ht_segread *r = NULL;
	char *cause = NULL;

	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	if (ht_segread_ring_attach(r, &cause) != 0)
		fail_msg("attach: %s", cause);
	free(cause);
	return r;
}

static void test_order_overflow(void **state)
{
	struct ht_segread *r = open_attached();
	struct ht_event ev[64];
	uint64_t next = 1;
	size_t n;

	(void)state;
	assert_int_equal(v.ctl->ring_consumer, (uint32_t)getpid());
	assert_int_equal(ht_segread_ring_read(r, ev, 64), 0);
	/* more than the ring holds: the last 5 are dropped and counted */
	for (uint64_t a = 1; a <= RING_CAP + 5; a++)
		push(HT_EV_ALLOC, a, 3);
	assert_int_equal(v.hdr->ring_drops, 5);
	/* read in two pieces: the first RING_CAP, in order */
	n = ht_segread_ring_read(r, ev, 10);
	assert_int_equal(n, 10);
	n += ht_segread_ring_read(r, ev + 10, 64);
	assert_int_equal(n, RING_CAP);
	for (size_t i = 0; i < n; i++, next++) {
		assert_int_equal(ev[i].type, HT_EV_ALLOC);
		assert_int_equal(ev[i].addr, next);
		assert_int_equal(ev[i].size, 2 * next);
		assert_true(ev[i].weight_bytes == (double)(2 * next));
		assert_int_equal(ev[i].time_ns, 1000 + next);
		assert_int_equal(ev[i].born_ns, 1000 + next);
		assert_int_equal(ev[i].stack, 3);
		assert_int_equal(ev[i].tid, 7);
	}
	assert_int_equal(v.ctl->ring_tail, RING_CAP);
	/* room again: several laps around the ring, frees carry the birth */
	for (int lap = 0; lap < 5; lap++) {
		for (uint64_t k = 0; k < 11; k++)
			assert_int_equal(push(HT_EV_FREE, 100 + k, 1), 0);
		n = ht_segread_ring_read(r, ev, 64);
		assert_int_equal(n, 11);
		for (uint64_t k = 0; k < 11; k++) {
			assert_int_equal(ev[k].type, HT_EV_FREE);
			assert_int_equal(ev[k].addr, 100 + k);
			assert_int_equal(ev[k].born_ns, 600 + k);
		}
	}
	assert_int_equal(v.hdr->ring_drops, 5);
	assert_int_equal(ht_segread_ring_invalid(r), 0);
	ht_segread_ring_detach(r);
	assert_int_equal(v.ctl->ring_consumer, 0);
	assert_int_equal(v.ctl->ring_tail, RING_CAP + 55);
	ht_segread_close(r);
}

static void test_invalid_events(void **state)
{
	struct ht_segread *r = open_attached();
	struct ht_event ev[16];
	size_t n;

	(void)state;
	push(HT_EV_ALLOC, 1, 5);
	push(9, 2, 5);                    /* unknown type */
	push(HT_EV_ALLOC, 3, 64);         /* stack index == stacks_cap */
	push(0, 4, 0);
	push(HT_EV_RESET, 0, 0);
	push(HT_EV_FREE, 6, 0xffffffffu);
	push(HT_EV_MODULES, 0, 0);
	n = ht_segread_ring_read(r, ev, 16);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].addr, 1);
	assert_int_equal(ev[1].type, HT_EV_RESET);
	assert_int_equal(ev[2].type, HT_EV_MODULES);
	assert_int_equal(ht_segread_ring_invalid(r), 4);
	/* the invalid ones were consumed: their slots are free again */
	for (uint64_t a = 1; a <= RING_CAP; a++)
		assert_int_equal(push(HT_EV_ALLOC, a, 1), 0);
	assert_int_equal(ht_segread_ring_read(r, ev, 16), RING_CAP);
	ht_segread_close(r); /* detaches */
	assert_int_equal(v.ctl->ring_consumer, 0);
}

static void test_consumer_slot(void **state)
{
	struct ht_segread *a, *b;
	char *cause = NULL;
	struct ht_event ev[4];
	pid_t child;

	(void)state;
	a = open_attached();
	assert_int_equal(ht_segread_ring_attach(a, &cause), 0); /* no-op */
	assert_int_equal(ht_segread_open(segname, &b, &cause), 0);
	assert_int_equal(ht_segread_ring_attach(b, &cause), -EBUSY);
	assert_non_null(strstr(cause, "already consumes"));
	assert_int_equal(ht_segread_ring_read(b, ev, 4), 0);
	ht_segread_close(a);
	/* a live other process consumes */
	v.ctl->ring_consumer = (uint32_t)getppid();
	assert_int_equal(ht_segread_ring_attach(b, &cause), -EBUSY);
	assert_non_null(strstr(cause, "another heaptop"));
	/* a dead one's ring is taken over, where it stopped */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	v.ctl->ring_consumer = (uint32_t)child;
	push(HT_EV_ALLOC, 42, 1);
	assert_int_equal(ht_segread_ring_attach(b, &cause), 0);
	assert_int_equal(v.ctl->ring_consumer, (uint32_t)getpid());
	assert_int_equal(ht_segread_ring_read(b, ev, 4), 1);
	assert_int_equal(ev[0].addr, 42);
	/* a tail that does not match its slot: refused, slot not kept */
	ht_segread_ring_detach(b);
	v.ctl->ring_tail += 5;
	assert_int_equal(ht_segread_ring_attach(b, &cause), -EINVAL);
	assert_non_null(strstr(cause, "tail"));
	assert_int_equal(v.ctl->ring_consumer, 0);
	v.ctl->ring_tail -= 5;
	free(cause);
	ht_segread_close(b);
}

/* A reader thread pops while the main thread pushes and takes snapshots
 * and statuses with the same reader. */
struct popper {
	struct ht_segread *r;
	uint64_t total, want;
	int out_of_order;
};

static void *pop_thread(void *arg)
{
	struct popper *p = arg;
	struct ht_event ev[8];

	while (p->total < p->want) {
		size_t n = ht_segread_ring_read(p->r, ev, 8);

		for (size_t i = 0; i < n; i++, p->total++)
			if (ev[i].addr != p->total + 1)
				p->out_of_order = 1;
		if (n == 0)
			usleep(10);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct popper p = { open_attached(), 0, 20000, 0 };
	struct ht_segread_status st;
	struct ht_profile *prof;
	char *cause = NULL;
	pthread_t th;

	(void)state;
	pthread_create(&th, NULL, pop_thread, &p);
	for (uint64_t a = 1; a <= p.want; a++) {
		while (push(HT_EV_ALLOC, a, 2) != 0)
			v.hdr->ring_drops = 0; /* full: wait for the reader */
		if (a % 1000 == 0) {
			assert_int_equal(ht_segread_snapshot(p.r, &prof, &cause), 0);
			ht_profile_free(prof);
			ht_segread_status(p.r, &st);
			assert_int_equal(st.state, HT_PROC_RUNNING);
		}
	}
	pthread_join(th, NULL);
	assert_int_equal(p.total, p.want);
	assert_false(p.out_of_order);
	free(cause);
	ht_segread_close(p.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consumer_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
