/*
 * Following the dumps a jemalloc program writes by itself (MALLOC_CONF=
 * prof:true,prof_prefix:PREFIX,lg_prof_interval:N, prof_gdump, prof_final;
 * _RJEM_MALLOC_CONF for tikv-jemallocator): jemalloc names them
 * PREFIX.<pid>.<seq>.<kind><kseq>.heap (seq: one counter per process over
 * all dumps; kind i interval, u gdump, m prof.dump; f final, without
 * kseq).  Each poll scans PREFIX's directory, picks the process with the
 * newest dump and loads its newest complete dump with the heap_v2 reader.
 * Headless; the session (HT_SESS_FOLLOW) owns one.
 */
#ifndef HT_CORE_FOLLOW_H
#define HT_CORE_FOLLOW_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"

struct ht_model;

/* A file younger than this, whose size or mtime changed since the previous
 * poll, may still be being written (jemalloc writes in place). */
#define HT_FOLLOW_SETTLE_NS 1000000000ull

struct ht_follow;

/* What is being followed, for headers and JSON (a plain copy). */
struct ht_follow_info {
	const char *prefix;    /* as given; valid as long as the follower */
	bool have_dump;        /* false: still waiting for PREFIX.*.heap */
	int pid;               /* the process the current dump comes from */
	bool alive;            /* that process still exists */
	char file[PATH_MAX];   /* the current dump */
	uint64_t seq;          /* jemalloc's per-process dump counter */
	char kind;             /* 'i', 'u', 'm' or 'f' */
	int64_t kind_seq;      /* per-kind counter, -1 for 'f' */
	uint64_t mtime_ns;     /* the dump's mtime (realtime) */
	uint64_t dumps_seen;   /* dumps of pid found so far */
	uint64_t dumps_loaded; /* dumps of pid loaded (updates) */
	unsigned npids;        /* processes with dumps matching PREFIX */
};

/* Poll results. */
#define HT_FOLLOW_NONE 0     /* nothing newer than the current dump */
#define HT_FOLLOW_NEW 1      /* a newer dump of the same process */
#define HT_FOLLOW_NEW_PID 2  /* a dump of another process (a restart) */

/* Check PREFIX (its directory must exist and be readable; the part after
 * the last '/' must not be empty).  Does not wait for a dump.  0 or -errno
 * with *cause. */
int ht_follow_open(const char *prefix, struct ht_follow **out, char **cause);
void ht_follow_free(struct ht_follow *f);

/* Scan once.  HT_FOLLOW_NONE / _NEW / _NEW_PID, or -errno with *cause when
 * the directory cannot be read.  Dumps that cannot be loaded are skipped
 * (a notice says so) and the previous dump stays current. */
int ht_follow_poll(struct ht_follow *f, char **cause);

/* The current dump's profile (follower-owned, valid until the next poll
 * that returns NEW or NEW_PID), or NULL before the first dump. */
const struct ht_profile *ht_follow_profile(const struct ht_follow *f);

void ht_follow_info(const struct ht_follow *f, struct ht_follow_info *out);

/* The pid of the current dump, 0 before the first. */
int ht_follow_pid(const struct ht_follow *f);

/* The oldest message not taken yet ("skipped ...", "following pid ..."),
 * malloc'd (caller frees), or NULL. */
char *ht_follow_take_notice(struct ht_follow *f);

/* "interval", "gdump", "manual", "final" or "unknown". */
const char *ht_follow_kind_name(char kind);

/* True when the process exists (kill(pid, 0) does not say ESRCH). */
bool ht_follow_pid_alive(int pid);

/* One line for headers: "following PREFIX: pid N, dump FILE (seq S, kind
 * interval), age Xs, K dumps seen", or "...: waiting for PREFIX.*.heap".
 * now: realtime seconds. */
void ht_follow_describe(const struct ht_follow_info *i, double now,
                        char *buf, size_t n);

/* Give the model a new dump p (taking ownership, also on error) after a
 * poll returned poll_result: unless the user pinned a baseline, the dump
 * shown until now becomes the baseline (the model's deltas are then the
 * growth since the previous dump); a new process (HT_FOLLOW_NEW_PID)
 * starts the history over and has no growth yet.  0 or -errno. */
int ht_follow_update_model(struct ht_model *m, struct ht_profile *p,
                           int poll_result, bool pinned);

#endif /* HT_CORE_FOLLOW_H */
