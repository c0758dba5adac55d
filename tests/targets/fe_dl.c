/*
 * libfe_dl.so: loaded late by fe_sym with dlopen; fe_dl_alloc leaks 3000
 * bytes per call so its frames must symbolize from a module published
 * after the program started.
 */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void *fe_dl_alloc(int i);

void *fe_dl_alloc(int i)
{
	char *p = malloc(3000);

	if (p)
		memset(p, i & 0xff, 16);
	return p;
}
