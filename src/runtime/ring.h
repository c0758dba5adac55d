/*
 * The event ring: the bounded multi-producer single-consumer queue whose
 * layout and protocol include/heaptop/segment.h defines (Vyukov).  Producers
 * never block and never wait: a full ring drops the event and counts it.
 *
 * The ring lives in the shared segment; these functions take pointers into
 * it and allocate nothing.
 */
#ifndef HT_RUNTIME_RING_H
#define HT_RUNTIME_RING_H

#include <stdint.h>

#include <heaptop/segment.h>

/* Initialise an empty ring over zeroed memory: head 0; zeroed slots
 * already say seq = i (stored less their index, segment.h), so none is
 * written and their pages stay untouched. */
void ht_ring_init(struct ht_seg_ring *ring);

/*
 * Push one event (its seq field is ignored).  All-or-nothing: the consumer
 * sees either the whole record or nothing.  Returns 0, or -1 when the ring
 * is full, in which case *drops (when not NULL) is incremented atomically.
 */
int ht_ring_push(struct ht_seg_ring *ring, struct ht_seg_event *ev, uint32_t cap,
		 const struct ht_seg_event *e, uint64_t *drops);

/*
 * Consumer side (one consumer at a time): when the slot at *tail holds a
 * published event, copy it to *out, release the slot, advance *tail and
 * return 1; return 0 when empty.
 */
int ht_ring_pop(struct ht_seg_ring *ring, struct ht_seg_event *ev, uint32_t cap,
		uint64_t *tail, struct ht_seg_event *out);

#endif /* HT_RUNTIME_RING_H */
