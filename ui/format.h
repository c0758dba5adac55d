/*
 * Text formatting for the screen (bytes, counts and durations come from
 * core/units.h): sparklines, shortened C++ names, and cutting strings to a column width.  Pure functions over
 * caller buffers: no curses, no allocation, so the unit tests can check
 * them without a terminal.
 */
#ifndef HT_UI_FORMAT_H
#define HT_UI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/units.h"   /* ht_fmt_bytes, _count, _duration, _basename */

/*
 * A sparkline of `n` values (oldest first) in `width` cells, using the
 * eight Unicode block elements when `utf8` is true and " .:-=+*#" otherwise.
 * The last `width` values are shown, scaled between their minimum and
 * maximum (a flat series draws the lowest bar; missing cells on the left are
 * blanks).  buf needs 3 * width + 1 bytes in UTF-8.  Returns buf.
 */
char *ht_fmt_sparkline(char *buf, size_t len, const double *values, size_t n,
                       size_t width, bool utf8);

/* Number of display columns of a UTF-8 string's first `bytes` bytes,
 * counting each code point as one column (continuation bytes count zero). */
size_t ht_fmt_columns(const char *s, size_t bytes);

/* The length in bytes of the longest prefix of s that fits in `cols`
 * columns without splitting a UTF-8 sequence. */
size_t ht_fmt_fit(const char *s, size_t cols);

/*
 * A C++ or Rust symbol shortened for a narrow cell: every template argument
 * list becomes "<…>" and every parameter list "(…)" (an empty one stays
 * "()"), nested brackets included, so
 * "std::vector<long, std::allocator<long> >::_M_allocate(unsigned long)"
 * reads "std::vector<…>::_M_allocate(…)".  Operator names ("operator<<",
 * "operator()", "operator->") and "(anonymous namespace)" are kept; a
 * Rust qualified path "<T as Trait>::f" keeps its brackets and shortens
 * inside them.  Names without brackets (C) come back unchanged.  With
 * `utf8` false the marker is "..." instead of "…".  Writes at most `len`
 * bytes (NUL included) to buf and returns buf.
 */
char *ht_fmt_short_name(char *buf, size_t len, const char *name, bool utf8);

/* Where to start showing a scoped name ("a::b<…>::c(…)") that is wider
 * than `cols` columns: the byte offset of the outermost "::" component
 * whose rest, after a one-column marker, fits in `cols` (the innermost
 * component when none does); 0 when the whole name fits or has no
 * scope.  Brackets and operator names do not split components. */
size_t ht_fmt_scope_cut(const char *name, size_t cols);

/* s cut to at most `cols` columns: unchanged when it fits, otherwise its
 * longest prefix that leaves room for a trailing "…" ("~" without
 * `utf8`).  Returns buf. */
char *ht_fmt_cut(char *buf, size_t len, const char *s, size_t cols,
                 bool utf8);

#endif /* HT_UI_FORMAT_H */
