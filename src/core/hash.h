/*
 * FNV-1a, the one string and byte hash of the frontend (model keys, tree
 * paths, flame layout ids, the symbolizer's string table): inline, and
 * the same across runs (symbolic identities).  The 64-bit key map spreads
 * its keys itself (u64map.h).
 */
#ifndef HT_CORE_HASH_H
#define HT_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HT_FNV_INIT UINT64_C(0xcbf29ce484222325)

/* h extended with the n bytes at data. */
static inline uint64_t ht_fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* h extended with s (NULL: "") and a terminating NUL, so that "ab" + "c"
 * differs from "a" + "bc". */
static inline uint64_t ht_fnv_str(uint64_t h, const char *s)
{
	h = ht_fnv(h, s ? s : "", s ? strlen(s) : 0);
	return ht_fnv(h, "", 1);
}

#endif /* HT_CORE_HASH_H */
