/*
 * Following a live runtime's event ring: a thread of the frontend that
 * consumes the sampled allocation and free events and keeps the ages of
 * live objects and the lifetimes of freed ones (core/ages.h).
 *
 * At start it registers as the ring's consumer, then loads the runtime's
 * list of live sampled objects (their birth times included), then drains
 * the ring every 20 ms (sooner while a drain finds the ring filling).
 * When the runtime counts dropped events (the ring was full), the table
 * may hold objects whose free was lost: it is reloaded from the runtime
 * (at most every HT_EVENTS_RELOAD_S seconds) and the status says the
 * time detail is degraded until then.  The counters of the profile are
 * exact whatever happens here.
 *
 * The reader is shared with the session: ht_events only uses its ring
 * functions and the LIVE command, which segread allows from this thread.
 */
#ifndef HT_CORE_EVENTS_H
#define HT_CORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ages.h"
#include "core/segread.h"

#define HT_EVENTS_RELOAD_S 5.0

struct ht_events;

struct ht_events_status {
	uint64_t events;          /* events consumed */
	uint64_t drops;           /* events the runtime dropped (ring full) */
	uint64_t reloads;         /* live lists loaded after drops */
	bool degraded;            /* drops not yet repaired by a reload */
	bool since_attach;        /* no live list: ages count from the
	                           * frontend's start, not the objects' */
	double span_s;            /* how long the events were followed */
	uint64_t ring_cap;        /* events the ring holds (HEAPTOP_RING) */
};

/* Start following r's ring; dir is a private directory for the live
 * lists (it must outlive the follower).  0, or -EBUSY (another frontend
 * consumes the ring), -ENOMEM, ... with *cause. */
int ht_events_start(struct ht_segread *r, const char *dir,
                    struct ht_events **out, char **cause);

/* Stop the thread, release the ring.  NULL is fine. */
void ht_events_stop(struct ht_events *ev);

/* Summaries over the runtime stack indexes `stacks` (ht_stack.id) at
 * this moment.  0 or -ENOMEM. */
int ht_events_summarize(struct ht_events *ev, const uint32_t *stacks,
                        size_t n, struct ht_ages_summary *out);

void ht_events_status(struct ht_events *ev, struct ht_events_status *st);

#endif /* HT_CORE_EVENTS_H */
