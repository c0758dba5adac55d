/*
 * A hash map from 64-bit keys to size_t values (usually indexes into an
 * array the caller owns): open addressing, linear probing, backward-shift
 * deletion, at most half full.  Keys are used as their own hash (they are
 * hashes or addresses already), and key 0 is stored as 1: callers whose
 * keys may be 0 and 1 must not mix them.
 *
 * Not thread-safe; the map owns only its own arrays.
 */
#ifndef HT_CORE_U64MAP_H
#define HT_CORE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ht_u64map {
	uint64_t *keys;   /* 0 = empty slot */
	size_t *vals;
	size_t cap, n;    /* cap: 0 or a power of two */
};

/* Release the arrays; the map is empty and usable again. */
void ht_u64map_free(struct ht_u64map *m);

/* Forget every entry, keeping the arrays. */
void ht_u64map_clear(struct ht_u64map *m);

/* Pointer to the value of key, or NULL.  Valid until the next put or
 * del. */
size_t *ht_u64map_get(const struct ht_u64map *m, uint64_t key);

/* Insert key with value v unless present; *out (may be NULL) points at
 * the stored value, *isnew (may be NULL) says whether it was inserted.
 * 0 or -ENOMEM (the map is unchanged). */
int ht_u64map_put(struct ht_u64map *m, uint64_t key, size_t v, size_t **out,
                  bool *isnew);

/* Remove key; true when it was present (its value in *old, may be
 * NULL). */
bool ht_u64map_del(struct ht_u64map *m, uint64_t key, size_t *old);

/* The core's hash of a byte string (64-bit FNV-1a), for maps keyed by
 * the hash of a name. */
uint64_t ht_hash_bytes(const void *p, size_t n);

#endif /* HT_CORE_U64MAP_H */
