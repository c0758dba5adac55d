/*
 * Text formatting helpers for the screen (see format.h); numbers and
 * durations are core/units.c's.  Must stay free of
 * curses and of allocation: views call these for every visible cell on
 * every redraw, and the unit tests call them without a terminal.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui/format.h"

char *ht_fmt_sparkline(char *buf, size_t len, const double *values, size_t n,
                       size_t width, bool utf8)
{
	static const char *const blocks[8] = {
		"\u2581", "\u2582", "\u2583", "\u2584",
		"\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char ascii[] = " .:-=+*#";
	size_t first = n > width ? n - width : 0, shown = n - first;
	size_t pos = 0, i;
	double lo = 0, hi = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = first; i < n; i++) {
		if (i == first || values[i] < lo)
			lo = values[i];
		if (i == first || values[i] > hi)
			hi = values[i];
	}
	for (i = 0; i < width - shown && pos + 1 < len; i++)
		buf[pos++] = ' ';
	for (i = first; i < n; i++) {
		int level = 0;

		if (hi > lo && isfinite(values[i]))
			level = (int)((values[i] - lo) / (hi - lo) * 7.0 + 0.5);
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (utf8) {
			if (pos + 3 >= len)
				break;
			memcpy(buf + pos, blocks[level], 3);
			pos += 3;
		} else {
			if (pos + 1 >= len)
				break;
			/* ascii[0] is a blank: keep the lowest visible. */
			buf[pos++] = ascii[level == 0 ? 1 : level];
		}
	}
	buf[pos] = '\0';
	return buf;
}

size_t ht_fmt_columns(const char *s, size_t bytes)
{
	size_t cols = 0, i;

	for (i = 0; i < bytes && s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			cols++;
	return cols;
}

size_t ht_fmt_fit(const char *s, size_t cols)
{
	size_t i = 0, used = 0;

	while (s[i] != '\0') {
		size_t next = i + 1;

		while (((unsigned char)s[next] & 0xC0) == 0x80)
			next++;
		if (used + 1 > cols)
			break;
		used++;
		i = next;
	}
	return i;
}

/* A bounded writer for ht_fmt_short_name: keeps buf NUL-terminated and
 * never splits a UTF-8 sequence it cannot finish. */
struct sn_out {
	char *buf;
	size_t len, pos;
};

static void sn_put(struct sn_out *o, const char *s, size_t n)
{
	if (o->len == 0)
		return;
	if (o->pos + n + 1 > o->len) {
		n = o->pos + 1 < o->len ? o->len - 1 - o->pos : 0;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(o->buf + o->pos, s, n);
	o->pos += n;
	o->buf[o->pos] = '\0';
}

/* The index just past the bracket that closes the one at s[i] ('<' or
 * '('), or the end of s when it is never closed.  Inside '<' only angle
 * brackets outside parentheses count. */
static size_t sn_skip(const char *s, size_t i)
{
	int angle = 0, paren = 0;
	bool in_angle = s[i] == '<';

	for (; s[i] != '\0'; i++) {
		if (s[i] == '(')
			paren++;
		else if (s[i] == ')')
			paren--;
		else if (in_angle && paren == 0 && s[i] == '<')
			angle++;
		else if (in_angle && paren == 0 && s[i] == '>')
			angle--;
		if (in_angle ? angle == 0 && paren == 0 : paren == 0)
			return i + 1;
	}
	return i;
}

/* The length of the operator token after "operator" at s (not counting
 * its template arguments): "()", "[]", or a run of operator characters. */
static size_t sn_operator(const char *s)
{
	size_t n = 0;

	if (s[0] == '(' && s[1] == ')')
		return 2;
	if (s[0] == '[' && s[1] == ']')
		return 2;
	while (s[n] != '\0' && strchr("<>=!+-*/%^&|~,", s[n]) != NULL)
		n++;
	return n;
}

/* True when a '<' at s[i] opens a qualified path ("<T as Trait>::f")
 * rather than template arguments: it starts the name or a component. */
static bool sn_qualified(const char *s, size_t i)
{
	return i == 0 || s[i - 1] == ' ' || s[i - 1] == '(' ||
	       s[i - 1] == '<' || (i >= 2 && s[i - 1] == ':' &&
	                           s[i - 2] == ':');
}

/* Write the bracket at s[i] ('<' or '(') as "<…>" or "(…)" ("()" when
 * empty) and return the index past the one that closes it. */
static size_t sn_elide(struct sn_out *o, const char *s, size_t i,
                       const char *dots)
{
	char open = s[i], close = open == '<' ? '>' : ')';
	size_t end = sn_skip(s, i);

	sn_put(o, &open, 1);
	if (!(end == i + 1 || (end == i + 2 && s[i + 1] == close)))
		sn_put(o, dots, strlen(dots));
	sn_put(o, &close, 1);
	return end;
}

static size_t sn_copy(struct sn_out *o, const char *s, size_t i, char stop,
                      const char *dots)
{
	static const char anon[] = "(anonymous namespace)";

	while (s[i] != '\0' && s[i] != stop) {
		if (strncmp(s + i, "operator", 8) == 0 &&
		    (i == 0 || s[i - 1] == ':' || s[i - 1] == ' ')) {
			size_t n = 8 + sn_operator(s + i + 8);

			sn_put(o, s + i, n);
			i += n;
			/* "operator<< <char>": its template arguments */
			while (s[i] == ' ')
				sn_put(o, s + i++, 1);
			if (s[i] == '<')
				i = sn_elide(o, s, i, dots);
		} else if (strncmp(s + i, anon, sizeof anon - 1) == 0) {
			sn_put(o, anon, sizeof anon - 1);
			i += sizeof anon - 1;
		} else if (s[i] == '<' && sn_qualified(s, i)) {
			sn_put(o, "<", 1);
			i = sn_copy(o, s, i + 1, '>', dots);
			if (s[i] == '>') {
				sn_put(o, ">", 1);
				i++;
			}
		} else if (s[i] == '<' || s[i] == '(') {
			i = sn_elide(o, s, i, dots);
		} else {
			sn_put(o, s + i, 1);
			i++;
		}
	}
	return i;
}

char *ht_fmt_short_name(char *buf, size_t len, const char *name, bool utf8)
{
	struct sn_out o = { buf, len, 0 };

	if (len > 0)
		buf[0] = '\0';
	if (name == NULL)
		return buf;
	sn_copy(&o, name, 0, '\0', utf8 ? "\u2026" : "...");
	return buf;
}

size_t ht_fmt_scope_cut(const char *name, size_t cols)
{
	size_t i = 0, last = 0;
	int depth = 0;

	if (ht_fmt_columns(name, strlen(name)) <= cols)
		return 0;
	while (name[i] != '\0') {
		if (strncmp(name + i, "operator", 8) == 0) {
			i += 8 + sn_operator(name + i + 8);
			continue;
		}
		if (name[i] == '<' || name[i] == '(' || name[i] == '{' ||
		    name[i] == '[')
			depth++;
		else if ((name[i] == '>' || name[i] == ')' || name[i] == '}' ||
		          name[i] == ']') && depth > 0)
			depth--;
		else if (depth == 0 && name[i] == ':' && name[i + 1] == ':') {
			last = i + 2;
			if (ht_fmt_columns(name + last, strlen(name + last)) + 1
			    <= cols)
				return last;
			i += 2;
			continue;
		}
		i++;
	}
	return last;
}

char *ht_fmt_cut(char *buf, size_t len, const char *s, size_t cols,
                 bool utf8)
{
	const char *mark = utf8 ? "\u2026" : "~";
	size_t n, m = strlen(mark);
	bool cut;

	if (len == 0)
		return buf;
	if (s == NULL)
		s = "";
	n = ht_fmt_fit(s, cols);
	cut = s[n] != '\0';
	if (cut)
		n = cols > 0 ? ht_fmt_fit(s, cols - 1) : 0;
	if (n + (cut ? m : 0) + 1 > len) {
		n = len > m + 1 ? len - m - 1 : 0;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (cut && cols > 0 && n + m + 1 <= len)
		memcpy(buf + n, mark, m + 1);
	return buf;
}
