/*
 * Vyukov bounded MPSC ring over the segment's event slots (see ring.h and
 * the protocol comment in include/heaptop/segment.h).  Runs inside malloc:
 * lock-free, never blocks, allocates nothing.
 */
#include "config.h"

#include <string.h>

#include "runtime/ring.h"

void ht_ring_init(struct ht_seg_ring *ring)
{
	__atomic_store_n(&ring->head, 0, __ATOMIC_RELEASE);
}

int ht_ring_push(struct ht_seg_ring *ring, struct ht_seg_event *ev, uint32_t cap,
		 const struct ht_seg_event *e, uint64_t *drops)
{
	uint64_t mask = (uint64_t)cap - 1;
	uint64_t h = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
	struct ht_seg_event *slot;

	for (;;) {
		uint64_t seq;
		int64_t dif;

		slot = &ev[h & mask];
		seq = ht_seg_seq_load(slot, h & mask);
		dif = (int64_t)(seq - h);
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&ring->head, &h, h + 1, 1,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
			/* h reloaded by the failed CAS */
		} else if (dif < 0) {
			if (drops)
				__atomic_fetch_add(drops, 1, __ATOMIC_RELAXED);
			return -1;
		} else {
			h = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
		}
	}
	slot->type = e->type;
	slot->tid = e->tid;
	slot->time_ns = e->time_ns;
	slot->addr = e->addr;
	slot->size = e->size;
	slot->weight_bytes = e->weight_bytes;
	slot->stack = e->stack;
	slot->_pad = 0;
	slot->born_ns = e->born_ns;
	ht_seg_seq_store(slot, h & mask, h + 1);
	return 0;
}

int ht_ring_pop(struct ht_seg_ring *ring, struct ht_seg_event *ev, uint32_t cap,
		uint64_t *tail, struct ht_seg_event *out)
{
	uint64_t t = *tail;
	struct ht_seg_event *slot = &ev[t & ((uint64_t)cap - 1)];

	(void)ring;
	if (ht_seg_seq_load(slot, t & ((uint64_t)cap - 1)) != t + 1)
		return 0;
	memcpy(out, slot, sizeof *out);
	ht_seg_seq_store(slot, t & ((uint64_t)cap - 1), t + cap);
	*tail = t + 1;
	return 1;
}
