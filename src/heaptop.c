/*
 * heaptop: the program's main.  Opens a session (launch, attach, load,
 * follow) from the command line (options.c), and either hands session and
 * model to the interactive screen or runs the batch loop, printing each
 * update as text or JSON (report_text.c, report_json.c).  Also lists
 * segments, runs the demo, and converts dumps.  While the screen owns the terminal nothing here writes
 * to stdout or stderr.
 *
 * Exit status: the launched program's in batch mode (128+N for signal N),
 * 0 on success otherwise, 1 on runtime errors, 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <heaptop/heaptop.h>
#include <heaptop/segment.h>

#include "core/alloc.h"
#include "core/basefile.h"
#include "core/fmt.h"
#include "core/model.h"
#include "core/session.h"
#include "core/proctree.h"
#include "core/family.h"
#include "core/symbolize.h"
#include "options.h"
#include "report.h"
#include "ui/ui.h"

#ifndef HT_PKGLIBEXECDIR
#define HT_PKGLIBEXECDIR "/usr/local/libexec/heaptop"
#endif

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* ---- list ---- */

/* One --list row: the command indented under its parent. */
static void list_row(const struct ht_proc *p)
{
	const struct ht_segment_info *i = &p->info;
	char state[48], alloc[48];

	if (i->state == HT_PROC_EXITED && i->exit_status >= 0)
		snprintf(state, sizeof state, "exited(%d)", i->exit_status);
	else
		snprintf(state, sizeof state, "%s", state_name(i->state));
	snprintf(alloc, sizeof alloc, "%s/%s", ht_alloc_kind_name(i->alloc.kind),
	         ht_alloc_source_name(ht_alloc_source(&i->alloc)));
	printf("%-32s %8d %-12s %-5s %-26s %8" PRIu64 " %*s%s%s\n", i->name, i->pid,
	       state, i->alive ? "yes" : "no", alloc, i->samples,
	       (int)(p->depth > 8 ? 16 : 2 * p->depth), "", p->depth ? "`- " : "",
	       i->command);
}

/* --list: the segments as process trees, each under its root; quiet
 * processes (nothing sampled, nothing below them sampled) hidden unless
 * all. */
static int do_list(bool all)
{
	struct ht_proctree t;
	char *cause = NULL;
	size_t shown = 0, hidden = 0;

	if (ht_proctree_read(&t, &cause) < 0) {
		fprintf(stderr, "heaptop: %s\n", cause ? cause : "list failed");
		free(cause);
		return 1;
	}
	for (size_t o = 0; o < t.n; o++) {
		const struct ht_proc *p = &t.procs[t.order[o]];

		if (p->hideable && !all) {
			hidden++;
			continue;
		}
		if (!shown)
			printf("%-32s %8s %-12s %-5s %-26s %8s %s\n", "NAME", "PID", "STATE",
			       "ALIVE", "ALLOCATOR/SOURCE", "SAMPLES", "COMMAND");
		else if (p->parent < 0)
			printf("\n");
		list_row(p);
		shown++;
	}
	if (!t.n)
		printf("no heaptop segments for this user\n");
	if (hidden)
		printf("(%zu quiet process%s hidden; --list --all shows them)\n", hidden,
		       hidden == 1 ? "" : "es");
	ht_proctree_free(&t);
	return 0;
}

/* A segment outlives its process on purpose (the data stays explorable);
 * --clean removes those whose process has ended. */
static void clean_one(const struct ht_segment_info *i, void *arg)
{
	int *count = arg;

	if (i->alive && i->state != HT_PROC_EXITED &&
	    i->state != HT_PROC_EXECED)
		return;
	if (shm_unlink(i->name) < 0) {
		fprintf(stderr, "heaptop: %s: %s\n", i->name, strerror(errno));
		return;
	}
	ht_basefile_remove(i->name);   /* its saved baseline (b) */
	printf("removed %s (pid %d, %s)\n", i->name, i->pid, i->command);
	(*count)++;
}

static int do_clean(void)
{
	char *cause = NULL;
	int count = 0;

	if (ht_session_list(clean_one, &count, &cause) < 0) {
		fprintf(stderr, "heaptop: %s\n", cause ? cause : "list failed");
		free(cause);
		return 1;
	}
	printf("%d segment%s removed\n", count, count == 1 ? "" : "s");
	/* baselines of segments removed otherwise (heaptop at its exit) */
	ht_basefile_clean_orphans();
	return 0;
}

/* ---- sessions ---- */

static char *find_demo(void)
{
	char self[PATH_MAX], *cand = NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (asprintf(&cand, "%s/share/demo/heaptop-demo",
			             self) >= 0 && access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
	if (access(HT_PKGLIBEXECDIR "/heaptop-demo", X_OK) == 0)
		return strdup(HT_PKGLIBEXECDIR "/heaptop-demo");
	return NULL;
}

/* Write p to path in --format with --value; sym: the model's symbolizer
 * (NULL: one of its own). */
static int write_output(struct ht_profile *p, const struct options *o,
                        const char *path, struct ht_symbolizer *sym)
{
	struct ht_sym_options so = { o->sysroot, o->debug_dir };
	char *cause = NULL;
	int err = ht_fmt_write_as(o->format, path, p, o->value, sym, &so, &cause);

	if (err < 0)
		fprintf(stderr, "heaptop: cannot write %s: %s\n", path,
		        cause ? cause : strerror(-err));
	free(cause);
	return err;
}

/* Sleep `secs`, waking early when the program ends or on a signal. */
static void wait_delay(struct ht_session *s, double secs)
{
	struct timespec step = { 0, 50 * 1000000L };
	double waited = 0;

	while (waited < secs && !interrupted) {
		if (ht_session_kind(s) != HT_SESS_LOAD &&
		    ht_session_kind(s) != HT_SESS_FOLLOW &&
		    ht_session_state(s, NULL) == HT_PROC_EXITED)
			return;
		nanosleep(&step, NULL);
		waited += 0.05;
	}
}

/* Print the follower's notices (skipped dumps, a new process) on stderr. */
static void follow_notices(struct ht_follow *f)
{
	char *msg;

	while ((msg = ht_follow_take_notice(f))) {
		fprintf(stderr, "heaptop: %s\n", msg);
		free(msg);
	}
}

/* One update as text or JSON.  False when the reader went away (| head):
 * then stop like a pipe writer killed by SIGPIPE would, but cleanly. */
static bool print_update(struct ht_model *m, struct ht_session *s,
                         const struct options *o, bool final,
                         const struct ht_family *fam)
{
	if (o->json)
		print_json(m, s, o, final, fam);
	else
		print_text(m, s, o, final, fam);
	if (ferror(stdout)) {
		interrupted = SIGPIPE;
		return false;
	}
	return true;
}

/* --follow in batch mode: one update per new dump (polling every -d);
 * ends after -n updates.  Waits --follow-wait seconds for the first dump
 * (then fails), and as long again after the followed process exited for
 * a restart's dumps (then ends). */
static int run_follow_batch(struct ht_session *s, struct ht_model *m,
                            const struct options *o)
{
	struct ht_follow *f = ht_session_follower(s);
	double started = realtime_now(), gone = 0;
	char *cause = NULL;
	long k = 0;
	int rc = 0;

	while (!interrupted) {
		int r = ht_follow_poll(f, &cause);
		struct ht_follow_info fi;

		follow_notices(f);
		if (r < 0) {
			fprintf(stderr, "heaptop: %s\n", cause ? cause :
			        strerror(-r));
			free(cause);
			return 1;
		}
		ht_follow_info(f, &fi);
		if (r > 0) {
			struct ht_profile *p = NULL;
			bool final;
			int err = ht_session_snapshot(s, &p, &cause);

			if (err == 0)
				err = ht_follow_update_model(m, p, r,
				                             o->base != NULL);
			if (err < 0) {
				fprintf(stderr, "heaptop: %s\n", cause ? cause :
				        strerror(-err));
				free(cause);
				return 1;
			}
			k++;
			final = o->iterations && k >= o->iterations;
			if (!print_update(m, s, o, final, NULL))
				break;
			if (final)
				break;
		} else if (!fi.have_dump && o->follow_wait > 0 &&
		           realtime_now() - started >= o->follow_wait) {
			fprintf(stderr, "heaptop: no dump matching %s.*.heap "
			        "from a running process within %g s (is the "
			        "program running with MALLOC_CONF=prof:true,"
			        "prof_prefix:%s,lg_prof_interval:N?)\n",
			        o->follow, o->follow_wait, o->follow);
			return 1;
		} else if (fi.have_dump && !fi.alive) {
			/* no more dumps from it: a restart may come */
			if (!gone)
				gone = realtime_now();
			if (o->follow_wait > 0 &&
			    realtime_now() - gone >= o->follow_wait) {
				fprintf(stderr, "heaptop: pid %d has exited and "
				        "no other process wrote %s.*.heap "
				        "within %g s; its last dump was %s\n",
				        fi.pid, o->follow, o->follow_wait,
				        fi.file);
				break;
			}
		}
		if (fi.alive)
			gone = 0;
		wait_delay(s, o->delay);
	}
	if (o->output && ht_follow_profile(f)) {
		struct ht_profile *p = NULL;

		if (ht_session_snapshot(s, &p, &cause) == 0) {
			if (write_output(p, o, o->output,
			                 ht_model_symbolizer(m)) < 0)
				rc = 1;
			ht_profile_free(p);
		}
		free(cause);
	}
	if (interrupted)
		return 128 + interrupted;
	return rc;
}

/* The session's tree for this update (its readers cached in fam);
 * a failure leaves the processes out, not the update. */
static void update_family(struct ht_family *fam, struct ht_session *s)
{
	char *cause = NULL;

	if (fam && ht_family_update(fam, ht_session_root_segment(s), &cause) < 0)
		fprintf(stderr, "heaptop: %s\n", cause ? cause : "process tree");
	free(cause);
}

static int run_batch_loop(struct ht_session *s, struct ht_model *m,
                          const struct options *o, struct ht_family *fam);

static int run_batch(struct ht_session *s, struct ht_model *m,
                     const struct options *o)
{
	struct ht_family *fam = NULL;
	int rc;

	if (ht_session_root_segment(s) && !ht_session_follower(s) &&
	    !(fam = ht_family_new())) {
		fprintf(stderr, "heaptop: out of memory\n");
		return 1;
	}
	rc = run_batch_loop(s, m, o, fam);
	ht_family_free(fam);
	return rc;
}

static int run_batch_loop(struct ht_session *s, struct ht_model *m,
                          const struct options *o, struct ht_family *fam)
{
	char *cause = NULL;
	long k;
	int err, status = -1;
	bool ended = false, live = ht_session_kind(s) != HT_SESS_LOAD;

	if (ht_session_follower(s))
		return run_follow_batch(s, m, o);

	for (k = 1;; k++) {
		struct ht_profile *p = NULL;
		enum ht_proc_state st = live ? ht_session_state(s, &status) :
		                        HT_PROC_UNKNOWN;
		bool final;

		/* a DISABLED runtime froze its counters, but the program
		 * still runs: its end (and status) is still what we wait for */
		ended = !live || st == HT_PROC_EXITED;
		final = ended || (o->iterations && k >= o->iterations) ||
		        interrupted;
		/* nothing new (jemalloc's paced dumps): print what we have */
		if (k == 1 || ht_session_has_news(s)) {
			err = ht_session_snapshot(s, &p, &cause);
			if (err < 0) {
				fprintf(stderr, "heaptop: %s\n",
				        cause ? cause : strerror(-err));
				free(cause);
				return 1;
			}
			err = ht_model_update(m, p);
			if (err < 0) {
				fprintf(stderr, "heaptop: %s\n", strerror(-err));
				return 1;
			}
		}
		update_family(fam, s);
		if (!print_update(m, s, o, final, fam))
			break;
		if (final)
			break;
		wait_delay(s, o->delay);
	}
	if (o->output && o->format == HT_FMT_HEAP_V2 && live &&
	    strcmp(o->output, "-") &&
	    ht_session_state(s, NULL) == HT_PROC_RUNNING) {
		/* the runtime writes it, with the target's own maps */
		err = ht_session_dump(s, o->output, HT_FMT_HEAP_V2, NULL, &cause);
		if (err < 0) {
			fprintf(stderr, "heaptop: cannot write %s: %s\n",
			        o->output, cause ? cause : strerror(-err));
			free(cause);
			return 1;
		}
	} else if (o->output) {
		struct ht_profile *p = NULL;

		if (ht_session_snapshot(s, &p, &cause) == 0) {
			err = write_output(p, o, o->output, ht_model_symbolizer(m));
			ht_profile_free(p);
			if (err < 0)
				return 1;
		} else {
			fprintf(stderr, "heaptop: %s\n", cause ? cause : "?");
			free(cause);
			return 1;
		}
	}
	if (!live)
		return 0;
	if (ended && ht_session_kind(s) == HT_SESS_LAUNCH) {
		if (status < 0)
			ht_session_state(s, &status);
		return status >= 0 ? status : 1;
	}
	if (ht_session_kind(s) == HT_SESS_LAUNCH) {
		/* -n reached or interrupted: do not leave the program behind */
		ht_session_kill(s);
		return interrupted ? 128 + interrupted : 0;
	}
	return interrupted ? 128 + interrupted : 0;
}

static int run_screen(struct ht_session *s, struct ht_model *m,
                      const struct options *o)
{
	struct ht_ui_options uo = { o->delay, o->format, NULL, o->no_color };
	enum ht_ui_exit how = HT_UI_QUIT;
	char *cause = NULL;
	int err = ht_ui_run(s, m, &uo, &how, &cause);

	if (err < 0) {
		fprintf(stderr, "heaptop: %s\n", cause ? cause : strerror(-err));
		free(cause);
		return 1;
	}
	if (how == HT_UI_DETACH && ht_session_segment_name(s))
		printf("heaptop: %d keeps running; attach again with:\n"
		       "  heaptop --attach-shm %s\n", (int)ht_session_pid(s),
		       ht_session_segment_name(s));
	else if (ht_session_kind(s) == HT_SESS_LAUNCH &&
	         ht_session_state(s, NULL) == HT_PROC_RUNNING)
		ht_session_kill(s);
	return 0;
}

/* True when path exists and was modified at or after t. */
static bool written_since(const char *path, const struct timespec *t)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return false;
	return st.st_mtim.tv_sec > t->tv_sec ||
	       (st.st_mtim.tv_sec == t->tv_sec &&
	        st.st_mtim.tv_nsec >= t->tv_nsec);
}

int main(int argc, char **argv)
{
	struct options o;
	struct ht_session *s = NULL;
	struct ht_model *m = NULL;
	struct ht_symbolizer *sym = NULL;
	struct ht_sym_options so;
	struct ht_profile *first = NULL;
	char *cause = NULL, *demo = NULL, *demo_argv[2];
	int err, rc = 1;
	struct sigaction sa;
	struct timespec launched;

	parse_options(argc, argv, &o);
	so.sysroot = o.sysroot;
	so.debug_dir = o.debug_dir;
	if (o.list || o.clean) {
		rc = o.list ? do_list(o.list_all) : do_clean();
		free_options(&o);
		return rc;
	}
	if (o.demo) {
		demo = find_demo();
		if (!demo) {
			fprintf(stderr, "heaptop: the demo program heaptop-demo "
			        "is not installed (looked next to heaptop and "
			        "in %s)\n", HT_PKGLIBEXECDIR);
			return 1;
		}
		demo_argv[0] = demo;
		demo_argv[1] = NULL;
		o.argv = demo_argv;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (o.batch) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	/* the kernel stamps files with the coarse clock */
	clock_gettime(CLOCK_REALTIME_COARSE, &launched);
	if (o.load) {
		err = ht_session_load(o.load, &s, &cause);
	} else if (o.follow) {
		err = ht_session_follow(o.follow, &s, &cause);
	} else if (o.attach) {
		err = ht_session_attach(o.attach, &s, &cause);
	} else {
		struct ht_launch_options lo = {
			.argv = o.argv,
			.runtime = o.runtime,
			.app_output = o.app_output,
			.dump_at_exit = o.format == HT_FMT_HEAP_V2 ?
			                o.dump_at_exit : NULL,
			.rate = o.rate,
			.max_depth = o.max_depth,
			.budget = o.budget,
			/* the program reads heaptop's stdin unless the
			 * screen takes the terminal from it */
			.keep_stdin = o.batch || !isatty(STDIN_FILENO),
			.output_to_stderr = o.batch,
			.stdin_hint = !o.batch && isatty(STDIN_FILENO),
		};

		err = ht_session_launch(&lo, &s, &cause);
		if (err == 0 && o.batch && !o.json)
			fprintf(stderr, "heaptop: %s (pid %d) output -> %s\n",
			        ht_session_command(s), (int)ht_session_pid(s),
			        ht_session_app_output(s) ?
			        ht_session_app_output(s) : "stderr");
	}
	if (err < 0) {
		fprintf(stderr, "heaptop: %s\n", cause ? cause : strerror(-err));
		free(cause);
		free(demo);
		return 1;
	}
	if (ht_session_notice(s))
		fprintf(stderr, "heaptop: %s\n", ht_session_notice(s));
	ht_session_set_symbol_paths(s, o.sysroot, o.debug_dir);
	if (o.rate && o.attach) {
		err = ht_session_set_rate(s, o.rate, &cause);
		if (err < 0) {
			fprintf(stderr, "heaptop: %s\n", cause ? cause : strerror(-err));
			free(cause);
			cause = NULL;
		}
	}

	/* one-shot conversion */
	if (o.load && o.output && !o.batch) {
		err = ht_session_snapshot(s, &first, &cause);
		if (err < 0) {
			fprintf(stderr, "heaptop: %s\n", cause ? cause : strerror(-err));
			goto out;
		}
		rc = write_output(first, &o, o.output, NULL) < 0 ? 1 : 0;
		goto out;
	}

	/* a followed program may have written no dump yet: the model adds
	 * the modules of each dump to an empty symbolizer */
	err = o.follow ? 0 : ht_session_snapshot(s, &first, &cause);
	if (err < 0) {
		fprintf(stderr, "heaptop: %s\n", cause ? cause : strerror(-err));
		goto out;
	}
	err = ht_symbolizer_new(first, &so, &sym, &cause);
	if (err < 0) {
		if (o.batch)
			fprintf(stderr, "heaptop: symbols unavailable: %s\n",
			        cause ? cause : strerror(-err));
		free(cause);
		cause = NULL;
		sym = NULL;
	}
	ht_profile_free(first);
	first = NULL;
	m = ht_model_new(sym);
	if (!m) {
		ht_symbolizer_free(sym);
		fprintf(stderr, "heaptop: out of memory\n");
		goto out;
	}
	ht_model_set_symbol_options(m, &so);
	ht_model_set_ages_source(m, ht_session_ages, s);
	if (o.nfold && (err = ht_model_set_fold(m, o.fold, o.nfold)) < 0) {
		fprintf(stderr, "heaptop: --fold: %s\n", strerror(-err));
		goto out;
	}
	{
		struct ht_model_options mo = {
			.group = o.group, .sort = o.sort, .filter = o.filter,
			.descending = true, .lib_sites = o.lib_sites,
		};

		if (o.sort == HT_SORT_GROWTH && !o.base && !o.follow)
			mo.sort = HT_SORT_INUSE_BYTES;
		err = ht_model_set_options(m, &mo);
		if (err < 0) {
			fprintf(stderr, "heaptop: %s\n", strerror(-err));
			goto out;
		}
	}
	if (o.base) {
		struct ht_profile *bp = NULL;

		err = ht_fmt_load_file(o.base, &bp, &cause);
		if (err < 0) {
			fprintf(stderr, "heaptop: %s\n", cause ? cause :
			        strerror(-err));
			goto out;
		}
		err = ht_model_set_baseline_profile(m, bp);
		if (err < 0) {
			fprintf(stderr, "heaptop: baseline: %s\n",
			        ht_model_cause(m) ? ht_model_cause(m) :
			        strerror(-err));
			goto out;
		}
		if (!o.sort_set) { /* growth is --base's default sort */
			struct ht_model_options mo = *ht_model_options(m);

			mo.sort = HT_SORT_GROWTH;
			err = ht_model_set_options(m, &mo);
			if (err < 0) {
				fprintf(stderr, "heaptop: %s\n", strerror(-err));
				goto out;
			}
		}
	}
	if (o.batch) {
		rc = run_batch(s, m, &o);
	} else {
		rc = run_screen(s, m, &o);
	}
	/* heap_v2 is the runtime's to write at the exit, unless the program
	 * ended without running its exit handlers (_exit, a signal) */
	if (o.dump_at_exit && ht_session_state(s, NULL) == HT_PROC_EXITED &&
	    (o.format != HT_FMT_HEAP_V2 ||
	     !written_since(o.dump_at_exit, &launched))) {
		struct ht_profile *p = NULL;

		if (o.format == HT_FMT_HEAP_V2)
			fprintf(stderr, "heaptop: the program ended without "
			        "writing %s (no exit handlers: _exit or a "
			        "signal); writing it from the last update\n",
			        o.dump_at_exit);

		err = ht_session_snapshot(s, &p, &cause);
		if (err < 0) {
			fprintf(stderr, "heaptop: cannot write %s: %s\n",
			        o.dump_at_exit, cause ? cause : strerror(-err));
			if (!rc)
				rc = 1;
		} else {
			if (write_output(p, &o, o.dump_at_exit, ht_model_symbolizer(m)) < 0 &&
			    !rc)
				rc = 1;
			ht_profile_free(p);
		}
	}
out:
	free(cause);
	ht_profile_free(first);
	ht_model_free(m);
	ht_session_free(s);
	free(demo);
	free_options(&o);
	return rc;
}
