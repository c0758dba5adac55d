/*
 * Sessions (see session.h): attach to a segment, load a dump, follow
 * jemalloc's dumps; commands, process state, switching between the
 * processes of a tree, and listing segments, for batch mode and the ui
 * alike (launching is session_launch.c, snapshots session_snap.c).  Headless: never writes to the terminal
 * (errors travel in `cause`), never touches a segment it did not create
 * except through the reader's control page, and unlinks only the segment
 * of a program it launched once that program has ended.
 */
#include "config.h"

#include <dirent.h>
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/basefile.h"
#include "core/cause.h"
#include "core/events.h"
#include "core/fmt.h"
#include "core/procmem.h"
#include "core/segread.h"
#include "core/session.h"
#include "core/session_priv.h"
#include "core/symbolize.h"

#define KILL_GRACE_MS 2000
#define ALLOC_WAIT_MS 2000


void ht_sess_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct ht_session *ht_sess_new(enum ht_session_kind kind)
{
	struct ht_session *s = calloc(1, sizeof *s);

	if (s) {
		s->kind = kind;
		s->exit_status = -1;
	}
	return s;
}

static int status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

char *ht_sess_describe_status(int code)
{
	char *s = NULL;

	if (code > 128 && code < 128 + 65) {
		if (asprintf(&s, "killed by signal %d (%s)", code - 128,
		             strsignal(code - 128)) < 0)
			s = NULL;
	} else if (asprintf(&s, "status %d", code) < 0) {
		s = NULL;
	}
	return s;
}

/* Non-blocking ht_sess_reap of a launched child. */
void ht_sess_reap(struct ht_session *s, bool block)
{
	int ws;
	pid_t r;

	if (!s->launched || s->reaped || s->pid <= 0)
		return;
	do
		r = waitpid(s->pid, &ws, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == s->pid && (WIFEXITED(ws) || WIFSIGNALED(ws))) {
		s->reaped = true;
		s->exit_status = status_code(ws);
	} else if (r < 0 && errno == ECHILD) {
		s->reaped = true;
		s->exit_status = -1;
	}
}

/* Give the runtime's control thread a moment to find the program's
 * allocator, so the first snapshot already reads the right source.  A
 * runtime from before the allocator fields never sets the flag: the wait
 * ends after ALLOC_WAIT_MS (or when the process is gone). */
void ht_sess_wait_allocator(struct ht_session *s)
{
	for (unsigned waited = 0; waited < ALLOC_WAIT_MS; waited += 10) {
		struct ht_segread_status st;

		ht_segread_status(s->seg, &st);
		if ((st.alloc.flags & HT_ALLOC_F_DONE) || !st.alive ||
		    st.state != HT_PROC_RUNNING)
			return;
		ht_sess_sleep_ms(10);
	}
}

/* Attach to an existing segment (retrying while it initialises).  0 with
 * *out, or -errno with *cause. */
int ht_session_attach(const char *name, struct ht_session **out,
                      char **cause)
{
	struct ht_session *s;
	int err;

	*out = NULL;
	s = ht_sess_new(HT_SESS_ATTACH);
	if (!s || !(s->segname = strdup(name))) {
		free(s);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	for (int tries = 0;; tries++) {
		err = ht_segread_open(name, &s->seg, cause);
		if (err != -EAGAIN || tries >= 100)
			break;
		ht_sess_sleep_ms(20);
	}
	if (err < 0) {
		ht_session_free(s);
		return err;
	}
	s->pid = ht_segread_pid(s->seg);
	s->command = strdup(ht_segread_cmdline(s->seg));
	if (!s->command) {
		ht_session_free(s);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	ht_sess_wait_allocator(s);
	*out = s;
	return 0;
}

/* Load a profile file through ht_fmt_load_file.  0 with *out, or -errno
 * with *cause. */
int ht_session_load(const char *path, struct ht_session **out, char **cause)
{
	struct ht_session *s;
	int err;

	*out = NULL;
	s = ht_sess_new(HT_SESS_LOAD);
	if (!s || !(s->command = strdup(path))) {
		free(s);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	err = ht_fmt_load_file(path, &s->loaded, cause);
	if (err < 0) {
		ht_session_free(s);
		return err;
	}
	s->pid = s->loaded->pid;
	*out = s;
	return 0;
}

/* Follow PREFIX's dumps (core/follow.c does the scanning).  0 with *out,
 * or -errno with *cause. */
int ht_session_follow(const char *prefix, struct ht_session **out,
                      char **cause)
{
	struct ht_session *s;
	int err;

	*out = NULL;
	s = ht_sess_new(HT_SESS_FOLLOW);
	if (!s || asprintf(&s->command, "%s.*.heap", prefix) < 0) {
		free(s);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	err = ht_follow_open(prefix, &s->follow, cause);
	if (err < 0) {
		ht_session_free(s);
		return err;
	}
	*out = s;
	return 0;
}

struct ht_follow *ht_session_follower(struct ht_session *s)
{
	return s->follow;
}

/* ht_session_list callback: unlink the segment of an ended descendant of
 * the launched program (its name extends the program's: heaptop.P.N.C). */
static void unlink_ended_descendant(const struct ht_segment_info *i,
                                    void *arg)
{
	const char *root = arg;
	size_t n = strlen(root);
	char path[HT_SEG_NAME_MAX + 2];

	if (strncmp(i->name, root, n) || i->name[n] != '.' ||
	    (i->alive && i->state != HT_PROC_EXITED &&
	     i->state != HT_PROC_EXECED))
		return;
	snprintf(path, sizeof path, "/%s", i->name);
	shm_unlink(path);
}

/* Close the session; unlink a launched program's segments once it ended.
 * A still-running launched program is left running.  NULL is fine. */
void ht_session_free(struct ht_session *s)
{
	if (!s)
		return;
	if (s->launched)
		ht_sess_reap(s, false);
	ht_events_stop(s->events);
	s->events = NULL;
	if (s->home_seg)
		ht_session_switch(s, s->home_name, NULL);
	ht_segread_close(s->seg);
	if (s->launched && s->reaped && s->segname) {
		char path[HT_SEG_NAME_MAX + 2];

		snprintf(path, sizeof path, "/%s", s->segname);
		shm_unlink(path);
		ht_basefile_remove(s->segname);  /* its saved baseline (b) */
		for (size_t i = 0; i < s->nold; i++) {
			snprintf(path, sizeof path, "/%s", s->old_names[i]);
			shm_unlink(path);
			ht_basefile_remove(s->old_names[i]);
		}
		/* and those of its fork children that ended too */
		for (size_t i = 0; i <= s->nold; i++)
			ht_session_list(unlink_ended_descendant,
			                i < s->nold ? s->old_names[i] : s->segname,
			                NULL);
	}
	for (size_t i = 0; i < s->nold; i++)
		free(s->old_names[i]);
	free(s->old_names);
	ht_profile_free(s->loaded);
	ht_profile_free(s->bridge_last);
	if (s->bridge_dir) {
		char path[PATH_MAX];

		snprintf(path, sizeof path, "%s/snapshot.heap", s->bridge_dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/live", s->bridge_dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/" BRIDGE_FINAL, s->bridge_dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/" BRIDGE_FINAL ".tmp", s->bridge_dir);
		unlink(path);
		rmdir(s->bridge_dir);
		free(s->bridge_dir);
	}
	free(s->notice);
	ht_follow_free(s->follow);
	free(s->segname);
	free(s->app_output);
	free(s->command);
	free(s->sysroot);
	free(s->debug_dir);
	free(s);
}

/* How the session was opened. */
enum ht_session_kind ht_session_kind(const struct ht_session *s)
{
	return s->kind;
}

/* The process exec'd: its new image has a new segment.  Switch to it;
 * a launched program's old segment is unlinked with the rest later. */
static void follow_exec(struct ht_session *s)
{
	char next[HT_SEG_NAME_MAX + 1];
	struct ht_segread *nr = NULL;
	char *name, **names;

	for (int hops = 0; hops < 8; hops++) {
		if (!ht_segread_next_name(s->seg, next, sizeof next))
			return;
		if (ht_segread_open(next, &nr, NULL) < 0)
			return; /* not there yet: try again next time */
		name = strdup(next);
		names = realloc(s->old_names,
		                (s->nold + 1) * sizeof *s->old_names);
		if (!name || !names) {
			free(name);
			if (names)
				s->old_names = names;
			ht_segread_close(nr);
			return;
		}
		s->old_names = names;
		s->old_names[s->nold++] = s->segname;
		s->segname = name;
		/* the new image's ring is another one */
		ht_events_stop(s->events);
		s->events = NULL;
		s->events_tried = false;
		ht_segread_close(s->seg);
		s->seg = nr;
		free(s->command);
		s->command = strdup(ht_segread_cmdline(nr));
	}
}

/* The process's state (reaping a launched child without blocking and
 * following an exec to the new segment); *exit_status gets the status or
 * -1 when unknown. */
enum ht_proc_state ht_session_state(struct ht_session *s, int *exit_status)
{
	struct ht_segread_status st;

	if (exit_status)
		*exit_status = -1;
	if (s->kind == HT_SESS_LOAD) {
		if (exit_status)
			*exit_status = s->loaded->exit_status;
		return s->loaded->state;
	}
	if (s->kind == HT_SESS_FOLLOW)
		return !ht_follow_pid(s->follow) ? HT_PROC_STARTING :
		       ht_follow_pid_alive(ht_follow_pid(s->follow)) ?
		       HT_PROC_RUNNING : HT_PROC_EXITED;
	ht_sess_reap(s, false);
	if (s->home_seg) {  /* another process of the tree is shown */
		ht_segread_status(s->seg, &st);
		if (exit_status)
			*exit_status = st.exit_status;
		return st.state;
	}
	follow_exec(s);
	if (s->launched && s->reaped) {
		if (exit_status)
			*exit_status = s->exit_status;
		return HT_PROC_EXITED;
	}
	ht_segread_status(s->seg, &st);
	if (s->launched && st.state == HT_PROC_EXITED && st.alive) {
		/* the runtime wrote EXITED but the child is not reaped yet:
		 * give waitpid a moment so the status is authoritative */
		for (int i = 0; i < 50 && !s->reaped; i++) {
			ht_sess_sleep_ms(10);
			ht_sess_reap(s, false);
		}
		if (s->reaped) {
			if (exit_status)
				*exit_status = s->exit_status;
			return HT_PROC_EXITED;
		}
	}
	if (exit_status)
		*exit_status = st.exit_status;
	return st.state;
}

/* path made absolute against the current directory (malloc'd). */
static char *absolute_path(const char *path)
{
	char cwd[PATH_MAX], *out;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

/* Remember --sysroot / --debug-dir for dumps (strings copied). */
void ht_session_set_symbol_paths(struct ht_session *s, const char *sysroot,
                                 const char *debug_dir)
{
	free(s->sysroot);
	free(s->debug_dir);
	s->sysroot = sysroot ? strdup(sysroot) : NULL;
	s->debug_dir = debug_dir ? strdup(debug_dir) : NULL;
}

/* Write a profile to path: heap_v2 of a running process by the runtime,
 * everything else by the frontend from a snapshot.  0 or -errno, *cause. */
int ht_session_dump(struct ht_session *s, const char *path,
                    enum ht_dump_format fmt, struct ht_symbolizer *sym,
                    char **cause)
{
	struct ht_profile *p = NULL;
	struct ht_sym_options so = { s->sysroot, s->debug_dir };
	int err;

	if (fmt == HT_FMT_HEAP_V2 && s->seg &&
	    ht_session_state(s, NULL) == HT_PROC_RUNNING) {
		char *abs = absolute_path(path);

		if (!abs) {
			ht_cause_set(cause, "cannot make %s absolute", path);
			return -ENOMEM;
		}
		err = ht_segread_command(s->seg, HT_CMD_DUMP, 0, abs, cause);
		free(abs);
		return err;
	}
	err = ht_session_snapshot(s, &p, cause);
	if (err < 0)
		return err;
	err = ht_fmt_write_as(fmt, path, p, HT_VAL_INUSE_BYTES, sym, &so, cause);
	ht_profile_free(p);
	return err;
}

/* SIGTERM a launched program, SIGKILL it after the grace period, ht_sess_reap it.
 * 0, or -ENOTSUP for sessions heaptop did not launch. */
int ht_session_kill(struct ht_session *s)
{
	if (!s->launched) {
		return -ENOTSUP;
	}
	ht_sess_reap(s, false);
	if (s->reaped)
		return 0;
	kill(s->pid, SIGTERM);
	for (int waited = 0; waited < KILL_GRACE_MS && !s->reaped;
	     waited += 10) {
		ht_sess_sleep_ms(10);
		ht_sess_reap(s, false);
	}
	if (!s->reaped) {
		kill(s->pid, SIGKILL);
		ht_sess_reap(s, true);
	}
	return 0;
}

/* The target's pid (0 for a profile without one). */
pid_t ht_session_pid(const struct ht_session *s)
{
	if (s->home_seg)
		return s->shown_pid;
	return s->follow ? ht_follow_pid(s->follow) : s->pid;
}

const char *ht_session_notice(const struct ht_session *s)
{
	return s->notice;
}

/* The live segment's name (session-owned), NULL for loaded files. */
const char *ht_session_segment_name(const struct ht_session *s)
{
	return s->kind == HT_SESS_LOAD ? NULL : s->segname;
}

/* The session's own segment (its current image), even while another
 * process is shown; NULL for loaded files. */
const char *ht_session_home_segment(const struct ht_session *s)
{
	if (s->kind == HT_SESS_LOAD)
		return NULL;
	return s->home_seg ? s->home_name : s->segname;
}

/* The first segment of the session's process (before any exec): the root
 * of its process tree. */
const char *ht_session_root_segment(const struct ht_session *s)
{
	if (s->kind != HT_SESS_LAUNCH && s->kind != HT_SESS_ATTACH)
		return NULL;
	return s->nold ? s->old_names[0] : ht_session_home_segment(s);
}

bool ht_session_switched(const struct ht_session *s)
{
	return s->home_seg != NULL;
}

/* Forget what belonged to the segment shown before a switch: its event
 * ring, jemalloc's last dump, the RSS breakdown of its pid. */
static void forget_shown(struct ht_session *s)
{
	ht_events_stop(s->events);
	s->events = NULL;
	s->events_tried = false;
	ht_profile_free(s->bridge_last);
	s->bridge_last = NULL;
	s->bridge_next = 0;
	s->map_next = 0;
	s->own_shm = 0;
	memset(&s->map, 0, sizeof s->map);
}

/* Show the session's own process again. */
static void switch_home(struct ht_session *s)
{
	forget_shown(s);
	ht_segread_close(s->seg);
	free(s->segname);
	free(s->command);
	s->seg = s->home_seg;
	s->segname = s->home_name;
	s->command = s->home_command;
	s->home_seg = NULL;
	s->home_name = s->home_command = NULL;
	s->shown_pid = 0;
}

int ht_session_switch(struct ht_session *s, const char *name, char **cause)
{
	struct ht_segread *nr = NULL;
	char *nm, *cmd;
	int err;

	if (s->kind != HT_SESS_LAUNCH && s->kind != HT_SESS_ATTACH) {
		ht_cause_set(cause, "only a live session shows other processes");
		return -ENOTSUP;
	}
	if (!name || strcmp(name, ht_session_home_segment(s)) == 0) {
		if (s->home_seg)
			switch_home(s);
		return 0;
	}
	if (s->home_seg && strcmp(name, s->segname) == 0)
		return 0;
	err = ht_segread_open(name, &nr, cause);
	if (err < 0)
		return err;
	nm = strdup(name);
	cmd = strdup(ht_segread_cmdline(nr));
	if (!nm || !cmd) {
		free(nm);
		free(cmd);
		ht_segread_close(nr);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	forget_shown(s);
	if (s->home_seg) {
		ht_segread_close(s->seg);
		free(s->segname);
		free(s->command);
	} else {
		s->home_seg = s->seg;
		s->home_name = s->segname;
		s->home_command = s->command;
	}
	s->seg = nr;
	s->segname = nm;
	s->command = cmd;
	s->shown_pid = ht_segread_pid(nr);
	return 0;
}

/* The launched program's log file (session-owned), or NULL. */
const char *ht_session_app_output(const struct ht_session *s)
{
	return s->app_output;
}

/* The command line shown for the session (session-owned). */
const char *ht_session_command(const struct ht_session *s)
{
	return s->command;
}

/* Resident set size of a running target from /proc/<pid>/statm, 0 when
 * unknown or not running. */
uint64_t ht_session_rss_bytes(const struct ht_session *s)
{
	char path[64];
	unsigned long long size, resident;
	pid_t pid = ht_session_pid(s);
	FILE *f;
	int n;

	if (s->kind == HT_SESS_LOAD || pid <= 0 ||
	    (s->launched && s->reaped && !s->home_seg))
		return 0;
	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	if (n != 2)
		return 0;
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Open `name` when it looks like a segment of ours: a regular file of
 * this user in /dev/shm starting with the magic, then ht_segread_open's
 * checks.  0 or -errno (quietly: other programs' shm files are common). */
int ht_segment_open_quiet(const char *name, struct ht_segread **out)
{
	char path[HT_SEG_NAME_MAX + 16];
	struct stat sb;
	uint64_t magic = 0;
	int fd;

	*out = NULL;
	if (!ht_segread_name_valid(name))
		return -EINVAL;
	snprintf(path, sizeof path, "/dev/shm/%s", name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != getuid() ||
	    (uint64_t)sb.st_size < sizeof(struct ht_seg_header) ||
	    pread(fd, &magic, sizeof magic, 0) != sizeof magic ||
	    magic != HT_SEG_MAGIC) {
		close(fd);
		return -EINVAL;
	}
	close(fd);
	return ht_segread_open(name, out, NULL);
}

/* What the header of an open segment says (strings point into r, name
 * and buf). */
void ht_segment_info_of(struct ht_segread *r, const char *name,
                        struct ht_segment_info *info,
                        struct ht_segment_strings *buf)
{
	struct ht_segread_status st;
	struct ht_segread_family fam;
	const char *nn;

	ht_segread_status(r, &st);
	ht_segread_family(r, &fam);
	memset(info, 0, sizeof *info);
	info->ppid = fam.ppid;
	info->fork_child = fam.fork_child;
	snprintf(buf->parent, sizeof buf->parent, "%s", fam.parent_name);
	info->parent_name = buf->parent;
	nn = ht_segread_next_name(r, buf->next, sizeof buf->next);
	info->next_name = nn ? nn : "";
	info->samples = st.samples;
	info->stacks = fam.stacks_used;
	info->start_ns = ht_segread_start_time(r);
	info->name = name;
	info->pid = st.pid;
	info->command = ht_segread_cmdline(r);
	info->state = st.state;
	info->exit_status = st.exit_status;
	info->alive = st.alive;
	info->alloc = st.alloc;
}

/* Call fn for every heaptop segment in /dev/shm owned by this user.
 * 0, or -errno with *cause when /dev/shm cannot be read. */
int ht_session_list(void (*fn)(const struct ht_segment_info *, void *),
                    void *arg, char **cause)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *de;

	if (!d) {
		ht_cause_set(cause, "/dev/shm: %s", strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		struct ht_segread *r = NULL;
		struct ht_segment_info info;
		struct ht_segment_strings buf;

		if (ht_segment_open_quiet(de->d_name, &r) < 0)
			continue;
		ht_segment_info_of(r, de->d_name, &info, &buf);
		fn(&info, arg);
		ht_segread_close(r);
	}
	closedir(d);
	return 0;
}
