/*
 * What the session's files share (private to session.c,
 * session_launch.c and session_snap.c): the session itself and the few
 * helpers more than one of them needs.  The launch helpers are here too so
 * that the unit tests can check them without forking.
 */
#ifndef HT_CORE_SESSION_PRIV_H
#define HT_CORE_SESSION_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/events.h"
#include "core/procmem.h"
#include "core/segread.h"
#include "core/session.h"

struct ht_session {
	enum ht_session_kind kind;
	struct ht_segread *seg;     /* LAUNCH, ATTACH */
	struct ht_profile *loaded;  /* LOAD */
	struct ht_follow *follow;   /* FOLLOW */
	char *segname;
	char *app_output;
	char *command;
	pid_t pid;
	bool launched;
	/* what the launch's scan of the program knows without running it
	 * (an allocator linked in that heaptop cannot read): stands in for
	 * the runtime's detection when the program ends before that is
	 * published; kind 0 and flags 0 otherwise */
	struct ht_alloc_desc launch_alloc;
	bool reaped;                /* waitpid collected the child */
	int exit_status;            /* when reaped: code or 128+signal */
	char *sysroot, *debug_dir;
	char **old_names;           /* segments left behind by exec */
	size_t nold;
	char *notice;               /* a warning for the user, or NULL */
	/* jemalloc's profiler as the source (alloc flag BRIDGE): each
	 * snapshot is a prof.dump into a private directory */
	char *bridge_dir;
	struct ht_profile *bridge_last;
	double bridge_next;         /* CLOCK_MONOTONIC seconds: no dump before */
	enum ht_proc_state bridge_state; /* of the last profile returned */
	bool bridge_final;          /* the runtime's dump at exit was read
	                             * (or found missing) */
	/* the runtime's event ring, followed for ages (live runtimes) */
	struct ht_events *events;
	bool events_tried;          /* started, or failed: not again */
	/* RSS by kind: read every MAP_EVERY_S seconds */
	struct ht_proc_facts map;
	uint64_t own_shm;           /* heaptop's segment in the RSS */
	double map_next;
	/* ht_session_switch: another process of the tree is shown (seg,
	 * segname, command are its); the session's own segment waits in
	 * home_* (home_seg NULL: the session's own process is shown) */
	struct ht_segread *home_seg;
	char *home_name, *home_command;
	pid_t shown_pid;
};

/* RSS by kind is read at most this often (seconds). */
#define MAP_EVERY_S 5.0

/* The file in the private directory that a launched program's runtime
 * writes jemalloc's dump to at exit (HEAPTOP_FINAL_DUMP). */
#define BRIDGE_FINAL "final.heap"

/* Create the session's private directory for jemalloc's dumps (once).
 * 0 or -errno with *cause. */
int ht_sess_bridge_dir(struct ht_session *s, char **cause);
/* Sleep, resuming after signals. */
void ht_sess_sleep_ms(unsigned ms);
/* A zeroed session of `kind` (exit status unknown), or NULL. */
struct ht_session *ht_sess_new(enum ht_session_kind kind);
/* Collect a launched child's status, blocking or not. */
void ht_sess_reap(struct ht_session *s, bool block);
/* Wait (at most ALLOC_WAIT_MS) for the runtime to find the program's
 * allocator, so the first snapshot reads the right source. */
void ht_sess_wait_allocator(struct ht_session *s);
/* "status N" or "killed by signal N (NAME)" (malloc'd, NULL on ENOMEM). */
char *ht_sess_describe_status(int code);

/* Resolve a program name as execvp would.  Returns a malloc'd path, or
 * NULL with errno ENOENT (not found) / EACCES (found, not executable). */
char *ht_launch_find_program(const char *prog);
/* envp for the child: the current environment with LD_PRELOAD prepended
 * and the HEAPTOP_* variables set (je_var=je_conf too when je_var;
 * HEAPTOP_FINAL_DUMP=final_dump when final_dump).
 * NULL on ENOMEM; free with ht_launch_free_child_env. */
char **ht_launch_child_env(const struct ht_launch_options *o,
                           const char *runtime, const char *segname,
                           const char *je_var, const char *je_conf,
                           const char *final_dump);
void ht_launch_free_child_env(char **env);

#endif /* HT_CORE_SESSION_PRIV_H */
