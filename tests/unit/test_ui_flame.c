/*
 * Unit tests for ui/flame_layout.c: a hand-made top-down tree copied into
 * the flat graph (levels, parents, children, stable paths, truncation),
 * the icicle's cells for widths, zooms and row limits (proportional,
 * nested, abutting, tiny frames left out), steps between cells and search
 * marks with the matched value counted once.  No terminal needed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui/flame_layout.h"

/*
 * root 120 in use
 *   main 100                      thread_start 20
 *     leak_mixed 75  leak_site 24  churn 0 (alloc 30)   worker 20
 *                      keep 1
 */
enum { ROOT, MAIN, THREAD, MIXED, SITE, CHURN, WORKER, KEEP, NNODES };

static struct ht_frame frames[NNODES] = {
	[MAIN] = { .function = "main", .file = "leaky.c", .line = 100 },
	[THREAD] = { .function = "thread_start", .module = "libc.so.6" },
	[MIXED] = { .function = "leak_mixed", .file = "leaky.c", .line = 62 },
	[SITE] = { .function = "leak_site", .file = "leaky.c", .line = 50 },
	[CHURN] = { .function = "churn_site", .file = "leaky.c", .line = 73 },
	[WORKER] = { .function = "thread_worker", .file = "w.c", .line = 9 },
	[KEEP] = { .function = "keep", .file = "leaky.c", .line = 42 },
};
static struct ht_tree_node nodes[NNODES];
static struct ht_tree_node *kids[NNODES][3];

static void link_node(int parent, int child)
{
	struct ht_tree_node *p = &nodes[parent];

	kids[parent][p->nchildren] = &nodes[child];
	p->children = kids[parent];
	p->nchildren++;
	nodes[child].parent = p;
	nodes[child].depth = p->depth + 1;
}

static void set(int i, double cur, double cum, double d_cur)
{
	nodes[i].frame = i == ROOT ? NULL : &frames[i];
	nodes[i].counts.cur_bytes = cur;
	nodes[i].counts.cum_bytes = cum;
	nodes[i].delta.cur_bytes = d_cur;
	nodes[i].has_delta = true;
}

static void make_tree(void)
{
	memset(nodes, 0, sizeof nodes);
	memset(kids, 0, sizeof kids);
	set(ROOT, 120, 150, 30);
	set(MAIN, 100, 130, 30);
	set(THREAD, 20, 20, 0);
	set(MIXED, 75, 75, 40);
	set(SITE, 24, 24, -10);
	set(CHURN, 0, 30, 0);
	set(WORKER, 20, 20, 0);
	set(KEEP, 1, 1, 0);
	link_node(ROOT, MAIN);
	link_node(ROOT, THREAD);
	link_node(MAIN, MIXED);
	link_node(MAIN, SITE);
	link_node(MAIN, CHURN);
	link_node(THREAD, WORKER);
	link_node(SITE, KEEP);
}

static struct ht_flame *build(void)
{
	struct ht_flame *f;

	make_tree();
	f = ht_flame_build(&nodes[ROOT], 1000);
	assert_non_null(f);
	return f;
}

/* The graph index of the frame named fn (the root: NULL). */
static uint32_t idx(const struct ht_flame *f, const char *fn)
{
	for (uint32_t i = 0; i < f->n; i++) {
		const struct ht_frame *fr = f->nodes[i].frame;

		if (fn == NULL ? fr == NULL
		               : fr != NULL && strcmp(fr->function, fn) == 0)
			return i;
	}
	fail_msg("no frame %s", fn ? fn : "(root)");
	return HT_FLAME_NONE;
}

/* The cell of the frame named fn, which must have one. */
static const struct ht_flame_cell *cell(const struct ht_flame *f,
                                        const struct ht_flame_layout *l,
                                        const char *fn)
{
	size_t c = ht_flame_cell_of(l, idx(f, fn));

	if (c == SIZE_MAX)
		fail_msg("%s has no cell", fn ? fn : "the root");
	return &l->cells[c];
}

static void test_build(void **state)
{
	struct ht_flame *f = build(), *g;
	uint32_t m;

	(void)state;
	assert_int_equal(f->n, NNODES);
	assert_int_equal(f->nlevels, 4);
	assert_int_equal(f->level[0], 0);
	assert_int_equal(f->level[1], 1);
	assert_int_equal(f->level[2], 3);
	assert_int_equal(f->level[3], 7);
	assert_int_equal(f->level[4], 8);
	assert_true(f->has_delta);
	assert_false(f->truncated);
	assert_null(f->nodes[0].frame);
	assert_int_equal(f->nodes[0].parent, HT_FLAME_NONE);
	/* children next to each other in the tree's order, one level down */
	m = idx(f, "main");
	assert_int_equal(f->nodes[m].nchild, 3);
	assert_ptr_equal(f->nodes[f->nodes[m].child].frame, &frames[MIXED]);
	assert_ptr_equal(f->nodes[f->nodes[m].child + 2].frame,
	                 &frames[CHURN]);
	for (uint32_t i = 1; i < f->n; i++) {
		const struct ht_flame_node *n = &f->nodes[i];
		const struct ht_flame_node *p = &f->nodes[n->parent];

		assert_true(n->parent < i);
		assert_int_equal(n->depth, p->depth + 1);
		assert_true(i >= p->child && i < p->child + p->nchild);
		assert_true(i >= f->level[n->depth] &&
		            i < f->level[n->depth + 1]);
	}
	assert_true(f->nodes[idx(f, "leak_mixed")].cur == 75);
	assert_true(f->nodes[idx(f, "leak_site")].d_cur == -10);
	assert_true(f->nodes[idx(f, "churn_site")].cum == 30);
	/* paths: distinct, and the same in a second copy */
	g = ht_flame_build(&nodes[ROOT], 1000);
	assert_non_null(g);
	for (uint32_t i = 0; i < f->n; i++) {
		assert_int_equal(ht_flame_find(g, f->nodes[i].path), i);
		for (uint32_t k = i + 1; k < f->n; k++)
			assert_true(f->nodes[i].path != f->nodes[k].path);
	}
	assert_int_equal(ht_flame_find(f, 12345), HT_FLAME_NONE);
	assert_true(ht_flame_under(f, idx(f, "keep"), m));
	assert_true(ht_flame_under(f, m, m));
	assert_false(ht_flame_under(f, idx(f, "thread_worker"), m));
	ht_flame_free(g);
	ht_flame_free(f);
}

static void test_truncated(void **state)
{
	struct ht_flame *f;

	(void)state;
	make_tree();
	/* root and its 2 children fit in 4, the next level (4 more) not */
	f = ht_flame_build(&nodes[ROOT], 4);
	assert_non_null(f);
	assert_true(f->truncated);
	assert_int_equal(f->n, 3);
	assert_int_equal(f->nlevels, 2);
	assert_int_equal(f->nodes[idx(f, "main")].nchild, 0);
	ht_flame_free(f);
}

/* Every cell lies inside its parent's, and the cells of a row abut or
 * leave gaps, never overlap. */
static void check_nesting(const struct ht_flame *f,
                          const struct ht_flame_layout *l)
{
	for (int r = 0; r < l->nrows; r++) {
		for (size_t c = l->row[r]; c < l->row[r + 1]; c++) {
			const struct ht_flame_cell *x = &l->cells[c];

			assert_true(x->w >= 1);
			assert_true(x->x >= 0 && x->x + x->w <= l->width);
			if (c > l->row[r])
				assert_true(x->x >= l->cells[c - 1].x +
				            l->cells[c - 1].w);
			if (r > 0) {
				size_t p = ht_flame_cell_of(
					l, f->nodes[x->node].parent);

				assert_true(p != SIZE_MAX);
				assert_true(p >= l->row[r - 1] &&
				            p < l->row[r]);
				assert_true(x->x >= l->cells[p].x);
				assert_true(x->x + x->w <=
				            l->cells[p].x + l->cells[p].w);
			}
		}
	}
}

static void test_layout(void **state)
{
	struct ht_flame *f = build();
	struct ht_flame_layout l = { 0 };
	const struct ht_flame_cell *c;

	(void)state;
	assert_int_equal(ht_flame_layout(f, 0, HT_FLAME_INUSE, 80, 20, &l), 0);
	check_nesting(f, &l);
	assert_int_equal(l.nrows, 4);
	assert_int_equal(l.row[1] - l.row[0], 1);
	c = cell(f, &l, NULL);
	assert_int_equal(c->x, 0);
	assert_int_equal(c->w, 80);
	/* 100/120 of 80 = 66.7 columns: 67 */
	c = cell(f, &l, "main");
	assert_int_equal(c->x, 0);
	assert_int_equal(c->w, 67);
	c = cell(f, &l, "thread_start");
	assert_int_equal(c->x, 67);
	assert_int_equal(c->w, 13);
	/* 75/120 of 80 = 50; leak_site from 50 to 99/120 of 80 = 66 */
	c = cell(f, &l, "leak_mixed");
	assert_int_equal(c->x, 0);
	assert_int_equal(c->w, 50);
	c = cell(f, &l, "leak_site");
	assert_int_equal(c->x, 50);
	assert_int_equal(c->w, 16);
	/* nothing in use: no cell */
	assert_int_equal(ht_flame_cell_of(&l, idx(f, "churn_site")), SIZE_MAX);
	c = cell(f, &l, "keep");
	assert_int_equal(c->x, 50);
	assert_int_equal(c->w, 1);

	/* allocated bytes: churn_site shows */
	assert_int_equal(ht_flame_layout(f, 0, HT_FLAME_ALLOC, 150, 20, &l),
	                 0);
	check_nesting(f, &l);
	c = cell(f, &l, "churn_site");
	assert_int_equal(c->x, 99);
	assert_int_equal(c->w, 30);

	/* too narrow: keep (1/120 of 10 columns) is left out */
	assert_int_equal(ht_flame_layout(f, 0, HT_FLAME_INUSE, 10, 20, &l), 0);
	check_nesting(f, &l);
	assert_int_equal(ht_flame_cell_of(&l, idx(f, "keep")), SIZE_MAX);
	assert_int_equal(l.nrows, 3);

	/* a row limit */
	assert_int_equal(ht_flame_layout(f, 0, HT_FLAME_INUSE, 80, 2, &l), 0);
	assert_int_equal(l.nrows, 2);
	assert_int_equal(ht_flame_cell_of(&l, idx(f, "leak_mixed")), SIZE_MAX);
	ht_flame_layout_free(&l);
	ht_flame_free(f);
}

static void test_zoom(void **state)
{
	struct ht_flame *f = build();
	struct ht_flame_layout l = { 0 };
	const struct ht_flame_cell *c;

	(void)state;
	assert_int_equal(ht_flame_layout(f, idx(f, "main"), HT_FLAME_INUSE,
	                                 80, 20, &l), 0);
	check_nesting(f, &l);
	assert_int_equal(l.zoom, idx(f, "main"));
	assert_int_equal(l.nrows, 3);
	c = cell(f, &l, "main");
	assert_int_equal(c->x, 0);
	assert_int_equal(c->w, 80);
	c = cell(f, &l, "leak_mixed");
	assert_int_equal(c->w, 60);
	c = cell(f, &l, "leak_site");
	assert_int_equal(c->x, 60);
	assert_int_equal(c->w, 19);     /* 60 .. 79.2 */
	c = cell(f, &l, "keep");
	assert_int_equal(c->x, 60);
	assert_int_equal(c->w, 1);
	/* nothing outside the zoom */
	assert_int_equal(ht_flame_cell_of(&l, 0), SIZE_MAX);
	assert_int_equal(ht_flame_cell_of(&l, idx(f, "thread_worker")),
	                 SIZE_MAX);

	/* a frame with nothing in use zoomed: itself, full width, alone */
	assert_int_equal(ht_flame_layout(f, idx(f, "churn_site"),
	                                 HT_FLAME_INUSE, 80, 20, &l), 0);
	assert_int_equal(l.nrows, 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.cells[0].w, 80);
	ht_flame_layout_free(&l);
	ht_flame_free(f);
}

static void test_steps(void **state)
{
	struct ht_flame *f = build();
	struct ht_flame_layout l = { 0 };
	uint32_t root = 0, m, t, mixed, site, keep;

	(void)state;
	m = idx(f, "main");
	t = idx(f, "thread_start");
	mixed = idx(f, "leak_mixed");
	site = idx(f, "leak_site");
	keep = idx(f, "keep");
	assert_int_equal(ht_flame_layout(f, 0, HT_FLAME_INUSE, 80, 20, &l), 0);
	assert_int_equal(ht_flame_step(f, &l, root, HT_FLAME_DOWN), m);
	assert_int_equal(ht_flame_step(f, &l, root, HT_FLAME_UP),
	                 HT_FLAME_NONE);
	assert_int_equal(ht_flame_step(f, &l, root, HT_FLAME_LEFT),
	                 HT_FLAME_NONE);
	assert_int_equal(ht_flame_step(f, &l, m, HT_FLAME_RIGHT), t);
	assert_int_equal(ht_flame_step(f, &l, t, HT_FLAME_RIGHT),
	                 HT_FLAME_NONE);
	assert_int_equal(ht_flame_step(f, &l, t, HT_FLAME_LEFT), m);
	assert_int_equal(ht_flame_step(f, &l, m, HT_FLAME_DOWN), mixed);
	/* across parents on a row: leak_site's right is thread_worker */
	assert_int_equal(ht_flame_step(f, &l, site, HT_FLAME_RIGHT),
	                 idx(f, "thread_worker"));
	assert_int_equal(ht_flame_step(f, &l, mixed, HT_FLAME_DOWN),
	                 HT_FLAME_NONE);
	assert_int_equal(ht_flame_step(f, &l, site, HT_FLAME_DOWN), keep);
	assert_int_equal(ht_flame_step(f, &l, keep, HT_FLAME_UP), site);
	/* no cell: no step */
	assert_int_equal(ht_flame_step(f, &l, idx(f, "churn_site"),
	                               HT_FLAME_UP), HT_FLAME_NONE);
	/* zoomed: the zoom has no parent on the layout */
	assert_int_equal(ht_flame_layout(f, m, HT_FLAME_INUSE, 80, 20, &l), 0);
	assert_int_equal(ht_flame_step(f, &l, m, HT_FLAME_UP), HT_FLAME_NONE);
	assert_int_equal(ht_flame_step(f, &l, m, HT_FLAME_RIGHT),
	                 HT_FLAME_NONE);
	/* two rows: nothing below the last */
	assert_int_equal(ht_flame_layout(f, 0, HT_FLAME_INUSE, 80, 2, &l), 0);
	assert_int_equal(ht_flame_step(f, &l, m, HT_FLAME_DOWN), HT_FLAME_NONE);
	ht_flame_layout_free(&l);
	ht_flame_free(f);
}

static void test_search(void **state)
{
	struct ht_flame *f = build();
	uint8_t marks[NNODES];

	(void)state;
	/* leak_mixed and leak_site: 99 of 120 */
	assert_true(ht_flame_search(f, "leak", HT_FLAME_INUSE, marks) == 99);
	assert_int_equal(marks[idx(f, "leak_mixed")], 1);
	assert_int_equal(marks[idx(f, "leak_site")], 1);
	assert_int_equal(marks[idx(f, "keep")], 2);
	assert_int_equal(marks[idx(f, "main")], 0);
	assert_int_equal(marks[0], 0);
	/* thread_start and thread_worker under it: counted once */
	assert_true(ht_flame_search(f, "thread", HT_FLAME_INUSE, marks) == 20);
	assert_int_equal(marks[idx(f, "thread_start")], 1);
	assert_int_equal(marks[idx(f, "thread_worker")], 3);
	/* by allocated bytes */
	assert_true(ht_flame_search(f, "churn", HT_FLAME_ALLOC, marks) == 30);
	/* nothing, and an empty needle */
	assert_true(ht_flame_search(f, "nope", HT_FLAME_INUSE, marks) == 0);
	assert_true(ht_flame_search(f, "", HT_FLAME_INUSE, marks) == 0);
	for (int i = 0; i < NNODES; i++)
		assert_int_equal(marks[i], 0);
	ht_flame_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_zoom),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
