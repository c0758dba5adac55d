/*
 * The screen's main loop (see ui.h): terminal setup and restore, signals,
 * waiting for keys and for the refresh worker, dispatching actions through
 * the key table, the status line, prompts and the footer.
 *
 * Owns the terminal while it runs and must give it back on every path:
 * normal quit, SIGINT/SIGTERM/SIGHUP (handlers only set a flag), exit()
 * from anywhere (atexit), and crashes (a handler that writes the saved
 * restore sequence and re-raises).  Never writes to stdout/stderr while
 * curses owns the screen; problems go to the status line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "core/cause.h"
#include "core/segread.h"
#include "ui/colors.h"
#include "ui/format.h"
#include "ui/view.h"

/* ---- terminal restore on every path ------------------------------------ */

static volatile sig_atomic_t got_quit_signal;
static volatile sig_atomic_t curses_active;
static struct termios saved_termios;
static bool have_saved_termios;
static char restore_seq[256];   /* rmcup cnorm sgr0, prepared in advance */
static size_t restore_len;
static bool atexit_registered;
static bool refresh_loaded;
static int keys_fd = STDIN_FILENO; /* the terminal's input: stdin, or
                                    * /dev/tty when stdin is a pipe (the
                                    * launched program reads that) */

void ht_ui_set_refresh_loaded(bool on)
{
	refresh_loaded = on;
}

static void on_quit_signal(int sig)
{
	got_quit_signal = sig;
}

/* A crash while curses owns the terminal: put it back with async-signal-
 * safe calls only, then die of the same signal. */
static void on_fatal_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* a segment truncated under a read is an error of that read, not a
	 * crash: the reader jumps back (and this does not return) */
	if (sig == SIGBUS)
		ht_segread_fault(si);
	if (curses_active) {
		ssize_t r = write(STDOUT_FILENO, restore_seq, restore_len);

		(void)r;
		if (have_saved_termios)
			tcsetattr(keys_fd, TCSANOW, &saved_termios);
		curses_active = 0;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void restore_at_exit(void)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
}

static void add_restore_cap(const char *name)
{
	char *cap = tigetstr(name);
	size_t len;

	if (cap == NULL || cap == (char *)-1)
		return;
	len = strlen(cap);
	if (restore_len + len < sizeof restore_seq) {
		memcpy(restore_seq + restore_len, cap, len);
		restore_len += len;
	}
}

/* Keys come from stdin when it is the terminal, else from /dev/tty (stdin
 * then belongs to the launched program).  False when there is none. */
static bool open_keys(FILE **in)
{
	int fd;

	keys_fd = STDIN_FILENO;
	*in = stdin;
	if (isatty(STDIN_FILENO))
		return true;
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	*in = fdopen(fd, "r");
	if (*in == NULL) {
		close(fd);
		return false;
	}
	keys_fd = fd;
	return true;
}

static void close_keys(FILE *in)
{
	if (in != NULL && in != stdin)
		fclose(in);
	keys_fd = STDIN_FILENO;
}

static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP };
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
                                     SIGABRT };
#define NQUIT (sizeof quit_signals / sizeof quit_signals[0])
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])

struct saved_signals {
	struct sigaction quit[NQUIT], fatal[NFATAL];
};

static void install_signals(struct saved_signals *old)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal;   /* no SA_RESTART: poll wakes up */
	for (i = 0; i < NQUIT; i++)
		sigaction(quit_signals[i], &sa, &old->quit[i]);
	/* no SA_RESETHAND: the handler resets the disposition itself, after
	 * the SIGBUS of a guarded segment read has been given back */
	sa.sa_sigaction = on_fatal_signal;
	sa.sa_flags = SA_SIGINFO;
	for (i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &sa, &old->fatal[i]);
}

static void restore_signals(const struct saved_signals *old)
{
	size_t i;

	for (i = 0; i < NQUIT; i++)
		sigaction(quit_signals[i], &old->quit[i], NULL);
	for (i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &old->fatal[i], NULL);
}

/* ---- helpers for the views --------------------------------------------- */

double ht_ui_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void ht_ui_clamp(size_t *cursor, size_t *scroll, size_t n, int h)
{
	if (*cursor >= n)
		*cursor = n - 1;
	if (h <= 0)
		return;
	if (*cursor < *scroll)
		*scroll = *cursor;
	else if (*cursor >= *scroll + (size_t)h)
		*scroll = *cursor - (size_t)h + 1;
}

int ht_ui_put(int y, int x, const char *s, int cols)
{
	size_t bytes;

	if (cols <= 0 || s == NULL)
		return 0;
	bytes = ht_fmt_fit(s, (size_t)cols);
	if (bytes > 0)
		mvaddnstr(y, x, s, (int)bytes);
	return (int)ht_fmt_columns(s, bytes);
}

int ht_ui_put_name(int y, int x, const char *function, const char *loc,
                   int cols, bool utf8, bool full, int fn_role,
                   int loc_role)
{
	char name[512], cut[512];
	int lc = loc != NULL ? (int)ht_fmt_columns(loc, strlen(loc)) : 0;
	int room = loc != NULL ? cols - lc - 2 : cols, used = 0;

	if (full)
		snprintf(name, sizeof name, "%s", function ? function : "?");
	else
		ht_fmt_short_name(name, sizeof name, function ? function : "?",
		                  utf8);
	if (room < 2)   /* no room for a name: the location alone */
		room = 0;
	if (room > 0 && ht_fmt_columns(name, strlen(name)) > (size_t)room) {
		/* too wide: its innermost scopes, then cut at the end */
		size_t off = ht_fmt_scope_cut(name, (size_t)room);

		if (off > 0) {
			snprintf(cut, sizeof cut, "%s%s", utf8 ? "\u2026" : "~",
			         name + off);
			snprintf(name, sizeof name, "%s", cut);
		}
	}
	attrset(ht_color((enum ht_color_role)fn_role));
	if (room > 0)
		used = ht_ui_put(y, x, ht_fmt_cut(cut, sizeof cut, name,
		                                  (size_t)room, utf8), room);
	if (loc == NULL)
		return used;
	attrset(ht_color((enum ht_color_role)loc_role));
	if (used > 0)
		used += 2;
	return used + ht_ui_put(y, x + used, loc, cols - used);
}

bool ht_ui_move(enum ht_action a, size_t *cursor, size_t *scroll, size_t n,
                int h)
{
	size_t page = h > 1 ? (size_t)h - 1 : 1;

	switch (a) {
	case HT_ACT_UP:
		if (*cursor > 0)
			(*cursor)--;
		break;
	case HT_ACT_DOWN:
		if (*cursor + 1 < n)
			(*cursor)++;
		break;
	case HT_ACT_PGUP:
		*cursor = *cursor > page ? *cursor - page : 0;
		break;
	case HT_ACT_PGDN:
		*cursor = n == 0 ? 0 : (*cursor + page < n ? *cursor + page
		                                           : n - 1);
		break;
	case HT_ACT_HOME:
		*cursor = 0;
		break;
	case HT_ACT_END:
		*cursor = n ? n - 1 : 0;
		break;
	default:
		return false;
	}
	if (h > 0) {
		if (*cursor < *scroll)
			*scroll = *cursor;
		else if (*cursor >= *scroll + (size_t)h)
			*scroll = *cursor - (size_t)h + 1;
	}
	return true;
}

void ht_ui_status(struct ht_ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_error = error;
	ui->status_time = ht_ui_now();
}

static void wake_worker(struct ht_ui *ui)
{
	pthread_cond_signal(&ui->cond);
}

/* Send the options, and raise *flag (a baseline request) in the same
 * request, so the worker rebuilds once for both. */
static void request_options_and(struct ht_ui *ui, bool *flag)
{
	pthread_mutex_lock(&ui->lock);
	if (flag != NULL)
		*flag = true;
	free(ui->req.filter);
	ui->req.filter = ui->filter[0] ? strdup(ui->filter) : NULL;
	ui->req.opts.group = ui->group;
	ui->req.opts.lib_sites = ui->lib_sites;
	ui->req.opts.sort = ui->sort;
	ui->req.opts.descending = ui->sort != HT_SORT_NAME;
	ui->req.opts.filter = NULL;   /* the worker points it at req.filter */
	ui->req.set_options = true;
	wake_worker(ui);
	pthread_mutex_unlock(&ui->lock);
}

void ht_ui_request_options(struct ht_ui *ui)
{
	request_options_and(ui, NULL);
}

void ht_ui_request_tree(struct ht_ui *ui, enum ht_tree_kind kind,
                        uint64_t key)
{
	struct ht_u64map toggled = { 0 };

	if (ht_u64map_copy(&toggled, &ui->toggled) < 0) {
		ht_ui_status(ui, true, "tree: out of memory");
		return;
	}
	pthread_mutex_lock(&ui->lock);
	ui->req.tree_kind = kind;
	ui->req.tree_key = key;
	ui->req.tree_request = ++ui->tree_request;
	ht_u64map_free(&ui->req.toggled);
	ui->req.toggled = toggled;
	wake_worker(ui);
	pthread_mutex_unlock(&ui->lock);
}

void ht_ui_request_threads(struct ht_ui *ui, enum ht_threads_kind kind,
                           uint64_t key)
{
	pthread_mutex_lock(&ui->lock);
	ui->req.threads_kind = kind;
	ui->req.threads_key = key;
	ui->req.threads_request = ++ui->threads_request;
	wake_worker(ui);
	pthread_mutex_unlock(&ui->lock);
}

void ht_ui_come_back_here(struct ht_ui *ui)
{
	ui->back = ui->view;
}

void ht_ui_switch(struct ht_ui *ui, const struct ht_view_ops *v)
{
	if (v == ui->view)
		return;
	if (ui->view->leave != NULL)
		ui->view->leave(ui);
	ui->view = v;
	if (v->enter != NULL)
		v->enter(ui);
	/* the table and the tree follow every publication already */
	if (v->data != NULL && v != &ht_view_top && v != &ht_view_tree)
		v->data(ui);
}

/* ---- status line, prompts and footer ------------------------------------ */

static void draw_status(struct ht_ui *ui, int y, int w)
{
	char line[512];
	enum ht_color_role role = HT_CR_STATUS;

	move(y, 0);
	clrtoeol();
	switch (ui->prompt) {
	case HT_PROMPT_RESET:
		snprintf(line, sizeof line,
		         "Reset all counters to zero (like prof.reset)? y/n");
		role = HT_CR_PROMPT;
		break;
	case HT_PROMPT_QUIT:
		snprintf(line, sizeof line,
		         "Quit: k = kill the program, l = leave it running "
		         "(detach), c = cancel");
		role = HT_CR_PROMPT;
		break;
	case HT_PROMPT_FILTER:
		snprintf(line, sizeof line, "Filter (function or file; Enter "
		         "applies, Esc cancels): %s_", ui->edit);
		role = HT_CR_PROMPT;
		break;
	case HT_PROMPT_SEARCH:
		snprintf(line, sizeof line, "Search frames (function; Enter "
		         "highlights, empty clears, Esc cancels): %s_", ui->edit);
		role = HT_CR_PROMPT;
		break;
	case HT_PROMPT_NONE:
	default:
		snprintf(line, sizeof line, "%s", ui->status);
		role = ui->status_error ? HT_CR_STATUS_ERROR : HT_CR_STATUS;
		break;
	}
	attrset(ht_color(role));
	ht_ui_put(y, 0, line, w);
	attrset(A_NORMAL);
}

/* One footer entry: the first key name, then the label. */
static int footer_entry(const struct ht_ui *ui, const struct ht_key_binding *b,
                        int y, int x, int w, bool dry)
{
	const char *names = ui->utf8 ? b->names : b->ascii;
	size_t len = strcspn(names, " ");
	char k[16];
	int used;

	if (len >= sizeof k)
		len = sizeof k - 1;
	memcpy(k, names, len);
	k[len] = '\0';
	used = (int)(ht_fmt_columns(k, len) + 1 + strlen(b->footer) + 1);
	if (dry || x + used > w)
		return used;
	attrset(ht_color(HT_CR_FOOTER_KEY));
	x += ht_ui_put(y, x, k, w - x);
	x += ht_ui_put(y, x, " ", w - x);
	attrset(ht_color(HT_CR_FOOTER_LABEL));
	ht_ui_put(y, x, b->footer, w - x);
	attrset(A_NORMAL);
	return used;
}

/* The footer: the main keys of this view.  The way out (Quit, or Back in
 * the other views) is drawn first at the right edge so it never falls off
 * a narrow screen; the rest fill from the left while they fit. */
static void draw_footer(struct ht_ui *ui, int y, int w)
{
	static const struct ht_key_binding back = {
		HT_ACT_BACK, HT_SCOPE_SUB, { 0 }, "Esc", "Esc", "", "Back"
	};
	const struct ht_key_binding *t, *out = &back;
	size_t n, i;
	int x = 0, right;

	t = ht_keys_table(&n);
	move(y, 0);
	clrtoeol();
	if (ui->view->scope == HT_SCOPE_TOP)
		for (i = 0; i < n; i++)
			if (t[i].action == HT_ACT_QUIT)
				out = &t[i];
	right = w - footer_entry(ui, out, y, 0, w, true);
	if (right < 0)
		right = 0;
	footer_entry(ui, out, y, right, w, false);
	for (i = 0; i < n; i++) {
		if (t[i].footer == NULL || t[i].action == HT_ACT_QUIT ||
		    !(t[i].scope & ui->view->scope))
			continue;
		if (x + footer_entry(ui, &t[i], y, x, right, true) > right)
			break;
		x += footer_entry(ui, &t[i], y, x, right, false);
	}
}

/* Below the minimum size: what is wrong, how to quit, and the quit
 * question in short lines (the status line would not fit). */
static void draw_too_small(struct ht_ui *ui, int w, int h)
{
	static const char *const quit[] = {
		"Quit: k = kill the program,", "l = leave it running,",
		"c = cancel",
	};
	char msg[128], cut[128];
	int y = h / 2 > 1 ? h / 2 - 1 : 0;

	snprintf(msg, sizeof msg, "terminal too small (%dx%d)", w, h);
	attrset(ht_color(HT_CR_STATUS_ERROR));
	ht_ui_put(y++, 0, ht_fmt_cut(cut, sizeof cut, msg, (size_t)w,
	                             ui->utf8), w);
	attrset(A_NORMAL);
	snprintf(msg, sizeof msg, "needs %dx%d; q quits",
	         HT_UI_MIN_COLS, HT_UI_MIN_LINES);
	ht_ui_put(y++, 0, ht_fmt_cut(cut, sizeof cut, msg, (size_t)w,
	                             ui->utf8), w);
	if (ui->prompt == HT_PROMPT_QUIT) {
		attrset(ht_color(HT_CR_PROMPT));
		for (size_t i = 0; i < sizeof quit / sizeof quit[0] &&
		     y < h; i++)
			ht_ui_put(y++, 0, ht_fmt_cut(cut, sizeof cut, quit[i],
			                             (size_t)w, ui->utf8), w);
		attrset(A_NORMAL);
	} else if (ui->prompt != HT_PROMPT_NONE && h > 0) {
		draw_status(ui, h - 1, w);
	}
}

static void draw(struct ht_ui *ui)
{
	int w = COLS, h = LINES, top;

	erase();
	if (w < HT_UI_MIN_COLS || h < HT_UI_MIN_LINES) {
		draw_too_small(ui, w, h);
		refresh();
		return;
	}
	top = ht_header_draw(ui, w);
	ui->body_lines = h - top - 2;
	ui->view->draw(ui, top, ui->body_lines, w);
	draw_status(ui, h - 2, w);
	draw_footer(ui, h - 1, w);
	refresh();
}

/* ---- actions ------------------------------------------------------------ */

static enum ht_sort mode_sort(const struct ht_ui *ui)
{
	if (ui->data != NULL && ui->data->has_baseline && !ui->alloc_mode)
		return HT_SORT_GROWTH;
	return ui->alloc_mode ? HT_SORT_ALLOC_BYTES : HT_SORT_INUSE_BYTES;
}

static void cycle_sort(struct ht_ui *ui, int dir)
{
	static const enum ht_sort order[] = {
		HT_SORT_GROWTH, HT_SORT_INUSE_BYTES, HT_SORT_INUSE_OBJS,
		HT_SORT_ALLOC_BYTES, HT_SORT_ALLOC_OBJS, HT_SORT_NAME,
	};
	const int n = (int)(sizeof order / sizeof order[0]);
	bool base = ui->data != NULL && ui->data->has_baseline;
	int i, k;

	for (i = 0; i < n && order[i] != ui->sort; i++)
		;
	for (k = 0; k < n; k++) {
		i = ((i + dir) % n + n) % n;
		if (order[i] != HT_SORT_GROWTH || base)
			break;
	}
	ui->sort = order[i];
	ht_ui_request_options(ui);
}

static void start_dump(struct ht_ui *ui)
{
	const char *ext = ui->opt->dump_format == HT_FMT_COLLAPSED ? "collapsed"
	                  : ui->opt->dump_format == HT_FMT_PPROF ? "pb.gz"
	                  : ui->opt->dump_format == HT_FMT_SVG ? "svg"
	                  : "heap";
	const char *dir = ui->opt->dump_dir ? ui->opt->dump_dir : ".";
	char absdir[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;
	int pid = ui->data && ui->data->pid > 0 ? ui->data->pid
	          : (int)ht_session_pid(ui->session);

	/* The runtime writes heap_v2 dumps from the target's own working
	 * directory: the path must be absolute. */
	if (realpath(dir, absdir) == NULL) {
		ht_ui_status(ui, true, "dump: %s: %s", dir, strerror(errno));
		return;
	}
	do
		snprintf(path, sizeof path, "%s/heaptop-%d.%u.%s", absdir, pid,
		         ++ui->dumps, ext);
	while (stat(path, &st) == 0 && ui->dumps < 100000);
	pthread_mutex_lock(&ui->lock);
	free(ui->req.dump_path);
	ui->req.dump_path = strdup(path);
	ui->req.dump = ui->req.dump_path != NULL;
	wake_worker(ui);
	pthread_mutex_unlock(&ui->lock);
	ht_ui_status(ui, false, "dumping to %s ...", path);
}

static void request_flag(struct ht_ui *ui, bool *flag)
{
	pthread_mutex_lock(&ui->lock);
	*flag = true;
	wake_worker(ui);
	pthread_mutex_unlock(&ui->lock);
}

static bool program_running(const struct ht_ui *ui)
{
	return ht_session_kind(ui->session) == HT_SESS_LAUNCH &&
	       ui->data != NULL &&
	       (ui->data->state == HT_PROC_RUNNING ||
	        ui->data->state == HT_PROC_STARTING ||
	        !ui->data->have_profile);
}

enum loop_end { LOOP_GO, LOOP_QUIT, LOOP_KILL, LOOP_DETACH };

static enum loop_end global_action(struct ht_ui *ui, enum ht_action a)
{
	switch (a) {
	case HT_ACT_MODE_INUSE:
	case HT_ACT_MODE_ALLOC:
	case HT_ACT_MODE_TOGGLE:
		ui->alloc_mode = a == HT_ACT_MODE_TOGGLE ? !ui->alloc_mode
		                 : a == HT_ACT_MODE_ALLOC;
		ui->sort = mode_sort(ui);
		ht_ui_request_options(ui);
		break;
	case HT_ACT_RESET:
		if (ht_session_kind(ui->session) == HT_SESS_LOAD)
			ht_ui_status(ui, true, "reset: not possible on a saved "
			             "profile");
		else if (ht_session_kind(ui->session) == HT_SESS_FOLLOW)
			ht_ui_status(ui, true, "reset: not possible when "
			             "following dumps (the program takes no "
			             "commands)");
		else
			ui->prompt = HT_PROMPT_RESET;
		break;
	case HT_ACT_DUMP:
		start_dump(ui);
		break;
	case HT_ACT_BASELINE:
		ui->alloc_mode = false;
		ui->sort = HT_SORT_GROWTH;
		request_options_and(ui, &ui->req.baseline);
		ht_ui_status(ui, false, ht_session_kind(ui->session) ==
		             HT_SESS_FOLLOW
		             ? "baseline pinned to this dump (B: growth since "
		               "the previous dump again)"
		             : "baseline set: showing change since now");
		break;
	case HT_ACT_BASELINE_CLEAR:
		if (ui->sort == HT_SORT_GROWTH)
			ui->sort = ui->alloc_mode ? HT_SORT_ALLOC_BYTES
			                          : HT_SORT_INUSE_BYTES;
		request_options_and(ui, &ui->req.clear_baseline);
		ht_ui_status(ui, false, ht_session_kind(ui->session) ==
		             HT_SESS_FOLLOW
		             ? "baseline cleared: growth since the previous dump "
		               "from the next dump on"
		             : "baseline cleared");
		break;
	case HT_ACT_GROUP:
		ui->group = ui->group == HT_GROUP_STACK ? HT_GROUP_FUNCTION
		            : ui->group == HT_GROUP_FUNCTION ? HT_GROUP_LINE
		            : HT_GROUP_STACK;
		ht_ui_request_options(ui);
		break;
	case HT_ACT_SUSPECTS:
		if (ui->sort != HT_SORT_SUSPECT) {
			ui->sort_before_suspects = ui->sort;
			ui->sort = HT_SORT_SUSPECT;
			ht_ui_status(ui, false, "leak suspects first: sites that "
			             "grow steadily and keep old objects");
		} else {
			ui->sort = ui->sort_before_suspects;
			ht_ui_status(ui, false, "suspects order off");
		}
		ui->alloc_mode = false;
		ht_ui_request_options(ui);
		break;
	case HT_ACT_LIB_SITES:
		ui->lib_sites = !ui->lib_sites;
		ht_ui_request_options(ui);
		ht_ui_status(ui, false, ui->lib_sites
		             ? "library frames are sites"
		             : "library frames fold into the program's caller");
		break;
	case HT_ACT_SORT_NEXT:
	case HT_ACT_SORT_RIGHT:
		cycle_sort(ui, 1);
		break;
	case HT_ACT_SORT_LEFT:
		cycle_sort(ui, -1);
		break;
	case HT_ACT_FILTER:
		ui->prompt = HT_PROMPT_FILTER;
		snprintf(ui->edit, sizeof ui->edit, "%s", ui->filter);
		ui->edit_len = strlen(ui->edit);
		break;
	case HT_ACT_PAUSE:
		pthread_mutex_lock(&ui->lock);
		ui->paused = !ui->paused;
		wake_worker(ui);
		pthread_mutex_unlock(&ui->lock);
		ht_ui_status(ui, false, !ui->paused ? "updates resumed"
		             : ui->data != NULL && ui->data->have_profile &&
		               ui->data->state == HT_PROC_EXITED
		             ? "paused (the program has ended: its data no "
		               "longer changes)"
		             : ui->live
		             ? "paused: the program keeps running and its data "
		               "keeps accumulating"
		             : "paused");
		break;
	case HT_ACT_TOPDOWN:
		ht_view_tree_open(ui, HT_TREE_TOPDOWN, 0);
		break;
	case HT_ACT_FLAME:
		ht_view_flame_open(ui);
		break;
	case HT_ACT_OUTPUT:
		ht_ui_switch(ui, &ht_view_output);
		break;
	case HT_ACT_HELP:
		ht_ui_switch(ui, &ht_view_help);
		break;
	case HT_ACT_THREADS:
		ht_view_threads_open(ui);
		break;
	case HT_ACT_PROCS:
		ht_ui_switch(ui, &ht_view_procs);
		break;
	case HT_ACT_BACK:
		ht_ui_switch(ui, ui->view == &ht_view_tree ||
		                 ui->view == &ht_view_threads ||
		                 ui->view == &ht_view_procs ? &ht_view_top
		                 : ui->back ? ui->back : &ht_view_top);
		break;
	case HT_ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case HT_ACT_QUIT:
		if (program_running(ui)) {
			ui->prompt = HT_PROMPT_QUIT;
			break;
		}
		return LOOP_QUIT;
	default:
		break;
	}
	return LOOP_GO;
}

static enum loop_end prompt_key(struct ht_ui *ui, int ch)
{
	enum ht_prompt p = ui->prompt;

	if (p == HT_PROMPT_FILTER || p == HT_PROMPT_SEARCH) {
		if (p == HT_PROMPT_SEARCH &&
		    (ch == '\n' || ch == '\r' || ch == KEY_ENTER)) {
			ui->prompt = HT_PROMPT_NONE;
			ht_view_flame_search(ui, ui->edit);
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			snprintf(ui->filter, sizeof ui->filter, "%s", ui->edit);
			ui->prompt = HT_PROMPT_NONE;
			ht_view_top_reset(ui);
			ht_ui_request_options(ui);
			if (ui->filter[0])
				ht_ui_status(ui, false, "filter: %s", ui->filter);
			else
				ht_ui_status(ui, false, "filter cleared");
		} else if (ch == 27) {
			ui->prompt = HT_PROMPT_NONE;
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (ui->edit_len > 0) {
				/* drop a whole UTF-8 sequence */
				do
					ui->edit_len--;
				while (ui->edit_len > 0 &&
				       ((unsigned char)ui->edit[ui->edit_len] &
				        0xC0) == 0x80);
				ui->edit[ui->edit_len] = '\0';
			}
		} else if (ch == ('u' & 0x1f)) {
			ui->edit_len = 0;
			ui->edit[0] = '\0';
		} else if (ch >= 32 && ch < 256 && ch != 127 &&
		           ui->edit_len + 1 < sizeof ui->edit) {
			ui->edit[ui->edit_len++] = (char)ch;
			ui->edit[ui->edit_len] = '\0';
		}
		return LOOP_GO;
	}
	ui->prompt = HT_PROMPT_NONE;
	if (p == HT_PROMPT_RESET) {
		if (ch == 'y' || ch == 'Y') {
			request_flag(ui, &ui->req.reset);
			ht_ui_status(ui, false, "resetting counters ...");
		} else {
			ht_ui_status(ui, false, "reset cancelled");
		}
		return LOOP_GO;
	}
	if (p == HT_PROMPT_QUIT) {
		if (ch == 'k' || ch == 'K')
			return LOOP_KILL;
		if (ch == 'l' || ch == 'L' || ch == 'd' || ch == 'D')
			return LOOP_DETACH;
		ht_ui_status(ui, false, "quit cancelled");
	}
	return LOOP_GO;
}

static enum loop_end handle_key(struct ht_ui *ui, int ch)
{
	enum ht_action a;

	if (ch == KEY_RESIZE)
		return LOOP_GO;
	if (ui->prompt != HT_PROMPT_NONE)
		return prompt_key(ui, ch);
	if (COLS < HT_UI_MIN_COLS || LINES < HT_UI_MIN_LINES) {
		/* only quitting makes sense on a screen this small */
		if (ch == 'q')
			return global_action(ui, HT_ACT_QUIT);
		return LOOP_GO;
	}
	a = ht_keys_lookup(ch, ui->view->scope);
	if (a == HT_ACT_NONE)
		return LOOP_GO;
	if (ui->view->action != NULL && ui->view->action(ui, a))
		return LOOP_GO;
	return global_action(ui, a);
}

/* ---- new data from the worker ------------------------------------------- */

static bool take_data(struct ht_ui *ui)
{
	struct ht_ui_data *d;
	char *msg;
	bool msg_error;

	pthread_mutex_lock(&ui->lock);
	d = ui->pending;
	ui->pending = NULL;
	msg = ui->worker_msg;
	msg_error = ui->worker_msg_error;
	ui->worker_msg = NULL;
	pthread_mutex_unlock(&ui->lock);
	if (msg != NULL) {
		ht_ui_status(ui, msg_error, "%s", msg);
		free(msg);
	}
	if (d == NULL)
		return msg != NULL;
	/* The worker frees the replaced rows: freeing 100,000 of them can
	 * unmap memory, which has no business delaying a key. */
	pthread_mutex_lock(&ui->lock);
	if (ui->garbage == NULL) {
		ui->garbage = ui->data;
		ui->data = NULL;
	}
	pthread_mutex_unlock(&ui->lock);
	ht_ui_data_free(ui->data);
	ui->data = d;
	ht_view_top.data(ui);
	ht_view_tree.data(ui);
	if (ui->view->data != NULL && ui->view != &ht_view_top &&
	    ui->view != &ht_view_tree)
		ui->view->data(ui);
	return true;
}

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
}


/* Every view (their state is reset when a screen starts). */
static const struct ht_view_ops *const views[] = {
	&ht_view_top, &ht_view_tree, &ht_view_help, &ht_view_output,
	&ht_view_threads, &ht_view_flame, &ht_view_procs,
};

int ht_ui_run(struct ht_session *s, struct ht_model *m,
              const struct ht_ui_options *o, enum ht_ui_exit *how,
              char **cause)
{
	struct ht_ui ui;
	struct saved_signals old_signals;
	const struct ht_model_options *mo;
	enum loop_end end = LOOP_GO;
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	int err;
	SCREEN *screen;
	FILE *keys_in = NULL;
	bool dirty = true;

	if (how != NULL)
		*how = HT_UI_QUIT;
	if (cause != NULL)
		*cause = NULL;
	if (!isatty(STDOUT_FILENO) || !open_keys(&keys_in)) {
		ht_cause_set(cause, "the interactive screen needs a terminal "
		             "(use --batch for text output)");
		return -ENOTTY;
	}

	memset(&ui, 0, sizeof ui);
	ui.session = s;
	ui.model = m;
	ui.opt = o;
	ui.live = ht_session_kind(s) != HT_SESS_LOAD || refresh_loaded;
	ui.view = ui.back = &ht_view_top;
	for (size_t i = 0; i < sizeof views / sizeof *views; i++)
		if (views[i]->reset != NULL)
			views[i]->reset(&ui);
	mo = ht_model_options(m);
	ui.group = mo->group;
	ui.lib_sites = mo->lib_sites;
	ui.sort = mo->sort;
	ui.alloc_mode = mo->sort == HT_SORT_ALLOC_BYTES ||
	                mo->sort == HT_SORT_ALLOC_OBJS;
	if (mo->filter != NULL)
		snprintf(ui.filter, sizeof ui.filter, "%s", mo->filter);
	pthread_mutex_init(&ui.lock, NULL);
	if (pipe2(ui.wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		err = -errno;
		close_keys(keys_in);
		ht_cause_set(cause, "cannot create a pipe: %s", strerror(-err));
		return err;
	}

	setlocale(LC_CTYPE, "");
	ui.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	have_saved_termios = tcgetattr(keys_fd, &saved_termios) == 0;
	screen = newterm(NULL, stdout, keys_in);
	if (screen == NULL) {
		close_keys(keys_in);
		close(ui.wake_pipe[0]);
		close(ui.wake_pipe[1]);
		ht_cause_set(cause, "cannot use the terminal (TERM=%s); try "
		             "--batch", term ? term : "");
		return -ENOTTY;
	}
	set_term(screen);
	restore_len = 0;
	add_restore_cap("sgr0");
	add_restore_cap("cnorm");
	add_restore_cap("rmcup");
	if (!atexit_registered) {
		atexit(restore_at_exit);
		atexit_registered = true;
	}
	got_quit_signal = 0;
	install_signals(&old_signals);
	curses_active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	ht_colors_init(o->no_color || (nc != NULL && nc[0] != '\0'));
	ui.req.opts = *mo;
	if (ht_session_notice(s) != NULL)
		ht_ui_status(&ui, true, "%s", ht_session_notice(s));
	else
		ht_ui_status(&ui, false, "? for help");

	if ((err = ht_refresh_start(&ui, cause)) != 0) {
		curses_active = 0;
		endwin();
		delscreen(screen);
		close_keys(keys_in);
		restore_signals(&old_signals);
		close(ui.wake_pipe[0]);
		close(ui.wake_pipe[1]);
		return err;
	}

	while (end == LOOP_GO) {
		struct pollfd pfd[2];
		int ch;

		if (got_quit_signal) {
			end = program_running(&ui) ? LOOP_KILL : LOOP_QUIT;
			break;
		}
		if (take_data(&ui))
			dirty = true;
		if (dirty) {
			draw(&ui);
			dirty = false;
		}
		pfd[0].fd = keys_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ui.wake_pipe[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) <= 0) {
			/* timeout (the clock in the header moves) or a signal:
			 * SIGWINCH shows up as KEY_RESIZE below */
			dirty = true;
		}
		if (pfd[1].revents & POLLIN)
			drain(ui.wake_pipe[0]);
		if (pfd[0].revents & (POLLHUP | POLLERR)) {
			end = program_running(&ui) ? LOOP_KILL : LOOP_QUIT;
			break;
		}
		while (end == LOOP_GO && (ch = getch()) != ERR) {
			end = handle_key(&ui, ch);
			dirty = true;
		}
	}

	/* The terminal first: the worker never draws, and joining it waits
	 * for the refresh under way (seconds on a huge profile). */
	curses_active = 0;
	endwin();
	delscreen(screen);
	if (have_saved_termios)
		tcsetattr(keys_fd, TCSANOW, &saved_termios);
	close_keys(keys_in);
	ht_refresh_stop(&ui);
	restore_signals(&old_signals);

	if (end == LOOP_KILL)
		ht_session_kill(s);
	/* The caller prints the --attach-shm command for a detach (it owns
	 * stdout again now). */
	if (end == LOOP_DETACH && how != NULL)
		*how = HT_UI_DETACH;
	ht_ui_data_free(ui.data);
	ht_ui_data_free(ui.pending);
	ht_ui_data_free(ui.garbage);
	free(ui.worker_msg);
	free(ui.req.filter);
	free(ui.req.dump_path);
	ht_u64map_free(&ui.req.toggled);
	ht_u64map_free(&ui.toggled);
	ht_view_output_free(&ui);
	ht_view_flame_free(&ui);
	close(ui.wake_pipe[0]);
	close(ui.wake_pipe[1]);
	pthread_cond_destroy(&ui.cond);
	pthread_mutex_destroy(&ui.lock);
	return 0;
}
