/*
 * Text formatting helpers for the screen (see format.h).  Must stay free of
 * curses and of allocation: views call these for every visible cell on
 * every redraw, and the unit tests call them without a terminal.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui/format.h"

static char *fmt_scaled(char *buf, size_t len, double v, bool sign,
                        double base, const char *units)
{
	const char *pfx = "";
	double a = fabs(v);
	int u = 0;

	if (v < 0)
		pfx = "-";
	else if (sign && v > 0)
		pfx = "+";
	if (!isfinite(v)) {
		snprintf(buf, len, "?");
		return buf;
	}
	/* Round before choosing the unit so 1023.96 reads "1.0K", not "1024". */
	while (units[u + 1] != '\0' && a >= base - 0.5) {
		a /= base;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%s%.0f", pfx, a);
	else if (a < 9.95)
		snprintf(buf, len, "%s%.1f%c", pfx, a, units[u]);
	else
		snprintf(buf, len, "%s%.0f%c", pfx, a, units[u]);
	return buf;
}

char *ht_fmt_bytes(char *buf, size_t len, double bytes, bool sign)
{
	return fmt_scaled(buf, len, bytes, sign, 1024.0, " KMGTPE");
}

char *ht_fmt_count(char *buf, size_t len, double n, bool sign)
{
	return fmt_scaled(buf, len, n, sign, 1000.0, " kMGTPE");
}

char *ht_fmt_duration(char *buf, size_t len, double secs)
{
	unsigned long long s;

	if (!isfinite(secs) || secs < 0)
		secs = 0;
	s = (unsigned long long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llu:%02llu", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60,
		         s % 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s / 3600 % 24);
	return buf;
}

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

const char *ht_fmt_basename(const char *path)
{
	const char *slash;

	if (path == NULL)
		return "";
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
