/*
 * The segment reader: maps a runtime's shared-memory segment (the layout
 * of include/heaptop/segment.h) read-only, plus its control page
 * read-write, and turns it into profiles.  It trusts nothing it reads:
 * every offset, size, index and string is bounds-checked against the
 * validated layout copied at open, so a corrupt or hostile segment yields
 * -EINVAL with a message, never a crash.  It never writes outside the
 * control page.
 */
#ifndef HT_CORE_SEGREAD_H
#define HT_CORE_SEGREAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <heaptop/segment.h>

#include "core/profile.h"

struct ht_segread;

/*
 * A segment truncated by another process while it is read raises SIGBUS:
 * ht_segread_open installs a SIGBUS handler (unless it is already in
 * place) that turns such a fault into a failed read ("truncated") and
 * passes any other SIGBUS to the disposition it replaced.  A program that
 * installs its own SIGBUS handler after opening a segment must call this
 * first from it: it does not return when the fault was a guarded segment
 * read (it jumps back to that read), and returns false otherwise.
 */
bool ht_segread_fault(const siginfo_t *si);

/* What the header says about the process, checked against reality. */
struct ht_segread_status {
	int pid;
	enum ht_proc_state state;  /* RUNNING whose pid is gone -> EXITED */
	int exit_status;           /* EXITED: code or 128+signal, -1 unknown */
	bool alive;                /* the pid exists (kill(pid, 0)) */
	uint64_t heartbeat_age_ns; /* CLOCK_MONOTONIC now - last heartbeat */
	uint64_t rate;
	uint64_t samples, ring_drops, stacks_full;
	struct ht_alloc_desc alloc;  /* zero until the runtime has looked */
};

/* True when name is a valid segment name: 1..HT_SEG_NAME_MAX bytes of
 * [A-Za-z0-9._-], not "." or "..". */
bool ht_segread_name_valid(const char *name);

/*
 * Map segment `name` (shm name without '/').  Validates the header and
 * layout, refuses segments owned by another user or with another ABI
 * major.  Returns 0 and *out (free with ht_segread_close); -ENOENT when it
 * does not exist, -EAGAIN when it exists but is not initialised yet,
 * -EACCES / -EPERM / -EPROTO / -EINVAL otherwise, each with *cause set to a
 * one-line message the caller frees.
 */
int ht_segread_open(const char *name, struct ht_segread **out, char **cause);

/* Validate a segment image in memory (header, layout, header strings)
 * without mapping anything: the checks ht_segread_open makes.  0 or
 * -errno with *cause (caller frees). */
int ht_segread_check(const void *image, size_t size, char **cause);

/* Unmap and free.  NULL is fine. */
void ht_segread_close(struct ht_segread *r);

/*
 * Read the counters into a new profile (kind LIVE, estimates as doubles,
 * variances converted, modules copied under the seqlock).  The caller owns
 * *out.  0, or -EINVAL (corrupt stack or module entry), -EBUSY (module
 * list kept changing), -ENOMEM, with *cause.
 */
int ht_segread_snapshot(struct ht_segread *r, struct ht_profile **out,
                        char **cause);

/* The process's state from the header, corrected by kill(pid, 0): a
 * process whose segment says RUNNING but that no longer exists is reported
 * EXITED with exit_status -1 (killed; status unknown). */
void ht_segread_status(struct ht_segread *r, struct ht_segread_status *st);

/*
 * Send a command through the control page: take the lock (stealing it
 * from a dead pid), write cmd/arg/path, bump req_seq, FUTEX_WAKE, wait up
 * to 2 s for ack_seq.  Returns the runtime's result (0 or -errno) or
 * -ETIMEDOUT ("runtime not answering"), -EBUSY (lock held), -EROFS (the
 * control page could not be mapped writable), -ESRCH (process gone),
 * -ENAMETOOLONG (path), each with *cause.
 */
int ht_segread_command(struct ht_segread *r, enum ht_cmd cmd, uint64_t arg,
                       const char *path, char **cause);

/* When the process exec'd (state EXECED), copy the new image's segment
 * name into buf (cap bytes) and return buf; NULL when not EXECED or the
 * name is not a valid segment name. */
const char *ht_segread_next_name(struct ht_segread *r, char *buf, size_t cap);

/* Facts copied at open (owned by the reader). */
const char *ht_segread_name(const struct ht_segread *r);
const char *ht_segread_cmdline(const struct ht_segread *r);
const char *ht_segread_exe(const struct ht_segread *r);
int ht_segread_pid(const struct ht_segread *r);
uint64_t ht_segread_start_time(const struct ht_segread *r); /* realtime ns */

#endif /* HT_CORE_SEGREAD_H */
