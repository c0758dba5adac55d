/*
 * A session's family: the processes of its tree (the launched or attached
 * program, its fork children and the images they exec'd), each with its
 * totals, re-read on every update.  Used by the batch reports and the
 * screen's process list.  Never includes curses.
 *
 * Cost: one readdir of /dev/shm per update; members keep their readers
 * between updates (a reader is closed once its segment is gone), other
 * segments are looked at once and remembered as not ours; each member
 * that may still change costs one segment snapshot (its totals).
 */
#ifndef HT_CORE_FAMILY_H
#define HT_CORE_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"
#include "core/session.h"

/* One process as the reports show it (strings owned by the family). */
struct ht_family_proc {
	char *name;          /* its segment */
	char *command;
	int pid, ppid;
	enum ht_proc_state state;
	int exit_status;     /* EXITED: code or 128+signal; -1 unknown */
	unsigned depth;      /* 0 for the root */
	uint64_t samples;
	struct ht_counts totals;
	bool have_totals;    /* false: its snapshot failed */
};

struct ht_family;

struct ht_family *ht_family_new(void);
void ht_family_free(struct ht_family *f);

/*
 * Re-read the tree under segment root: its members in display order (the
 * root first, each process followed by its subtree), only those that
 * sampled something.  0, or -errno with *cause (the family keeps its
 * last members).
 */
int ht_family_update(struct ht_family *f, const char *root, char **cause);

/* The members of the last update (valid until the next update). */
const struct ht_family_proc *ht_family_procs(const struct ht_family *f,
                                             size_t *n);

/* The sum of the members' totals. */
struct ht_counts ht_family_totals(const struct ht_family *f);

#endif /* HT_CORE_FAMILY_H */
