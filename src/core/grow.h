/*
 * The growable array of the core: grow a caller-owned array by doubling,
 * checked against size overflow.
 */
#ifndef HT_CORE_GROW_H
#define HT_CORE_GROW_H

#include <stddef.h>

/* Grow *arr (elements of size `elem`) so that it holds at least `need`
 * elements; *cap is updated.  0 or -ENOMEM (also on size overflow; then
 * *arr and *cap are unchanged). */
int ht_grow(void *arr, size_t *cap, size_t need, size_t elem);

#endif /* HT_CORE_GROW_H */
