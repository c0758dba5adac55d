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
 * The filter: one bit per 128-byte granule of the address space, taken
 * modulo 2^22 granules (512 MiB): 2^22 bits, 512 KiB (only the lines a
 * heap uses are ever touched).  A clear bit proves the address is not in
 * the map (nor a bootstrap-arena block); a set bit means "look closer".
 * The index is the address's own bits, not a scrambling hash, so frees of
 * neighbouring objects read the same cache line: a heap of H bytes keeps
 * at most H/1024 bytes of filter in the cache (a hashed byte per address
 * touched a random line of all of it on every free).  128 bytes and not
 * 64: when frees land far from the last ones (objects freed long after
 * their allocation: a cache, a queue, a server's buffers), every free
 * reads a filter line the program's own lines must make room for.  On the
 * malloc benchmark (4,096 live objects per thread, freed oldest first)
 * 64-byte granules missed the first-level cache on 1 free in 5, 128-byte
 * ones on 1 in 14.  Not coarser: a sampled small object's neighbours in
 * its granule take the slow path while it lives (false positives), and
 * with 256-byte granules those cost the benchmark's samples 45
 * instructions each (1,010 against 965; 977 against 964 with 128).  512 MiB
 * and not less: glibc gives each thread's arena a 64 MiB-aligned window
 * of its own and fills it from the same offset, so with a 64 MiB filter
 * two threads' heaps shared every filter line (one's samples writing the
 * lines the other's frees read, and each taking the other's sampled
 * granules for its own); eight neighbouring arenas now map apart.
 *
 * A bit is set while the map holds an address of its granule: the map's
 * insert sets it, and its remove clears it when no other record of the
 * granule is left, under the lock of the map's shard for those granules
 * (the map places the records of one granule from one home slot, so the
 * remove finds the others in the run it has just read).  The free path
 * reads the bit alone.  A bit of a granule that aliases the used part of
 * the bootstrap arena is never cleared, so a pinned arena block
 * (ht_filter_pin, under the same lock) can never look unsampled; the
 * arena's unused part keeps no bit set (a heap that aliases it frees on
 * the fast path again once its sampled blocks are gone).
 */
#define HT_FILTER_SHIFT 7 /* 128-byte granules */
#define HT_FILTER_BITS 22
#define HT_FILTER_GRANULES (1u << HT_FILTER_BITS)
#define HT_FILTER_WORDS (HT_FILTER_GRANULES / 64)
extern uint64_t ht_filter[HT_FILTER_WORDS];

/* Non-zero when p may be a sampled address or an arena block. */
static inline int ht_filter_maybe(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	uint64_t w = __atomic_load_n(
		&ht_filter[(a >> (HT_FILTER_SHIFT + 6)) & (HT_FILTER_WORDS - 1)],
		__ATOMIC_RELAXED);

	return (int)((w >> ((a >> HT_FILTER_SHIFT) & 63)) & 1);
}

/* Clear every bit (a fork child, before it runs anything else, with
 * ht_addrmap_clear). */
void ht_filter_clear(void);

/* The bootstrap arena's storage (interpose.c serves allocations from it
 * while the real functions are being resolved) and how much of it is
 * handed out: bytes from its start, only ever raised (interpose.c's
 * arena_alloc, before it pins the block).  They live here because the
 * filter must know the range whose bits stay set: see ht_filter_pin. */
#define HT_ARENA_SIZE (256u * 1024u)
extern char ht_arena[HT_ARENA_SIZE];
extern size_t ht_arena_used;

/* What a sampled allocation added: requested size, weight, stack index and
 * the reset generation it was counted in; and when it was born. */
struct ht_addr_rec {
	uint64_t addr;   /* 0 = empty slot */
	uint64_t size;
	struct ht_weight w;
	uint32_t stack;
	uint32_t gen;
	uint64_t born_ns; /* CLOCK_MONOTONIC of the allocation */
};

#define HT_ADDRMAP_SHARDS 64

/* One shard: open addressing over its own mmap'd table, which starts at
 * one page and doubles (under the shard's lock) up to max_cap.  A shard
 * holds the addresses of the filter granules ht_addrmap_shard_of gives
 * it, so the record and the filter's bit change under its one lock,
 * which shares the line of the table's pointer: a cold insert or remove
 * waits for one line before it reads the table. */
struct ht_addr_shard {
	int lock;
	uint32_t cap;    /* records in tab, 0 = not allocated yet */
	uint32_t count;
	struct ht_addr_rec *tab;
} __attribute__((aligned(64))); /* a cache line each: threads sampling in
				  * different shards do not share lines */

struct ht_addrmap {
	uint32_t max_cap;  /* records per shard at most, power of two */
	uint32_t max_used; /* records per shard allowed (7/8 of max_cap) */
	struct ht_addr_shard shards[HT_ADDRMAP_SHARDS];
};

/* Where an address lives in the map: its filter granule, its shard (whose
 * lock also guards the granule's filter bit) and its hash in the shard's
 * table, the granule's (addresses of one granule share a home slot).  A
 * sample computes it once for its prefetches and its insert. */
struct ht_addr_at {
	uint64_t hash;
	uint32_t granule;
	uint32_t shard;
};

/* The shard of granule g: its 64 MiB window of the filter's 512 MiB (the
 * high 3 bits), then one of that window's 8 shards by a hash of its
 * filter word, so that aligned blocks (every 2 MiB, say) do not all land
 * in one shard.  glibc gives each thread's arena a 64 MiB-aligned window
 * of its own: threads that keep to their arenas then never take each
 * other's locks or write each other's table lines (with 64 shards hashed
 * over all windows, every shard's lines went back and forth between the
 * threads' cores). */
#define HT_ADDRMAP_WINDOW_BITS 3
_Static_assert(HT_FILTER_SHIFT + HT_FILTER_BITS - HT_ADDRMAP_WINDOW_BITS == 26,
	       "a window is 64 MiB of granules");
_Static_assert(HT_ADDRMAP_SHARDS == 1 << 6, "a shard is 6 bits");

static inline uint32_t ht_addrmap_shard_of(uint32_t g)
{
	return ((g >> (HT_FILTER_BITS - HT_ADDRMAP_WINDOW_BITS)) << (6 - HT_ADDRMAP_WINDOW_BITS)) |
	       (((g >> 6) * UINT32_C(0x9e3779b1)) >> (32 - (6 - HT_ADDRMAP_WINDOW_BITS)));
}

static inline struct ht_addr_at ht_addrmap_at(uint64_t addr)
{
	struct ht_addr_at at;
	uint64_t h;

	at.granule = (uint32_t)(addr >> HT_FILTER_SHIFT) & (HT_FILTER_GRANULES - 1);
	at.shard = ht_addrmap_shard_of(at.granule);
	h = at.granule * UINT64_C(0xd6e8feb86659fd93);
	at.hash = h ^ (h >> 32);
	return at;
}

/* An empty map whose shards of one 64 MiB window (ht_addrmap_shard_of) may
 * grow to 2^log2_cap records together, 8 times that in all (tables are
 * mmap'd on demand, so an idle map costs nothing).  Returns 0. */
int ht_addrmap_init(struct ht_addrmap *m, unsigned log2_cap);

/* Forget every record and release the tables (a fork child starts empty).
 * Only call while no other thread can use the map. */
void ht_addrmap_clear(struct ht_addrmap *m);

/*
 * Insert rec (rec->addr != 0; at = ht_addrmap_at(rec->addr)) and set its
 * filter bit.  If the address is already present (its free was not
 * seen), the old record is replaced and copied to *old.  Returns 0
 * (inserted), 1 (replaced), or -ENOSPC (the shard is at its maximum, or
 * mmap failed: nothing stored).
 */
int ht_addrmap_insert(struct ht_addrmap *m, const struct ht_addr_at *at,
		      const struct ht_addr_rec *rec, struct ht_addr_rec *old);

/* Ask for the cache lines an insert or remove at `at` will touch first
 * (its shard's lock and header, its filter word), so that they
 * arrive while the sampled path does other work.  No lock, no effect but
 * on the caches. */
void ht_addrmap_prefetch(const struct ht_addrmap *m, const struct ht_addr_at *at);
/* The same for the table slot where the search starts; best called once
 * the lines asked for by ht_addrmap_prefetch have arrived. */
void ht_addrmap_prefetch_slot(const struct ht_addrmap *m, const struct ht_addr_at *at);

/* Remove addr: copy its record to *out, clear its filter bit if no other
 * record of its granule is left (and it does not alias the arena) and
 * return 1; return 0 when absent. */
int ht_addrmap_remove(struct ht_addrmap *m, uint64_t addr, struct ht_addr_rec *out);

/* Find addr without removing it: 1 and *out, or 0. */
int ht_addrmap_find(struct ht_addrmap *m, uint64_t addr, struct ht_addr_rec *out);

/* Set the bit of p (an arena block below ht_arena_used, raised before)
 * for good, under the lock of m's shard for its granule: a remove that
 * aliases it, under that lock, then either clears the bit before this
 * sets it or sees the raised ht_arena_used and keeps it.  No caller
 * holds a shard lock of m: arena blocks are handed out before the real
 * functions are known (nothing is sampled yet), or for the runtime's own
 * blocks with every signal blocked (control.c), or in a fork child. */
void ht_filter_pin(struct ht_addrmap *m, const void *p);

/* Records per shard at most: the size of the buffer ht_addrmap_copy_shard
 * may need. */
static inline uint32_t ht_addrmap_shard_max(const struct ht_addrmap *m)
{
	return m->max_cap;
}

/* Copy shard s's records of reset generation gen into out (room for cap
 * records) under the shard's lock, and nothing else under it.  Returns the
 * records copied (at most cap). */
uint32_t ht_addrmap_copy_shard(struct ht_addrmap *m, unsigned s, uint32_t gen,
			       struct ht_addr_rec *out, uint32_t cap);

#endif /* HT_RUNTIME_ADDRMAP_H */
