/*
 * heaptop runtime API, for programs that want to control their own
 * profiling (as jemalloc's mallctl "prof.dump" / "prof.reset").
 *
 * Usable from a program linked with -lheaptop, or running with
 * libheaptop.so preloaded.  A program that wants to work both with and
 * without heaptop can declare these functions weak and test them for NULL.
 * All functions are thread-safe and never abort.
 */
#ifndef HEAPTOP_HEAPTOP_H
#define HEAPTOP_HEAPTOP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEAPTOP_VERSION_MAJOR 0
#define HEAPTOP_VERSION_MINOR 1

/*
 * Write a heap_v2 profile (jemalloc's format, readable by jeprof) of the
 * sampled allocations to `path`, through a temporary file renamed into
 * place.  Returns 0, or -errno (-EINVAL for a NULL or empty path,
 * -ENOSYS when the runtime is disabled).
 */
int heaptop_dump(const char *path);

/*
 * Reset all counters, with jemalloc's prof.reset semantics: counts restart
 * from zero; objects live at the reset are forgotten, and their later frees
 * are not subtracted.  Returns 0, or -errno (-ENOSYS when the runtime is
 * disabled).
 */
int heaptop_reset(void);

/*
 * Set the mean sampling interval in bytes (1 = record every allocation).
 * Takes effect for each thread at its next sample.  Returns 0, or -errno
 * (-EINVAL for 0, -ENOSYS when the runtime is disabled).  An overhead
 * budget (HEAPTOP_BUDGET) chooses the interval itself and may replace
 * this one at its next evaluation, about once a second.
 */
int heaptop_set_rate(uint64_t bytes);

/* The current mean sampling interval in bytes, 0 when disabled. */
uint64_t heaptop_get_rate(void);

/*
 * The shared-memory segment name of this process (without a leading '/'),
 * or NULL when the runtime is disabled.  The string stays valid for the
 * life of the process.
 */
const char *heaptop_segment_name(void);

#ifdef __cplusplus
}
#endif

#endif /* HEAPTOP_HEAPTOP_H */
