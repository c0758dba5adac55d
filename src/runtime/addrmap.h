/*
 * The sampled-address map: for every sampled live object, what its
 * allocation added to its stack's counters, so the free subtracts exactly
 * that (no drift) -- and the address filter in front of it that keeps the
 * unsampled free to a load and a branch.
 *
 * Private memory (mmap, never the interposed malloc).  Sharded open
 * addressing with backward-shift deletion; each shard has a spinlock that
 * is only taken with the caller's recursion guard set, and a table that
 * grows with its content (the few hundred records of a typical program
 * sit in a few pages: no page fault per sample, no RSS for nothing).
 */
#ifndef HT_RUNTIME_ADDRMAP_H
#define HT_RUNTIME_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/weights.h"

/*
 * The filter: HT_FILTER_SIZE saturating 8-bit counters indexed by a hash of
 * the address.  A zero counter proves the address is not in the map (nor a
 * bootstrap-arena block); non-zero means "look closer".  Counters at 255
 * stick (never decremented), which only costs false positives.
 */
#define HT_FILTER_BITS 17
#define HT_FILTER_SIZE (1u << HT_FILTER_BITS)
extern uint8_t ht_filter[HT_FILTER_SIZE];

static inline uint32_t ht_filter_index(const void *p)
{
	return (uint32_t)(((uintptr_t)p * UINT64_C(0x9e3779b97f4a7c15)) >>
			  (64 - HT_FILTER_BITS));
}

/* Count one more address hashing to p's counter (saturating). */
void ht_filter_inc(const void *p);
/* Count one address less (no-op on a saturated counter). */
void ht_filter_dec(const void *p);
/* Zero every counter. */
void ht_filter_clear(void);

/* What a sampled allocation added: requested size, weight, stack index and
 * the reset generation it was counted in. */
struct ht_addr_rec {
	uint64_t addr;   /* 0 = empty slot */
	uint64_t size;
	struct ht_weight w;
	uint32_t stack;
	uint32_t gen;
	uint64_t _pad;
};

#define HT_ADDRMAP_SHARDS 64

/* One shard: open addressing over its own mmap'd table, which starts at
 * one page and doubles (under the shard's lock) up to max_cap. */
struct ht_addr_shard {
	int lock;
	uint32_t cap;    /* records in tab, 0 = not allocated yet */
	uint32_t count;
	uint32_t _pad;
	struct ht_addr_rec *tab;
};

struct ht_addrmap {
	uint32_t max_cap;  /* records per shard at most, power of two */
	uint32_t max_used; /* records per shard allowed (7/8 of max_cap) */
	struct ht_addr_shard shards[HT_ADDRMAP_SHARDS];
};

/* An empty map that may grow to 2^log2_cap records in all (tables are
 * mmap'd on demand, so an idle map costs nothing).  Returns 0. */
int ht_addrmap_init(struct ht_addrmap *m, unsigned log2_cap);

/* Forget every record and release the tables (a fork child starts empty).
 * Only call while no other thread can use the map. */
void ht_addrmap_clear(struct ht_addrmap *m);

/*
 * Insert rec (rec->addr != 0) and count it in the filter.  If the address is
 * already present (its free was not seen), the old record is replaced and
 * copied to *old.  Returns 0 (inserted), 1 (replaced), or -ENOSPC (the
 * shard is at its maximum, or mmap failed: nothing stored).
 */
int ht_addrmap_insert(struct ht_addrmap *m, const struct ht_addr_rec *rec,
		      struct ht_addr_rec *old);

/* Remove addr: copy its record to *out, uncount it in the filter and return
 * 1; return 0 when absent. */
int ht_addrmap_remove(struct ht_addrmap *m, uint64_t addr, struct ht_addr_rec *out);

/* Find addr without removing it: 1 and *out, or 0. */
int ht_addrmap_find(struct ht_addrmap *m, uint64_t addr, struct ht_addr_rec *out);

#endif /* HT_RUNTIME_ADDRMAP_H */
