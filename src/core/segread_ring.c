/*
 * The frontend's side of the event ring (see segread.h): one consumer per
 * segment, claimed in the control page; events are copied out and checked
 * before use (a hostile runtime can write anything into the ring).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "core/segread_priv.h"

/* Take control->ring_consumer for this process (under the guard).  0 or
 * -EBUSY with *cause. */
static int take_consumer(struct ht_segread *r, char **cause)
{
	uint32_t me = (uint32_t)getpid();

	for (int tries = 0; tries < 100; tries++) {
		uint32_t holder = 0;

		if (__atomic_compare_exchange_n(&r->ctl->ring_consumer, &holder, me,
		                                false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return 0;
		if (holder == me) {
			ht_cause_set(cause, "this process already consumes the "
			          "event ring of '%s'", r->name);
			return -EBUSY;
		}
		if (pid_alive((int)holder)) {
			ht_cause_set(cause, "another heaptop (pid %u) consumes the "
			          "event ring of '%s'", holder, r->name);
			return -EBUSY;
		}
		/* a dead consumer's ring: steal it */
		if (__atomic_compare_exchange_n(&r->ctl->ring_consumer, &holder, me,
		                                false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return 0;
	}
	ht_cause_set(cause, "the event ring's consumer of '%s' keeps changing",
	          r->name);
	return -EBUSY;
}

/* Where the consumer resumes: control->ring_tail, checked against the
 * producers' head (tail <= head <= tail + cap) and the slot (its seq is
 * tail when empty, tail + 1 when full; tail + cap when a previous consumer
 * died between releasing the slot and storing the tail).  0 or -EINVAL. */
static int find_tail(struct ht_segread *r, uint64_t *tail)
{
	const struct ht_seg_ring *ring = (const void *)r->ring_map;
	uint64_t cap = r->lay.ring_cap, t = ld64(&r->ctl->ring_tail);

	for (int k = 0; k < 2; k++) {
		uint64_t seq = ht_seg_seq_load(&r->ring_ev[t & (cap - 1)],
		                               t & (cap - 1));
		uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

		if (head - t > cap) /* also head < t, unsigned */
			break;
		if (seq == t || seq == t + 1) {
			*tail = t;
			return 0;
		}
		if (seq != t + cap)
			break;
		t++;
	}
	return -EINVAL;
}

static int ring_attach(struct ht_segread *r, char **cause)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;
	uint64_t cap = r->lay.ring_cap, tail = 0;
	void *m;
	int err;

	if (cap == 0 || (cap & (cap - 1))) {
		ht_cause_set(cause, "corrupt segment: ring capacity %llu is not a "
		          "power of two", (unsigned long long)cap);
		return -EINVAL;
	}
	if (r->lay.ring_off % page) {
		ht_cause_set(cause, "corrupt segment: ring not page aligned");
		return -EINVAL;
	}
	size = sizeof(struct ht_seg_ring) + cap * sizeof(struct ht_seg_event);
	size = (size + page - 1) / page * page;
	/* the runtime leaves the slots' pages to the consumer: reserved
	 * here, before any producer writes one, a full /dev/shm is an error
	 * now and never a SIGBUS in the program (a segment opened read-only,
	 * EBADF, fails at the mapping below) */
	if (fallocate(r->fd, 0, (off_t)r->lay.ring_off,
	              (off_t)(sizeof(struct ht_seg_ring) +
	                      cap * sizeof(struct ht_seg_event))) != 0 &&
	    errno != EOPNOTSUPP && errno != ENOSYS && errno != EBADF) {
		err = -errno;
		ht_cause_set(cause, "no room for the event ring of '%s' (%zu "
		          "KiB in /dev/shm): %s", r->name, size / 1024,
		          strerror(-err));
		return err;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
	         (off_t)r->lay.ring_off);
	if (m == MAP_FAILED) {
		err = -errno;
		ht_cause_set(cause, "cannot map the event ring of '%s' "
		          "read-write: %s", r->name, strerror(-err));
		return err == -EACCES ? -EROFS : err;
	}
	r->ring_map = m;
	r->ring_map_size = size;
	r->ring_ev = (struct ht_seg_event *)(r->ring_map + sizeof(struct ht_seg_ring));
	err = take_consumer(r, cause);
	if (err == 0 && find_tail(r, &tail) != 0) {
		__atomic_store_n(&r->ctl->ring_consumer, 0, __ATOMIC_RELEASE);
		ht_cause_set(cause, "corrupt segment: the event ring's tail %llu "
		          "does not match its slot", (unsigned long long)
		          ld64(&r->ctl->ring_tail));
		err = -EINVAL;
	}
	if (err) {
		munmap(r->ring_map, r->ring_map_size);
		r->ring_map = NULL;
		r->ring_map_size = 0;
		r->ring_ev = NULL;
		return err;
	}
	r->ring_tail = tail;
	return 0;
}

int ht_segread_ring_attach(struct ht_segread *r, char **cause)
{
	struct guard g;
	int err;

	if (r->ring_map)
		return 0;
	if (!r->ctl) {
		ht_cause_set(cause, "cannot consume the event ring: the control "
		          "page of '%s' is not writable", r->name);
		return -EROFS;
	}
	if (GUARD_ENTER(g, r)) {
		err = -EINVAL;
		set_truncated(r, cause);
		/* a half-made attach: drop the mapping, keep nothing */
		if (r->ring_map)
			munmap(r->ring_map, r->ring_map_size);
		r->ring_map = NULL;
		r->ring_map_size = 0;
		r->ring_ev = NULL;
	} else {
		err = ring_attach(r, cause);
	}
	guard_pop(&g);
	return err;
}

static bool event_valid(const struct ht_segread *r, const struct ht_seg_event *e)
{
	return e->type >= HT_EV_ALLOC && e->type <= HT_EV_MODULES &&
	       e->stack < r->lay.stacks_cap;
}

/* Pop into out (under the guard); *n counts what was stored, so that a
 * truncation fault part way keeps what was read. */
static void ring_pop(struct ht_segread *r, struct ht_event *out, size_t max,
                     volatile size_t *n)
{
	uint64_t cap = r->lay.ring_cap;
	/* each turn consumes a slot: bounded even when every event is
	 * invalid and producers keep up */
	uint64_t turns = (uint64_t)max + cap;

	while (*n < max && turns-- > 0) {
		uint64_t t = r->ring_tail;
		struct ht_seg_event *slot = &r->ring_ev[t & (cap - 1)];
		struct ht_seg_event e;
		struct ht_event *o;

		if (ht_seg_seq_load(slot, t & (cap - 1)) != t + 1)
			break;
		memcpy(&e, slot, sizeof e);
		ht_seg_seq_store(slot, t & (cap - 1), t + cap);
		r->ring_tail = t + 1;
		__atomic_store_n(&r->ctl->ring_tail, t + 1, __ATOMIC_RELAXED);
		if (!event_valid(r, &e)) {
			__atomic_fetch_add(&r->ring_invalid, 1, __ATOMIC_RELAXED);
			continue;
		}
		o = &out[*n];
		o->type = e.type;
		o->tid = e.tid;
		o->stack = e.stack;
		o->time_ns = e.time_ns;
		o->born_ns = r->lay.minor >= 2 ? e.born_ns : 0;
		o->addr = e.addr;
		o->size = e.size;
		o->weight_bytes = (double)e.weight_bytes / (double)HT_EST_ONE;
		(*n)++;
	}
}

size_t ht_segread_ring_read(struct ht_segread *r, struct ht_event *out, size_t max)
{
	volatile size_t n = 0;
	struct guard g;

	if (!r || !r->ring_ev || !out || max == 0)
		return 0;
	if (!GUARD_ENTER(g, r))
		ring_pop(r, out, max, &n);
	guard_pop(&g);
	return n;
}

size_t ht_segread_ring_cap(const struct ht_segread *r)
{
	return r && r->ring_ev ? (size_t)r->lay.ring_cap : 0;
}

uint64_t ht_segread_ring_invalid(const struct ht_segread *r)
{
	return __atomic_load_n(&r->ring_invalid, __ATOMIC_RELAXED);
}

void ht_segread_ring_detach(struct ht_segread *r)
{
	struct guard g;

	if (!r || !r->ring_map)
		return;
	if (!GUARD_ENTER(g, r)) {
		uint32_t me = (uint32_t)getpid();

		__atomic_store_n(&r->ctl->ring_tail, r->ring_tail, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&r->ctl->ring_consumer, &me, 0, false,
		                            __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
	guard_pop(&g);
	munmap(r->ring_map, r->ring_map_size);
	r->ring_map = NULL;
	r->ring_map_size = 0;
	r->ring_ev = NULL;
}
