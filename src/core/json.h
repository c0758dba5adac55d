/*
 * Minimal JSON output helpers for batch mode: strings escaped per RFC 8259
 * (control characters, quotes, backslashes; invalid UTF-8 replaced by
 * U+FFFD so the output is always valid), numbers that never print NaN or
 * infinity.  Writes only to the FILE it is given; never allocates.
 */
#ifndef HT_CORE_JSON_H
#define HT_CORE_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write s as a quoted JSON string, or `null` when s is NULL. */
void ht_json_string(FILE *f, const char *s);

/* Write a number: integers exactly below 2^53, others with 15 significant
 * digits; NaN and infinities as `null`. */
void ht_json_number(FILE *f, double v);

/* Escape s into buf (cap bytes, always NUL terminated when cap > 0),
 * without quotes.  Returns the length the full escape needs (as
 * snprintf). */
size_t ht_json_escape(char *buf, size_t cap, const char *s);

#endif /* HT_CORE_JSON_H */
