/*
 * Error messages for the user (see cause.h).  Headless: never prints.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cause.h"

void ht_cause_vset(char **cause, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (!cause)
		return;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	free(*cause);
	*cause = s;
}

void ht_cause_set(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ht_cause_vset(cause, fmt, ap);
	va_end(ap);
}
