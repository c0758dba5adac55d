/*
 * The one formatter for numbers people read (see units.h): bytes and
 * counts in a unit, durations, base names.  Views call these for every
 * visible cell on every redraw: no allocation.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"

static const char *const screen_bytes[] = { "", "K", "M", "G", "T", "P",
                                            "E" };
static const char *const screen_count[] = { "", "k", "M", "G", "T", "P",
                                            "E" };
static const char *const si_bytes[] = { "B", "kB", "MB", "GB", "TB" };
static const char *const iec_bytes[] = { "B", "KiB", "MiB", "GiB", "TiB",
                                         "PiB" };

const struct ht_units ht_units_screen_bytes = {
	1024.0, 0.5, 9.95, "", screen_bytes, 7,
};
const struct ht_units ht_units_screen_count = {
	1000.0, 0.5, 9.95, "", screen_count, 7,
};
const struct ht_units ht_units_text_bytes = {
	1024.0, 0.0, INFINITY, "", screen_bytes, 5,
};
const struct ht_units ht_units_si_bytes = {
	1000.0, 0.0, 10.0, " ", si_bytes, 5,
};
const struct ht_units ht_units_iec_bytes = {
	1024.0, 0.0, INFINITY, " ", iec_bytes, 6,
};

char *ht_units_fmt(char *buf, size_t len, double v, bool sign,
                   const struct ht_units *u)
{
	const char *pfx = "";
	double a = fabs(v);
	unsigned k = 0;

	if (v < 0)
		pfx = "-";
	else if (sign && v > 0)
		pfx = "+";
	if (!isfinite(v)) {
		snprintf(buf, len, "?");
		return buf;
	}
	while (k + 1 < u->n && a >= u->base - u->slack) {
		a /= u->base;
		k++;
	}
	snprintf(buf, len, "%s%.*f%s%s", pfx,
	         k > 0 && a < u->one_decimal_below ? 1 : 0, a, u->space,
	         u->names[k]);
	return buf;
}

char *ht_fmt_bytes(char *buf, size_t len, double bytes, bool sign)
{
	return ht_units_fmt(buf, len, bytes, sign, &ht_units_screen_bytes);
}

char *ht_fmt_count(char *buf, size_t len, double n, bool sign)
{
	return ht_units_fmt(buf, len, n, sign, &ht_units_screen_count);
}

char *ht_fmt_grouped(char *buf, size_t len, uint64_t n)
{
	char digits[24];
	size_t k = (size_t)snprintf(digits, sizeof digits, "%llu",
	                            (unsigned long long)n), o = 0;

	if (!len)
		return buf;
	for (size_t i = 0; i < k && o + 2 < len; i++) {
		if (i > 0 && (k - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
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

const char *ht_fmt_basename(const char *path)
{
	const char *slash;

	if (path == NULL)
		return "";
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
