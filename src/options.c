/*
 * heaptop's command line (see options.h): the usage text, the option
 * table, parsing and checking the values, and naming the nearest option
 * for a mistyped one.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <heaptop/segment.h>

#include "options.h"
#include "runtime/budget.h"

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
"      --budget PCT        let the runtime choose the finest interval that\n"
"                          keeps its cost under PCT% of the program's CPU\n"
"                          time (0 < PCT <= 50; -r sets where it starts;\n"
"                          not for a program read through jemalloc's own\n"
"                          profiler, whose interval is fixed)\n"
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
	OPT_BUDGET,
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
	{ "budget", required_argument, NULL, OPT_BUDGET },
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
	copy = o->fold_env = strdup(env);
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

void free_options(struct options *o)
{
	free(o->fold);
	free(o->fold_env);
	o->fold = NULL;
	o->fold_env = NULL;
	o->nfold = 0;
}

void parse_options(int argc, char **argv, struct options *o)
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
		case OPT_BUDGET: {
			uint64_t ppm;

			if (ht_budget_parse(optarg, &ppm) != 0)
				die_usage("invalid --budget '%s' (percent of the "
				          "program's CPU time, above 0 and at "
				          "most 50, e.g. 1 or 0.5)", optarg);
			o->budget = optarg;
			break;
		}
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
	if (o->budget && !o->argv && !o->demo)
		die_usage("%s", "--budget goes with a program heaptop launches "
		          "(start others with HEAPTOP_BUDGET=PCT in their "
		          "environment)");
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
