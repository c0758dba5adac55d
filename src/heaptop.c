/*
 * heaptop: the program.  Parses the command line, opens a session
 * (launch, attach, load), and either hands session and model to the
 * interactive screen or prints them in batch mode (text like `top -b`, or
 * one JSON object per update).  Also lists segments, runs the demo, and
 * converts dumps.  While the screen owns the terminal nothing here writes
 * to stdout or stderr.
 *
 * Exit status: the launched program's in batch mode (128+N for signal N),
 * 0 on success otherwise, 1 on runtime errors, 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <heaptop/heaptop.h>
#include <heaptop/segment.h>

#include "core/alloc.h"
#include "core/basefile.h"
#include "core/fmt.h"
#include "core/json.h"
#include "core/model.h"
#include "core/session.h"
#include "core/proctree.h"
#include "core/family.h"
#include "core/symbolize.h"
#include "ui/format.h"
#ifdef HT_HAVE_UI
#include "ui/ui.h"
#endif

#ifndef HT_PKGLIBEXECDIR
#define HT_PKGLIBEXECDIR "/usr/local/libexec/heaptop"
#endif

#define EXIT_USAGE 2
/* Batch text shortens names longer than this (JSON keeps them whole). */
#define BATCH_NAME_MAX 100

struct options {
	uint64_t rate;
	unsigned max_depth;
	double delay;
	bool batch, json, list, list_all, clean, demo, no_color;
	long iterations;            /* 0 = until the program ends */
	long top;
	long threads;               /* per-thread rows per site (text), 0 = all */
	bool no_threads;            /* no per-thread breakdown at all */
	enum ht_sort sort;
	bool sort_set;      /* --sort given: --base keeps it */
	enum ht_group group;
	const char *filter;
	const char *dump_at_exit;
	enum ht_dump_format format;
	bool format_set;
	enum ht_fmt_value value;
	const char *output;
	const char *app_output;
	const char *runtime;
	const char *attach;
	const char *load;
	const char *follow;         /* --follow PREFIX */
	double follow_wait;         /* batch: seconds for the first dump */
	const char *base;
	const char *sysroot;
	const char *debug_dir;
	bool lib_sites;             /* --lib-sites: no folding */
	const char **fold;          /* --fold, then HEAPTOP_FOLD's */
	size_t nfold;
	char **argv;                /* program to launch */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *f)
{
	fputs(
"Usage: heaptop [OPTIONS] [--] PROGRAM [ARGS...]   launch PROGRAM under the runtime\n"
"       heaptop [OPTIONS] --attach-shm NAME        attach to a process's segment\n"
"       heaptop [OPTIONS] --load FILE [--base OLD] explore (or convert) a saved profile\n"
"       heaptop [OPTIONS] --follow PREFIX          follow the dumps a jemalloc program\n"
"                                                  writes (prof_prefix:PREFIX)\n"
"       heaptop --list                             segments visible to this user\n"
"       heaptop --clean                            remove segments of ended processes\n"
"       heaptop [OPTIONS] --demo                   run the bundled demo program\n"
"\n"
"Sampling (launch):\n"
"  -r, --rate BYTES        mean sampling interval (K/M/G suffixes; 1 = every\n"
"                          allocation; default 512K)\n"
"      --max-depth N       frames recorded per stack (1-256, default 64)\n"
"      --runtime PATH      the libheaptop.so to preload\n"
"      --app-output FILE   the program's stdout and stderr (default: heaptop's\n"
"                          stderr in batch mode; under the screen\n"
"                          heaptop-<pid>.log in $XDG_RUNTIME_DIR/heaptop,\n"
"                          else /tmp/heaptop-<uid>)\n"
"      --dump-at-exit FILE write a profile (--format) when the program exits\n"
"  A program with jemalloc linked in (Rust on tikv-jemallocator, a static\n"
"  libjemalloc.a) is read through jemalloc's profiler: heaptop sets\n"
"  <PREFIX>MALLOC_CONF (prof:true, ...; yours is kept and wins) and -r maps to\n"
"  lg_prof_sample.  The header, text, JSON and --list name the allocator.\n"
"Display:\n"
"  -d, --delay SECS        refresh interval (default 1)\n"
"      --batch             print text tables instead of the screen\n"
"      --json              print one JSON object per update (implies --batch)\n"
"  -n, --iterations N      stop after N updates (batch)\n"
"      --top N             sites per update (default 20; 0 = all)\n"
"      --sort KEY          inuse, alloc, inuse-objects, alloc-objects, growth,\n"
"                          name, suspects (leaks first; default inuse)\n"
"      --group G           stack, function, line (default line)\n"
"      --filter TEXT       only sites whose function or file contains TEXT\n"
"      --lib-sites         standard-library frames name sites too (default:\n"
"                          they fold into the program's caller, shown \"via\")\n"
"      --fold PATTERN      also fold functions starting with PATTERN ('*' glob;\n"
"                          repeatable; HEAPTOP_FOLD=pat1:pat2 adds more)\n"
"      --threads N         per-thread rows under each site, for profiles with\n"
"                          per-thread counts (jemalloc dumps; default 3,\n"
"                          0 = all)\n"
"      --no-threads        no per-thread breakdown (text and JSON)\n"
"      --no-color          no colours on the screen (also NO_COLOR)\n"
"Profiles:\n"
"      --load FILE         open a heap_v2 dump (heaptop, jemalloc, gperftools)\n"
"      --base FILE         diff against this older dump (growth per site;\n"
"                          with --load or a live program)\n"
"      --follow PREFIX     follow PREFIX.<pid>.<seq>.<kind>.heap, the dumps of a\n"
"                          program run with MALLOC_CONF=prof:true,\n"
"                          prof_prefix:PREFIX,lg_prof_interval:N (growth:\n"
"                          since the previous dump; one update per new dump)\n"
"      --follow-wait SECS  batch: wait this long for the first dump, and for\n"
"                          a restart after the process exited (default 60;\n"
"                          0 = forever)\n"
"      --format F          heap (heap_v2), collapsed, pprof, svg (a flame\n"
"                          graph for a browser) (dumps, -o)\n"
"      --value V           collapsed and svg value: inuse, alloc,\n"
"                          inuse-objects, alloc-objects (default inuse)\n"
"  -o, --output FILE       write the (final) profile to FILE in --format\n"
"      --sysroot DIR       look for the profiled binaries under DIR\n"
"      --debug-dir DIR     extra debug info directory (by path and build-id)\n"
"Other:\n"
"      --attach-shm NAME   attach to the segment NAME\n"
"      --list              list segments as process trees: name, pid, state,\n"
"                          samples, command; quiet processes (ended,\n"
"                          nothing sampled) hidden\n"
"      --all               with --list: show the quiet processes too\n"
"      --clean             remove this user's segments whose process has\n"
"                          ended (exited, exec'd, or gone), and their\n"
"                          saved baselines\n"
"      --demo              launch the demo program (a leaking server)\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Environment: HEAPTOP_RATE, HEAPTOP_MAX_DEPTH, HEAPTOP_SHM, HEAPTOP_DUMP_AT_EXIT\n"
"are passed to the runtime; HEAPTOP_FOLD adds --fold patterns; NO_COLOR\n"
"disables colours.  See heaptop(1).\n",
	      f);
}

static void die_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "heaptop: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'heaptop --help' for more information.\n");
	exit(EXIT_USAGE);
}

/* BYTES with K/M/G suffixes (powers of 1024). */
static bool parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024ull * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B' || *end == 'b')
		end += (*end == 'i' && (end[1] == 'B' || end[1] == 'b')) ? 2 : 1;
	if (*end || v == 0 || v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

/* A keyword option's accepted words and what each means; `alias` words
 * are accepted but not listed in the error message. */
struct keyword {
	const char *word;
	int value;
	bool alias;
};

static const struct keyword sort_words[] = {
	{ "inuse", HT_SORT_INUSE_BYTES, false },
	{ "alloc", HT_SORT_ALLOC_BYTES, false },
	{ "inuse-objects", HT_SORT_INUSE_OBJS, false },
	{ "alloc-objects", HT_SORT_ALLOC_OBJS, false },
	{ "growth", HT_SORT_GROWTH, false },
	{ "name", HT_SORT_NAME, false },
	{ "suspects", HT_SORT_SUSPECT, false },
	{ NULL, 0, false },
};
static const struct keyword group_words[] = {
	{ "stack", HT_GROUP_STACK, false },
	{ "function", HT_GROUP_FUNCTION, false },
	{ "line", HT_GROUP_LINE, false },
	{ NULL, 0, false },
};
static const struct keyword format_words[] = {
	{ "heap", HT_FMT_HEAP_V2, false },
	{ "heap_v2", HT_FMT_HEAP_V2, true },
	{ "collapsed", HT_FMT_COLLAPSED, false },
	{ "pprof", HT_FMT_PPROF, false },
	{ "svg", HT_FMT_SVG, false },
	{ NULL, 0, false },
};
static const struct keyword value_words[] = {
	{ "inuse", HT_VAL_INUSE_BYTES, false },
	{ "alloc", HT_VAL_ALLOC_BYTES, false },
	{ "inuse-objects", HT_VAL_INUSE_OBJS, false },
	{ "alloc-objects", HT_VAL_ALLOC_OBJS, false },
	{ NULL, 0, false },
};

/* The value of `arg` in table t, or a usage error naming the option and
 * listing the accepted words. */
static int keyword_value(const struct keyword *t, const char *option,
                         const char *arg)
{
	char list[256] = "";

	for (const struct keyword *k = t; k->word; k++)
		if (!strcmp(arg, k->word))
			return k->value;
	for (const struct keyword *k = t; k->word; k++) {
		if (k->alias)
			continue;
		if (*list)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, k->word, sizeof list - strlen(list) - 1);
	}
	die_usage("invalid %s '%s' (%s)", option, arg, list);
}

static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

enum {
	OPT_BATCH = 256, OPT_JSON, OPT_TOP, OPT_SORT, OPT_GROUP,
	OPT_DUMP_AT_EXIT, OPT_FORMAT, OPT_APP_OUTPUT, OPT_RUNTIME, OPT_ATTACH,
	OPT_LOAD, OPT_BASE, OPT_SYSROOT, OPT_DEBUG_DIR, OPT_LIST, OPT_ALL, OPT_CLEAN, OPT_DEMO,
	OPT_NO_COLOR, OPT_MAX_DEPTH, OPT_FILTER, OPT_VALUE, OPT_THREADS,
	OPT_NO_THREADS, OPT_FOLLOW, OPT_FOLLOW_WAIT, OPT_LIB_SITES, OPT_FOLD,
};

static const struct option longopts[] = {
	{ "rate", required_argument, NULL, 'r' },
	{ "delay", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "batch", no_argument, NULL, OPT_BATCH },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "no-threads", no_argument, NULL, OPT_NO_THREADS },
	{ "dump-at-exit", required_argument, NULL, OPT_DUMP_AT_EXIT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "app-output", required_argument, NULL, OPT_APP_OUTPUT },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "attach-shm", required_argument, NULL, OPT_ATTACH },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "follow", required_argument, NULL, OPT_FOLLOW },
	{ "follow-wait", required_argument, NULL, OPT_FOLLOW_WAIT },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "clean", no_argument, NULL, OPT_CLEAN },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "lib-sites", no_argument, NULL, OPT_LIB_SITES },
	{ "fold", required_argument, NULL, OPT_FOLD },
	{ NULL, 0, NULL, 0 },
};

/* Levenshtein distance between a and the first n bytes of b (short
 * option names: at most 31 bytes are compared). */
static size_t edit_distance(const char *a, const char *b, size_t n)
{
	size_t la = strlen(a), row[32], i, j;

	if (la > 31)
		la = 31;
	if (n > 31)
		n = 31;
	for (j = 0; j <= n; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= n; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[n];
}

/* An unknown option: name the nearest long option when one is within
 * two edits ("unknown option --sortt; did you mean --sort?"). */
static void die_unknown(const char *arg)
{
	const char *name = arg, *eq, *best = NULL;
	size_t n, best_d = 3;

	if (strncmp(name, "--", 2) == 0) {
		name += 2;
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		for (size_t i = 0; longopts[i].name != NULL; i++) {
			size_t d = edit_distance(longopts[i].name, name, n);

			if (d < best_d) {
				best_d = d;
				best = longopts[i].name;
			}
		}
	}
	if (best != NULL)
		die_usage("unknown option %.*s; did you mean --%s?",
		          (int)(name - arg + n), arg, best);
	die_usage("unknown option '%s'", arg);
}

static void add_fold(struct options *o, const char *pat)
{
	const char **n = realloc(o->fold, (o->nfold + 1) * sizeof *n);

	if (!n) {
		fprintf(stderr, "heaptop: out of memory\n");
		exit(1);
	}
	o->fold = n;
	o->fold[o->nfold++] = pat;
}

/* HEAPTOP_FOLD=pat1:pat2: a single ':' separates, "::" belongs to the
 * pattern (Rust and C++ paths).  The strings live until exit. */
static void fold_from_env(struct options *o)
{
	const char *env = getenv("HEAPTOP_FOLD");
	char *copy, *start, *p, *w;

	if (!env || !*env)
		return;
	copy = strdup(env);
	if (!copy)
		return;
	for (start = w = p = copy; ; p++) {
		if (*p == ':' && p[1] == ':') {
			*w++ = *p++;
			*w++ = *p;
			continue;
		}
		if (*p == ':' || !*p) {
			bool end = !*p;

			*w++ = '\0';
			if (*start)
				add_fold(o, start);
			if (end)
				break;
			start = w;
			continue;
		}
		*w++ = *p;
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c, sources;
	long v;

	memset(o, 0, sizeof *o);
	o->delay = 1.0;
	o->top = 20;
	o->threads = 3;
	o->sort = HT_SORT_INUSE_BYTES;
	o->group = HT_GROUP_LINE;
	o->format = HT_FMT_HEAP_V2;
	o->value = HT_VAL_INUSE_BYTES;
	o->follow_wait = 60;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:r:d:n:o:hV", longopts,
	                        NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!parse_bytes(optarg, &o->rate))
				die_usage("invalid --rate '%s' (bytes >= 1, "
				          "K/M/G suffixes)", optarg);
			break;
		case 'd': {
			char *end;

			errno = 0;
			o->delay = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(o->delay >= 0.01 && o->delay <= 86400))
				die_usage("invalid --delay '%s' (seconds, "
				          "0.01 to 86400)", optarg);
			break;
		}
		case 'n':
			if (!parse_long(optarg, 1, LONG_MAX, &o->iterations))
				die_usage("invalid --iterations '%s' (a count "
				          ">= 1)", optarg);
			break;
		case 'o': o->output = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V':
			printf("heaptop %s (segment ABI %d.%d)\n",
			       PACKAGE_VERSION, HT_SEG_MAJOR,
			       HT_SEG_MINOR);
			exit(0);
		case OPT_BATCH: o->batch = true; break;
		case OPT_JSON: o->json = o->batch = true; break;
		case OPT_TOP:
			if (!parse_long(optarg, 0, 1000000, &o->top))
				die_usage("invalid --top '%s'", optarg);
			break;
		case OPT_SORT:
			o->sort_set = true;
			o->sort = keyword_value(sort_words, "--sort", optarg);
			break;
		case OPT_GROUP:
			o->group = keyword_value(group_words, "--group", optarg);
			break;
		case OPT_FILTER: o->filter = optarg; break;
		case OPT_THREADS:
			if (!parse_long(optarg, 0, 1000000, &o->threads))
				die_usage("invalid --threads '%s' (a count, 0 = "
				          "all)", optarg);
			break;
		case OPT_NO_THREADS: o->no_threads = true; break;
		case OPT_DUMP_AT_EXIT: o->dump_at_exit = optarg; break;
		case OPT_FORMAT:
			o->format_set = true;
			o->format = keyword_value(format_words, "--format", optarg);
			break;
		case OPT_VALUE:
			o->value = keyword_value(value_words, "--value", optarg);
			break;
		case OPT_APP_OUTPUT: o->app_output = optarg; break;
		case OPT_RUNTIME: o->runtime = optarg; break;
		case OPT_ATTACH: o->attach = optarg; break;
		case OPT_LOAD: o->load = optarg; break;
		case OPT_BASE: o->base = optarg; break;
		case OPT_FOLLOW: o->follow = optarg; break;
		case OPT_FOLLOW_WAIT: {
			char *end;

			errno = 0;
			o->follow_wait = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(o->follow_wait >= 0 && o->follow_wait <= 1e9))
				die_usage("invalid --follow-wait '%s' (seconds, "
				          "0 = forever)", optarg);
			break;
		}
		case OPT_SYSROOT: o->sysroot = optarg; break;
		case OPT_DEBUG_DIR: o->debug_dir = optarg; break;
		case OPT_LIST: o->list = true; break;
		case OPT_ALL: o->list_all = true; break;
		case OPT_CLEAN: o->clean = true; break;
		case OPT_DEMO: o->demo = true; break;
		case OPT_NO_COLOR: o->no_color = true; break;
		case OPT_MAX_DEPTH:
			if (!parse_long(optarg, 1, 256, &v))
				die_usage("invalid --max-depth '%s' (1 to 256)",
				          optarg);
			o->max_depth = (unsigned)v;
			break;
		case OPT_LIB_SITES: o->lib_sites = true; break;
		case OPT_FOLD:
			if (!*optarg)
				die_usage("%s", "empty --fold pattern");
			add_fold(o, optarg);
			break;
		case ':':
			die_usage("option '%s' needs an argument",
			          argv[optind - 1]);
			break;
		case '?':
		default:
			if (optopt && optopt < 256) {
				char s[3] = { '-', (char)optopt, 0 };

				die_usage("unknown option '%s'", s);
			}
			die_unknown(argv[optind - 1]);
		}
	}
	fold_from_env(o);
	if (optind < argc)
		o->argv = argv + optind;
	sources = !!o->argv + !!o->attach + !!o->load + o->demo + o->list +
	          o->clean + !!o->follow;
	if (sources == 0)
		die_usage("%s", "nothing to do: give a PROGRAM, --attach-shm "
		          "NAME, --load FILE, --follow PREFIX, --demo, --list or "
		          "--clean");
	if (sources > 1)
		die_usage("%s", "choose one of PROGRAM, --attach-shm, --load, "
		          "--follow, --demo, --list, --clean");
	if (o->list_all && !o->list)
		die_usage("%s", "--all goes with --list");
	if (o->base && !o->load && !o->attach && !o->argv && !o->demo &&
	    !o->follow)
		die_usage("%s", "--base needs something to compare with");
	if (o->format == HT_FMT_PPROF && o->output && !strcmp(o->output, "-"))
		die_usage("%s", "pprof output is binary: give -o a file");
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		o->no_color = true;
}

/* ---- list ---- */

static const char *state_name(enum ht_proc_state s)
{
	switch (s) {
	case HT_PROC_STARTING: return "starting";
	case HT_PROC_RUNNING: return "running";
	case HT_PROC_EXITED: return "exited";
	case HT_PROC_EXECED: return "execed";
	case HT_PROC_DISABLED: return "disabled";
	default: return "unknown";
	}
}

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

/* ---- batch output ---- */

static double realtime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(char *buf, size_t n, double v)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	double a = fabs(v);
	int u = 0;

	while (a >= 1024 && u < 4) {
		a /= 1024;
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.1f%s", v, units[u]);
}

static const char *base_name(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The stack of a site that represents it: the largest in use, then the
 * largest allocated. */
static size_t heaviest_stack(const struct ht_profile *p,
                             const struct ht_site *s)
{
	size_t best = s->stack_idx[0];

	for (size_t k = 1; k < s->nstacks; k++) {
		const struct ht_counts *a = &p->stacks[s->stack_idx[k]].counts;
		const struct ht_counts *b = &p->stacks[best].counts;

		if (a->cur_bytes > b->cur_bytes ||
		    (a->cur_bytes == b->cur_bytes && a->cum_bytes > b->cum_bytes))
			best = s->stack_idx[k];
	}
	return best;
}

static void print_value(char *buf, size_t n, double v, double var)
{
	char h[32];

	human(h, sizeof h, v);
	snprintf(buf, n, "%s%s", h,
	         ht_rel_stderr(v, var) > HT_UNCERTAIN_REL ? "±" : "");
}

/* "thread N (name)" with the name's control characters made visible
 * (names come from files). */
static void thread_label(char *buf, size_t n, const struct ht_model *m,
                         uint64_t thread)
{
	const char *name = ht_model_thread_name(m, thread);
	int len = snprintf(buf, n, "thread %" PRIu64, thread);

	if (!name || !*name || len < 0 || (size_t)len + 4 >= n)
		return;
	buf[len++] = ' ';
	buf[len++] = '(';
	for (; *name && (size_t)len + 2 < n; name++)
		buf[len++] = (unsigned char)*name < 0x20 || *name == 0x7f ?
		             '?' : *name;
	buf[len++] = ')';
	buf[len] = '\0';
}

/* One row of the per-thread columns: the site table's numbers, the
 * growth column left blank, then `indent` and the thread. */
static void print_thread_row(const struct ht_model *m,
                             const struct ht_thread_counts *t, bool delta,
                             const char *indent)
{
	const struct ht_counts *c = &t->counts;
	char ib[40], ab[40], io[40], ao[40], label[160];

	print_value(ib, sizeof ib, c->cur_bytes, c->var_cur_bytes);
	print_value(ab, sizeof ab, c->cum_bytes, c->var_cum_bytes);
	snprintf(io, sizeof io, "%.0f%s", c->cur_objs,
	         ht_rel_stderr(c->cur_objs, c->var_cur_objs) >
	         HT_UNCERTAIN_REL ? "±" : "");
	snprintf(ao, sizeof ao, "%.0f", c->cum_objs);
	thread_label(label, sizeof label, m, t->thread);
	/* under a site: past its TREND column; in the thread table: none */
	printf("%12s %10s %12s %10s%s %s%s%s\n", ib, io, ab, ao,
	       delta ? "             " : "", *indent ? "                   " : " ",
	       indent, label);
}

/* The per-thread totals table (at most --top rows). */
static void print_thread_table(struct ht_model *m, const struct options *o,
                               bool delta)
{
	size_t nt, shown;
	const struct ht_thread_counts *th = ht_model_threads(m, &nt);

	shown = o->top && (size_t)o->top < nt ? (size_t)o->top : nt;
	printf("\n%12s %10s %12s %10s%s  %s\n", "INUSE", "OBJS", "ALLOC",
	       "ALLOCOBJS", delta ? "             " : "", "THREAD");
	for (size_t i = 0; i < shown; i++)
		print_thread_row(m, &th[i], delta, "");
	if (shown < nt)
		printf("... %zu more threads\n", nt - shown);
}

/* Batch text: the allocator line (live sessions), and what to do when
 * heaptop cannot see the allocations. */
static void print_allocator(const struct ht_profile *p,
                            const struct ht_session *s)
{
	char d[256], a[512];

	if (ht_session_kind(s) == HT_SESS_LOAD ||
	    ht_session_kind(s) == HT_SESS_FOLLOW)
		return;
	printf("allocator: %s\n", ht_alloc_describe(&p->alloc, d, sizeof d));
	if (ht_alloc_source(&p->alloc) == HT_ASRC_JEMALLOC)
		printf("note: jemalloc counts its size classes (usable bytes), "
		       "not the sizes requested\n");
	if (ht_alloc_dump_interval(&p->alloc) > 1.0)
		printf("note: a jemalloc dump takes %.2f s: one every %.0f s, to "
		       "keep them under 1%% of the time\n", p->alloc.dump_seconds,
		       ht_alloc_dump_interval(&p->alloc));
	if (ht_alloc_advice(&p->alloc, a, sizeof a))
		printf("warning: heaptop cannot see this program's allocations: "
		       "%s\n", a);
}

static void json_allocator(FILE *f, const struct ht_profile *p,
                           const struct ht_session *s)
{
	const struct ht_alloc_desc *a = &p->alloc;
	char adv[512];

	fputs(",\"allocator\":", f);
	if (ht_session_kind(s) == HT_SESS_LOAD ||
	    ht_session_kind(s) == HT_SESS_FOLLOW) {
		fputs("null", f);
		return;
	}
	fputs("{\"name\":", f);
	ht_json_string(f, ht_alloc_kind_name(a->kind));
	fputs(",\"prefix\":", f);
	ht_json_string(f, a->prefix);
	fprintf(f, ",\"linkage\":\"%s\",\"profiling\":%s,\"source\":\"%s\""
	        ",\"advice\":", ht_alloc_linkage(a),
	        (a->flags & HT_ALLOC_F_PROF_ON) ? "true" : "false",
	        ht_alloc_source_name(ht_alloc_source(a)));
	if (ht_alloc_advice(a, adv, sizeof adv))
		ht_json_string(f, adv);
	else
		fputs("null", f);
	if (ht_alloc_source(a) == HT_ASRC_JEMALLOC)
		fprintf(f, ",\"dump_seconds\":%.6f,\"dump_interval\":%.6f",
		        a->dump_seconds, ht_alloc_dump_interval(a));
	fputs("}", f);
}

/* ---- is it a leak: trends, ages, verdicts, the process's memory ---- */

/* "+1.2M/s growing", or "collecting" while there is no trend yet. */
static void trend_text(char *buf, size_t n, const struct ht_fit *f,
                       enum ht_trend t)
{
	char g[24];

	if (t == HT_TREND_UNKNOWN) {
		snprintf(buf, n, "%s", ht_trend_name(t));
		return;
	}
	human(g, sizeof g, f->slope);
	snprintf(buf, n, "%s%s/s %s", f->slope >= 0 ? "+" : "", g,
	         ht_trend_name(t));
}

/* The TREND column. */
/* A function name for a batch text line: a name longer than
 * BATCH_NAME_MAX columns loses its template arguments and parameter
 * lists ("std::vector<...>::_M_allocate(...)"), then is cut with "~". */
static const char *batch_name(char *buf, size_t len, const char *name)
{
	char tmp[BATCH_NAME_MAX * 8];

	if (name == NULL)
		return "?";
	if (ht_fmt_columns(name, strlen(name)) <= BATCH_NAME_MAX)
		return name;
	ht_fmt_short_name(tmp, sizeof tmp, name, false);
	return ht_fmt_cut(buf, len, tmp, BATCH_NAME_MAX, false);
}

static void trend_cell(char *buf, size_t n, const struct ht_site *st)
{
	trend_text(buf, n, &st->fit, st->trend);
}

/* The line under a site: its growth with the standard error, the ages
 * of its live objects, the verdict; nothing while there is nothing. */
static void print_verdict(const struct ht_site *st)
{
	char g[32], e[32], line[320];
	int n = 0;

	if (st->trend != HT_TREND_UNKNOWN && isfinite(st->fit.slope_se)) {
		human(g, sizeof g, st->fit.slope);
		human(e, sizeof e, st->fit.slope_se);
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "growth %s%s/s \u00b1%s/s", st->fit.slope >= 0 ?
		              "+" : "", g, e);
	}
	if (st->has_ages && st->ages.live > 0)
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "%sages: oldest %.0f s, median %.0f s",
		              n ? ", " : "", st->ages.oldest_s,
		              st->ages.median_s);
	if (st->verdict.verdict != HT_VERDICT_NONE && st->verdict.text[0])
		n += snprintf(line + n, sizeof line - (size_t)n, "%s%s",
		              n ? "; " : "", st->verdict.text);
	if (n > 0)
		printf("%12s   %s\n", "", line);
}

/* The allocator's statistics as "name value" pairs; NULL names: none. */
static const char *const *astat_names(uint32_t kind)
{
	static const char *const glibc[6] = { "arena", "in_use", "free",
	                                      "mmapped", NULL, NULL };
	static const char *const je[6] = { "allocated", "active", "resident",
	                                   "retained", "mapped", "metadata" };

	return kind == HT_ASTAT_GLIBC ? glibc :
	       kind == HT_ASTAT_JEMALLOC ? je : NULL;
}

static const char *astat_source(uint32_t kind)
{
	return kind == HT_ASTAT_GLIBC ? "mallinfo2" :
	       kind == HT_ASTAT_JEMALLOC ? "jemalloc" : NULL;
}

/* Batch text: the process's memory under the allocator line. */
static void print_memory(struct ht_model *m, struct ht_session *s)
{
	const struct ht_profile *p = ht_model_profile(m);
	const struct ht_proc_diag *d = ht_model_proc_diag(m);
	const char *const *names = astat_names(p->proc.astat_kind);
	struct ht_events_status es;
	char b[32], g[32];

	if (ht_session_kind(s) == HT_SESS_LOAD ||
	    ht_session_kind(s) == HT_SESS_FOLLOW)
		return;
	human(b, sizeof b, p->totals.cur_bytes);
	trend_text(g, sizeof g, &d->heap_fit, d->heap_trend);
	printf("memory: heap %s (%s)", b, g);
	if (p->proc.have_rss) {
		human(b, sizeof b, (double)p->proc.rss);
		trend_text(g, sizeof g, &d->rss_fit, d->rss_trend);
		printf(", RSS %s (%s)", b, g);
	}
	if (names) {
		printf(", %s:", astat_source(p->proc.astat_kind));
		for (int i = 0; i < 6; i++)
			if (names[i]) {
				human(b, sizeof b, (double)p->proc.astat[i]);
				printf(" %s %s", names[i], b);
			}
	}
	printf("\n");
	if (p->proc.have_map) {
		char h[32], st[32], an[32], fi[32];

		human(h, sizeof h, (double)p->proc.map_brk_heap);
		human(st, sizeof st, (double)p->proc.map_stacks);
		human(an, sizeof an, (double)p->proc.map_anon);
		human(fi, sizeof fi, (double)p->proc.map_file);
		printf("rss by kind: brk heap %s, thread stacks %s, other "
		       "anonymous %s, files %s\n", h, st, an, fi);
	}
	if (d->verdict != HT_MEM_NONE && d->text[0])
		printf("verdict: %s\n", d->text);
	if (ht_session_events(s, &es) && es.degraded)
		printf("note: the event ring overflowed (%" PRIu64 " events "
		       "lost): ages and lifetimes are approximate; the counters "
		       "are exact\n", es.drops);
}

static void json_opt_number(FILE *f, const char *name, bool have, double v)
{
	fprintf(f, ",\"%s\":", name);
	if (have)
		ht_json_number(f, v);
	else
		fputs("null", f);
}

/* A site's trend, ages and verdict. */
static void json_site_diag(FILE *f, const struct ht_site *st)
{
	bool fit = st->trend != HT_TREND_UNKNOWN && isfinite(st->fit.slope_se);
	bool ages = st->has_ages && st->ages.live > 0;

	json_opt_number(f, "growth_bytes_per_s", fit, st->fit.slope);
	json_opt_number(f, "growth_stderr", fit, st->fit.slope_se);
	fprintf(f, ",\"trend\":\"%s\"", ht_trend_name(st->trend));
	json_opt_number(f, "age_oldest_s", ages, st->ages.oldest_s);
	json_opt_number(f, "age_median_s", ages, st->ages.median_s);
	if (st->has_ages) {
		fputs(",\"age_hist_bytes\":[", f);
		for (int i = 0; i < HT_AGE_BUCKETS; i++) {
			if (i)
				fputc(',', f);
			ht_json_number(f, st->ages.age_hist[i]);
		}
		fputc(']', f);
		json_opt_number(f, "lifetime_median_s", st->ages.freed > 0,
		                st->ages.lifetime_median_s);
		fprintf(f, ",\"freed_samples\":%zu", st->ages.freed);
		json_opt_number(f, "alloc_rate_bytes_per_s", st->ages.span_s > 0,
		                st->ages.span_s > 0 ?
		                st->ages.alloc_bytes / st->ages.span_s : 0);
		json_opt_number(f, "free_rate_bytes_per_s", st->ages.span_s > 0,
		                st->ages.span_s > 0 ?
		                st->ages.freed_bytes / st->ages.span_s : 0);
	}
	fputs(",\"verdict\":", f);
	if (st->verdict.verdict != HT_VERDICT_NONE)
		ht_json_string(f, ht_verdict_name(st->verdict.verdict));
	else
		fputs("null", f);
	fputs(",\"verdict_text\":", f);
	ht_json_string(f, st->verdict.text[0] ? st->verdict.text : NULL);
	fputs(",\"suspect_score\":", f);
	ht_json_number(f, st->verdict.score);
}

/* The process: RSS, the allocator's view, trends, verdict, events. */
static void json_memory(FILE *f, struct ht_model *m, struct ht_session *s)
{
	const struct ht_profile *p = ht_model_profile(m);
	const struct ht_proc_diag *d = ht_model_proc_diag(m);
	const char *const *names = astat_names(p->proc.astat_kind);
	struct ht_events_status es;

	json_opt_number(f, "rss_bytes", p->proc.have_rss, (double)p->proc.rss);
	fputs(",\"allocator_stats\":", f);
	if (names) {
		fputs("{\"source\":", f);
		ht_json_string(f, astat_source(p->proc.astat_kind));
		for (int i = 0; i < 6; i++)
			if (names[i])
				fprintf(f, ",\"%s\":%" PRIu64, names[i],
				        p->proc.astat[i]);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"memory\":{\"heap_trend\":", f);
	ht_json_string(f, ht_trend_name(d->heap_trend));
	json_opt_number(f, "heap_growth_bytes_per_s",
	                d->heap_trend != HT_TREND_UNKNOWN, d->heap_fit.slope);
	fputs(",\"rss_trend\":", f);
	ht_json_string(f, d->have_rss ? ht_trend_name(d->rss_trend) : NULL);
	json_opt_number(f, "rss_growth_bytes_per_s",
	                d->have_rss && d->rss_trend != HT_TREND_UNKNOWN,
	                d->rss_fit.slope);
	fputs(",\"rss_by_kind\":", f);
	if (p->proc.have_map)
		fprintf(f, "{\"brk_heap\":%" PRIu64 ",\"thread_stacks\":%" PRIu64
		        ",\"anonymous\":%" PRIu64 ",\"file\":%" PRIu64
		        ",\"shmem\":%" PRIu64 "}", p->proc.map_brk_heap,
		        p->proc.map_stacks, p->proc.map_anon, p->proc.map_file,
		        p->proc.map_shmem);
	else
		fputs("null", f);
	fputs(",\"verdict\":", f);
	ht_json_string(f, d->verdict != HT_MEM_NONE ?
	               ht_mem_verdict_name(d->verdict) : NULL);
	fputs(",\"text\":", f);
	ht_json_string(f, d->text[0] ? d->text : NULL);
	fputc('}', f);
	fputs(",\"events\":", f);
	if (ht_session_events(s, &es))
		fprintf(f, "{\"consumed\":%" PRIu64 ",\"drops\":%" PRIu64
		        ",\"reloads\":%" PRIu64 ",\"degraded\":%s,"
		        "\"ages_since_attach\":%s}", es.events, es.drops,
		        es.reloads, es.degraded ? "true" : "false",
		        es.since_attach ? "true" : "false");
	else
		fputs("null", f);
}

/* "following PREFIX: pid N, dump FILE (seq S, kind K), age Xs, K dumps
 * seen" under the header line. */
static void print_follow_text(struct ht_session *s)
{
	struct ht_follow_info fi;
	char line[PATH_MAX + 256];

	ht_follow_info(ht_session_follower(s), &fi);
	ht_follow_describe(&fi, (double)time(NULL), line, sizeof line);
	printf("%s\n", line);
}

/* ,"follow":{...}: where the shown dump comes from. */
static void json_follow(FILE *f, struct ht_session *s)
{
	struct ht_follow_info fi;
	char kind[2] = { 0, 0 };

	ht_follow_info(ht_session_follower(s), &fi);
	kind[0] = fi.kind;
	fputs(",\"follow\":{\"prefix\":", f);
	ht_json_string(f, fi.prefix);
	fprintf(f, ",\"pid\":%d,\"alive\":%s,\"file\":", fi.pid,
	        fi.alive ? "true" : "false");
	ht_json_string(f, fi.file);
	fprintf(f, ",\"seq\":%" PRIu64 ",\"kind\":", fi.seq);
	ht_json_string(f, ht_follow_kind_name(fi.kind));
	fputs(",\"kind_letter\":", f);
	ht_json_string(f, kind);
	fputs(",\"kind_seq\":", f);
	if (fi.kind_seq >= 0)
		fprintf(f, "%" PRId64, fi.kind_seq);
	else
		fputs("null", f);
	fprintf(f, ",\"mtime\":%.3f,\"age\":%.3f,\"dumps_seen\":%" PRIu64
	        ",\"dumps_loaded\":%" PRIu64 ",\"processes\":%u}",
	        (double)fi.mtime_ns / 1e9,
	        fmax(0, realtime_now() - (double)fi.mtime_ns / 1e9),
	        fi.dumps_seen, fi.dumps_loaded, fi.npids);
}

/* The processes of the session's tree that sampled, one line each,
 * indented by depth like --list; only when there is more than one. */
static void print_processes(const struct ht_family *fam)
{
	size_t n;
	const struct ht_family_proc *pr = fam ? ht_family_procs(fam, &n) : NULL;

	if (!pr || n < 2)
		return;
	printf("processes:\n");
	for (size_t k = 0; k < n; k++) {
		const struct ht_family_proc *q = &pr[k];
		char st[48], b1[32], b2[32];

		if (q->state == HT_PROC_EXITED && q->exit_status >= 0)
			snprintf(st, sizeof st, "exited(%d)", q->exit_status);
		else
			snprintf(st, sizeof st, "%s", state_name(q->state));
		human(b1, sizeof b1, q->totals.cur_bytes);
		human(b2, sizeof b2, q->totals.cum_bytes);
		printf("  %8d %-12s in use %10s allocated %10s samples %8" PRIu64
		       " %*s%s%s\n", q->pid, st, q->have_totals ? b1 : "?",
		       q->have_totals ? b2 : "?", q->samples,
		       (int)(q->depth > 8 ? 16 : 2 * q->depth), "",
		       q->depth ? "`- " : "", q->command);
	}
}

static void print_text(struct ht_model *m, struct ht_session *s,
                       const struct options *o, bool final,
                       const struct ht_family *fam)
{
	const struct ht_profile *p = ht_model_profile(m);
	const struct ht_counts *t = ht_model_totals(m);
	struct ht_site *const *sites;
	size_t n, shown;
	char b1[32], b2[32], rate[32], tm[32];
	time_t now = (time_t)(p->snapshot_time_ns / 1000000000ull);
	struct tm tmv;
	char state[64], note[256];
	bool delta = ht_model_has_baseline(m);
	bool threads = !o->no_threads && ht_model_has_threads(m);
	size_t nthreads = 0;

	if (p->state == HT_PROC_EXITED && p->exit_status >= 0)
		snprintf(state, sizeof state, "exited, status %d",
		         p->exit_status);
	else if (ht_session_kind(s) == HT_SESS_LOAD)
		snprintf(state, sizeof state, "loaded");
	else
		snprintf(state, sizeof state, "%s", state_name(p->state));
	if (!now)
		now = time(NULL);
	localtime_r(&now, &tmv);
	strftime(tm, sizeof tm, "%H:%M:%S", &tmv);
	human(rate, sizeof rate, (double)p->rate);
	human(b1, sizeof b1, t->cur_bytes);
	human(b2, sizeof b2, t->cum_bytes);
	printf("heaptop - %s%s", tm, final ? " final" : "");
	if (p->pid > 0)
		printf(" pid %d", p->pid);
	printf(" %s, rate %s, in use %s in %.0f objects, allocated %s in "
	       "%.0f objects", state, rate, b1, t->cur_objs, b2, t->cum_objs);
	if (ht_session_kind(s) != HT_SESS_LOAD &&
	    ht_session_kind(s) != HT_SESS_FOLLOW)
		printf(", samples %" PRIu64 ", drops %" PRIu64, p->samples,
		       p->ring_drops);
	printf("\n");
	if (ht_profile_quiet_note(p, note, sizeof note))
		printf("note: %s\n", note);
	print_allocator(p, s);
	print_processes(fam);
	print_memory(m, s);
	if (ht_session_follower(s))
		print_follow_text(s);
	if (delta) {
		const struct ht_counts *d = ht_model_totals_delta(m);

		human(b1, sizeof b1, d->cur_bytes);
		printf("since baseline: in use %s%s, %+.0f objects\n",
		       d->cur_bytes >= 0 ? "+" : "", b1, d->cur_objs);
	}
	printf("%12s %10s %12s %10s%s %-18s %s\n", "INUSE", "OBJS", "ALLOC",
	       "ALLOCOBJS", delta ? "       GROWTH" : "", "TREND", "SITE");
	sites = ht_model_sites(m, &n);
	shown = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	if (threads)
		ht_model_threads(m, &nthreads);
	for (size_t i = 0; i < shown; i++) {
		const struct ht_site *st = sites[i];
		const struct ht_counts *c = &st->counts;
		char ib[40], ab[40], io[40], ao[40], gb[48] = "", tr[48];
		char nb[BATCH_NAME_MAX * 3 + 1];
		const struct ht_frame *f = st->frame;

		print_value(ib, sizeof ib, c->cur_bytes, c->var_cur_bytes);
		print_value(ab, sizeof ab, c->cum_bytes, c->var_cum_bytes);
		snprintf(io, sizeof io, "%.0f%s", c->cur_objs,
		         ht_rel_stderr(c->cur_objs, c->var_cur_objs) >
		         HT_UNCERTAIN_REL ? "±" : "");
		snprintf(ao, sizeof ao, "%.0f", c->cum_objs);
		if (delta && st->has_delta) {
			char h[24], sh[32];

			human(h, sizeof h, st->delta.cur_bytes);
			snprintf(sh, sizeof sh, "%s%s",
			         st->delta.cur_bytes > 0 ? "+" : "", h);
			snprintf(gb, sizeof gb, " %12s", sh);
		}
		if (ht_session_kind(s) == HT_SESS_LOAD)
			snprintf(tr, sizeof tr, "-");  /* one profile: no trend */
		else
			trend_cell(tr, sizeof tr, st);
		printf("%12s %10s %12s %10s%s %-18s %s", ib, io, ab, ao, gb, tr,
		       batch_name(nb, sizeof nb, f->function));
		if (f->file && f->line > 0)
			printf(" (%s:%d)", base_name(f->file), f->line);
		else if (f->file)
			printf(" (%s)", base_name(f->file));
		else if (f->module)
			printf(" (%s)", f->module);
		if (st->via && st->via->function)
			printf(" via %s", batch_name(nb, sizeof nb,
			                             st->via->function));
		printf("\n");
		print_verdict(st);
		/* which threads allocated it: only worth a line when the
		 * profile has more than one thread */
		if (threads && nthreads > 1) {
			size_t nt, tshown;
			const struct ht_thread_counts *th =
				ht_model_site_threads(m, st->key, &nt);

			tshown = o->threads && (size_t)o->threads < nt ?
			         (size_t)o->threads : nt;
			for (size_t k = 0; k < tshown; k++)
				print_thread_row(m, &th[k], delta, "  ");
			if (tshown < nt)
				printf("%12s %10s %12s %10s%s %-18s   ... %zu "
				       "more threads\n", "", "", "", "",
				       delta ? "             " : "", "",
				       nt - tshown);
		}
	}
	if (shown < n)
		printf("... %zu more sites\n", n - shown);
	if (threads)
		print_thread_table(m, o, delta);
	printf("\n");
	fflush(stdout);
}

static void json_counts(FILE *f, const struct ht_counts *c, bool stderrs)
{
	fputs("\"inuse_bytes\":", f);
	ht_json_number(f, c->cur_bytes);
	fputs(",\"inuse_objects\":", f);
	ht_json_number(f, c->cur_objs);
	fputs(",\"alloc_bytes\":", f);
	ht_json_number(f, c->cum_bytes);
	fputs(",\"alloc_objects\":", f);
	ht_json_number(f, c->cum_objs);
	if (stderrs) {
		fputs(",\"inuse_bytes_stderr\":", f);
		ht_json_number(f, sqrt(fmax(c->var_cur_bytes, 0)));
		fputs(",\"inuse_objects_stderr\":", f);
		ht_json_number(f, sqrt(fmax(c->var_cur_objs, 0)));
		fputs(",\"alloc_bytes_stderr\":", f);
		ht_json_number(f, sqrt(fmax(c->var_cum_bytes, 0)));
		fprintf(f, ",\"inuse_samples\":%" PRIu64
		        ",\"alloc_samples\":%" PRIu64,
		        c->raw_cur_objs, c->raw_cum_objs);
	}
}

static void json_frame(FILE *f, const struct ht_frame *fr)
{
	char addr[32];

	fputs("{\"function\":", f);
	ht_json_string(f, fr->function);
	fputs(",\"file\":", f);
	ht_json_string(f, fr->file);
	fprintf(f, ",\"line\":%d,\"module\":", fr->line);
	ht_json_string(f, fr->module);
	snprintf(addr, sizeof addr, "0x%" PRIx64, fr->pc);
	fprintf(f, ",\"inlined\":%s,\"address\":\"%s\"}",
	        fr->inlined ? "true" : "false", addr);
}

/* [{"thread":N,"name":...,<counts>},...] */
static void json_threads(FILE *f, const struct ht_model *m,
                         const struct ht_thread_counts *th, size_t n)
{
	fputc('[', f);
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputc(',', f);
		fprintf(f, "{\"thread\":%" PRIu64 ",\"name\":", th[k].thread);
		ht_json_string(f, ht_model_thread_name(m, th[k].thread));
		fputc(',', f);
		json_counts(f, &th[k].counts, true);
		fputc('}', f);
	}
	fputc(']', f);
}

/* "processes": the session's tree (root first), and the sum of their
 * totals beside "totals".  Nothing for loaded and followed sessions. */
static void json_processes(FILE *f, const struct ht_family *fam)
{
	size_t n;
	const struct ht_family_proc *pr;
	struct ht_counts all;

	if (!fam)
		return;
	pr = ht_family_procs(fam, &n);
	all = ht_family_totals(fam);
	fputs(",\"totals_with_children\":{", f);
	json_counts(f, &all, false);
	fputs("},\"processes\":[", f);
	for (size_t k = 0; k < n; k++) {
		const struct ht_family_proc *q = &pr[k];

		fprintf(f, "%s{\"pid\":%d,\"ppid\":%d,\"depth\":%u,\"command\":",
		        k ? "," : "", q->pid, q->ppid, q->depth);
		ht_json_string(f, q->command);
		fprintf(f, ",\"state\":\"%s\",\"exit_status\":",
		        state_name(q->state));
		if (q->state == HT_PROC_EXITED && q->exit_status >= 0)
			fprintf(f, "%d", q->exit_status);
		else
			fputs("null", f);
		fputs(",\"segment\":", f);
		ht_json_string(f, q->name);
		fprintf(f, ",\"samples\":%" PRIu64 ",\"totals\":", q->samples);
		if (q->have_totals) {
			fputc('{', f);
			json_counts(f, &q->totals, false);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
		fputc('}', f);
	}
	fputc(']', f);
}

static void print_json(struct ht_model *m, struct ht_session *s,
                       const struct options *o, bool final,
                       const struct ht_family *fam)
{
	const struct ht_profile *p = ht_model_profile(m);
	struct ht_site *const *sites;
	size_t n, shown;
	FILE *f = stdout;
	double now = p->snapshot_time_ns ? (double)p->snapshot_time_ns / 1e9 :
	             (double)time(NULL);
	bool exited = p->state == HT_PROC_EXITED;
	bool threads = !o->no_threads && ht_model_has_threads(m);
	char note[256];

	fputs("{\"time\":", f);
	fprintf(f, "%.3f", now);
	fprintf(f, ",\"pid\":%d,\"state\":\"%s\",\"exit_status\":", p->pid,
	        ht_session_kind(s) == HT_SESS_LOAD ? "loaded" :
	        state_name(p->state));
	if (exited && p->exit_status >= 0)
		fprintf(f, "%d", p->exit_status);
	else
		fputs("null", f);
	fprintf(f, ",\"final\":%s,\"rate\":%" PRIu64 ",\"command\":",
	        final ? "true" : "false", p->rate);
	ht_json_string(f, ht_session_command(s));
	json_allocator(f, p, s);
	json_memory(f, m, s);
	if (ht_session_follower(s))
		json_follow(f, s);
	fputs(",\"totals\":{", f);
	json_counts(f, ht_model_totals(m), false);
	fputs("}", f);
	if (ht_profile_quiet_note(p, note, sizeof note)) {
		fputs(",\"notes\":[", f);
		ht_json_string(f, note);
		fputs("]", f);
	}
	json_processes(f, fam);
	if (ht_model_has_baseline(m)) {
		fputs(",\"totals_delta\":{", f);
		json_counts(f, ht_model_totals_delta(m), false);
		fputs("}", f);
	}
	fputs(",\"sites\":[", f);
	sites = ht_model_sites(m, &n);
	shown = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	for (size_t i = 0; i < shown; i++) {
		const struct ht_site *st = sites[i];
		const struct ht_frame *fr = st->frame;

		if (i)
			fputc(',', f);
		fputs("{\"function\":", f);
		ht_json_string(f, fr->function);
		fputs(",\"file\":", f);
		ht_json_string(f, fr->file);
		fprintf(f, ",\"line\":%d,\"module\":", fr->line);
		ht_json_string(f, fr->module);
		if (st->via) {
			fputs(",\"via\":", f);
			ht_json_string(f, st->via->function);
		}
		fputc(',', f);
		json_counts(f, &st->counts, true);
		json_site_diag(f, st);
		if (st->has_delta) {
			fputs(",\"delta\":{", f);
			json_counts(f, &st->delta, false);
			fputs("}", f);
		}
		fprintf(f, ",\"id\":\"%016" PRIx64 "\"", st->key);
		fputs(",\"frames\":[", f);
		if (st->nstacks) {
			size_t si = heaviest_stack(p, st), nf, first;
			const struct ht_frame *const *frames =
				ht_model_stack_frames(m, si, &nf);

			/* from the innermost frame past the allocator's: the
			 * library frames folded into the site included */
			first = ht_model_stack_leaf_index(m, si);
			for (size_t k = first; k < nf; k++) {
				if (k > first)
					fputc(',', f);
				json_frame(f, frames[k]);
			}
		}
		fputc(']', f);
		if (threads) {
			size_t nt;
			const struct ht_thread_counts *th =
				ht_model_site_threads(m, st->key, &nt);

			fputs(",\"threads\":", f);
			json_threads(f, m, th, nt);
		}
		fputc('}', f);
	}
	fputc(']', f);
	if (threads) {
		size_t nt;
		const struct ht_thread_counts *th = ht_model_threads(m, &nt);

		fputs(",\"threads\":", f);
		json_threads(f, m, th, nt);
	}
	fputs("}\n", f);
	fflush(f);
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
#ifdef HT_HAVE_UI
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
#else
	(void)m;
	(void)o;
	fprintf(stderr, "heaptop: interactive screen not built yet; use "
	        "--batch or --json\n");
	if (ht_session_kind(s) == HT_SESS_LAUNCH)
		ht_session_kill(s);
	return 1;
#endif
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

	parse_options(argc, argv, &o);
	so.sysroot = o.sysroot;
	so.debug_dir = o.debug_dir;
	if (o.list)
		return do_list(o.list_all);
	if (o.clean)
		return do_clean();
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
	if (o.nfold)
		ht_model_set_fold(m, o.fold, o.nfold);
	{
		struct ht_model_options mo = {
			.group = o.group, .sort = o.sort, .filter = o.filter,
			.descending = true, .lib_sites = o.lib_sites,
		};

		if (o.sort == HT_SORT_GROWTH && !o.base && !o.follow)
			mo.sort = HT_SORT_INUSE_BYTES;
		ht_model_set_options(m, &mo);
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
			        strerror(-err));
			goto out;
		}
		if (!o.sort_set) { /* growth is --base's default sort */
			struct ht_model_options mo = *ht_model_options(m);

			mo.sort = HT_SORT_GROWTH;
			ht_model_set_options(m, &mo);
		}
	}
	if (o.batch) {
		rc = run_batch(s, m, &o);
	} else {
		rc = run_screen(s, m, &o);
	}
	if (o.dump_at_exit && o.format != HT_FMT_HEAP_V2 &&
	    ht_session_state(s, NULL) == HT_PROC_EXITED) {
		struct ht_profile *p = NULL;

		if (ht_session_snapshot(s, &p, &cause) == 0) {
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
	return rc;
}
