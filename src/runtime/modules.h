/*
 * Module publication: the loaded objects (path, load bias, PT_LOAD range,
 * GNU build-id) written to the segment's module list under the
 * modules_seq seqlock, so a frontend can symbolize even after the process
 * exited.  Objects that were unloaded stay listed, flagged
 * HT_MOD_F_UNLOADED, so old stacks still symbolize.
 *
 * Uses dl_iterate_phdr and private scratch memory from mmap; never malloc.
 * Callers hold their recursion guard.
 */
#ifndef HT_RUNTIME_MODULES_H
#define HT_RUNTIME_MODULES_H

#include <stdint.h>

#include "runtime/segment.h"

/* Prepare scratch memory for up to `cap` modules.  Returns 0 or -ENOMEM. */
int ht_modules_init(uint32_t cap);

/* The [lo, hi) address range of the object containing `addr` (the runtime
 * uses it to drop its own frames).  Returns 0 or -ENOENT. */
int ht_modules_range_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi);

/*
 * Republish the module list of segment `v`: entries for objects loaded now
 * and not yet listed are appended; listed ones no longer loaded get
 * HT_MOD_F_UNLOADED.  `self` is an address inside the runtime (flagged
 * HT_MOD_F_RUNTIME).  Returns 1 when the list changed, 0 when not, -errno
 * on failure (list or strings area full: what fits is published).
 */
int ht_modules_publish(struct ht_seg_view *v, uintptr_t self);

/* True when the loader's (adds, subs) counters moved since the last
 * ht_modules_publish. */
int ht_modules_changed(void);

/* True when every pc[0..n) lies inside a module published in v that is not
 * flagged unloaded. */
int ht_modules_cover(const struct ht_seg_view *v, const uint64_t *pc, uint32_t n);

/* Forget the scratch state's counters (fork child: new segment, republish). */
void ht_modules_forget(void);

#endif /* HT_RUNTIME_MODULES_H */
