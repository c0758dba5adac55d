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

/* The allocator's own statistics (segment minor 2; include/heaptop/
 * segment.h, enum ht_astat_kind, says what v[] holds).  All zero when the
 * runtime publishes none (kind HT_ASTAT_NONE, a minor-1 segment). */
struct ht_alloc_stats {
	uint32_t kind;       /* enum ht_astat_kind */
	uint64_t time_ns;    /* CLOCK_MONOTONIC of the runtime's last update */
	uint64_t v[HT_ASTAT_N];
};

/* What the header says about the process, checked against reality. */
struct ht_segread_status {
	int pid;
	enum ht_proc_state state;  /* RUNNING whose pid is gone -> EXITED */
	int exit_status;           /* EXITED: code or 128+signal, -1 unknown */
	bool alive;                /* the pid exists (kill(pid, 0)) */
	uint64_t heartbeat_age_ns; /* CLOCK_MONOTONIC now - last heartbeat */
	uint64_t exit_time_ns;     /* CLOCK_REALTIME at exit, 0 unknown */
	uint64_t rate;
	uint64_t samples, ring_drops, stacks_full;
	struct ht_alloc_desc alloc;  /* zero until the runtime has looked */
	struct ht_alloc_stats astat; /* read under its seqlock; zero for
	                              * minor < 2 or when it kept changing */
	/* the overhead budget (minor 3; zero before): `rate` is the interval
	 * in force, with or without one */
	uint64_t budget_ppm;   /* the budget, millionths of the program's CPU
	                        * time; 0 = none */
	uint64_t overhead_ppm; /* the runtime's estimated cost at `rate`, same
	                        * unit; 0 = not measured (or no budget) */
	uint64_t sample_ns;    /* measured mean cost of one sample, ns; 0 = not yet */
};

/* Where a segment sits in its process tree, from the header: the parent
 * pid, whether a fork child created it, the parent's segment name (""
 * when none or not a valid name), and how many stacks it recorded. */
struct ht_segread_family {
	int ppid;
	bool fork_child;
	char parent_name[sizeof(((struct ht_seg_header *)0)->parent_name)];
	uint32_t stacks_used;
};
void ht_segread_family(struct ht_segread *r, struct ht_segread_family *f);

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

/*
 * The event ring (include/heaptop/segment.h, struct ht_seg_ring).
 *
 * ht_segread_ring_attach makes this process the ring's consumer: CAS of
 * control->ring_consumer 0 -> getpid() (a consumer pid that no longer
 * exists is stolen) and a read-write mapping of the ring section (the
 * consumer writes each consumed slot's seq).  The runtime pushes events
 * only while a consumer is registered.  0, or -EBUSY (another live
 * process, or this one through another reader, consumes), -EROFS (the
 * segment was opened read-only), -EINVAL (a ring whose capacity or state
 * makes no sense), -errno from mmap, with *cause.  Attaching twice is a
 * no-op.
 *
 * ht_segread_ring_read pops up to max events into out, oldest first, and
 * returns how many.  Events with an unknown type or a stack index outside
 * the stack table are consumed and dropped (counted by
 * ht_segread_ring_invalid).  0 when not attached, empty, or the segment
 * was truncated.  It may run on one other thread concurrently with the
 * reader's other calls (snapshot, status, command, live, invalid), but
 * not with attach, detach or close, nor on two threads at once.
 *
 * ht_segread_ring_detach stores the tail, releases ring_consumer (if it is
 * still ours) and unmaps the ring; ht_segread_close does it too.
 */
struct ht_event {
	uint32_t type;        /* enum ht_event_type */
	uint32_t tid;
	uint32_t stack;       /* < the segment's stacks_cap; 0 for RESET/MODULES */
	uint64_t time_ns;     /* CLOCK_MONOTONIC */
	uint64_t born_ns;     /* ALLOC: time_ns; FREE: the object's birth;
	                       * 0 otherwise and for minor-1 runtimes */
	uint64_t addr, size;
	double weight_bytes;  /* unbiased bytes (fixed point converted) */
};
int ht_segread_ring_attach(struct ht_segread *r, char **cause);
size_t ht_segread_ring_read(struct ht_segread *r, struct ht_event *out, size_t max);
uint64_t ht_segread_ring_invalid(const struct ht_segread *r);
/* Events the ring holds at most (0 when not attached). */
size_t ht_segread_ring_cap(const struct ht_segread *r);
void ht_segread_ring_detach(struct ht_segread *r);

/* A live sampled object (HT_CMD_LIVE). */
struct ht_live_obj {
	uint64_t addr, size;  /* size: requested bytes */
	uint64_t born_ns;     /* CLOCK_MONOTONIC of its allocation */
	uint32_t stack;       /* index into the stack table (< stacks_cap) */
	double weight_bytes;  /* unbiased bytes it stands for */
};

/*
 * Every live sampled object of the current reset generation: sends
 * HT_CMD_LIVE with `path` (absolute; the caller picks it inside a private
 * directory it made), reads the file the runtime wrote, removes it and
 * parses it strictly (ht_live_parse).  *out (caller frees; may be NULL
 * when *n is 0), *n and *now_ns (the runtime's CLOCK_MONOTONIC when it
 * listed them: age = *now_ns - born_ns).  0, or -ENOTSUP (a runtime older
 * than segment minor 2), -EINVAL (malformed file), -EFBIG (file too
 * large), the command's errors (ht_segread_command), -errno, with *cause.
 */
int ht_segread_live(struct ht_segread *r, const char *path,
                    struct ht_live_obj **out, size_t *n, uint64_t *now_ns,
                    char **cause);

/* Bounds of a live file. */
#define HT_LIVE_MAX_FILE ((size_t)512 << 20)   /* bytes */
#define HT_LIVE_MAX_COUNT (UINT64_C(1) << 23)  /* objects */
#define HT_LIVE_MAX_SIZE (UINT64_C(1) << 48)   /* one object's bytes */

/*
 * Parse a live file image (buf, len bytes; format: segment.h,
 * HT_LIVE_MAGIC): the exact header, then exactly `count` lines of five
 * fields each separated by one space and ended by '\n', nothing else.
 * Refused (-EINVAL with the line in *cause): any other text, a number
 * out of range (20+ digit overflow, addr 0, stack index >= stacks_cap,
 * size > HT_LIVE_MAX_SIZE, born_ns 0 or after now_ns, weight >= 2^62,
 * rate 0, count > HT_LIVE_MAX_COUNT), a count that does not match the
 * lines.  Pure: the unit tests feed it.
 */
int ht_live_parse(const char *buf, size_t len, uint32_t stacks_cap,
                  struct ht_live_obj **out, size_t *n, uint64_t *now_ns,
                  char **cause);

/* When the process exec'd (state EXECED), copy the new image's segment
 * name into buf (cap bytes) and return buf; NULL when not EXECED or the
 * name is not a valid segment name. */
const char *ht_segread_next_name(struct ht_segread *r, char *buf, size_t cap);

/* Facts copied at open (owned by the reader). */
const char *ht_segread_name(const struct ht_segread *r);
const char *ht_segread_cmdline(const struct ht_segread *r);
const char *ht_segread_exe(const struct ht_segread *r);
int ht_segread_pid(const struct ht_segread *r);
uint32_t ht_segread_minor(const struct ht_segread *r); /* the ABI minor */
uint32_t ht_segread_stacks_cap(const struct ht_segread *r);
uint64_t ht_segread_start_time(const struct ht_segread *r); /* realtime ns */

#endif /* HT_CORE_SEGREAD_H */
