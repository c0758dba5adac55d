/*
 * Unit tests of src/runtime/addrmap.c: the sampled-address map (insert,
 * replace, remove with backward shift, full shard) and the address filter
 * in front of it, checked against a reference model under random
 * operations.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "runtime/addrmap.h"

/* The sampled path's insert: its place computed from the record */
static int insert(struct ht_addrmap *m, const struct ht_addr_rec *r, struct ht_addr_rec *old)
{
	struct ht_addr_at at = ht_addrmap_at(r->addr);

	return ht_addrmap_insert(m, &at, r, old);
}

static struct ht_addr_rec rec_of(uint64_t addr, uint32_t stack)
{
	struct ht_addr_rec r;
	memset(&r, 0, sizeof r);
	r.addr = addr;
	r.size = addr & 0xffff;
	r.stack = stack;
	r.w.est_bytes = addr * 2;
	return r;
}

#define GRAN ((uintptr_t)1 << HT_FILTER_SHIFT)
#define SPAN ((uintptr_t)HT_FILTER_GRANULES << HT_FILTER_SHIFT)

/* a itself, or a moved by half a span when a or its next 1 MiB could
 * alias the bootstrap arena: the arena moves with ASLR, and the bits of
 * its used part are never cleared, so a fixed address would make a test
 * that expects a cleared bit fail in about one run of 256 once a test
 * has used it. */
static uintptr_t off_arena(uintptr_t a)
{
	uintptr_t d = (a - (uintptr_t)ht_arena) & (SPAN - 1);

	if (d < HT_ARENA_SIZE + ((uintptr_t)1 << 20) ||
	    d > SPAN - ((uintptr_t)1 << 20))
		a += SPAN / 2;
	return a;
}

static void test_basic(void **state)
{
	struct ht_addrmap m;
	uintptr_t a = off_arena(0x1000);
	struct ht_addr_rec r = rec_of(a, 7), out, old;
	(void)state;

	ht_filter_clear();
	assert_int_equal(ht_addrmap_init(&m, 12), 0);
	assert_int_equal(ht_filter_maybe((void *)a), 0);
	assert_int_equal(insert(&m, &r, &old), 0);
	assert_true(ht_filter_maybe((void *)a));
	assert_int_equal(ht_addrmap_find(&m, a, &out), 1);
	assert_int_equal(out.stack, 7);
	/* the same address again replaces and returns the old record */
	r.stack = 9;
	assert_int_equal(insert(&m, &r, &old), 1);
	assert_int_equal(old.stack, 7);
	assert_int_equal(ht_addrmap_remove(&m, a, &out), 1);
	assert_int_equal(out.stack, 9);
	assert_int_equal(ht_addrmap_remove(&m, a, &out), 0);
	assert_int_equal(ht_filter_maybe((void *)a), 0);
	assert_int_equal(ht_addrmap_remove(&m, 0, &out), 0);
}

static void test_full_shard(void **state)
{
	struct ht_addrmap m;
	struct ht_addr_rec old;
	int inserted = 0, full = 0;
	(void)state;

	ht_filter_clear();
	/* 2^9 records for one 64 MiB window: its 8 shards of 64, 56 usable
	 * each; a shard holds the addresses of some 4 KiB filter words of
	 * the window: one address per word, all in the first window */
	assert_int_equal(ht_addrmap_init(&m, 9), 0);
	for (uint64_t a = 1; a <= 2000; a++) {
		struct ht_addr_rec r = rec_of(a * 4096 + 16, 1);
		int res = insert(&m, &r, &old);
		if (res == 0)
			inserted++;
		else if (res == -ENOSPC)
			full++;
	}
	assert_int_equal(inserted, 8 * 56);
	assert_int_equal(full, 2000 - 8 * 56);
}

/* Addresses in different 64 MiB windows (glibc's per-thread arenas) are
 * held by different shards: a window whose shards are full leaves every
 * other window's room, and its addresses' locks and table lines, alone. */
static void test_windows_apart(void **state)
{
	struct ht_addrmap m;
	struct ht_addr_rec old, out;
	const uint64_t window = UINT64_C(64) << 20, base = UINT64_C(0x7f0000000000);
	(void)state;

	ht_filter_clear();
	assert_int_equal(ht_addrmap_init(&m, 9), 0);
	for (uint64_t a = 1; a <= 2000; a++) {
		struct ht_addr_rec r = rec_of(base + a * 4096 + 16, 1);

		(void)insert(&m, &r, &old);
	}
	/* the first window is full; each of the seven others takes its 448 */
	for (uint64_t w = 1; w < 8; w++) {
		int inserted = 0;

		for (uint64_t a = 1; a <= 2000; a++) {
			struct ht_addr_rec r = rec_of(base + w * window + a * 4096 + 16, 2);

			inserted += insert(&m, &r, &old) == 0;
		}
		assert_int_equal(inserted, 448);
	}
	/* the ninth window aliases the first (modulo 512 MiB): full too */
	{
		struct ht_addr_rec r = rec_of(base + 8 * window + 4096 + 16, 3);

		assert_int_equal(insert(&m, &r, &old), -ENOSPC);
	}
	assert_int_equal(ht_addrmap_find(&m, base + 7 * window + 4096 + 16, &out), 1);
	assert_int_equal(out.stack, 2);
}

/* Random inserts and removes against a reference: every present address is
 * found with its record, every removed one is gone. */
static void test_random_model(void **state)
{
	enum { N = 20000 };
	struct ht_addrmap m;
	static uint64_t addrs[N];
	static uint8_t present[N];
	struct ht_addr_rec out, old;
	uint64_t x = 88172645463325252ull;
	(void)state;

	ht_filter_clear();
	assert_int_equal(ht_addrmap_init(&m, 16), 0);
	for (int i = 0; i < N; i++)
		addrs[i] = off_arena(0x7f0000000000ull) + (uint64_t)i * 48;
	for (int step = 0; step < 400000; step++) {
		int i;
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		i = (int)(x % N);
		if (present[i]) {
			assert_int_equal(ht_addrmap_remove(&m, addrs[i], &out), 1);
			assert_int_equal(out.stack, (uint32_t)i);
			present[i] = 0;
		} else {
			struct ht_addr_rec r = rec_of(addrs[i], (uint32_t)i);
			int res = insert(&m, &r, &old);
			assert_true(res == 0 || res == -ENOSPC);
			present[i] = res == 0;
		}
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(ht_addrmap_find(&m, addrs[i], &out), present[i]);
		if (present[i])
			assert_int_equal(out.stack, (uint32_t)i);
	}
	/* a bit is set exactly when an address of its granule is held
	 * (i * 48: a granule holds the addresses of its neighbours) */
	for (int i = 0; i < N; i++) {
		const int near = (int)(GRAN / 48) + 1;
		int held = 0;

		for (int k = i - near; k <= i + near; k++)
			if (k >= 0 && k < N && present[k] &&
			    addrs[k] / GRAN == addrs[i] / GRAN)
				held = 1;
		assert_int_equal(ht_filter_maybe((void *)(uintptr_t)addrs[i]), held);
	}
	ht_addrmap_clear(&m);
	for (int i = 0; i < N; i++)
		assert_int_equal(ht_addrmap_find(&m, addrs[i], &out), 0);
}

/* The filter tests' map: a bit is set by holding an address of its
 * granule in the map, and cleared by removing the last one. */
static struct ht_addrmap fm;

static void filter_reset(void)
{
	ht_addrmap_clear(&fm);
	ht_filter_clear();
	assert_int_equal(ht_addrmap_init(&fm, 16), 0);
}

static void hold(void *p)
{
	struct ht_addr_rec r = rec_of((uint64_t)(uintptr_t)p, 1), old;

	assert_int_equal(insert(&fm, &r, &old), 0);
}

static void drop(void *p)
{
	struct ht_addr_rec out;

	assert_int_equal(ht_addrmap_remove(&fm, (uint64_t)(uintptr_t)p, &out), 1);
}

/* Many addresses of one granule (aliases a span apart share it, and its
 * home slot): the bit stays until the last one goes, in whatever order,
 * with records of other granules in the same run of the table. */
static void test_filter_granule_mates(void **state)
{
	enum { MATES = 300 };
	uintptr_t base = off_arena(0x123440);
	uint64_t x = 0x2545f4914f6cdd1dull;
	static uint8_t gone[MATES];
	(void)state;

	filter_reset();
	for (uintptr_t i = 0; i < MATES; i++) {
		hold((void *)(base + i * SPAN));
		hold((void *)(base + GRAN * (i + 1)));
	}
	for (int n = MATES; n > 0; n--) {
		int i;

		do {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			i = (int)(x % MATES);
		} while (gone[i]);
		assert_true(ht_filter_maybe((void *)base));
		drop((void *)(base + (uintptr_t)i * SPAN));
		gone[i] = 1;
	}
	assert_false(ht_filter_maybe((void *)base));
	for (uintptr_t i = 0; i < MATES; i++)
		assert_true(ht_filter_maybe((void *)(base + GRAN * (i + 1))));
	filter_reset();
}

/* The filter's geometry: 2^HT_FILTER_SHIFT-byte granules (two addresses
 * in one granule share a bit), neighbouring granules are independent, and
 * addresses a whole span apart alias (bit shared, never a false
 * negative). */
static void *at(uintptr_t a) { return (void *)a; }

static void test_filter_granules(void **state)
{
	uintptr_t base = off_arena(0x7f1234560000);
	(void)state;

	filter_reset();
	hold(at(base));
	assert_true(ht_filter_maybe(at(base)));
	assert_true(ht_filter_maybe(at(base + GRAN - 1)));
	assert_false(ht_filter_maybe(at(base + GRAN)));
	assert_false(ht_filter_maybe(at(base - 1)));
	/* two sampled objects in one granule: the bit stays until both go */
	hold(at(base + GRAN / 2));
	drop(at(base));
	assert_true(ht_filter_maybe(at(base + GRAN / 2)));
	drop(at(base + GRAN / 2));
	assert_false(ht_filter_maybe(at(base + GRAN / 2)));
	/* aliases a span apart share the bit */
	hold(at(base));
	hold(at(base + SPAN));
	drop(at(base));
	assert_true(ht_filter_maybe(at(base + SPAN)));
	drop(at(base + SPAN));
	assert_false(ht_filter_maybe(at(base)));
	/* every bit of a 64-bit word is its own */
	for (uintptr_t i = 0; i < 64; i++)
		hold(at(base + GRAN * i));
	for (uintptr_t i = 0; i < 64; i += 2)
		drop(at(base + GRAN * i));
	for (uintptr_t i = 0; i < 64; i++)
		assert_int_equal(ht_filter_maybe(at(base + GRAN * i)), (int)(i & 1));
	filter_reset();
}

/* A pinned arena block stays visible even when a sampled address that
 * aliases it comes and goes; a sampled address that aliases the arena's
 * unused part clears its bit when it goes (it did not: every such free
 * then took the slow path for good). */
static void test_filter_arena_pinned(void **state)
{
	char *blk = ht_arena + 4096;
	void *alias = at((uintptr_t)blk + SPAN * 3);
	void *past = at((uintptr_t)ht_arena + 4096 + 4 * GRAN + SPAN * 5);
	(void)state;

	filter_reset();
	ht_arena_used = 4096 + GRAN;
	ht_filter_pin(&fm, blk);
	assert_true(ht_filter_maybe(blk));
	hold(alias);
	drop(alias);
	assert_true(ht_filter_maybe(blk));
	hold(past);
	assert_true(ht_filter_maybe(past));
	drop(past);
	assert_false(ht_filter_maybe(past));
	/* the last used byte's granule is pinned, the next one is not */
	hold(at((uintptr_t)blk + GRAN + SPAN));
	drop(at((uintptr_t)blk + GRAN + SPAN));
	assert_false(ht_filter_maybe(blk + GRAN));
	ht_arena_used = 4096 + GRAN + 1;
	hold(at((uintptr_t)blk + GRAN + SPAN));
	drop(at((uintptr_t)blk + GRAN + SPAN));
	assert_true(ht_filter_maybe(blk + GRAN));
	filter_reset();
	assert_false(ht_filter_maybe(blk));
	ht_arena_used = 0;
}

/* Blocks handed out from the arena one granule at a time (the used mark
 * raised, then the block pinned, as interpose.c does) while other threads
 * hold and drop sampled addresses that alias the granule about to be
 * handed out: a remove that read the old mark must not clear a pin made
 * after it.  At the end every block's bit is set. */
enum { PIN_DROPPERS = 2, PIN_ROUNDS = 96 };
static int pin_done;

static void *pin_dropper(void *arg)
{
	uintptr_t span = SPAN * (uintptr_t)(2 + (intptr_t)arg);

	while (!__atomic_load_n(&pin_done, __ATOMIC_ACQUIRE)) {
		size_t used = __atomic_load_n(&ht_arena_used, __ATOMIC_RELAXED);
		uintptr_t a = (uintptr_t)ht_arena + ((used + GRAN - 1) & ~(GRAN - 1)) + span;
		struct ht_addr_rec r = rec_of(a, 2), o;

		if (used >= HT_ARENA_SIZE)
			continue;
		if (insert(&fm, &r, &o) == 0)
			ht_addrmap_remove(&fm, a, &o);
	}
	return NULL;
}

static void test_filter_arena_pin_race(void **state)
{
	pthread_t th[PIN_DROPPERS];
	long lost = 0;
	(void)state;

	for (int round = 0; round < PIN_ROUNDS; round++) {
		filter_reset();
		ht_arena_used = 0;
		pin_done = 0;
		for (int t = 0; t < PIN_DROPPERS; t++)
			assert_int_equal(pthread_create(&th[t], NULL, pin_dropper,
							(void *)(intptr_t)t), 0);
		for (size_t off = 0; off < HT_ARENA_SIZE; off += GRAN) {
			__atomic_store_n(&ht_arena_used, off + GRAN, __ATOMIC_RELAXED);
			ht_filter_pin(&fm, ht_arena + off);
			for (volatile int spin = 0; spin < 40; spin++)
				;
		}
		__atomic_store_n(&pin_done, 1, __ATOMIC_RELEASE);
		for (int t = 0; t < PIN_DROPPERS; t++)
			pthread_join(th[t], NULL);
		for (size_t off = 0; off < HT_ARENA_SIZE; off += GRAN)
			lost += !ht_filter_maybe(ht_arena + off);
	}
	assert_int_equal(lost, 0);
	filter_reset();
	ht_arena_used = 0;
}

/* Threads holding and dropping addresses that alias the same 64 granules
 * (a span apart) at random: after every step each thread's own held
 * addresses must still test positive (no false negative ever), and at the
 * end the bits are exactly the granules someone still holds. */
enum { RACE_THREADS = 4, RACE_GRANULES = 64, RACE_STEPS = 200000 };
static uintptr_t race_base;
static uint8_t race_held[RACE_THREADS][RACE_GRANULES];
static int race_bad;

static void *race_thread(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);

	for (int step = 0; step < RACE_STEPS; step++) {
		struct ht_addr_rec r, o;
		int g;
		void *a;
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		g = (int)(x % RACE_GRANULES);
		a = at(race_base + (uintptr_t)t * SPAN + GRAN * (uintptr_t)g);
		if (race_held[t][g]) {
			if (ht_addrmap_remove(&fm, (uint64_t)(uintptr_t)a, &o) != 1)
				__atomic_store_n(&race_bad, 1, __ATOMIC_RELAXED);
			race_held[t][g] = 0;
		} else {
			r = rec_of((uint64_t)(uintptr_t)a, (uint32_t)t);
			if (insert(&fm, &r, &o) != 0)
				__atomic_store_n(&race_bad, 1, __ATOMIC_RELAXED);
			race_held[t][g] = 1;
		}
		for (int k = 0; k < RACE_GRANULES; k++)
			if (race_held[t][k] &&
			    !ht_filter_maybe(at(race_base + (uintptr_t)t * SPAN + GRAN * (uintptr_t)k)))
				__atomic_store_n(&race_bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_filter_concurrent(void **state)
{
	pthread_t th[RACE_THREADS];
	(void)state;

	filter_reset();
	race_base = off_arena(0x7f5500000000);
	for (int t = 0; t < RACE_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, race_thread, (void *)(intptr_t)t), 0);
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(race_bad, 0);
	for (int g = 0; g < RACE_GRANULES; g++) {
		int any = 0;
		for (int t = 0; t < RACE_THREADS; t++)
			any |= race_held[t][g];
		assert_int_equal(ht_filter_maybe(at(race_base + GRAN * (uintptr_t)g)), any);
	}
	filter_reset();
}

/* Eight threads' glibc arenas: 64 MiB-aligned windows, filled from the
 * same offset.  Their blocks at that offset never share a filter bit (nor
 * a line), so one thread's samples neither make the other's frees take
 * the slow path nor write the lines they read. */
static void test_filter_arenas(void **state)
{
	const uintptr_t arena = (uintptr_t)64 << 20;
	uintptr_t base = off_arena(0x7f4c00000000 + 0x8b0);
	(void)state;

	_Static_assert(SPAN >= 8 * arena, "the filter spans eight arenas");
	filter_reset();
	hold(at(base));
	for (uintptr_t k = 1; k < 8; k++) {
		assert_false(ht_filter_maybe(at(base + k * arena)));
		assert_false(ht_filter_maybe(at(base - k * arena)));
	}
	/* a whole span away, the same bit */
	assert_true(ht_filter_maybe(at(base + SPAN)));
	drop(at(base));
	assert_false(ht_filter_maybe(at(base)));
}

static long minor_faults(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return u.ru_minflt;
}

/* The first sampled address in an untouched page of the filter faults
 * the page in once, written: a first read would map the zero page and
 * the write after it fault again (and, in a threaded program, flush that
 * page from the other CPUs' TLBs).  64 addresses, one per page of the
 * filter (a page's bits cover FILTER_PAGE bytes of addresses), the map's
 * tables in place from a first round: 64 faults; read first, 128. */
#define FILTER_PAGE ((uint64_t)4096 * 8 << HT_FILTER_SHIFT)
_Static_assert(64 * FILTER_PAGE <= SPAN, "64 pages of filter");

static void test_filter_written_first(void **state)
{
	const uint64_t base = off_arena(UINT64_C(0x7e0000000000));
	long before, faults;
	(void)state;

#if defined(__SANITIZE_ADDRESS__)
	skip(); /* AddressSanitizer's shadow pages fault in as well */
#endif
	filter_reset();
	for (uint64_t k = 0; k < 64; k++)
		hold((void *)(uintptr_t)(base + k * FILTER_PAGE));
	for (uint64_t k = 0; k < 64; k++)
		drop((void *)(uintptr_t)(base + k * FILTER_PAGE));
	ht_filter_clear(); /* the pages given back: untouched again */
	before = minor_faults();
	for (uint64_t k = 0; k < 64; k++)
		hold((void *)(uintptr_t)(base + k * FILTER_PAGE));
	faults = minor_faults() - before;
	for (uint64_t k = 0; k < 64; k++)
		assert_true(ht_filter_maybe((void *)(uintptr_t)(base + k * FILTER_PAGE)));
	assert_true(faults >= 64);
	assert_true(faults < 96);
	filter_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full_shard),
		cmocka_unit_test(test_windows_apart),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_filter_granule_mates),
		cmocka_unit_test(test_filter_granules),
		cmocka_unit_test(test_filter_arena_pinned),
		cmocka_unit_test(test_filter_arena_pin_race),
		cmocka_unit_test(test_filter_concurrent),
		cmocka_unit_test(test_filter_arenas),
		cmocka_unit_test(test_filter_written_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
