/*
 * Error messages for the user (see cause.h).  Headless: never prints.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cause.h"

void ht_cause_set(char **cause, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (!cause)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(*cause);
	*cause = s;
}
