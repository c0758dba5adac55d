/*
 * Launching a program under the runtime (ht_session_launch, see
 * session.h): the program and runtime lookup, the ELF checks, the child's
 * environment and log file, fork/exec, and waiting for its segment.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cause.h"
#include "core/segread.h"
#include "core/session.h"
#include "core/session_priv.h"

#ifndef HT_LIBDIR
#define HT_LIBDIR "/usr/local/lib"
#endif

#define SEGMENT_WAIT_MS 5000

extern char **environ;

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
char *ht_launch_find_program(const char *prog)
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

/* envp for the child: the current environment with LD_PRELOAD prepended
 * and the HEAPTOP_* variables set.  Built before fork. */
char **ht_launch_child_env(const struct ht_launch_options *o,
                        const char *runtime, const char *segname,
                        const char *je_var, const char *je_conf,
                        const char *final_dump)
{
	size_t n = 0, k = 0, vl = je_var ? strlen(je_var) : 0;
	char **env;
	const char *old = getenv("LD_PRELOAD");

	while (environ[n])
		n++;
	env = calloc(n + 10, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];

		if (!strncmp(e, "LD_PRELOAD=", 11) ||
		    !strncmp(e, "HEAPTOP_SHM=", 12) ||
		    !strncmp(e, "HEAPTOP_FINAL_DUMP=", 19) ||
		    (o->rate && !strncmp(e, "HEAPTOP_RATE=", 13)) ||
		    (o->budget && !strncmp(e, "HEAPTOP_BUDGET=", 15)) ||
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
	if (final_dump && asprintf(&env[k++], "HEAPTOP_FINAL_DUMP=%s",
	                           final_dump) < 0)
		goto fail;
	if (o->rate && asprintf(&env[k++], "HEAPTOP_RATE=%llu",
	                        (unsigned long long)o->rate) < 0)
		goto fail;
	if (o->budget && asprintf(&env[k++], "HEAPTOP_BUDGET=%s",
	                          o->budget) < 0)
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

void ht_launch_free_child_env(char **env)
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
	char *final = NULL;
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
	prog = ht_launch_find_program(o->argv[0]);
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
	s = ht_sess_new(HT_SESS_LAUNCH);
	if (!s || !(s->command = join_argv(o->argv)))
		goto nomem;
	{
		/* an allocator linked into the program: jemalloc's profiler
		 * must be on from its start (its configuration variable) */
		struct ht_alloc_scan sc;

		bool scanned = ht_alloc_probe_file(prog, &sc) == 0;

		/* one heaptop cannot read: known without running it */
		if (scanned && sc.defines_malloc && !sc.je_prefix[0] &&
		    (sc.tcmalloc || sc.mimalloc ||
		     (sc.jemalloc && sc.je_prof_built == 0))) {
			s->launch_alloc.kind = sc.tcmalloc ? HT_ALLOC_TCMALLOC :
			                       sc.mimalloc ? HT_ALLOC_MIMALLOC :
			                       HT_ALLOC_JEMALLOC;
			s->launch_alloc.flags = HT_ALLOC_F_DONE | HT_ALLOC_F_STATIC;
		}
		if (scanned &&
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
	/* where the runtime writes jemalloc's dump at exit, should jemalloc's
	 * profiler turn out to hold the heap: the program's final state */
	err = ht_sess_bridge_dir(s, cause);
	if (err < 0)
		goto fail;
	if (asprintf(&final, "%s/" BRIDGE_FINAL, s->bridge_dir) < 0) {
		final = NULL;
		goto nomem;
	}
	/* HEAPTOP_SHM is named in the child, after its pid */
	env = ht_launch_child_env(o, runtime, "heaptop", je_conf ? je_var : NULL,
	                je_conf, final);
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
		ht_sess_reap(s, true);
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
		ht_sess_reap(s, false);
		if (s->reaped) {
			char *d = ht_sess_describe_status(s->exit_status);

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
		ht_sess_sleep_ms(10);
	}
	ht_sess_wait_allocator(s);
	free(prog);
	free(runtime);
	free(je_conf);
	free(final);
	free(hint);
	ht_launch_free_child_env(env);
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
	ht_launch_free_child_env(env);
	free(prog);
	free(runtime);
	free(je_conf);
	free(final);
	free(hint);
	ht_session_free(s);
	return err;
}

