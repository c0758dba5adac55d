/*
 * Unit tests of core/proctree.c: linking segments into process trees
 * from their headers (exec successor, parent_name, ppid), display order,
 * quiet processes, and headers that would make a loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/proctree.h"

static void add(struct ht_proctree *t, const char *name, int pid, int ppid,
                const char *parent, const char *next, uint64_t samples, uint64_t start)
{
	struct ht_segment_info i;

	memset(&i, 0, sizeof i);
	i.name = name;
	i.pid = pid;
	i.ppid = ppid;
	i.command = name;
	i.parent_name = parent;
	i.next_name = next;
	i.samples = samples;
	i.stacks = samples ? 1 : 0;
	i.start_ns = start;
	assert_int_equal(ht_proctree_add(t, &i), 0);
}

static const char *at(const struct ht_proctree *t, size_t o)
{
	return t->procs[t->order[o]].info.name;
}

static void test_tree(void **state)
{
	struct ht_proctree t;
	(void)state;

	memset(&t, 0, sizeof t);
	add(&t, "w.10.20", 20, 10, "w", "", 5, 3);   /* fork child of w */
	add(&t, "w", 10, 1, "", "", 0, 1);             /* quiet wrapper root */
	add(&t, "w.30", 30, 10, "", "w.30.1", 0, 4);   /* exec'd into w.30.1 */
	add(&t, "w.30.1", 30, 10, "", "", 7, 5);
	add(&t, "w.40", 40, 10, "", "", 0, 6);         /* quiet leaf (ppid) */
	add(&t, "other", 99, 1, "", "", 1, 0);
	assert_int_equal(ht_proctree_link(&t), 0);
	assert_string_equal(at(&t, 0), "other");
	assert_string_equal(at(&t, 1), "w");
	assert_string_equal(at(&t, 2), "w.10.20");
	assert_string_equal(at(&t, 3), "w.30");
	assert_string_equal(at(&t, 4), "w.30.1");
	assert_string_equal(at(&t, 5), "w.40");
	assert_int_equal(t.procs[t.order[4]].depth, 2);
	assert_true(t.procs[t.order[5]].hideable);
	assert_false(t.procs[t.order[1]].hideable); /* quiet, loud children */
	assert_false(t.procs[t.order[3]].hideable); /* its exec image sampled */
	ht_proctree_free(&t);
}

static void test_loop(void **state)
{
	struct ht_proctree t;
	size_t roots = 0;
	(void)state;

	memset(&t, 0, sizeof t);
	add(&t, "a", 1, 2, "b", "", 1, 0);
	add(&t, "b", 2, 1, "a", "", 1, 0);
	add(&t, "c", 3, 3, "c", "c", 1, 0); /* its own parent and successor */
	assert_int_equal(ht_proctree_link(&t), 0);
	for (size_t k = 0; k < t.n; k++)
		roots += t.procs[k].parent < 0;
	assert_int_equal(roots, 2); /* one of a/b, and c */
	ht_proctree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
