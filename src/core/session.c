/*
 * Sessions (see session.h): launch a program under the runtime, attach to
 * a segment, or load a dump; snapshots, commands and process state for
 * batch mode and the ui alike.  Headless: never writes to the terminal
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
#include "core/symbolize.h"

#ifndef HT_LIBDIR
#define HT_LIBDIR "/usr/local/lib"
#endif

#define SEGMENT_WAIT_MS 5000
#define KILL_GRACE_MS 2000

extern char **environ;

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

#define MAP_EVERY_S 5.0


#define ALLOC_WAIT_MS 2000

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static struct ht_session *session_new(enum ht_session_kind kind)
{
	struct ht_session *s = calloc(1, sizeof *s);

	if (s) {
		s->kind = kind;
		s->exit_status = -1;
	}
	return s;
}

/* argv joined by spaces (malloc'd). */
static char *join_argv(char *const *argv)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, argv[i]);
	}
	return out;
}

/* Resolve a program name as execvp would.  Returns a malloc'd path, or
 * NULL with errno ENOENT (not found) / EACCES (found, not executable). */
static char *find_program(const char *prog)
{
	const char *path, *p;
	bool denied = false;

	if (strchr(prog, '/')) {
		if (access(prog, F_OK) < 0)
			return NULL;
		return strdup(prog);
	}
	path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; ) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *cand;

		if (asprintf(&cand, "%.*s/%s", (int)n, n ? p : ".", prog) < 0)
			return NULL;
		if (access(cand, X_OK) == 0) {
			struct stat st;

			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
				return cand;
		} else if (errno == EACCES) {
			denied = true;
		}
		free(cand);
		if (!e)
			break;
		p = e + 1;
	}
	errno = denied ? EACCES : ENOENT;
	return NULL;
}

/* Read the ELF program headers: 1 when dynamically linked (PT_INTERP),
 * 0 when static, -1 when not ELF (a script: its interpreter is). */
static int elf_has_interp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
	Elf *elf;
	size_t n;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	/* libelf reads both ELF classes; a non-ELF file is ELF_K_NONE */
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &n) == 0) {
		ret = 0;
		for (size_t i = 0; i < n && i < 4096; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) &&
			    ph.p_type == PT_INTERP) {
				ret = 1;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return ret;
}

/* The runtime: explicit, next to a build-tree heaptop, or installed. */
static char *find_runtime(const char *explicit_path, char **cause)
{
	char self[PATH_MAX], *cand = NULL, *real;
	ssize_t n;

	if (explicit_path) {
		real = realpath(explicit_path, NULL);
		if (!real)
			ht_cause_set(cause, "runtime %s: %s", explicit_path,
			          strerror(errno));
		return real;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (asprintf(&cand, "%s/.libs/libheaptop.so", self) < 0)
				cand = NULL;
			if (cand && access(cand, R_OK) == 0) {
				real = realpath(cand, NULL);
				free(cand);
				return real;
			}
		}
	}
	if (access(HT_LIBDIR "/libheaptop.so", R_OK) == 0) {
		free(cand);
		return realpath(HT_LIBDIR "/libheaptop.so", NULL);
	}
	ht_cause_set(cause, "runtime libheaptop.so not found (looked in %s and "
	          "%s; use --runtime PATH)", cand ? cand : "the build tree",
	          HT_LIBDIR "/libheaptop.so");
	free(cand);
	return NULL;
}

/* The directory for launched programs' logs: $XDG_RUNTIME_DIR/heaptop,
 * else /tmp/heaptop-<uid>; created 0700 and checked to be ours (a real
 * directory, owned by us, closed to others).  0 with buf, or -errno with
 * *cause. */
static int runtime_dir(char *buf, size_t n, char **cause)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int len;

	if (xdg && xdg[0] == '/')
		len = snprintf(buf, n, "%s/heaptop", xdg);
	else
		len = snprintf(buf, n, "/tmp/heaptop-%u", (unsigned)getuid());
	if (len < 0 || (size_t)len >= n) {
		ht_cause_set(cause, "the log directory's path is too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
		int err = errno;

		ht_cause_set(cause, "cannot create the log directory %s: %s",
		          buf, strerror(err));
		return -err;
	}
	if (lstat(buf, &st) < 0) {
		int err = errno;

		ht_cause_set(cause, "%s: %s", buf, strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077)) {
		ht_cause_set(cause, "the log directory %s is not a private "
		          "directory of this user (mode 0700); remove it or "
		          "use --app-output FILE", buf);
		return -EPERM;
	}
	return 0;
}

/* In the child, before exec: the first free segment name
 * heaptop.<pid>.<n> (a segment of an earlier process with this pid may
 * linger).  Returns n, or -1. */
static int free_segment_number(pid_t pid)
{
	for (int n = 0; n < 1000; n++) {
		char path[64];

		snprintf(path, sizeof path, "/dev/shm/heaptop.%d.%d", (int)pid,
		         n);
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return n;
	}
	return -1;
}

static int status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

static char *describe_status(int code)
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

/* Non-blocking reap of a launched child. */
static void reap(struct ht_session *s, bool block)
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

/* envp for the child: the current environment with LD_PRELOAD prepended
 * and the HEAPTOP_* variables set.  Built before fork. */
static char **child_env(const struct ht_launch_options *o,
                        const char *runtime, const char *segname,
                        const char *je_var, const char *je_conf)
{
	size_t n = 0, k = 0, vl = je_var ? strlen(je_var) : 0;
	char **env;
	const char *old = getenv("LD_PRELOAD");

	while (environ[n])
		n++;
	env = calloc(n + 8, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];

		if (!strncmp(e, "LD_PRELOAD=", 11) ||
		    !strncmp(e, "HEAPTOP_SHM=", 12) ||
		    (o->rate && !strncmp(e, "HEAPTOP_RATE=", 13)) ||
		    (o->max_depth && !strncmp(e, "HEAPTOP_MAX_DEPTH=", 18)) ||
		    (o->dump_at_exit &&
		     !strncmp(e, "HEAPTOP_DUMP_AT_EXIT=", 21)) ||
		    (je_var && !strncmp(e, je_var, vl) && e[vl] == '='))
			continue;
		env[k++] = (char *)e;
	}
	if (old && *old) {
		if (asprintf(&env[k++], "LD_PRELOAD=%s %s", runtime, old) < 0)
			goto fail;
	} else if (asprintf(&env[k++], "LD_PRELOAD=%s", runtime) < 0) {
		goto fail;
	}
	if (asprintf(&env[k++], "HEAPTOP_SHM=%s", segname) < 0)
		goto fail;
	if (je_var && asprintf(&env[k++], "%s=%s", je_var, je_conf) < 0)
		goto fail;
	if (o->rate && asprintf(&env[k++], "HEAPTOP_RATE=%llu",
	                        (unsigned long long)o->rate) < 0)
		goto fail;
	if (o->max_depth && asprintf(&env[k++], "HEAPTOP_MAX_DEPTH=%u",
	                             o->max_depth) < 0)
		goto fail;
	if (o->dump_at_exit) {
		char *abs = NULL;

		if (o->dump_at_exit[0] != '/') {
			char cwd[PATH_MAX];

			if (getcwd(cwd, sizeof cwd) &&
			    asprintf(&abs, "%s/%s", cwd, o->dump_at_exit) < 0)
				abs = NULL;
		}
		if (asprintf(&env[k++], "HEAPTOP_DUMP_AT_EXIT=%s",
		             abs ? abs : o->dump_at_exit) < 0) {
			free(abs);
			goto fail;
		}
		free(abs);
	}
	env[k] = NULL;
	return env;
fail:
	free(env); /* the strings leak on this ENOMEM path; harmless */
	return NULL;
}

static void free_child_env(char **env)
{
	bool ours = false;

	if (!env)
		return;
	for (size_t i = 0; env[i]; i++) {
		/* our own strings follow the inherited ones */
		if (!strncmp(env[i], "LD_PRELOAD=", 11))
			ours = true;
		if (ours)
			free(env[i]);
	}
	free(env);
}

/* Give the runtime's control thread a moment to find the program's
 * allocator, so the first snapshot already reads the right source.  A
 * runtime from before the allocator fields never sets the flag: the wait
 * ends after ALLOC_WAIT_MS (or when the process is gone). */
static void wait_allocator(struct ht_session *s)
{
	for (unsigned waited = 0; waited < ALLOC_WAIT_MS; waited += 10) {
		struct ht_segread_status st;

		ht_segread_status(s->seg, &st);
		if ((st.alloc.flags & HT_ALLOC_F_DONE) || !st.alive ||
		    st.state != HT_PROC_RUNNING)
			return;
		sleep_ms(10);
	}
}

enum { CHILD_EXEC, CHILD_LOG, CHILD_NAME };   /* where the child failed */

/* The forked child: name the segment heaptop.<pid>.<n> after its own pid
 * (n reported on `msg` first), set up stdout/stderr (logfd, heaptop's
 * stderr, or <logdir>/heaptop-<pid>.log with the hint at its top) and
 * stdin, exec.  On failure writes { stage, errno } to `msg`. */
static void launch_child(const char *prog, char *const *argv, char **env,
                         int msg, int logfd, int nullfd, const char *logdir,
                         const char *hint)
{
	char shm[64], path[PATH_MAX + 32];
	int n = free_segment_number(getpid()), m[2] = { CHILD_EXEC, 0 };

	if (write(msg, &n, sizeof n) < 0)
		_exit(127);
	if (n < 0) {
		m[0] = CHILD_NAME;
		m[1] = EEXIST;
		goto fail;
	}
	snprintf(shm, sizeof shm, "HEAPTOP_SHM=heaptop.%d.%d", (int)getpid(),
	         n);
	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], "HEAPTOP_SHM=", 12))
			env[i] = shm;
	if (logdir[0]) {
		snprintf(path, sizeof path, "%s/heaptop-%d.log", logdir,
		         (int)getpid());
		logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		             0600);
		if (logfd < 0) {
			m[0] = CHILD_LOG;
			m[1] = errno;
			goto fail;
		}
	}
	if (logfd >= 0 && hint) {
		dprintf(logfd, "heaptop: %s\n", hint);
	}
	if ((logfd >= 0 && (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)) ||
	    (logfd < 0 && dup2(2, 1) < 0) ||
	    (nullfd >= 0 && dup2(nullfd, 0) < 0)) {
		m[1] = errno;
	} else {
		signal(SIGPIPE, SIG_DFL);
		execve(prog, argv, env);
		m[1] = errno;
	}
fail:
	if (write(msg, m, sizeof m) < 0)
		_exit(127);
	_exit(127);
}

/* Fork and exec o->argv with the runtime preloaded; wait for its segment.
 * 0 with *out (caller frees with ht_session_free) or -errno with a
 * one-line *cause (caller frees). */
int ht_session_launch(const struct ht_launch_options *o,
                      struct ht_session **out, char **cause)
{
	struct ht_session *s = NULL;
	char *prog = NULL, *runtime = NULL, **env = NULL, *je_conf = NULL;
	char je_var[HT_ALLOC_VAR_MAX];
	int logfd = -1, nullfd = -1, pipefd[2] = { -1, -1 }, err;
	struct stat st;
	int child_msg[2] = { 0, 0 }, segno = -1;
	char logdir[PATH_MAX] = "", *hint = NULL;
	ssize_t rn;

	*out = NULL;
	if (!o->argv || !o->argv[0] || !*o->argv[0]) {
		ht_cause_set(cause, "no program to launch");
		return -EINVAL;
	}
	prog = find_program(o->argv[0]);
	if (!prog) {
		err = -errno;
		if (err == -EACCES)
			ht_cause_set(cause, "%s: not executable (permission "
			          "denied)", o->argv[0]);
		else
			ht_cause_set(cause, "%s: program not found", o->argv[0]);
		return err;
	}
	if (stat(prog, &st) < 0 || !S_ISREG(st.st_mode)) {
		ht_cause_set(cause, "%s: not a regular file", prog);
		err = -EACCES;
		goto fail;
	}
	if (access(prog, X_OK) < 0) {
		ht_cause_set(cause, "%s: not executable (%s)", prog,
		          strerror(errno));
		err = -EACCES;
		goto fail;
	}
	if (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
	    ((st.st_mode & S_ISGID) && st.st_gid != getegid())) {
		ht_cause_set(cause, "%s is set%cid: the dynamic loader ignores "
		          "LD_PRELOAD for it, so it cannot be profiled", prog,
		          (st.st_mode & S_ISUID) ? 'u' : 'g');
		err = -EPERM;
		goto fail;
	}
	if (elf_has_interp(prog) == 0) {
		ht_cause_set(cause, "%s is statically linked: the runtime cannot "
		          "be preloaded into it (link it dynamically)", prog);
		err = -ENOEXEC;
		goto fail;
	}
	runtime = find_runtime(o->runtime, cause);
	if (!runtime) {
		err = -ENOENT;
		goto fail;
	}
	s = session_new(HT_SESS_LAUNCH);
	if (!s || !(s->command = join_argv(o->argv)))
		goto nomem;
	{
		/* an allocator linked into the program: jemalloc's profiler
		 * must be on from its start (its configuration variable) */
		struct ht_alloc_scan sc;

		if (ht_alloc_probe_file(prog, &sc) == 0 &&
		    ht_alloc_launch_plan(&sc, o->argv[0], je_var, &s->notice)) {
			char *note = NULL;

			je_conf = ht_alloc_je_conf(je_var, getenv(je_var), o->rate,
			                           o->rate != 0, &note);
			if (!je_conf)
				goto nomem;
			if (note) {
				free(s->notice);
				s->notice = note;
			}
		}
	}
	s->launched = true;
	/* the program's output: --app-output, heaptop's stderr, or a log
	 * named after the program's pid in the runtime directory (the
	 * child opens it) */
	if (o->app_output) {
		if (!(s->app_output = strdup(o->app_output)))
			goto nomem;
		logfd = open(s->app_output,
		             O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (logfd < 0) {
			err = -errno;
			ht_cause_set(cause, "cannot open the program's output "
			          "file %s: %s", s->app_output, strerror(errno));
			goto fail;
		}
	} else if (!o->output_to_stderr) {
		err = runtime_dir(logdir, sizeof logdir, cause);
		if (err < 0)
			goto fail;
	}
	if (o->stdin_hint) {
		/* the screen keeps the terminal: say how to run the program
		 * interactively (status line and log) */
		if (asprintf(&hint, "the program's stdin is not the terminal "
		             "(the screen has it); to run it interactively, "
		             "start it in its own terminal with LD_PRELOAD=%s "
		             "HEAPTOP_SHM=myapp %s, then run heaptop "
		             "--attach-shm myapp", runtime, s->command) < 0) {
			hint = NULL;
			goto nomem;
		}
		if (s->notice) {
			char *both = NULL;

			if (asprintf(&both, "%s; %s", s->notice, hint) < 0)
				goto nomem;
			free(s->notice);
			s->notice = both;
		} else if (!(s->notice = strdup(hint))) {
			goto nomem;
		}
	}
	if (!o->keep_stdin) {
		nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nullfd < 0) {
			err = -errno;
			ht_cause_set(cause, "/dev/null: %s", strerror(errno));
			goto fail;
		}
	}
	/* HEAPTOP_SHM is named in the child, after its pid */
	env = child_env(o, runtime, "heaptop", je_conf ? je_var : NULL,
	                je_conf);
	if (!env || pipe2(pipefd, O_CLOEXEC) < 0)
		goto nomem;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		err = -errno;
		ht_cause_set(cause, "fork: %s", strerror(errno));
		goto fail;
	}
	if (s->pid == 0)
		launch_child(prog, o->argv, env, pipefd[1], logfd, nullfd,
		             logdir, hint);
	close(pipefd[1]);
	pipefd[1] = -1;
	/* first the segment's number, then (exec failed) a stage and errno */
	do
		rn = read(pipefd[0], &segno, sizeof segno);
	while (rn < 0 && errno == EINTR);
	if (rn == (ssize_t)sizeof segno) {
		do
			rn = read(pipefd[0], child_msg, sizeof child_msg);
		while (rn < 0 && errno == EINTR);
	} else {
		rn = (ssize_t)sizeof child_msg;
		child_msg[0] = CHILD_EXEC;
		child_msg[1] = EIO;
	}
	close(pipefd[0]);
	pipefd[0] = -1;
	if (logdir[0] && asprintf(&s->app_output, "%s/heaptop-%d.log", logdir,
	                          (int)s->pid) < 0)
		s->app_output = NULL;
	if (rn == (ssize_t)sizeof child_msg) {
		reap(s, true);
		s->launched = false;
		if (child_msg[0] == CHILD_LOG)
			ht_cause_set(cause, "cannot open the program's output "
			          "file %s: %s", s->app_output ? s->app_output :
			          logdir, strerror(child_msg[1]));
		else if (child_msg[0] == CHILD_NAME)
			ht_cause_set(cause, "no free segment name heaptop.%d.<n> "
			          "in /dev/shm (try heaptop --clean)", (int)s->pid);
		else
			ht_cause_set(cause, "%s: cannot execute: %s", prog,
			          strerror(child_msg[1]));
		err = -child_msg[1];
		goto fail;
	}
	if (asprintf(&s->segname, "heaptop.%d.%d", (int)s->pid, segno) < 0)
		goto nomem;
	/* wait for the runtime's segment */
	for (unsigned waited = 0;; waited += 10) {
		char *why = NULL;

		err = ht_segread_open(s->segname, &s->seg, &why);
		if (err == 0) {
			free(why);
			break;
		}
		if (err != -ENOENT && err != -EAGAIN) {
			ht_cause_set(cause, "%s", why ? why : "cannot read segment");
			free(why);
			ht_session_kill(s);
			goto fail;
		}
		free(why);
		reap(s, false);
		if (s->reaped) {
			char *d = describe_status(s->exit_status);

			ht_cause_set(cause, "%s exited (%s) before the runtime "
			          "started; its output is in %s", o->argv[0],
			          d ? d : "?", s->app_output ? s->app_output :
			          "heaptop's stderr");
			free(d);
			err = -ECHILD;
			goto fail;
		}
		if (waited >= SEGMENT_WAIT_MS) {
			ht_cause_set(cause, "the runtime did not start in %s within "
			          "%u s (was LD_PRELOAD=%s honoured? see %s)",
			          o->argv[0], SEGMENT_WAIT_MS / 1000, runtime,
			          s->app_output ? s->app_output :
			          "its output above");
			ht_session_kill(s);
			err = -ETIMEDOUT;
			goto fail;
		}
		sleep_ms(10);
	}
	wait_allocator(s);
	free(prog);
	free(runtime);
	free(je_conf);
	free(hint);
	free_child_env(env);
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	*out = s;
	return 0;
nomem:
	err = -ENOMEM;
	ht_cause_set(cause, "out of memory");
fail:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	free_child_env(env);
	free(prog);
	free(runtime);
	free(je_conf);
	free(hint);
	ht_session_free(s);
	return err;
}

/* Attach to an existing segment (retrying while it initialises).  0 with
 * *out, or -errno with *cause. */
int ht_session_attach(const char *name, struct ht_session **out,
                      char **cause)
{
	struct ht_session *s;
	int err;

	*out = NULL;
	s = session_new(HT_SESS_ATTACH);
	if (!s || !(s->segname = strdup(name))) {
		free(s);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	for (int tries = 0;; tries++) {
		err = ht_segread_open(name, &s->seg, cause);
		if (err != -EAGAIN || tries >= 100)
			break;
		sleep_ms(20);
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
	wait_allocator(s);
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
	s = session_new(HT_SESS_LOAD);
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
	s = session_new(HT_SESS_FOLLOW);
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
		reap(s, false);
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
	reap(s, false);
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
			sleep_ms(10);
			reap(s, false);
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

/* A deep copy of a profile (for loaded sessions). */
static struct ht_profile *profile_dup(const struct ht_profile *src)
{
	struct ht_profile *p = ht_profile_new();

	if (!p)
		return NULL;
	*p = *src;
	p->stacks = NULL;
	p->modules = NULL;
	p->thread_names = NULL;
	p->nstacks = p->nmodules = p->nthread_names = 0;
	p->maps = p->cmdline = p->exe = NULL;
	if ((src->maps && !(p->maps = strdup(src->maps))) ||
	    (src->cmdline && !(p->cmdline = strdup(src->cmdline))) ||
	    (src->exe && !(p->exe = strdup(src->exe))))
		goto fail;
	p->stacks = calloc(src->nstacks ? src->nstacks : 1, sizeof *p->stacks);
	p->modules = calloc(src->nmodules ? src->nmodules : 1,
	                    sizeof *p->modules);
	if (!p->stacks || !p->modules)
		goto fail;
	for (size_t i = 0; i < src->nstacks; i++) {
		const struct ht_stack *a = &src->stacks[i];
		struct ht_stack *b = &p->stacks[i];

		*b = *a;
		b->pcs = NULL;
		b->threads = NULL;
		b->nthreads = 0;
		p->nstacks++;
		b->pcs = malloc((a->depth ? a->depth : 1) * sizeof *b->pcs);
		if (!b->pcs)
			goto fail;
		memcpy(b->pcs, a->pcs, a->depth * sizeof *b->pcs);
		if (a->nthreads) {
			b->threads = malloc(a->nthreads * sizeof *b->threads);
			if (!b->threads)
				goto fail;
			memcpy(b->threads, a->threads,
			       a->nthreads * sizeof *b->threads);
			b->nthreads = a->nthreads;
		}
	}
	for (size_t i = 0; i < src->nmodules; i++) {
		p->modules[i] = src->modules[i];
		p->modules[i].path = NULL;
		p->nmodules++;
		if (src->modules[i].path &&
		    !(p->modules[i].path = strdup(src->modules[i].path)))
			goto fail;
	}
	if (src->nthread_names) {
		p->thread_names = calloc(src->nthread_names,
		                         sizeof *p->thread_names);
		if (!p->thread_names)
			goto fail;
		p->nthread_names = src->nthread_names;
		for (size_t i = 0; i < src->nthread_names; i++)
			if (src->thread_names[i] &&
			    !(p->thread_names[i] = strdup(src->thread_names[i])))
				goto fail;
	}
	return p;
fail:
	ht_profile_free(p);
	return NULL;
}

/* The private directory bridge snapshots are written to. */
static int bridge_dir(struct ht_session *s, char **cause)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (s->bridge_dir)
		return 0;
	if (asprintf(&d, "%s/heaptop-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		goto nomem;
	if (!mkdtemp(d)) {
		int e = errno;

		ht_cause_set(cause, "cannot create a directory for jemalloc's "
		          "dumps (%s): %s", d, strerror(e));
		free(d);
		return -e;
	}
	s->bridge_dir = d;
	return 0;
nomem:
	ht_cause_set(cause, "out of memory");
	return -ENOMEM;
}

/*
 * A snapshot from jemalloc's profiler (the runtime's alloc flag BRIDGE):
 * ask the runtime for a prof.dump into the private directory and read it
 * as a jemalloc heap_v2 file, with the process's facts from the segment.
 * After the process ended, the last one read.  -ENOENT when the source is
 * not jemalloc's profiler; 0 or another -errno with *cause.
 */
static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bridge_snapshot(struct ht_session *s, enum ht_proc_state state,
                           struct ht_profile **out, char **cause)
{
	struct ht_segread_status st;
	struct ht_profile *p = NULL;
	char path[PATH_MAX];
	double t0 = mono_s(), cost = 0;
	int err;

	ht_segread_status(s->seg, &st);
	if (!(st.alloc.flags & HT_ALLOC_F_BRIDGE))
		return -ENOENT;
	if (state == HT_PROC_RUNNING && (!s->bridge_last || t0 >= s->bridge_next)) {
		err = bridge_dir(s, cause);
		if (err < 0)
			return err;
		snprintf(path, sizeof path, "%s/snapshot.heap", s->bridge_dir);
		unlink(path);
		err = ht_segread_command(s->seg, HT_CMD_DUMP, 0, path, cause);
		/* the program's cost: its dump, not our reading of it */
		cost = mono_s() - t0;
		if (err == 0)
			err = ht_fmt_load_file(path, &p, cause);
		unlink(path);
		if (err < 0 && !s->bridge_last)
			return err;
		if (err < 0 && cause) {
			/* the process may have ended meanwhile: the last one */
			free(*cause);
			*cause = NULL;
		}
		if (p) {
			free(p->cmdline);
			free(p->exe);
			p->cmdline = strdup(ht_segread_cmdline(s->seg));
			p->exe = strdup(ht_segread_exe(s->seg));
			p->pid = st.pid;
			p->rate = st.rate;
			p->alloc = st.alloc;
			/* jemalloc's samples since its last reset */
			p->samples = p->totals.raw_cum_objs;
			p->start_time_ns = ht_segread_start_time(s->seg);
			p->alloc.dump_seconds = cost;
			s->bridge_next = t0 + ht_alloc_dump_interval(&p->alloc);
			{
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				p->snapshot_time_ns = (uint64_t)ts.tv_sec *
					1000000000ull + (uint64_t)ts.tv_nsec;
			}
			ht_profile_free(s->bridge_last);
			s->bridge_last = p;
		}
	}
	if (!s->bridge_last)
		return -ENOENT;  /* ended before the first dump */
	s->bridge_state = state;
	*out = profile_dup(s->bridge_last);
	if (!*out) {
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void start_events(struct ht_session *s);
static void proc_facts(struct ht_session *s, struct ht_profile *p);

/* A new profile (caller owns *out) with the session's view of the state.
 * 0 or -errno with *cause. */
int ht_session_snapshot(struct ht_session *s, struct ht_profile **out,
                        char **cause)
{
	int err, status;
	enum ht_proc_state state;

	*out = NULL;
	if (s->kind == HT_SESS_LOAD) {
		*out = profile_dup(s->loaded);
		if (!*out) {
			ht_cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	if (s->kind == HT_SESS_FOLLOW) {
		const struct ht_profile *cur = ht_follow_profile(s->follow);

		if (!cur) {
			ht_cause_set(cause, "waiting for %s", s->command);
			return -EAGAIN;
		}
		if (!(*out = profile_dup(cur))) {
			ht_cause_set(cause, "out of memory");
			return -ENOMEM;
		}
		(*out)->state = ht_session_state(s, &(*out)->exit_status);
		return 0;
	}
	state = ht_session_state(s, &status);
	err = bridge_snapshot(s, state, out, cause);
	if (err == -ENOENT) {  /* not jemalloc's profiler: the segment's data */
		err = ht_segread_snapshot(s->seg, out, cause);
		if (err == 0 && state == HT_PROC_RUNNING)
			start_events(s);
	}
	if (err < 0)
		return err;
	(*out)->state = state;
	(*out)->exit_status = status;
	proc_facts(s, *out);
	return 0;
}

/* Follow the runtime's events for ages, once per segment: a failure
 * (another frontend consumes the ring, an old runtime) leaves the
 * session without ages, not without data. */
static void start_events(struct ht_session *s)
{
	char *cause = NULL;

	if (s->events_tried)
		return;
	s->events_tried = true;
	if (bridge_dir(s, &cause) == 0)
		ht_events_start(s->seg, s->bridge_dir, &s->events, &cause);
	free(cause);
}

/* RSS, the allocator's statistics and (every MAP_EVERY_S) RSS by kind,
 * for a profile of a live process. */
static void proc_facts(struct ht_session *s, struct ht_profile *p)
{
	struct ht_segread_status st;
	struct ht_procmem pm;
	pid_t pid = ht_session_pid(s);

	if (p->state != HT_PROC_RUNNING || pid <= 0)
		return;
	/* statm's RSS (cheap) less heaptop's own segment (from the last
	 * smaps read: it grows slowly) */
	p->proc.rss = ht_session_rss_bytes(s);
	p->proc.have_rss = p->proc.rss > 0;
	ht_segread_status(s->seg, &st);
	p->proc.astat_kind = st.astat.kind;
	memcpy(p->proc.astat, st.astat.v, sizeof p->proc.astat);
	if (mono_s() >= s->map_next) {
		s->map_next = mono_s() + MAP_EVERY_S;
		s->map.have_map = ht_procmem_read(pid, &pm, NULL) == 0;
		if (s->map.have_map) {
			s->own_shm = pm.own_shm;
			s->map.map_brk_heap = pm.heap;
			s->map.map_stacks = pm.stacks;
			s->map.map_anon = pm.anon;
			s->map.map_file = pm.file;
			s->map.map_shmem = pm.shmem;
		}
	}
	if (p->proc.rss > s->own_shm)
		p->proc.rss -= s->own_shm;
	p->proc.have_map = s->map.have_map;
	p->proc.map_brk_heap = s->map.map_brk_heap;
	p->proc.map_stacks = s->map.map_stacks;
	p->proc.map_anon = s->map.map_anon;
	p->proc.map_file = s->map.map_file;
	p->proc.map_shmem = s->map.map_shmem;
}

int ht_session_ages(void *arg, const uint32_t *ids, size_t n,
                    struct ht_ages_summary *out)
{
	struct ht_session *s = arg;

	if (!s || !s->events)
		return -ENOENT;
	return ht_events_summarize(s->events, ids, n, out);
}

bool ht_session_events(struct ht_session *s, struct ht_events_status *st)
{
	if (!s->events)
		return false;
	ht_events_status(s->events, st);
	return true;
}

/* Reset the runtime's counters (prof.reset).  0 or -errno with *cause. */
int ht_session_reset(struct ht_session *s, char **cause)
{
	if (s->kind == HT_SESS_LOAD) {
		ht_cause_set(cause, "cannot reset a loaded profile");
		return -ENOTSUP;
	}
	if (s->kind == HT_SESS_FOLLOW) {
		ht_cause_set(cause, "cannot reset a process heaptop only follows "
		             "the dumps of");
		return -ENOTSUP;
	}
	s->bridge_next = 0;  /* show the reset at once */
	return ht_segread_command(s->seg, HT_CMD_RESET, 0, NULL, cause);
}

/* Change the runtime's mean sampling interval.  0 or -errno with *cause. */
int ht_session_set_rate(struct ht_session *s, uint64_t rate, char **cause)
{
	if (s->kind == HT_SESS_LOAD) {
		ht_cause_set(cause, "cannot change the rate of a loaded profile");
		return -ENOTSUP;
	}
	if (s->kind == HT_SESS_FOLLOW) {
		ht_cause_set(cause, "cannot change the rate of a followed process "
		             "(jemalloc's lg_prof_sample)");
		return -ENOTSUP;
	}
	if (rate == 0) {
		ht_cause_set(cause, "the sampling rate must be at least 1 byte");
		return -EINVAL;
	}
	s->bridge_next = 0;  /* jemalloc's rate change is a reset */
	return ht_segread_command(s->seg, HT_CMD_SET_RATE, rate, NULL, cause);
}

/* False when a snapshot now would only repeat the last one: jemalloc's
 * profiler is the source, its next dump is not due yet and the process's
 * state has not changed.  Callers may then skip the snapshot and keep
 * what they show. */
bool ht_session_has_news(struct ht_session *s)
{
	if (!s->bridge_last || s->kind == HT_SESS_LOAD ||
	    s->kind == HT_SESS_FOLLOW)
		return true;
	return mono_s() >= s->bridge_next ||
	       ht_session_state(s, NULL) != s->bridge_state;
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

/* SIGTERM a launched program, SIGKILL it after the grace period, reap it.
 * 0, or -ENOTSUP for sessions heaptop did not launch. */
int ht_session_kill(struct ht_session *s)
{
	if (!s->launched) {
		return -ENOTSUP;
	}
	reap(s, false);
	if (s->reaped)
		return 0;
	kill(s->pid, SIGTERM);
	for (int waited = 0; waited < KILL_GRACE_MS && !s->reaped;
	     waited += 10) {
		sleep_ms(10);
		reap(s, false);
	}
	if (!s->reaped) {
		kill(s->pid, SIGKILL);
		reap(s, true);
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

/* Call fn for every heaptop segment in /dev/shm owned by this user.
 * 0, or -errno with *cause when /dev/shm cannot be read. */
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
