/*
 * The event ring follower (see events.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/events.h"

#define BATCH 1024
#define POLL_NS (20 * 1000 * 1000L)
/* A program that samples fast can fill the ring within POLL_NS (16,384
 * events: 400,000 samples a second, each with its free): after a drain
 * that found more than a quarter of the ring, the next comes when a
 * quarter is expected again at the rate that drain saw, but not sooner
 * than this. */
#define POLL_MIN_NS (1000 * 1000L)

struct ht_events {
	struct ht_segread *r;
	char *path;                 /* where the runtime writes live lists */
	pthread_t th;
	bool started;
	int stop;                   /* atomic */
	pthread_mutex_t lock;       /* ages and the status */
	struct ht_ages *ages;
	struct ht_events_status st;
	uint64_t drops_seen;        /* ring_drops when last looked */
	uint64_t last_load_ns;
	struct ht_event buf[BATCH];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Pop and apply everything the ring holds now.  Returns the count. */
static size_t drain(struct ht_events *ev)
{
	size_t total = 0, n;

	do {
		n = ht_segread_ring_read(ev->r, ev->buf, BATCH);
		if (!n)
			break;
		pthread_mutex_lock(&ev->lock);
		ht_ages_apply(ev->ages, ev->buf, n);
		ev->st.events += n;
		pthread_mutex_unlock(&ev->lock);
		total += n;
	} while (n == BATCH);
	return total;
}

/* Load the runtime's live list into the table: everything the ring held
 * before is applied first, everything after follows it (the runtime
 * reads each object's record at a moment inside the command, so an event
 * still in the ring afterwards is newer than what the list says). */
static int load(struct ht_events *ev, bool first, char **cause)
{
	struct ht_live_obj *objs = NULL;
	uint64_t now = 0;
	size_t n = 0;
	int err;

	if (!first)
		drain(ev);
	err = ht_segread_live(ev->r, ev->path, &objs, &n, &now, cause);
	pthread_mutex_lock(&ev->lock);
	if (err == 0) {
		err = ht_ages_load(ev->ages, objs, n, now, first);
		ev->st.since_attach = false;
	} else if (first) {
		/* no list (an older runtime): ages count from now */
		ht_ages_load(ev->ages, NULL, 0, mono_ns(), true);
		ev->st.since_attach = true;
	}
	ev->last_load_ns = mono_ns();
	pthread_mutex_unlock(&ev->lock);
	free(objs);
	return err;
}

static uint64_t ring_drops(struct ht_events *ev)
{
	struct ht_segread_status st;

	ht_segread_status(ev->r, &st);
	return st.ring_drops;
}

/* How long to sleep after a drain that took n events, the last one
 * having been `since` ns before it. */
static long next_poll_ns(size_t n, uint64_t since, size_t cap)
{
	double quarter = (double)cap / 4, wait;

	if (n == 0 || (double)n <= quarter)
		return POLL_NS;
	wait = (double)since * quarter / (double)n;
	return wait < (double)POLL_MIN_NS ? POLL_MIN_NS : (long)wait;
}

static void *follow(void *arg)
{
	struct ht_events *ev = arg;
	uint64_t last = mono_ns();
	unsigned tick = 0;

	while (!__atomic_load_n(&ev->stop, __ATOMIC_ACQUIRE)) {
		size_t n = drain(ev);
		uint64_t now = mono_ns();
		struct timespec ts = {
			0, next_poll_ns(n, now - last, ht_segread_ring_cap(ev->r))
		};

		last = now;
		if ((++tick % 10) == 0) {
			uint64_t d = ring_drops(ev);

			if (d > ev->drops_seen) {
				pthread_mutex_lock(&ev->lock);
				ev->st.drops += d - ev->drops_seen;
				ev->st.degraded = true;
				pthread_mutex_unlock(&ev->lock);
				ev->drops_seen = d;
			}
		}
		if (ev->st.degraded &&
		    mono_ns() - ev->last_load_ns >= HT_EVENTS_RELOAD_S * 1e9) {
			char *cause = NULL;
			uint64_t before = ring_drops(ev);

			if (load(ev, false, &cause) == 0) {
				pthread_mutex_lock(&ev->lock);
				ev->st.reloads++;
				/* repaired unless more were lost meanwhile */
				ev->st.degraded = ring_drops(ev) != before;
				pthread_mutex_unlock(&ev->lock);
			}
			free(cause);
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int ht_events_start(struct ht_segread *r, const char *dir,
                    struct ht_events **out, char **cause)
{
	struct ht_events *ev = calloc(1, sizeof *ev);
	int err;

	*out = NULL;
	if (!ev || !(ev->ages = ht_ages_new()) ||
	    asprintf(&ev->path, "%s/live", dir) < 0) {
		if (ev)
			ht_ages_free(ev->ages);
		free(ev);
		return -ENOMEM;
	}
	ev->r = r;
	pthread_mutex_init(&ev->lock, NULL);
	err = ht_segread_ring_attach(r, cause);
	if (err < 0)
		goto fail;
	ev->drops_seen = ring_drops(ev);
	ev->st.ring_cap = ht_segread_ring_cap(r);
	/* a failed list is not fatal: ages then count from now */
	{
		char *why = NULL;

		load(ev, true, &why);
		free(why);
	}
	err = -pthread_create(&ev->th, NULL, follow, ev);
	if (err < 0) {
		ht_segread_ring_detach(r);
		goto fail;
	}
	ev->started = true;
	*out = ev;
	return 0;
fail:
	ht_ages_free(ev->ages);
	pthread_mutex_destroy(&ev->lock);
	free(ev->path);
	free(ev);
	return err;
}

void ht_events_stop(struct ht_events *ev)
{
	if (!ev)
		return;
	if (ev->started) {
		__atomic_store_n(&ev->stop, 1, __ATOMIC_RELEASE);
		pthread_join(ev->th, NULL);
	}
	ht_segread_ring_detach(ev->r);
	ht_ages_free(ev->ages);
	pthread_mutex_destroy(&ev->lock);
	free(ev->path);
	free(ev);
}

int ht_events_summarize(struct ht_events *ev, const uint32_t *stacks,
                        size_t n, struct ht_ages_summary *out)
{
	int err;

	pthread_mutex_lock(&ev->lock);
	err = ht_ages_summarize(ev->ages, stacks, n, mono_ns(), out);
	pthread_mutex_unlock(&ev->lock);
	return err;
}

void ht_events_status(struct ht_events *ev, struct ht_events_status *st)
{
	struct ht_ages_summary none;

	pthread_mutex_lock(&ev->lock);
	*st = ev->st;
	ht_ages_summarize(ev->ages, NULL, 0, mono_ns(), &none);
	st->span_s = none.span_s;
	pthread_mutex_unlock(&ev->lock);
}
