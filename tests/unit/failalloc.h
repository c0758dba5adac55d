/*
 * Allocation-failure injection for unit tests: a test linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (tests/unit/failalloc.c)
 * can make one chosen allocation of the code under test fail, as a
 * process out of memory would.  Only the objects of that test program
 * (its own and the core library's) go through the wrappers; libc's and
 * other libraries' allocations do not.
 */
#ifndef HT_TESTS_FAILALLOC_H
#define HT_TESTS_FAILALLOC_H

#include <stdbool.h>

/* From now on, the n-th allocation (1 = the next) returns NULL, once.
 * 0 disarms (failalloc_fired still answers for the last arming). */
void failalloc_arm(unsigned long n);

/* Did the allocation armed last fail? */
bool failalloc_fired(void);

#endif /* HT_TESTS_FAILALLOC_H */
