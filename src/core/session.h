/*
 * A session: where profiles come from.  Launch a program under the runtime,
 * attach to a segment by name, or load a saved dump; then take snapshots,
 * send commands (reset, dump, set rate) and learn the process's state.
 * Headless: batch mode and the ui drive the same session.
 */
#ifndef HT_CORE_SESSION_H
#define HT_CORE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <heaptop/segment.h>

#include "core/events.h"
#include "core/fmt.h"
#include "core/follow.h"
#include "core/profile.h"

enum ht_session_kind { HT_SESS_LAUNCH, HT_SESS_ATTACH, HT_SESS_LOAD,
                       HT_SESS_FOLLOW };


struct ht_launch_options {
	char *const *argv;        /* program and arguments */
	const char *runtime;      /* libheaptop.so path, NULL = find it */
	const char *app_output;   /* the program's stdout and stderr, NULL =
	                           * heaptop's stderr (output_to_stderr) or
	                           * <runtime dir>/heaptop-<pid>.log */
	const char *dump_at_exit; /* HEAPTOP_DUMP_AT_EXIT, NULL = none */
	uint64_t rate;            /* 0 = runtime default */
	const char *budget;       /* HEAPTOP_BUDGET (percent), NULL = none */
	unsigned max_depth;       /* 0 = runtime default */
	bool keep_stdin;          /* pass heaptop's stdin to the program */
	bool output_to_stderr;    /* no app_output: write to heaptop's stderr */
	bool stdin_hint;          /* the screen keeps the terminal: say (notice,
	                           * log) how to run the program interactively */
};

struct ht_session;

/* Launch argv[0] with the runtime preloaded.  Waits (up to a few seconds)
 * for its segment to appear.  Errors (not found, not executable, static,
 * setuid, exited before the runtime started) return -errno with *cause set
 * to one clear line (caller frees). */
int ht_session_launch(const struct ht_launch_options *o,
                      struct ht_session **out, char **cause);

/* Attach to the segment NAME (read-only data, writable control page).
 * Refuses segments of other users and other ABI majors. */
int ht_session_attach(const char *name, struct ht_session **out,
                      char **cause);

/* Load a dump file (heap_v2 from heaptop or jemalloc, gperftools heap). */
int ht_session_load(const char *path, struct ht_session **out, char **cause);

/* Follow the dumps a jemalloc program started elsewhere writes to
 * PREFIX.<pid>.<seq>.<kind>.heap (core/follow.h).  Checks PREFIX's
 * directory, does not wait for a dump: poll ht_session_follower(s); until
 * a dump was found snapshots fail with -EAGAIN.  Reset and set-rate are
 * refused (the process takes no commands); dumps are written by the
 * frontend from the current dump. */
int ht_session_follow(const char *prefix, struct ht_session **out,
                      char **cause);
/* The follower of a HT_SESS_FOLLOW session, NULL for the other kinds. */
struct ht_follow *ht_session_follower(struct ht_session *s);

/* Close: a launched program keeps running unless ht_session_kill was
 * called.  Unmaps the segment; for a launched program that has exited,
 * unlinks it. */
void ht_session_free(struct ht_session *s);

enum ht_session_kind ht_session_kind(const struct ht_session *s);

/* A new snapshot (caller owns it).  For a loaded file, a copy of the file's
 * profile.  Returns 0 or -errno with *cause. */
int ht_session_snapshot(struct ht_session *s, struct ht_profile **out,
                        char **cause);

/* Reap the launched child if it exited (non-blocking) and report state. */
enum ht_proc_state ht_session_state(struct ht_session *s, int *exit_status);

/* Commands through the control page (live sessions).  0 or -errno. */
int ht_session_reset(struct ht_session *s, char **cause);
/* False when a snapshot now would only repeat the last one (jemalloc's
 * profiler as the source: its dumps are paced to take at most 1% of the
 * time, and the next one is not due).  Loops may skip the snapshot. */
bool ht_session_has_news(struct ht_session *s);
int ht_session_set_rate(struct ht_session *s, uint64_t rate, char **cause);
/* Dump: heap_v2 is written by the runtime (with its own maps); other
 * formats are written by the frontend from a snapshot, symbolized with sym
 * (the model's; NULL: a symbolizer of its own). */
int ht_session_dump(struct ht_session *s, const char *path,
                    enum ht_dump_format fmt, struct ht_symbolizer *sym,
                    char **cause);

/* Where ht_session_dump's symbolizer looks for moved binaries and debug
 * info (--sysroot, --debug-dir); NULL = none.  The strings are copied. */
void ht_session_set_symbol_paths(struct ht_session *s, const char *sysroot,
                                 const char *debug_dir);

/* Launched sessions: terminate the program (SIGTERM, then SIGKILL after a
 * grace period) and reap it. */
int ht_session_kill(struct ht_session *s);

/* Facts for headers and status lines. */
pid_t ht_session_pid(const struct ht_session *s);
const char *ht_session_segment_name(const struct ht_session *s); /* or NULL */
/* The launched program's log file, or NULL (its output goes to heaptop's
 * stderr, or not launched).  Without --app-output the log is
 * heaptop-<pid>.log (the program's pid) in $XDG_RUNTIME_DIR/heaptop, else
 * /tmp/heaptop-<uid>. */
const char *ht_session_app_output(const struct ht_session *s);
const char *ht_session_command(const struct ht_session *s);      /* argv joined */
/* A warning found while launching (an allocator heaptop cannot read, a
 * user's jemalloc setting that keeps its profiler off), or NULL. */
const char *ht_session_notice(const struct ht_session *s);
uint64_t ht_session_rss_bytes(const struct ht_session *s);       /* 0 unknown */

/*
 * Another process of the tree (a fork child, an image exec'd from one):
 * live sessions can show the process of segment `name` instead of their
 * own.  Snapshots, state, pid, command, segment name, commands (reset,
 * dump, rate) and events then concern that process; the session's own
 * process is still reaped, killed and cleaned up as before.  `name` the
 * home segment (or NULL) goes back.  0, or -ENOTSUP (loaded, followed),
 * ht_segread_open's errors, with *cause.  Callers reset the model: the
 * data is another process's.
 */
int ht_session_switch(struct ht_session *s, const char *name, char **cause);
bool ht_session_switched(const struct ht_session *s);
/* The session's own segment (its current image) even while switched;
 * NULL for loaded files. */
const char *ht_session_home_segment(const struct ht_session *s);
/* The first segment of a live session's process, before any exec: the
 * root of its tree (core/family.h); NULL for loaded and followed ones. */
const char *ht_session_root_segment(const struct ht_session *s);

/* Ages of the live sampled objects of runtime stacks (an ht_ages_source
 * for the model; arg is the session): -ENOENT when the session does not
 * follow the runtime's events (files, jemalloc's profiler, another
 * frontend consuming the ring, before the first snapshot). */
int ht_session_ages(void *arg, const uint32_t *ids, size_t n,
                    struct ht_ages_summary *out);
/* The event follower's status; false when there is none. */
bool ht_session_events(struct ht_session *s, struct ht_events_status *st);

/* List segments visible to this user: calls fn for each. */
struct ht_segment_info {
	const char *name;
	int pid;
	const char *command;
	enum ht_proc_state state;
	int exit_status;
	bool alive;   /* the pid still exists */
	struct ht_alloc_desc alloc;  /* the program's allocator, when known */
	/* its place in the process tree (core/proctree.h) */
	int ppid;
	bool fork_child;             /* created by a fork child */
	const char *parent_name;     /* the parent's segment, or "" */
	const char *next_name;       /* EXECED: the new image's segment, or "" */
	uint64_t samples;            /* sampled allocations recorded */
	uint32_t stacks;             /* stacks recorded */
	uint64_t start_ns;           /* CLOCK_REALTIME at creation */
};
int ht_session_list(void (*fn)(const struct ht_segment_info *, void *),
                    void *arg, char **cause);

/* One segment at a time (core/family.c caches readers between reads):
 * open `name` when it looks like a segment of this user (0 or -errno,
 * quietly), and describe an open one (strings point into r, name and
 * buf). */
struct ht_segread;
struct ht_segment_strings {
	char next[HT_SEG_NAME_MAX + 8];
	char parent[HT_SEG_NAME_MAX + 8];
};
int ht_segment_open_quiet(const char *name, struct ht_segread **out);
void ht_segment_info_of(struct ht_segread *r, const char *name,
                        struct ht_segment_info *info,
                        struct ht_segment_strings *buf);

#endif /* HT_CORE_SESSION_H */
