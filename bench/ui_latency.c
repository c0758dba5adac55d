/*
 * ui_latency: how fast the interactive screen answers keys while it
 * refreshes a large profile.  Not a test: it prints numbers, never fails on
 * them.
 *
 * It writes a heap_v2 profile with N distinct stacks (default 100,000)
 * whose addresses fall in this program's own code (so they symbolize),
 * then, for N and for a small profile (100 stacks) measured in the same
 * run as the baseline:
 *   1. times one refresh in-process: ht_session_snapshot + ht_model_update
 *      with sites grouped by stack (one site per stack);
 *   2. runs the real screen (ht_ui_run) on that profile in a child on a
 *      pseudo-terminal, re-snapshotting every delay (0.2 s: with 100,000
 *      sites the refresh worker never rests), and measures from the parent
 *      the time from writing a key to its answer appearing in the terminal
 *      output: `?` (help drawn), `q` (back to the table), `s` (the title
 *      names the new sort column; the rows follow at the worker's next
 *      turn), `j` (the cursor row moved).
 *
 *   ui_latency [-H] [-n SITES] [-k PRESSES_PER_KEY] [-d DELAY_SECONDS]
 *              -H: time the in-process refresh with every stack's
 *              history and trend series full (HT_TREND_POINTS updates
 *              a second apart first); prints the peak RSS after it
 *              (every run also times what the screen's rows read of
 *              the sites' histories after an update)
 *              -k 0: only the in-process refresh, no screen
 *   ui_latency -w FILE [-n SITES]   only write the profile (to look at it
 *                                   with `heaptop --load FILE`)
 *   ui_latency -c FILE [-k PRESSES_PER_KEY]
 *       a saved profile, cold, as `heaptop --load FILE` shows it (grouped
 *       by line, loaded once): in-process, the update that symbolizes
 *       everything, and the screen's updates in slices (first sites, all
 *       stacks), and the same with `b` pressed at the first sites (how
 *       long setting the baseline takes); then the real screen: the time
 *       from its start to its first rows, and the key latencies of `?`
 *       and `q` pressed from the first rows on (while it symbolizes)
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/model.h"
#include "core/session.h"
#include "core/symbolize.h"
#include "ui/ui.h"
#include "ui/view.h"

#define NPCS 64   /* distinct functions; stacks of 3 give 64^3 */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int write_profile(const char *path, size_t n);
static uint64_t pcs[NPCS];

/*
 * Addresses inside this program's code, each in a different function, so
 * that stacks made of them stay distinct once symbolized (the model tells
 * stacks apart by their symbolized functions, not by addresses or lines).
 */
static void code_addresses(const char *scratch)
{
	uint64_t base = (uint64_t)(uintptr_t)&ht_model_update, pc;
	struct ht_sym_options so = { NULL, NULL };
	struct ht_symbolizer *sym = NULL;
	struct ht_session *s = NULL;
	struct ht_profile *p = NULL;
	char *cause = NULL;
	size_t found = 0, k;

	for (k = 0; k < NPCS; k++)   /* a fallback: evenly spread */
		pcs[k] = base + k * 29;
	if (write_profile(scratch, 1) != 0 ||
	    ht_session_load(scratch, &s, &cause) != 0 ||
	    ht_session_snapshot(s, &p, &cause) != 0 ||
	    ht_symbolizer_new(p, &so, &sym, &cause) != 0) {
		fprintf(stderr, "ui_latency: no symbols (%s): stacks may merge\n",
		        cause ? cause : "?");
		return;
	}
	for (pc = base; found < NPCS && pc < base + 4 * 1024 * 1024; pc += 3) {
		const struct ht_frame *f;
		size_t nf;

		if (ht_symbolize(sym, pc, &f, &nf) != 0 || nf == 0 ||
		    f[0].file == NULL || f[0].function == NULL)
			continue;
		for (k = 0; k < found; k++) {
			const struct ht_frame *g;
			size_t ng;

			ht_symbolize(sym, pcs[k], &g, &ng);
			if (strcmp(g[0].function, f[0].function) == 0)
				break;
		}
		if (k == found)
			pcs[found++] = pc;
	}
	if (found < NPCS)
		fprintf(stderr, "ui_latency: only %zu distinct functions\n",
		        found);
	ht_symbolizer_free(sym);
	ht_profile_free(p);
	ht_session_free(s);
}

static int write_profile(const char *path, size_t n)
{
	uint64_t root = (uint64_t)(uintptr_t)&ht_ui_run + 1;
	double tc = 0, tb = 0;
	FILE *f = fopen(path, "w"), *maps;
	char line[4096];
	size_t i, pass;

	if (f == NULL)
		return -errno;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(f, "heap_v2/524288\n  t*: %.0f: %.0f [%.0f: %.0f]\n",
			        tc, tb, tc, tb);
		for (i = 0; i < n; i++) {
			unsigned c = 1 + (unsigned)(i % 7);
			unsigned b = c * (64 + (unsigned)((i * 2654435761u) %
			                                  4096));

			if (pass == 0) {
				tc += c;
				tb += b;
				continue;
			}
			fprintf(f, "@ 0x%llx 0x%llx 0x%llx 0x%llx\n"
			        "  t*: %u: %u [%u: %u]\n",
			        /* innermost as is, callers as return
			         * addresses (the symbolizer looks up pc - 1) */
			        (unsigned long long)pcs[i % NPCS],
			        (unsigned long long)pcs[(i / NPCS) % NPCS] + 1,
			        (unsigned long long)pcs[(i / NPCS / NPCS) % NPCS] + 1,
			        (unsigned long long)root, c, b, c, b);
		}
	}
	fprintf(f, "\nMAPPED_LIBRARIES:\n");
	maps = fopen("/proc/self/maps", "r");
	if (maps != NULL) {
		while (fgets(line, sizeof line, maps) != NULL)
			fputs(line, f);
		fclose(maps);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

static enum ht_group group = HT_GROUP_STACK;   /* -c: by line */
static bool refresh_loaded = true;             /* -c: loaded once */

static struct ht_model *open_model(const char *path, struct ht_session **sp)
{
	struct ht_sym_options so = { NULL, NULL };
	struct ht_model_options mo = { group, HT_SORT_INUSE_BYTES,
	                               NULL, true, false };
	struct ht_symbolizer *sym = NULL;
	struct ht_profile *p = NULL;
	struct ht_model *m;
	char *cause = NULL;

	if (ht_session_load(path, sp, &cause) != 0 ||
	    ht_session_snapshot(*sp, &p, &cause) != 0) {
		fprintf(stderr, "ui_latency: %s: %s\n", path, cause ? cause : "?");
		exit(1);
	}
	if (ht_symbolizer_new(p, &so, &sym, &cause) != 0) {
		free(cause);
		sym = NULL;
	}
	ht_profile_free(p);
	m = ht_model_new(sym);
	if (m == NULL) {
		fprintf(stderr, "ui_latency: out of memory\n");
		exit(1);
	}
	ht_model_set_options(m, &mo);
	return m;
}

static int full_hist;   /* -H: time refreshes with full histories */
static double rows_hist_ms;   /* time_rows_history's */

/* The screen's rows take each site's newest HT_UI_SPARK history values
 * from the model (summed on demand, after the update): the time for
 * every site, into rows_hist_ms. */
static void time_rows_history(struct ht_model *m)
{
	double t0 = 0, sum = 0;
	size_t n;

	ht_model_sites(m, &n);
	/* the second time: the screen's buffers are in place by then */
	for (int r = 0; r < 2; r++) {
		const size_t *len;
		const double *hv;

		t0 = now_ms();
		hv = ht_model_view_history(m, HT_UI_SPARK, &len);
		for (size_t i = 0; hv && i < n; i++)
			sum += len[i] ? hv[i * HT_UI_SPARK + len[i] - 1] : 0;
	}
	rows_hist_ms = now_ms() - t0;
	if (sum < 0)   /* keeps the loop */
		printf("?\n");
}

/* Mean milliseconds of `rounds` refreshes (snapshot + model update), the
 * slowest in *max.  With full_hist, HT_TREND_POINTS updates a second
 * apart first (every stack's history and trend series full), then the
 * timed ones 0.2 s apart (the newest trend point replaced: the series
 * stays full, as between two trend points of a long session). */
static double time_refresh(const char *path, int rounds, size_t *nsites,
                           double *max)
{
	struct ht_session *s;
	struct ht_model *m = open_model(path, &s);
	int fill = full_hist ? HT_TREND_POINTS - 1 : 0;
	double total = 0;
	uint64_t t_ns = 0;
	int r;

	*max = 0;
	for (r = 0; r < fill + rounds + 1; r++) {
		struct ht_profile *p = NULL;
		double t0 = now_ms(), dt;

		if (ht_session_snapshot(s, &p, NULL) != 0) {
			fprintf(stderr, "ui_latency: refresh failed\n");
			exit(1);
		}
		if (full_hist) {
			if (r == 0)
				t_ns = p->snapshot_time_ns;
			/* a second apart, then 0.2 s as the screen does */
			t_ns += r <= fill ? 1000000000u : 200000000u;
			p->snapshot_time_ns = t_ns;
		}
		if (ht_model_update(m, p) != 0) {
			fprintf(stderr, "ui_latency: refresh failed\n");
			exit(1);
		}
		dt = now_ms() - t0;
		if (r > fill) {   /* the first one symbolizes: counted apart */
			total += dt;
			*max = dt > *max ? dt : *max;
		}
	}
	time_rows_history(m);
	ht_model_sites(m, nsites);
	ht_model_free(m);
	ht_session_free(s);
	return total / rounds;
}

/* ---- the screen on a pseudo-terminal ------------------------------------ */

struct term {
	int fd;
	pid_t pid;
	char buf[1 << 20];
	size_t len;
};

/* Read what the screen wrote until `marker` shows up in it (searching
 * only output produced since *from) or the timeout; returns the time it
 * appeared (ms) or -1. */
static double wait_marker(struct term *t, size_t from, const char *marker,
                          double timeout_ms)
{
	double end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { t->fd, POLLIN, 0 };
		double left = end - now_ms();
		ssize_t got;

		t->buf[t->len] = '\0';
		if (*marker == '\0' ? t->len > from : memmem(t->buf + from, t->len - from, marker,
		           strlen(marker)) != NULL)
			return now_ms();
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left + 1) <= 0)
			continue;
		if (t->len + 65536 >= sizeof t->buf) {
			/* keep the tail: the marker may straddle reads */
			size_t keep = 4096 < t->len ? 4096 : t->len;
			size_t cut = t->len - keep;

			memmove(t->buf, t->buf + cut, keep);
			t->len = keep;
			from = from > cut ? from - cut : 0;
		}
		got = read(t->fd, t->buf + t->len, 65536);
		if (got <= 0)
			return -1;
		t->len += (size_t)got;
	}
}

static void start_screen(struct term *t, const char *path, double delay)
{
	struct winsize ws = { 40, 120, 0, 0 };

	t->len = 0;
	t->pid = forkpty(&t->fd, NULL, NULL, &ws);
	if (t->pid < 0) {
		perror("forkpty");
		exit(1);
	}
	if (t->pid == 0) {
		struct ht_ui_options uo = { delay, HT_FMT_HEAP_V2, "/tmp", true };
		struct ht_session *s;
		struct ht_model *m;
		enum ht_ui_exit how;
		char *cause = NULL;

		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		m = open_model(path, &s);
		ht_ui_set_refresh_loaded(refresh_loaded);
		if (ht_ui_run(s, m, &uo, &how, &cause) != 0) {
			fprintf(stderr, "ui_latency: %s\n", cause ? cause : "?");
			_exit(1);
		}
		_exit(0);
	}
}

static void stop_screen(struct term *t)
{
	int st;

	kill(t->pid, SIGTERM);
	while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
		;
	close(t->fd);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double median, p90, max;
	int n, missed;
};

static struct stats summarize(double *v, int n, int missed)
{
	struct stats s = { 0, 0, 0, n, missed };

	if (n == 0)
		return s;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	s.median = v[n / 2];
	s.p90 = v[(int)(n * 0.9) < n ? (int)(n * 0.9) : n - 1];
	s.max = v[n - 1];
	return s;
}

/* One key, `presses` times: write it, wait for its marker. */
static struct stats press(struct term *t, const char *key,
                          const char *const *markers, int nmarkers,
                          int presses, const char *undo,
                          const char *undo_marker)
{
	double *v = calloc((size_t)presses, sizeof *v);
	int i, n = 0, missed = 0;

	for (i = 0; i < presses; i++) {
		size_t from = t->len;
		double t0 = now_ms(), at;
		ssize_t w = write(t->fd, key, strlen(key));

		(void)w;
		at = wait_marker(t, from, markers[i % nmarkers], 3000);
		if (at < 0)
			missed++;
		else
			v[n++] = at - t0;
		if (undo != NULL) {
			from = t->len;
			w = write(t->fd, undo, strlen(undo));
			wait_marker(t, from, undo_marker, 3000);
		}
		/* land the next press at another phase of the refresh */
		usleep((useconds_t)(30000 + rand() % 170000));
	}
	{
		struct stats s = summarize(v, n, missed);

		free(v);
		return s;
	}
}

static void print_stats(const char *what, struct stats s)
{
	printf("  %-34s median %6.2f ms  p90 %6.2f ms  max %6.2f ms  (%d presses%s)\n",
	       what, s.median, s.p90, s.max, s.n,
	       s.missed ? ", some unanswered within 3 s" : "");
}

static void run_one(const char *path, size_t nstacks, int presses,
                    double delay)
{
	static const char *const help[] = { "heaptop help" };
	static const char *const top[] = { "Top sites" };
	/* ncurses writes only what changed, so the new sort's name may come
	 * out in pieces: for `s`, any output counts as the answer (a loaded
	 * profile refreshes to the same screen, which writes nothing). */
	static const char *const sorts[] = { "" };
	struct term *t = malloc(sizeof *t);
	struct stats sh, sq, ss, sj;
	size_t nsites = 0;
	double max, refresh = time_refresh(path, 3, &nsites, &max);
	struct rusage ru;
	char ready[64];

	printf("%zu stacks -> %zu sites (grouped by stack)\n", nstacks, nsites);
	printf("  refresh (snapshot + model update):  %.1f ms, max %.1f ms "
	       "(the delay a single-threaded screen would add to a key)%s\n",
	       refresh, max, full_hist ? ", histories full" : "");
	printf("  the rows' newest %d history values, every site (the "
	       "screen's copy, after an update): %.1f ms\n", HT_UI_SPARK,
	       rows_hist_ms);
	getrusage(RUSAGE_SELF, &ru);
	printf("  peak RSS so far: %.1f MiB\n", ru.ru_maxrss / 1024.0);
	if (presses <= 0) {   /* -k 0: the refresh only */
		free(t);
		return;
	}
	start_screen(t, path, delay);
	snprintf(ready, sizeof ready, "%zu sites", nsites);
	if (wait_marker(t, 0, ready, 60000) < 0) {
		printf("  the screen did not come up\n");
		stop_screen(t);
		free(t);
		return;
	}
	usleep(500000);
	sh = press(t, "?", help, 1, presses, "q", "Top sites");
	sq = press(t, "?", help, 1, 1, NULL, NULL);   /* now in help */
	sq = press(t, "q", top, 1, presses, "?", "heaptop help");
	if (write(t->fd, "q", 1) != 1)
		perror("write");
	usleep(200000);
	ss = press(t, "s", sorts, 1, presses, NULL, NULL);
	sj = press(t, "j", sorts, 1, presses, "k", "");
	print_stats("? (help drawn)", sh);
	print_stats("q (back to the table)", sq);
	print_stats("s (new sort named in the title)", ss);
	print_stats("j (cursor moved)", sj);
	stop_screen(t);
	free(t);
}

/* -c: one update of a cold model of path (a new symbolizer), with the
 * screen's slice or without; then, sliced, the passes the screen's
 * worker runs until every stack is symbolized (base: with a baseline set
 * from the first sites, as `b` pressed then).  Prints the times. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t time_cold_update(const char *path, bool sliced, bool base)
{
	struct ht_session *s;
	struct ht_model *m = open_model(path, &s);
	struct ht_profile *p = NULL;
	size_t nsites = 0, passes = 1;
	double t0 = now_ms(), c0 = cpu_ms(), first, based = 0;

	if (sliced)
		ht_model_set_sym_slice(m, HT_UI_SYM_SLICE_MS);
	if (ht_session_snapshot(s, &p, NULL) != 0 || ht_model_update(m, p) != 0) {
		fprintf(stderr, "ui_latency: update failed\n");
		exit(1);
	}
	first = now_ms() - t0;
	if (sliced && base) {
		/* `b` right after the first sites, stacks still pending */
		double b0 = now_ms();

		if (ht_model_set_baseline(m) != 0) {
			fprintf(stderr, "ui_latency: baseline failed\n");
			exit(1);
		}
		based = now_ms() - b0;
	}
	while (ht_model_sym_pending(m, NULL, NULL) && ht_model_sym_resume(m) == 0)
		passes++;
	ht_model_sites(m, &nsites);
	if (sliced && base)
		printf("  in-process, in %.0f ms slices, a baseline set (b) "
		       "after the first sites: it took %.0f ms; every stack "
		       "of both after %.0f ms, CPU %.0f ms (%zu passes)\n",
		       HT_UI_SYM_SLICE_MS, based, now_ms() - t0, cpu_ms() - c0,
		       passes);
	else if (sliced)
		printf("  in-process, in %.0f ms slices: first sites after "
		       "%.0f ms, every stack after %.0f ms, CPU %.0f ms (%zu "
		       "passes)\n", HT_UI_SYM_SLICE_MS, first, now_ms() - t0,
		       cpu_ms() - c0, passes);
	else
		printf("%s: %zu stacks -> %zu sites (grouped by line)\n"
		       "  in-process, one update symbolizing every stack: "
		       "%.0f ms, CPU %.0f ms\n", path,
		       ht_model_profile(m)->nstacks, nsites, first,
		       cpu_ms() - c0);
	ht_model_free(m);
	ht_session_free(s);
	return nsites;
}

/* -c: a saved profile opened cold, as the screen opens it. */
static void run_cold(const char *path, int presses)
{
	static const char *const help[] = { "heaptop help" };
	static const char *const top[] = { "Top sites" };
	struct term *t = malloc(sizeof *t);
	struct stats sh, sq;
	double t0, first, keys_end;

	group = HT_GROUP_LINE;
	refresh_loaded = false;
	time_cold_update(path, false, false);
	time_cold_update(path, true, false);
	time_cold_update(path, true, true);
	t0 = now_ms();
	start_screen(t, path, 1.0);
	/* the first row's share column */
	first = wait_marker(t, 0, "%", 300000);
	/* keys whose answers have markers of their own (the rows' output
	 * while they fill in would answer any other) */
	sh = press(t, "?", help, 1, presses, "q", "Top sites");
	sq = press(t, "?", help, 1, 1, NULL, NULL);   /* now in help */
	sq = press(t, "q", top, 1, presses, "?", "heaptop help");
	keys_end = now_ms();
	printf("  screen: first rows after %.0f ms; keys pressed from then "
	       "to %.0f ms:\n", first < 0 ? -1 : first - t0, keys_end - t0);
	print_stats("? (help drawn)", sh);
	print_stats("q (back to the table)", sq);
	stop_screen(t);
	free(t);
}

int main(int argc, char **argv)
{
	size_t n = 100000;
	int presses = 30, c;
	double delay = 0.2;
	char small[] = "/tmp/ui_latency_small.XXXXXX";
	char big[] = "/tmp/ui_latency_big.XXXXXX";
	const char *only = NULL, *cold = NULL;
	int fd;

	while ((c = getopt(argc, argv, "n:k:d:w:c:H")) != -1) {
		switch (c) {
		case 'c': cold = optarg; break;
		case 'H': full_hist = 1; break;
		case 'w': only = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'k': presses = atoi(optarg); break;
		case 'd': delay = atof(optarg); break;
		default:
			fprintf(stderr, "usage: ui_latency [-H] [-n SITES] "
			        "[-k PRESSES] [-d DELAY] [-w FILE]\n"
			        "       ui_latency [-k PRESSES] -c FILE\n");
			return 2;
		}
	}
	if (cold != NULL) {
		run_cold(cold, presses);
		return 0;
	}
	if ((fd = mkstemp(small)) >= 0)
		close(fd);
	if ((fd = mkstemp(big)) >= 0)
		close(fd);
	code_addresses(small);
	if (only != NULL) {
		unlink(small);
		unlink(big);
		return write_profile(only, n) == 0 ? 0 : 1;
	}
	if (write_profile(small, 100) != 0 || write_profile(big, n) != 0) {
		perror("ui_latency: writing profiles");
		return 1;
	}
	srand(1);
	printf("ui_latency: key latency of the screen while it refreshes "
	       "every %.2f s\n", delay);
	run_one(small, 100, presses, delay);
	run_one(big, n, presses, delay);
	unlink(small);
	unlink(big);
	return 0;
}
