/*
 * The program's output: the tail of the log file the session sends the
 * launched program's stdout and stderr to.  Control characters are shown
 * as '?' so nothing the program prints can move the cursor or change the
 * terminal.  Reads the file only when shown (on entry and on each refresh).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui/colors.h"
#include "ui/view.h"

/* The first line shown; follow: the last lines, as they come. */
static size_t first_line;
static bool follow;

#define TAIL_BYTES (256 * 1024)

struct ht_output_text {
	char *buf;          /* sanitised text, lines NUL-separated */
	size_t *lines;      /* offsets of each line */
	size_t nlines;
	off_t size;         /* file size when read */
	char error[256];
};

void ht_view_output_free(struct ht_ui *ui)
{
	if (ui->output == NULL)
		return;
	free(ui->output->buf);
	free(ui->output->lines);
	free(ui->output);
	ui->output = NULL;
}

static void load(struct ht_ui *ui)
{
	const char *path = ht_session_app_output(ui->session);
	struct ht_output_text *o = ui->output;
	struct stat st;
	off_t from;
	ssize_t got;
	size_t len = 0, i, cap = 64;
	int fd;

	if (o == NULL) {
		o = ui->output = calloc(1, sizeof *o);
		if (o == NULL)
			return;
	}
	o->error[0] = '\0';
	if (path == NULL) {
		snprintf(o->error, sizeof o->error,
		         "no output log: heaptop did not launch this program");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(o->error, sizeof o->error, "%s: %s", path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (o->buf != NULL && st.st_size == o->size) {
		close(fd);
		return;   /* unchanged */
	}
	free(o->buf);
	free(o->lines);
	o->lines = NULL;
	o->nlines = 0;
	o->size = st.st_size;
	from = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	o->buf = malloc(TAIL_BYTES + 1);
	if (o->buf == NULL) {
		close(fd);
		return;
	}
	while (len < TAIL_BYTES &&
	       (got = pread(fd, o->buf + len, TAIL_BYTES - len,
	                    from + (off_t)len)) > 0)
		len += (size_t)got;
	close(fd);
	o->buf[len] = '\0';
	o->lines = malloc(cap * sizeof *o->lines);
	if (o->lines == NULL)
		return;
	i = 0;
	if (from > 0) {   /* skip the partial first line */
		while (i < len && o->buf[i] != '\n')
			i++;
		i++;
	}
	while (i < len) {
		size_t start = i;

		while (i < len && o->buf[i] != '\n') {
			unsigned char c = (unsigned char)o->buf[i];

			if (c < 32 || c == 127)
				o->buf[i] = c == '\t' ? ' ' : '?';
			i++;
		}
		if (i < len)
			o->buf[i] = '\0';
		i++;
		if (o->nlines == cap) {
			size_t *more = realloc(o->lines,
			                       cap * 2 * sizeof *o->lines);

			if (more == NULL)
				break;
			o->lines = more;
			cap *= 2;
		}
		o->lines[o->nlines++] = start;
	}
}

static void draw_output(struct ht_ui *ui, int y, int h, int w)
{
	const char *path = ht_session_app_output(ui->session);
	struct ht_output_text *o;
	char title[512];
	size_t first, i;
	int row;

	if (ui->output == NULL)
		load(ui);
	o = ui->output;
	snprintf(title, sizeof title, "Program output: %s (Esc to go back)",
	         path ? path : "none");
	attrset(ht_color(HT_CR_TITLE));
	ht_ui_put(y, 0, title, w);
	attrset(A_NORMAL);
	if (o == NULL)
		return;
	if (o->error[0]) {
		attrset(ht_color(HT_CR_STATUS_ERROR));
		ht_ui_put(y + 1, 0, o->error, w);
		attrset(A_NORMAL);
		return;
	}
	if (o->nlines == 0) {
		attrset(ht_color(HT_CR_DIM));
		ht_ui_put(y + 1, 0, "(no output yet)", w);
		attrset(A_NORMAL);
		return;
	}
	if (h <= 1)
		return;
	if (follow || first_line + (size_t)(h - 1) > o->nlines)
		first_line = o->nlines > (size_t)(h - 1)
		                    ? o->nlines - (size_t)(h - 1) : 0;
	first = first_line;
	for (row = 1, i = first; row < h && i < o->nlines; row++, i++)
		ht_ui_put(y + row, 0, o->buf + o->lines[i], w);
}

static bool action_output(struct ht_ui *ui, enum ht_action a)
{
	size_t n = ui->output ? ui->output->nlines : 0;
	size_t cursor = first_line;
	int h = ui->body_lines - 1;

	if (a == HT_ACT_END) {
		follow = true;
		return true;
	}
	if (ht_ui_move(a, &cursor, &cursor, n, 1)) {
		first_line = cursor;
		follow = h > 0 && cursor + (size_t)h >= n;
		return true;
	}
	return false;
}

static void data_output(struct ht_ui *ui)
{
	load(ui);
}

/* Opened: show the newest lines, and keep showing them as they come. */
static void enter_output(struct ht_ui *ui)
{
	follow = true;
}

const struct ht_view_ops ht_view_output = {
	.name = "output",
	.scope = HT_SCOPE_OUTPUT,
	.draw = draw_output,
	.action = action_output,
	.data = data_output,
	.enter = enter_output,
};
