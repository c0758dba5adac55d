/*
 * The heap_v2 writer: jemalloc's profile format (share/doc/formats.md,
 * "heap_v2"), with counts pre-adjusted so jeprof's unsampling returns
 * heaptop's per-sample unbiased estimates.
 *
 * Runs in the target (control thread, exit handler, heaptop_dump callers):
 * no malloc, no stdio -- write(2) from a stack buffer, into a temporary file
 * renamed into place.
 */
#ifndef HT_RUNTIME_DUMP_H
#define HT_RUNTIME_DUMP_H

#include <stdint.h>

#include <heaptop/segment.h>

#include "runtime/stacks.h"

struct ht_dump_src {
	const struct ht_stack_table *stacks; /* entries, frames, counters */
	uint64_t rate;          /* written as heap_v2/<rate> */
	const char *maps_path;  /* copied after MAPPED_LIBRARIES: */
};

/*
 * Pre-adjust one (objects, bytes) estimate pair given in fixed point
 * (HT_EST_SHIFT): with O objects, B bytes, x = B/O and p = 1 - e^(-x/R),
 * *c = round(O p) (at least 1 when O > 0) and *s = round(B p).  At rate 1,
 * p = 1: the exact counts.  Zero objects give 0, 0.
 */
void ht_dump_adjust(uint64_t est_objs, uint64_t est_bytes, uint64_t rate,
		    uint64_t *c, uint64_t *s);

/*
 * Write the profile of `src` to `path` (through "<path>.tmp.<pid>", renamed
 * into place).  Stacks whose four written counts are zero, and stacks of
 * depth 0 (unwinder failures), are left out.  Returns 0 or -errno
 * (-EINVAL for an empty path, -ENAMETOOLONG).
 */
int ht_dump_write(const struct ht_dump_src *src, const char *path);

struct ht_addrmap;

/*
 * Write HT_CMD_LIVE's file (format: include/heaptop/segment.h,
 * HT_LIVE_MAGIC) to `path` through "<path>.tmp.<pid>" (mode 0600), renamed
 * into place: the records of `map` of reset generation `gen` born at or
 * before now_ns, or none at all when map is NULL.  Each shard's records
 * are copied under its lock into a private mmap'd buffer and written after
 * the lock is released: allocating threads never wait for the file.
 * Returns 0 or -errno.
 */
int ht_live_write(struct ht_addrmap *map, uint32_t gen, uint64_t now_ns,
		  uint64_t rate, const char *path);

#endif /* HT_RUNTIME_DUMP_H */
