/*
 * The 64-bit key hash map (see u64map.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/u64map.h"

static uint64_t fix_key(uint64_t k) { return k ? k : 1; }

/* Spread the key's bits over the low ones (keys may be aligned addresses
 * whose low bits are all zero). */
static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 32;
	return (size_t)key & (cap - 1);
}

void ht_u64map_free(struct ht_u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

void ht_u64map_clear(struct ht_u64map *m)
{
	if (m->cap)
		memset(m->keys, 0, m->cap * sizeof *m->keys);
	m->n = 0;
}

static int grow(struct ht_u64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	uint64_t *nk = calloc(ncap, sizeof *nk);
	size_t *nv = calloc(ncap, sizeof *nv);

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		for (j = slot_of(m->keys[i], ncap); nk[j]; j = (j + 1) & (ncap - 1))
			;
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

size_t *ht_u64map_get(const struct ht_u64map *m, uint64_t key)
{
	key = fix_key(key);
	if (!m->cap)
		return NULL;
	for (size_t j = slot_of(key, m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (m->keys[j] == key)
			return &m->vals[j];
	return NULL;
}

int ht_u64map_put(struct ht_u64map *m, uint64_t key, size_t v, size_t **out,
                  bool *isnew)
{
	size_t j;

	key = fix_key(key);
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	for (j = slot_of(key, m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		if (m->keys[j] == key) {
			if (out)
				*out = &m->vals[j];
			if (isnew)
				*isnew = false;
			return 0;
		}
	}
	m->keys[j] = key;
	m->vals[j] = v;
	m->n++;
	if (out)
		*out = &m->vals[j];
	if (isnew)
		*isnew = true;
	return 0;
}

int ht_u64map_copy(struct ht_u64map *dst, const struct ht_u64map *src)
{
	struct ht_u64map c = { NULL, NULL, src->cap, src->n };

	if (src->cap) {
		c.keys = malloc(src->cap * sizeof *c.keys);
		c.vals = malloc(src->cap * sizeof *c.vals);
		if (!c.keys || !c.vals) {
			free(c.keys);
			free(c.vals);
			return -ENOMEM;
		}
		memcpy(c.keys, src->keys, src->cap * sizeof *c.keys);
		memcpy(c.vals, src->vals, src->cap * sizeof *c.vals);
	}
	ht_u64map_free(dst);
	*dst = c;
	return 0;
}

bool ht_u64map_del(struct ht_u64map *m, uint64_t key, size_t *old)
{
	size_t mask = m->cap - 1, i, j;

	key = fix_key(key);
	if (!m->cap)
		return false;
	for (i = slot_of(key, m->cap); m->keys[i] != key; i = (i + 1) & mask)
		if (!m->keys[i])
			return false;
	if (old)
		*old = m->vals[i];
	/* backward shift: move each later entry of the run into the hole
	 * when its home slot does not lie cyclically in (hole, entry] */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->n--;
	return true;
}

