/*
 * Numbers for people: bytes and counts scaled to a unit, durations, file
 * base names.  The one formatter the batch text, the screen, the trend
 * verdicts and the SVG writer share; each output keeps its own look
 * through a style (struct ht_units).  Pure functions over caller buffers:
 * no curses, no allocation.
 */
#ifndef HT_CORE_UNITS_H
#define HT_CORE_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a value is scaled and written: divided by `base` while it is at
 * least `base - slack` (a slack of 0.5 rounds first, so 1023.96 reads
 * "1.0K"), up to the last of the `n` unit names; unscaled values print
 * with no decimals, scaled ones with one while below `one_decimal_below`
 * (INFINITY: always one) and none above; `space` goes between the number
 * and the unit. */
struct ht_units {
	double base;
	double slack;
	double one_decimal_below;
	const char *space;
	const char *const *names;
	unsigned n;
};

/* The screen's bytes: "999", "1.2K", "34M" (1024-based, rounded first). */
extern const struct ht_units ht_units_screen_bytes;
/* The screen's counts: "999", "12k", "4.5M" (1000-based). */
extern const struct ht_units ht_units_screen_count;
/* Batch text: "999", "1.2K", "34.5M", always one decimal once scaled. */
extern const struct ht_units ht_units_text_bytes;
/* Verdict sentences: "999 B", "1.2 kB", "34 MB" (1000-based). */
extern const struct ht_units ht_units_si_bytes;
/* The SVG's tooltips: "999 B", "1.2 KiB", "34.5 MiB" (1024-based). */
extern const struct ht_units ht_units_iec_bytes;

/* v in style u; with `sign`, positive values get a leading '+';
 * negative values always get '-'; not a number or infinite: "?".
 * Writes at most `len` bytes (NUL included) to buf and returns buf. */
char *ht_units_fmt(char *buf, size_t len, double v, bool sign,
                   const struct ht_units *u);

/* Bytes as a short human value ("0", "999", "1.2K", "34.5M", "1.0G"),
 * 1024-based, at most 6 characters: ht_units_screen_bytes. */
char *ht_fmt_bytes(char *buf, size_t len, double bytes, bool sign);

/* Counts abbreviated the same way but 1000-based ("999", "12.3k", "4.5M"). */
char *ht_fmt_count(char *buf, size_t len, double n, bool sign);

/* n with its thousands separated by commas: "12,345" (cut to len). */
char *ht_fmt_grouped(char *buf, size_t len, uint64_t n);

/* A duration in seconds as "12s", "3:04", "1:02:03" or "2d03h". */
char *ht_fmt_duration(char *buf, size_t len, double secs);

/* The last path component of a file name ("a/b/c.c" -> "c.c"); NULL -> "". */
const char *ht_fmt_basename(const char *path);

#endif /* HT_CORE_UNITS_H */
