/*
 * Unit tests of src/runtime/ownstack.c: a function runs on a pool stack
 * (not the caller's), libunwind unwinds from there through the switch into
 * the caller's frames, the pool runs out after HT_OWNSTACK_POOL nested
 * runs (and says so instead of running), and stacks come back to the pool;
 * threads dealt their first stack keep to stacks of their own.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "runtime/ownstack.h"

struct probe {
	uintptr_t sp;       /* an address on the stack fn ran on */
	int depth;          /* frames unw_backtrace found */
	int saw_caller;     /* one of them lies in caller_marker */
};

static void *marker_lo, *marker_hi;

static void probe_fn(void *arg, void *scratch)
{
	struct probe *pr = arg;
	void *frames[64];
	char here;

	(void)scratch;
	pr->sp = (uintptr_t)&here;
	pr->depth = unw_backtrace(frames, 64);
	for (int i = 0; i < pr->depth; i++)
		if (frames[i] >= marker_lo && frames[i] < marker_hi)
			pr->saw_caller = 1;
}

/* The caller whose frame the unwinder must reach from the pool stack (a
 * return address in its first 512 bytes: it is much smaller). */
static __attribute__((noinline)) int caller_marker(struct probe *pr)
{
	int r;

	marker_lo = (void *)(uintptr_t)caller_marker;
	marker_hi = (char *)marker_lo + 512;
	r = ht_ownstack_run(probe_fn, pr);
	__asm__ volatile("" ::: "memory");
	return r;
}

static void test_runs_elsewhere_and_unwinds_back(void **state)
{
	struct probe pr;
	char here;
	(void)state;

	memset(&pr, 0, sizeof pr);
	assert_int_equal(caller_marker(&pr), 0);
	/* not on this stack: at least a page away from our frame */
	assert_true(pr.sp + 4096 < (uintptr_t)&here || pr.sp > (uintptr_t)&here + 4096);
	assert_true(pr.depth >= 3);
	assert_int_equal(pr.saw_caller, 1);
}

static int nested_depth, nested_refused;

static void nest(void *arg, void *scratch)
{
	(void)arg;
	(void)scratch;
	nested_depth++;
	if (ht_ownstack_run(nest, NULL) != 0)
		nested_refused = 1;
}

static void test_pool_runs_out_and_refills(void **state)
{
	(void)state;

	nested_depth = 0;
	nested_refused = 0;
	assert_int_equal(ht_ownstack_run(nest, NULL), 0);
	assert_int_equal(nested_depth, HT_OWNSTACK_POOL);
	assert_int_equal(nested_refused, 1);
	/* every stack was given back: the whole pool is available again */
	nested_depth = 0;
	nested_refused = 0;
	assert_int_equal(ht_ownstack_run(nest, NULL), 0);
	assert_int_equal(nested_depth, HT_OWNSTACK_POOL);
}

static void deep(void *arg, void *scratch)
{
	/* most of a pool stack is usable */
	volatile char big[HT_OWNSTACK_SIZE - 8192];

	(void)scratch;
	big[0] = 1;
	big[sizeof big - 1] = 2;
	*(int *)arg = big[0] + big[sizeof big - 1];
}

static void test_stack_size(void **state)
{
	int r = 0;
	(void)state;

	assert_int_equal(ht_ownstack_run(deep, &r), 0);
	assert_int_equal(r, 3);
}

struct scratch_probe {
	char *scratch;
	uintptr_t sp;
	unsigned seen; /* the word the previous run left */
};

/* Reads what the previous run left at both ends of its scratch area and
 * leaves its own mark, while deep() fills most of the stack below. */
static void mark_scratch(void *arg, void *scratch)
{
	struct scratch_probe *sp = arg;
	char here;
	int r = 0;

	sp->scratch = scratch;
	sp->sp = (uintptr_t)&here;
	memcpy(&sp->seen, scratch, sizeof sp->seen);
	if (sp->seen != *(unsigned *)((char *)scratch + HT_OWNSTACK_SCRATCH - sizeof(unsigned)))
		sp->seen = ~0u;
	deep(&r, NULL);
	(*(unsigned *)scratch)++;
	(*(unsigned *)((char *)scratch + HT_OWNSTACK_SCRATCH - sizeof(unsigned)))++;
}

/* The scratch area: zero at first, page-aligned, off the stack, and what
 * one run leaves the next run on the same stack finds (a thread keeps to
 * its stack), however deep the stack went in between. */
static void test_scratch_persists(void **state)
{
	struct scratch_probe a = { 0 }, b = { 0 };
	(void)state;

	assert_int_equal(ht_ownstack_run(mark_scratch, &a), 0);
	assert_int_equal(ht_ownstack_run(mark_scratch, &b), 0);
	assert_ptr_equal(a.scratch, b.scratch);
	assert_int_equal((uintptr_t)a.scratch & 4095, 0);
	assert_true(a.sp < (uintptr_t)a.scratch);
	assert_int_equal(a.seen, 0);
	assert_int_equal(b.seen, a.seen + 1);
}

/* A thread dealt its stack, then two runs on it. */
static void *dealt_thread(void *arg)
{
	struct scratch_probe *p = arg;

	ht_ownstack_deal();
	if (ht_ownstack_run(mark_scratch, &p[0]) != 0 || ht_ownstack_run(mark_scratch, &p[1]) != 0)
		p[0].scratch = NULL;
	return NULL;
}

/* Two threads that sample one after the other (never at once, so neither
 * finds the other's stack busy) each keep to a stack of their own once
 * dealt: different scratch areas, each found again by its thread's next
 * run.  Without the deal both would keep to stack 0. */
static void test_threads_dealt_apart(void **state)
{
	struct scratch_probe a[2], b[2];
	pthread_t t;
	(void)state;

	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	assert_int_equal(pthread_create(&t, NULL, dealt_thread, a), 0);
	pthread_join(t, NULL);
	assert_int_equal(pthread_create(&t, NULL, dealt_thread, b), 0);
	pthread_join(t, NULL);
	assert_non_null(a[0].scratch);
	assert_non_null(b[0].scratch);
	assert_ptr_equal(a[0].scratch, a[1].scratch);
	assert_ptr_equal(b[0].scratch, b[1].scratch);
	assert_ptr_not_equal(a[0].scratch, b[0].scratch);
	assert_int_equal(b[1].seen, b[0].seen + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_elsewhere_and_unwinds_back),
		cmocka_unit_test(test_pool_runs_out_and_refills),
		cmocka_unit_test(test_stack_size),
		cmocka_unit_test(test_scratch_persists),
		cmocka_unit_test(test_threads_dealt_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
