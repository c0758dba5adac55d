/*
 * The session's reading side (see session.h): snapshots of a live,
 * loaded or followed session, jemalloc's profiler as a source (the
 * bridge), the event ring for ages, and the process facts (RSS by kind).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cause.h"
#include "core/events.h"
#include "core/fmt.h"
#include "core/procmem.h"
#include "core/segread.h"
#include "core/session.h"
#include "core/session_priv.h"

/* A block for every pcs of src's stacks (at least one entry), or NULL. */
static uint64_t *pcs_block(const struct ht_profile *src)
{
	size_t n = 1;

	for (size_t i = 0; i < src->nstacks; i++) {
		if (src->stacks[i].depth > SIZE_MAX / sizeof(uint64_t) - n)
			return NULL;
		n += src->stacks[i].depth;
	}
	return malloc(n * sizeof(uint64_t));
}

/* A deep copy of a profile (for loaded sessions). */
static struct ht_profile *profile_dup(const struct ht_profile *src)
{
	struct ht_profile *p = ht_profile_new();

	if (!p)
		return NULL;
	*p = *src;
	p->stacks = NULL;
	p->modules = NULL;
	p->thread_names = NULL;
	p->nstacks = p->nmodules = p->nthread_names = 0;
	p->maps = p->cmdline = p->exe = NULL;
	p->pcs_block = NULL;
	if ((src->maps && !(p->maps = strdup(src->maps))) ||
	    (src->cmdline && !(p->cmdline = strdup(src->cmdline))) ||
	    (src->exe && !(p->exe = strdup(src->exe))))
		goto fail;
	p->stacks = calloc(src->nstacks ? src->nstacks : 1, sizeof *p->stacks);
	p->modules = calloc(src->nmodules ? src->nmodules : 1,
	                    sizeof *p->modules);
	if (!p->stacks || !p->modules || !(p->pcs_block = pcs_block(src)))
		goto fail;
	/* a block of src's holds its stacks' pcs in stack order: one copy */
	if (src->pcs_block && src->nstacks)
		memcpy(p->pcs_block, src->pcs_block,
		       (size_t)(src->stacks[src->nstacks - 1].pcs +
		                src->stacks[src->nstacks - 1].depth -
		                src->pcs_block) * sizeof *p->pcs_block);
	for (size_t i = 0, off = 0; i < src->nstacks; i++) {
		const struct ht_stack *a = &src->stacks[i];
		struct ht_stack *b = &p->stacks[i];

		*b = *a;
		b->threads = NULL;
		b->nthreads = 0;
		p->nstacks++;
		/* one block for all pcs: 100,000 mallocs and frees less */
		b->pcs = p->pcs_block + off;
		if (!src->pcs_block)
			memcpy(b->pcs, a->pcs, a->depth * sizeof *b->pcs);
		off += a->depth;
		if (a->nthreads) {
			b->threads = malloc(a->nthreads * sizeof *b->threads);
			if (!b->threads)
				goto fail;
			memcpy(b->threads, a->threads,
			       a->nthreads * sizeof *b->threads);
			b->nthreads = a->nthreads;
		}
	}
	for (size_t i = 0; i < src->nmodules; i++) {
		p->modules[i] = src->modules[i];
		p->modules[i].path = NULL;
		p->nmodules++;
		if (src->modules[i].path &&
		    !(p->modules[i].path = strdup(src->modules[i].path)))
			goto fail;
	}
	if (src->nthread_names) {
		p->thread_names = calloc(src->nthread_names,
		                         sizeof *p->thread_names);
		if (!p->thread_names)
			goto fail;
		p->nthread_names = src->nthread_names;
		for (size_t i = 0; i < src->nthread_names; i++)
			if (src->thread_names[i] &&
			    !(p->thread_names[i] = strdup(src->thread_names[i])))
				goto fail;
	}
	return p;
fail:
	ht_profile_free(p);
	return NULL;
}

/* The private directory bridge snapshots are written to. */
int ht_sess_bridge_dir(struct ht_session *s, char **cause)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (s->bridge_dir)
		return 0;
	if (asprintf(&d, "%s/heaptop-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		goto nomem;
	if (!mkdtemp(d)) {
		int e = errno;

		ht_cause_set(cause, "cannot create a directory for jemalloc's "
		          "dumps (%s): %s", d, strerror(e));
		free(d);
		return -e;
	}
	s->bridge_dir = d;
	return 0;
nomem:
	ht_cause_set(cause, "out of memory");
	return -ENOMEM;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read jemalloc's dump at `path` (removed after) as the session's last
 * bridge profile, with the process's facts from the segment; `cost` is
 * what the dump took the program (seconds).  0 or -errno with *cause. */
static int bridge_read(struct ht_session *s, const struct ht_segread_status *st,
                       const char *path, double cost, char **cause)
{
	struct ht_profile *p = NULL;
	struct timespec ts;
	int err = ht_fmt_load_file(path, &p, cause);

	unlink(path);
	if (err < 0)
		return err;
	free(p->cmdline);
	free(p->exe);
	p->cmdline = strdup(ht_segread_cmdline(s->seg));
	p->exe = strdup(ht_segread_exe(s->seg));
	p->pid = st->pid;
	p->rate = st->rate;
	/* the runtime's budget chooses its own interval, not jemalloc's */
	p->budget_unused_ppm = st->budget_ppm;
	p->alloc = st->alloc;
	/* jemalloc's samples since its last reset */
	p->samples = p->totals.raw_cum_objs;
	p->start_time_ns = ht_segread_start_time(s->seg);
	p->alloc.dump_seconds = cost;
	clock_gettime(CLOCK_REALTIME, &ts);
	p->snapshot_time_ns = (uint64_t)ts.tv_sec * 1000000000ull +
	                      (uint64_t)ts.tv_nsec;
	ht_profile_free(s->bridge_last);
	s->bridge_last = p;
	return 0;
}

/*
 * A snapshot from jemalloc's profiler (the runtime's alloc flag BRIDGE):
 * ask the runtime for a prof.dump into the private directory and read it
 * as a jemalloc heap_v2 file, with the process's facts from the segment.
 * After the process ended: the dump its runtime wrote at exit (a launched
 * program, HEAPTOP_FINAL_DUMP), else the last one read.  -ENOENT when the
 * source is not jemalloc's profiler; 0 or another -errno with *cause.
 */
static int bridge_snapshot(struct ht_session *s, enum ht_proc_state state,
                           struct ht_profile **out, char **cause)
{
	struct ht_segread_status st;
	char path[PATH_MAX];
	double t0 = mono_s();
	int err;

	ht_segread_status(s->seg, &st);
	if (!(st.alloc.flags & HT_ALLOC_F_BRIDGE))
		return -ENOENT;
	if (state == HT_PROC_RUNNING && (!s->bridge_last || t0 >= s->bridge_next)) {
		err = ht_sess_bridge_dir(s, cause);
		if (err < 0)
			return err;
		snprintf(path, sizeof path, "%s/snapshot.heap", s->bridge_dir);
		unlink(path);
		err = ht_segread_command(s->seg, HT_CMD_DUMP, 0, path, cause);
		/* the program's cost: its dump, not our reading of it */
		if (err == 0)
			err = bridge_read(s, &st, path, mono_s() - t0, cause);
		else
			unlink(path);
		if (err < 0) {
			/* ended while asked (a pid gone reads EXITED): what
			 * it wrote at exit, below */
			ht_segread_status(s->seg, &st);
			state = st.state;
		}
		if (err < 0 && !s->bridge_last && state == HT_PROC_RUNNING)
			return err;
		if (err < 0 && cause) {
			/* the process may have ended meanwhile: the last one */
			free(*cause);
			*cause = NULL;
		}
		if (err == 0)
			s->bridge_next = t0 + ht_alloc_dump_interval(&s->bridge_last->alloc);
	}
	if (state != HT_PROC_RUNNING && !s->bridge_final && s->bridge_dir) {
		/* once: a damaged file leaves the last periodic dump */
		s->bridge_final = true;
		snprintf(path, sizeof path, "%s/" BRIDGE_FINAL, s->bridge_dir);
		if (access(path, F_OK) == 0) {
			double cost = s->bridge_last ?
			              s->bridge_last->alloc.dump_seconds : 0;

			err = bridge_read(s, &st, path, cost, cause);
			if (err < 0 && !s->bridge_last)
				return err;
			if (err < 0 && cause) {
				free(*cause);
				*cause = NULL;
			}
		}
	}
	if (!s->bridge_last)
		return -ENOENT;  /* ended before the first dump */
	s->bridge_state = state;
	*out = profile_dup(s->bridge_last);
	if (!*out) {
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void start_events(struct ht_session *s);
static void proc_facts(struct ht_session *s, struct ht_profile *p);

/* A new profile (caller owns *out) with the session's view of the state.
 * 0 or -errno with *cause. */
int ht_session_snapshot(struct ht_session *s, struct ht_profile **out,
                        char **cause)
{
	int err, status;
	enum ht_proc_state state;

	*out = NULL;
	if (s->kind == HT_SESS_LOAD) {
		*out = profile_dup(s->loaded);
		if (!*out) {
			ht_cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	if (s->kind == HT_SESS_FOLLOW) {
		const struct ht_profile *cur = ht_follow_profile(s->follow);

		if (!cur) {
			ht_cause_set(cause, "waiting for %s", s->command);
			return -EAGAIN;
		}
		if (!(*out = profile_dup(cur))) {
			ht_cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		(*out)->state = ht_session_state(s, &(*out)->exit_status);
		return 0;
	}
	state = ht_session_state(s, &status);
	err = bridge_snapshot(s, state, out, cause);
	if (err == -ENOENT) {  /* not jemalloc's profiler: the segment's data */
		err = ht_segread_snapshot(s->seg, out, cause);
		if (err == 0 && state == HT_PROC_RUNNING)
			start_events(s);
	}
	if (err < 0)
		return err;
	(*out)->state = state;
	(*out)->exit_status = status;
	if (ht_alloc_source(&(*out)->alloc) == HT_ASRC_PENDING &&
	    s->launch_alloc.flags && state != HT_PROC_RUNNING)
		(*out)->alloc = s->launch_alloc; /* ended before the runtime said */
	proc_facts(s, *out);
	return 0;
}

/* Follow the runtime's events for ages, once per segment: a failure
 * (another frontend consumes the ring, an old runtime) leaves the
 * session without ages, not without data. */
static void start_events(struct ht_session *s)
{
	char *cause = NULL;

	if (s->events_tried)
		return;
	s->events_tried = true;
	if (ht_sess_bridge_dir(s, &cause) == 0)
		ht_events_start(s->seg, s->bridge_dir, &s->events, &cause);
	free(cause);
}

/* RSS, the allocator's statistics and (every MAP_EVERY_S) RSS by kind,
 * for a profile of a live process. */
static void proc_facts(struct ht_session *s, struct ht_profile *p)
{
	struct ht_segread_status st;
	struct ht_procmem pm;
	pid_t pid = ht_session_pid(s);

	if (p->state != HT_PROC_RUNNING || pid <= 0)
		return;
	/* statm's RSS (cheap) less heaptop's own segment (from the last
	 * smaps read: it grows slowly) */
	p->proc.rss = ht_session_rss_bytes(s);
	p->proc.have_rss = p->proc.rss > 0;
	ht_segread_status(s->seg, &st);
	p->proc.astat_kind = st.astat.kind;
	memcpy(p->proc.astat, st.astat.v, sizeof p->proc.astat);
	if (mono_s() >= s->map_next) {
		s->map_next = mono_s() + MAP_EVERY_S;
		s->map.have_map = ht_procmem_read(pid, &pm, NULL) == 0;
		if (s->map.have_map) {
			s->own_shm = pm.own_shm;
			s->map.map_brk_heap = pm.heap;
			s->map.map_stacks = pm.stacks;
			s->map.map_anon = pm.anon;
			s->map.map_file = pm.file;
			s->map.map_shmem = pm.shmem;
		}
	}
	if (p->proc.rss > s->own_shm)
		p->proc.rss -= s->own_shm;
	p->proc.have_map = s->map.have_map;
	p->proc.map_brk_heap = s->map.map_brk_heap;
	p->proc.map_stacks = s->map.map_stacks;
	p->proc.map_anon = s->map.map_anon;
	p->proc.map_file = s->map.map_file;
	p->proc.map_shmem = s->map.map_shmem;
}

int ht_session_ages(void *arg, const uint32_t *ids, size_t n,
                    struct ht_ages_summary *out)
{
	struct ht_session *s = arg;

	if (!s || !s->events)
		return -ENOENT;
	return ht_events_summarize(s->events, ids, n, out);
}

bool ht_session_events(struct ht_session *s, struct ht_events_status *st)
{
	if (!s->events)
		return false;
	ht_events_status(s->events, st);
	return true;
}

/* Reset the runtime's counters (prof.reset).  0 or -errno with *cause. */
int ht_session_reset(struct ht_session *s, char **cause)
{
	if (s->kind == HT_SESS_LOAD) {
		ht_cause_set(cause, "cannot reset a loaded profile");
		return -ENOTSUP;
	}
	if (s->kind == HT_SESS_FOLLOW) {
		ht_cause_set(cause, "cannot reset a process heaptop only follows "
		             "the dumps of");
		return -ENOTSUP;
	}
	s->bridge_next = 0;  /* show the reset at once */
	return ht_segread_command(s->seg, HT_CMD_RESET, 0, NULL, cause);
}

/* Change the runtime's mean sampling interval.  0 or -errno with *cause. */
int ht_session_set_rate(struct ht_session *s, uint64_t rate, char **cause)
{
	if (s->kind == HT_SESS_LOAD) {
		ht_cause_set(cause, "cannot change the rate of a loaded profile");
		return -ENOTSUP;
	}
	if (s->kind == HT_SESS_FOLLOW) {
		ht_cause_set(cause, "cannot change the rate of a followed process "
		             "(jemalloc's lg_prof_sample)");
		return -ENOTSUP;
	}
	if (rate == 0) {
		ht_cause_set(cause, "the sampling rate must be at least 1 byte");
		return -EINVAL;
	}
	s->bridge_next = 0;  /* jemalloc's rate change is a reset */
	return ht_segread_command(s->seg, HT_CMD_SET_RATE, rate, NULL, cause);
}

/* False when a snapshot now would only repeat the last one: jemalloc's
 * profiler is the source, its next dump is not due yet and the process's
 * state has not changed.  Callers may then skip the snapshot and keep
 * what they show. */
bool ht_session_has_news(struct ht_session *s)
{
	if (!s->bridge_last || s->kind == HT_SESS_LOAD ||
	    s->kind == HT_SESS_FOLLOW)
		return true;
	return mono_s() >= s->bridge_next ||
	       ht_session_state(s, NULL) != s->bridge_state;
}

