/*
 * The program's allocator, from the frontend's side: what to tell the
 * user about it (one line for the header, the batch text and --list; the
 * fields of JSON's "allocator"; advice when heaptop cannot see the
 * allocations), what to look for in a program before launching it, and
 * the jemalloc configuration a launch adds.  Headless.
 */
#ifndef HT_CORE_ALLOC_H
#define HT_CORE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"
#include "runtime/allocscan.h"

/* Where the heap data comes from for this allocator. */
enum ht_alloc_source {
	HT_ASRC_PENDING,   /* the runtime has not looked yet */
	HT_ASRC_HOOKS,     /* heaptop's malloc hooks */
	HT_ASRC_JEMALLOC,  /* jemalloc's own profiler */
	HT_ASRC_NONE,      /* nothing: heaptop cannot see the allocations */
};

enum ht_alloc_source ht_alloc_source(const struct ht_alloc_desc *a);
/* "pending", "hooks", "jemalloc-profiler", "none" */
const char *ht_alloc_source_name(enum ht_alloc_source src);
/* "static" (linked into the executable) or "shared" */
const char *ht_alloc_linkage(const struct ht_alloc_desc *a);

/* One line: "jemalloc (linked in, prefix _rjem_, profiler on), read from
 * jemalloc's profiler".  Returns buf. */
const char *ht_alloc_describe(const struct ht_alloc_desc *a, char *buf,
                              size_t n);

/* What the user can do when heaptop cannot see the allocations (source
 * NONE, or jemalloc's profiler off); NULL when all is well.  Returns buf
 * or NULL. */
const char *ht_alloc_advice(const struct ht_alloc_desc *a, char *buf,
                            size_t n);

/* jemalloc's dumps (written in the program, read by heaptop) take at
 * most this share of the time: with many distinct stacks a dump takes
 * long (57 MB and 0.7 s for 131,072 stacks, bench/RESULTS.md), so the
 * next one waits ht_alloc_dump_interval after the start of the last. */
#define HT_ALLOC_DUMP_BUDGET 0.01

/* Seconds between jemalloc dumps for a.dump_seconds (0 when not the
 * jemalloc profiler's). */
double ht_alloc_dump_interval(const struct ht_alloc_desc *a);

/* Scan the program file at path (ht_alloc_scan).  0 or -errno. */
int ht_alloc_probe_file(const char *path, struct ht_alloc_scan *sc);

/* What a launch does for a scanned program.  When jemalloc with its
 * profiler is linked into it (any prefix), *var gets the name of its
 * configuration variable (caller's buffer of HT_ALLOC_VAR_MAX bytes) and
 * the function returns true.  Otherwise false; *notice may then get a
 * one-line warning for an allocator heaptop cannot read (malloc'd, caller
 * frees). */
#define HT_ALLOC_VAR_MAX 48
bool ht_alloc_launch_plan(const struct ht_alloc_scan *sc, const char *prog,
                          char *var, char **notice);

/* jemalloc's configuration for a launch: heaptop's settings (prof:true,
 * prof_active:true, prof_accum:true, lg_prof_sample for `rate`, the
 * nearest power of two; 0 = 19, heaptop's 512 KiB) followed by the user's
 * own value `user` (may be NULL), so the user's explicit choices win,
 * except lg_prof_sample when `rate_explicit` (heaptop's -r).  Returns a
 * malloc'd string (NULL on ENOMEM); *note gets a malloc'd line when a
 * user choice overrides heaptop's or the other way round, else NULL. */
char *ht_alloc_je_conf(const char *var, const char *user, uint64_t rate,
                       bool rate_explicit, char **note);

#endif /* HT_CORE_ALLOC_H */
