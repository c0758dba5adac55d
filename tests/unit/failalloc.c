/*
 * The allocation wrappers of failalloc.h: count allocations while armed
 * and fail the chosen one.
 */
#include "config.h"

#include <stddef.h>

#include "failalloc.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static unsigned long countdown;
static bool fired;

void failalloc_arm(unsigned long n)
{
	countdown = n;
	if (n)
		fired = false;
}

bool failalloc_fired(void)
{
	return fired;
}

/* True for the allocation that must fail. */
static bool fail_now(void)
{
	if (countdown == 0 || --countdown > 0)
		return false;
	fired = true;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}
