/*
 * Error messages for the user: the `char **cause` half of the core's
 * "0 or -errno, with a cause" contract (HACKING.md, "Errors").
 */
#ifndef HT_CORE_CAUSE_H
#define HT_CORE_CAUSE_H

#include <stdarg.h>

/* Replace *cause (freeing the old one) with a malloc'd formatted message.
 * cause may be NULL (then nothing happens); on allocation failure *cause
 * becomes NULL. */
void ht_cause_set(char **cause, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same with a va_list, for functions that take a format. */
void ht_cause_vset(char **cause, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif /* HT_CORE_CAUSE_H */
