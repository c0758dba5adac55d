/*
 * The model's call trees: the callers of one site, or the whole program
 * top-down, one node per symbolized frame, inclusive counts and baseline
 * deltas, children sorted like the sites; built on demand and cached
 * until the data changes.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/hash.h"
#include "core/model_priv.h"

static void tree_free(struct ht_tree_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nchildren; i++)
		tree_free(n->children[i]);
	free(n->children);
	free(n);
}

struct node_ext {                /* hidden per-node data: base counts */
	struct ht_tree_node node;
	struct ht_counts base;
	uint64_t path;
	uint64_t fkey;
	size_t cap;                  /* children allocated */
};

/* Children are found through one map per tree build (`tree_index`):
 * child path hash -> node (the hash covers the parent's path and the
 * frame).  NULL: a linear search among the children. */
static struct ht_tree_node *tree_child(struct ht_u64map *tree_index,
                                       struct ht_tree_node *parent,
                                       const struct ht_frame *f)
{
	struct node_ext *pe = (struct node_ext *)parent, *ce;
	uint64_t fk = model_frame_hash(HT_FNV_INIT, f);
	uint64_t path = ht_fnv(pe->path, &fk, sizeof fk);
	size_t *v = tree_index ? ht_u64map_get(tree_index, path) : NULL;

	if (v) {
		struct node_ext *e = (struct node_ext *)(uintptr_t)*v;

		if (e->fkey == fk && e->node.parent == parent)
			return &e->node;
	}
	if (v || !tree_index) {
		/* no index, or a hash collision: look among the children */
		for (size_t i = 0; i < parent->nchildren; i++) {
			struct node_ext *e =
				(struct node_ext *)parent->children[i];

			if (e->fkey == fk)
				return &e->node;
		}
	}
	ce = calloc(1, sizeof *ce);
	if (!ce)
		return NULL;
	if (ht_grow(&parent->children, &pe->cap, parent->nchildren + 1,
	            sizeof *parent->children) < 0) {
		free(ce);
		return NULL;
	}
	ce->fkey = fk;
	ce->path = path;
	if (tree_index && !v)
		ht_u64map_put(tree_index, path, (size_t)(uintptr_t)ce, NULL, NULL);
	ce->node.frame = f;
	ce->node.parent = parent;
	ce->node.depth = parent->depth + 1;
	parent->children[parent->nchildren++] = &ce->node;
	return &ce->node;
}

static int cmp_nodes(const void *pa, const void *pb, void *arg)
{
	const struct ht_tree_node *a = *(struct ht_tree_node *const *)pa;
	const struct ht_tree_node *b = *(struct ht_tree_node *const *)pb;
	const struct ht_model *m = arg;

	int r = m->opt.sort == HT_SORT_NAME ? 0 :
	        model_cmp_value(m, &a->counts, &a->delta, a->has_delta,
	                  &b->counts, &b->delta, b->has_delta);

	return r ? r : model_cmp_frames_name(a->frame, b->frame);
}

/* Deltas and sort, recursively. */
static void tree_finish(struct ht_model *m, struct ht_tree_node *n,
                        bool with_delta)
{
	struct node_ext *e = (struct node_ext *)n;

	if (with_delta) {
		n->delta = n->counts;
		ht_counts_sub(&n->delta, &e->base);
		n->has_delta = true;
	}
	for (size_t i = 0; i < n->nchildren; i++)
		tree_finish(m, n->children[i], with_delta);
	if (n->nchildren > 1)
		qsort_r(n->children, n->nchildren, sizeof *n->children,
		        cmp_nodes, m);
}

static struct ht_tree_node *new_root(uint64_t salt)
{
	struct node_ext *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->path = ht_fnv(HT_FNV_INIT, &salt, sizeof salt);
	return &r->node;
}

/* Add c to n's counts (or to its baseline counts when is_base). */
static void node_add(struct ht_tree_node *n, const struct ht_counts *c,
                     bool is_base)
{
	ht_counts_add(is_base ? &((struct node_ext *)n)->base : &n->counts, c);
}

/* Insert one stack: callers, from the site's caller walking outward;
 * otherwise from the outermost frame inward, down to the leaf (library
 * frames below the site stay).  Adds c to the counts (or to base when
 * is_base). */
static int tree_insert(struct ht_u64map *tree_index, struct ht_tree_node *root,
                       const struct stack_info *si, bool callers,
                       const struct ht_counts *c, bool is_base)
{
	struct ht_tree_node *n = root;
	size_t nk = !si->nframes ? 0 : callers ? si->nframes - si->site - 1 :
	            si->nframes - si->leaf;

	node_add(root, c, is_base);
	for (size_t j = 0; j < nk; j++) {
		size_t k = callers ? si->site + 1 + j : si->nframes - 1 - j;

		n = tree_child(tree_index, n, si->frames[k]);
		if (!n)
			return -ENOMEM;
		node_add(n, c, is_base);
	}
	return 0;
}

/* Free both trees. */
void model_drop_trees(struct ht_model *m)
{
	tree_free(m->callers.root);
	tree_free(m->topdown.root);
	memset(&m->callers, 0, sizeof m->callers);
	memset(&m->topdown, 0, sizeof m->topdown);
}

/*
 * Build (or return the cached) tree t.  callers: the callers tree of
 * `site` (its stacks only, frames from the site outwards); otherwise the
 * whole program top-down.  Stacks of the baseline join as deltas.  NULL on
 * ENOMEM.
 */
static struct ht_tree_node *build_tree(struct ht_model *m, struct tree *t,
                                       const struct ht_site *site)
{
	bool callers = site != NULL;
	uint64_t key = callers ? site->key : 0;
	struct ht_tree_node *root;
	struct ht_u64map index = { 0 };

	if (t->valid && t->site_key == key && t->generation == m->generation)
		return t->root;
	tree_free(t->root);
	t->root = NULL;
	t->valid = false;
	root = new_root(key);
	if (!root)
		return NULL;
	if (callers) {
		root->frame = site->frame;
		for (size_t k = 0; k < site->nstacks; k++) {
			size_t i = site->stack_idx[k];

			if (tree_insert(&index, root, &m->cur.si[i], true,
			                &m->cur.p->stacks[i].counts, false) < 0)
				goto fail;
		}
	} else {
		for (size_t i = 0; i < m->cur.p->nstacks; i++)
			if (tree_insert(&index, root, &m->cur.si[i], false,
			                &m->cur.p->stacks[i].counts, false) < 0)
				goto fail;
	}
	if (m->has_base)
		for (size_t i = 0; i < m->base.p->nstacks; i++)
			if ((!callers || m->base.si[i].gkey == key) &&
			    tree_insert(&index, root, &m->base.si[i], callers,
			                &m->base.p->stacks[i].counts, true) < 0)
				goto fail;
	ht_u64map_free(&index);
	tree_finish(m, root, m->has_base);
	t->root = root;
	t->site_key = key;
	t->generation = m->generation;
	t->valid = true;
	return root;
fail:
	ht_u64map_free(&index);
	tree_free(root);
	return NULL;
}

/* The callers tree of a site (model-owned, rebuilt only when the data or
 * the site changed), or NULL for an unknown key or on ENOMEM. */
struct ht_tree_node *ht_model_callers(struct ht_model *m, uint64_t site_key)
{
	size_t *v = ht_u64map_get(&m->site_by_key, site_key);

	if (!v || !m->cur.p)
		return NULL;
	return build_tree(m, &m->callers, &m->all[*v]);
}

/* The whole program top-down (model-owned, cached per update), or NULL
 * on ENOMEM. */
struct ht_tree_node *ht_model_topdown(struct ht_model *m)
{
	if (!m->cur.p)
		return NULL;
	return build_tree(m, &m->topdown, NULL);
}
