/*
 * Sampled-address map and address filter (see addrmap.h).  Runs inside
 * malloc and free: memory from mmap only, locks only under the recursion
 * guard.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "runtime/addrmap.h"
#include "runtime/util.h"

uint64_t ht_filter[HT_FILTER_WORDS] __attribute__((aligned(4096)));
char ht_arena[HT_ARENA_SIZE] __attribute__((aligned(4096)));
size_t ht_arena_used;

/* A bit changes under the lock of the map's shard for its granule
 * (ht_addrmap_shard_of, addrmap.h), which holds every address of the
 * granules of the bit's word: a sampled insert or remove takes one lock
 * for the record and the bit, in the cache line of the shard's table
 * pointer, and so does an arena block's pin.  Atomic all the same: the
 * free hook reads the word without the lock, and an atomic OR writes
 * without reading first (bit_set). */

static uint32_t granule(const void *p)
{
	return ht_addrmap_at((uint64_t)(uintptr_t)p).granule;
}

/* True when granule g aliases a granule of the arena's used part, whose
 * blocks' bits are pinned; called under g's shard lock, which
 * ht_filter_pin takes after ht_arena_used was raised for its block.  The
 * arena is page-aligned, so its used part starts at a granule. */
static int aliases_arena(uint32_t g)
{
	uint32_t d = (g - granule(ht_arena)) & (HT_FILTER_GRANULES - 1);

	/* the arena's whole range first: a constant, so the sampled free
	 * reads ht_arena_used (a line of its own) only in that 1/2048 */
	if (HT_LIKELY(d >= (HT_ARENA_SIZE >> HT_FILTER_SHIFT)))
		return 0;
	return d < (__atomic_load_n(&ht_arena_used, __ATOMIC_RELAXED) +
		    (1u << HT_FILTER_SHIFT) - 1) >> HT_FILTER_SHIFT;
}

/* Set granule g's bit, its shard's lock held.  Written without reading it
 * first: on a page of the filter not touched yet, a read would map the
 * kernel's zero page, and the write after it replace that: a second
 * fault, which also makes the kernel flush the page from the TLB of every
 * CPU that runs one of the program's threads (an interrupt each). */
static void bit_set(uint32_t g)
{
	__atomic_fetch_or(&ht_filter[g >> 6], UINT64_C(1) << (g & 63), __ATOMIC_RELEASE);
}

static void bit_clear(uint32_t g)
{
	if (!aliases_arena(g))
		__atomic_fetch_and(&ht_filter[g >> 6], ~(UINT64_C(1) << (g & 63)),
				   __ATOMIC_RELEASE);
}

/* Zero a page-aligned .bss array: give its pages back (they read as zero
 * again, and a fork child does not fault in pages it never uses), or
 * memset when that fails. */
static void zero_pages(void *p, size_t size)
{
	if (madvise(p, size, MADV_DONTNEED) != 0)
		memset(p, 0, size);
}

void ht_filter_clear(void)
{
	zero_pages(ht_filter, sizeof ht_filter);
}

static int *shard_lock(struct ht_addrmap *m, unsigned s)
{
	return &m->shards[s].lock;
}

#define FIRST_CAP 64u /* 64 records of 64 bytes: one page */

int ht_addrmap_init(struct ht_addrmap *m, unsigned log2_cap)
{
	size_t n = (size_t)1 << log2_cap;

	memset(m, 0, sizeof *m);
	/* a window's shards may together hold all n: one arena's heap
	 * (a single-threaded program's) is not held to 1/8 of the map */
	m->max_cap = (uint32_t)(n >> (6 - HT_ADDRMAP_WINDOW_BITS));
	if (m->max_cap < 8)
		m->max_cap = 8;
	m->max_used = m->max_cap - m->max_cap / 8;
	return 0;
}

void ht_addrmap_clear(struct ht_addrmap *m)
{
	for (unsigned s = 0; s < HT_ADDRMAP_SHARDS; s++) {
		struct ht_addr_shard *sh = &m->shards[s];
		if (sh->tab)
			munmap(sh->tab, (size_t)sh->cap * sizeof *sh->tab);
		memset(sh, 0, sizeof *sh);
	}
}

/* A table's pages are mapped at once (MAP_POPULATE): its first search
 * would read an untouched page and map the zero page, which the record
 * written after it replaces (see bit_set).  A table is at least
 * 7/16 full when it grows into its next size: the pages are used. */
static struct ht_addr_rec *new_table(uint32_t cap)
{
	void *p = mmap(NULL, (size_t)cap * sizeof(struct ht_addr_rec), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Place rec in tab (no duplicate, room guaranteed). */
static void place(struct ht_addr_rec *tab, uint32_t cap, const struct ht_addr_rec *rec)
{
	uint32_t mask = cap - 1, i = (uint32_t)ht_addrmap_at(rec->addr).hash & mask;

	while (tab[i].addr != 0)
		i = (i + 1) & mask;
	tab[i] = *rec;
}

/* Make room for one more record in sh (lock held).  Returns 0 or -ENOSPC. */
static int reserve_one(struct ht_addrmap *m, struct ht_addr_shard *sh)
{
	uint32_t ncap;
	struct ht_addr_rec *nt;

	if (sh->cap && sh->count + 1 <= sh->cap - sh->cap / 8)
		return 0;
	if (sh->count + 1 > m->max_used)
		return -ENOSPC;
	ncap = sh->cap ? sh->cap * 2 : (FIRST_CAP < m->max_cap ? FIRST_CAP : m->max_cap);
	if (ncap > m->max_cap)
		ncap = m->max_cap;
	if (ncap == sh->cap)
		return 0;       /* full size, and count + 1 <= max_used */
	nt = new_table(ncap);
	if (!nt)
		return -ENOSPC;
	for (uint32_t i = 0; i < sh->cap; i++)
		if (sh->tab[i].addr)
			place(nt, ncap, &sh->tab[i]);
	if (sh->tab)
		munmap(sh->tab, (size_t)sh->cap * sizeof *sh->tab);
	sh->tab = nt;
	sh->cap = ncap;
	return 0;
}

/* Slot of addr in sh (lock held; h: its hash): 1 and *slot, or 0 and
 * *slot = the empty slot that ended the search (where addr would go), cap
 * if none.  With mates, the search also sets *mates when it passes a
 * record of granule g before addr's slot (the records of a granule are
 * all in the run from its home slot to the next empty one). */
static int locate(const struct ht_addr_shard *sh, uint64_t addr, uint64_t h, uint32_t *slot,
		  uint32_t g, int *mates)
{
	uint32_t mask, i;

	*slot = sh->cap;
	if (!sh->cap)
		return 0;
	mask = sh->cap - 1;
	i = (uint32_t)h & mask;
	for (uint32_t n = 0; n < sh->cap; n++, i = (i + 1) & mask) {
		if (sh->tab[i].addr == addr) {
			*slot = i;
			return 1;
		}
		if (sh->tab[i].addr == 0) {
			*slot = i;
			return 0;
		}
		if (mates)
			*mates |= ht_addrmap_at(sh->tab[i].addr).granule == g;
	}
	return 0;
}

int ht_addrmap_insert(struct ht_addrmap *m, const struct ht_addr_at *at,
		      const struct ht_addr_rec *rec, struct ht_addr_rec *old)
{
	uint64_t h = at->hash;
	uint32_t g = at->granule;
	unsigned s = at->shard;
	struct ht_addr_shard *sh = &m->shards[s];
	uint32_t i, cap;
	int r;

	ht_spin_lock(shard_lock(m, s));
	cap = sh->cap;
	if (locate(sh, rec->addr, h, &i, 0, NULL)) {
		*old = sh->tab[i];
		sh->tab[i] = *rec;
		r = 1;
	} else if ((r = reserve_one(m, sh)) == 0) {
		/* the hole the search ended at, unless the table just grew */
		if (sh->cap == cap && i < cap)
			sh->tab[i] = *rec;
		else
			place(sh->tab, sh->cap, rec);
		sh->count++;
		bit_set(g);
	}
	ht_spin_unlock(shard_lock(m, s));
	return r;
}

void ht_addrmap_prefetch(const struct ht_addrmap *m, const struct ht_addr_at *at)
{
	__builtin_prefetch(&m->shards[at->shard], 1);
	__builtin_prefetch(&ht_filter[at->granule >> 6], 1);
}

void ht_addrmap_prefetch_slot(const struct ht_addrmap *m, const struct ht_addr_at *at)
{
	const struct ht_addr_shard *sh = &m->shards[at->shard];
	/* unlocked: a table replaced meanwhile costs a useless prefetch,
	 * which never faults */
	uint32_t cap = __atomic_load_n(&sh->cap, __ATOMIC_RELAXED);
	const struct ht_addr_rec *tab = __atomic_load_n(&sh->tab, __ATOMIC_RELAXED);

	if (cap && tab)
		__builtin_prefetch(&tab[at->hash & (cap - 1)], 1);
}

int ht_addrmap_find(struct ht_addrmap *m, uint64_t addr, struct ht_addr_rec *out)
{
	struct ht_addr_at at = ht_addrmap_at(addr);
	uint64_t h = at.hash;
	unsigned s = at.shard;
	struct ht_addr_shard *sh = &m->shards[s];
	uint32_t i;
	int found;

	if (!addr)
		return 0;
	ht_spin_lock(shard_lock(m, s));
	found = locate(sh, addr, h, &i, 0, NULL);
	if (found)
		*out = sh->tab[i];
	ht_spin_unlock(shard_lock(m, s));
	return found;
}

uint32_t ht_addrmap_copy_shard(struct ht_addrmap *m, unsigned s, uint32_t gen,
			       struct ht_addr_rec *out, uint32_t cap)
{
	struct ht_addr_shard *sh;
	uint32_t n = 0;

	s %= HT_ADDRMAP_SHARDS;
	sh = &m->shards[s];
	ht_spin_lock(shard_lock(m, s));
	for (uint32_t i = 0; i < sh->cap && n < cap; i++)
		if (sh->tab[i].addr && sh->tab[i].gen == gen)
			out[n++] = sh->tab[i];
	ht_spin_unlock(shard_lock(m, s));
	return n;
}

void ht_filter_pin(struct ht_addrmap *m, const void *p)
{
	struct ht_addr_at at = ht_addrmap_at((uint64_t)(uintptr_t)p);

	ht_spin_lock(shard_lock(m, at.shard));
	bit_set(at.granule);
	ht_spin_unlock(shard_lock(m, at.shard));
}

int ht_addrmap_remove(struct ht_addrmap *m, uint64_t addr, struct ht_addr_rec *out)
{
	struct ht_addr_at at = ht_addrmap_at(addr);
	uint32_t g = at.granule;
	unsigned s = at.shard;
	struct ht_addr_shard *sh = &m->shards[s];
	struct ht_addr_rec *tab;
	uint32_t i, j, mask;
	int held = 0;

	if (!addr)
		return 0;
	ht_spin_lock(shard_lock(m, s));
	if (!locate(sh, addr, at.hash, &i, g, &held)) {
		ht_spin_unlock(shard_lock(m, s));
		return 0;
	}
	tab = sh->tab;
	mask = sh->cap - 1;
	*out = tab[i];
	/* backward-shift deletion: keep every probe chain gap-free.  It reads
	 * the rest of the run, with the granule's records after addr's */
	j = i;
	for (;;) {
		struct ht_addr_at aj;
		uint32_t k;

		j = (j + 1) & mask;
		if (tab[j].addr == 0)
			break;
		aj = ht_addrmap_at(tab[j].addr);
		held |= aj.granule == g;
		k = (uint32_t)aj.hash & mask;
		/* tab[j] stays unless its home k lies cyclically outside
		 * (i, j]: then it may move back into the hole at i */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		tab[i] = tab[j];
		i = j;
	}
	tab[i].addr = 0;
	sh->count--;
	if (!held)
		bit_clear(g);
	ht_spin_unlock(shard_lock(m, s));
	return 1;
}
