/*
 * Saved baselines: the baseline a viewer set on a live segment, kept as a
 * heap_v2 file in the per-user runtime directory so that a re-attach or a
 * second viewer of the same segment sees it.  Headless: no curses.
 */
#ifndef HT_CORE_BASEFILE_H
#define HT_CORE_BASEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"

/* The per-user runtime directory: $XDG_RUNTIME_DIR/heaptop, else
 * /tmp/heaptop-<uid>; created 0700 when create is set, and refused unless
 * it is a directory owned by us and closed to others.  0 or -errno with
 * *cause. */
int ht_basefile_dir(char *buf, size_t n, int create, char **cause);

/* Save p (the baseline of segment, at p's reset generation) as heap_v2,
 * replacing an earlier one.  0 or -errno with *cause. */
int ht_basefile_save(const char *segment, const struct ht_profile *p,
                     char **cause);

/* Load the baseline saved for segment at reset generation gen: 0 with
 * *out, -ENOENT when there is none, other -errno with *cause. */
int ht_basefile_load(const char *segment, uint64_t gen,
                     struct ht_profile **out, char **cause);

/* Remove every baseline saved for segment (any generation). */
void ht_basefile_remove(const char *segment);

/* Remove the baselines whose segment is gone from /dev/shm (--clean);
 * the number removed. */
int ht_basefile_clean_orphans(void);

#endif /* HT_CORE_BASEFILE_H */
