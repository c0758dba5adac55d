/*
 * The program's allocator, as the runtime sees it from inside: which one
 * serves the program (glibc, jemalloc shared or linked in with any symbol
 * prefix, tcmalloc, mimalloc), whether the runtime's hooks see its
 * allocations, and, for a jemalloc with its profiler running that the
 * hooks do not see, jemalloc's profiler as the source of the heap data
 * (the "bridge": dump, reset and rate go to `<prefix>mallctl`).
 *
 * Runs on the control thread (guard set): it may call into the
 * program's allocator, never into the interposed malloc for itself.
 */
#ifndef HT_RUNTIME_ALLOCATOR_H
#define HT_RUNTIME_ALLOCATOR_H

#include <stdint.h>

#include <heaptop/segment.h>

/* In the constructor, before the program's own code runs: scan the
 * executable and, when a prefixed jemalloc with its profiler is linked in
 * (Rust's tikv-jemallocator) and its <PREFIX>MALLOC_CONF is not set, set
 * it to turn the profiler on at the runtime's rate, so that a program
 * started with the runtime preloaded (a wrapper script, a service) is
 * readable too.  A variable already set (by the user, or by heaptop's
 * launch, which merges the user's value) is left alone.  Only prefixed
 * builds: setting a variable allocates, and an unprefixed jemalloc that
 * replaces malloc would start, with the old environment, right then. */
void ht_allocator_prepare(uint64_t rate);

/* glibc gives its main arena to the thread whose call initialises its
 * malloc, and every other thread a new arena at its first allocation.
 * Called on the program's thread before the control thread starts (which
 * may call the C library's malloc first): initialises glibc's malloc
 * without allocating (mallinfo2), so the program keeps the main arena. */
void ht_allocator_init_libc(void);

/* Find the allocator and publish alloc_* in the header (HT_ALLOC_F_DONE
 * last).  In bridge mode also sets the header's rate to jemalloc's. */
void ht_allocator_detect(struct ht_seg_header *h);

/* Publish the allocator's statistics in the header (astat_*, under its
 * seqlock): glibc's mallinfo2 when the program's malloc is glibc's,
 * jemalloc's stats.* (after an "epoch" write) when its mallctl was
 * resolved and it was built with statistics; nothing otherwise.  One
 * writer: the control thread, or the program's only thread while it runs
 * on glibc's single-threaded paths (single.h); never under cmd_lock or any
 * runtime lock (it takes the allocator's own locks). */
void ht_allocator_stats(struct ht_seg_header *h);

/* True once detection chose jemalloc's profiler as the source. */
int ht_allocator_bridge(void);

/* Whether the statistics are glibc's (mallinfo2): glibc's malloc serves
 * the program behind the hooks.  After ht_allocator_detect. */
int ht_allocator_stats_glibc(void);

/* Bridge commands: prof.dump to path; prof.reset (lg_sample unchanged
 * when rate is 0, else the nearest power of two to rate, stored in
 * *new_rate).  0 or -errno. */
int ht_allocator_dump(const char *path);
int ht_allocator_reset(uint64_t rate, uint64_t *new_rate);

#endif /* HT_RUNTIME_ALLOCATOR_H */
