/*
 * Process trees: link the listed segments into trees of processes and
 * order them for display (see proctree.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cause.h"
#include "core/proctree.h"

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int ht_proctree_add(struct ht_proctree *t, const struct ht_segment_info *i)
{
	struct ht_proc *p;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct ht_proc *v = realloc(t->procs, cap * sizeof *v);

		if (!v)
			return -ENOMEM;
		t->procs = v;
		t->cap = cap;
	}
	p = &t->procs[t->n];
	memset(p, 0, sizeof *p);
	p->info = *i;
	p->info.name = dup_or_empty(i->name);
	p->info.command = dup_or_empty(i->command);
	p->info.parent_name = dup_or_empty(i->parent_name);
	p->info.next_name = dup_or_empty(i->next_name);
	p->parent = -1;
	if (!p->info.name || !p->info.command || !p->info.parent_name ||
	    !p->info.next_name) {
		free((char *)p->info.name);
		free((char *)p->info.command);
		free((char *)p->info.parent_name);
		free((char *)p->info.next_name);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

int ht_proctree_find(const struct ht_proctree *t, const char *name)
{
	if (!name || !*name)
		return -1;
	for (size_t k = 0; k < t->n; k++)
		if (strcmp(t->procs[k].info.name, name) == 0)
			return (int)k;
	return -1;
}

/* The image that exec'd into segment k, or -1. */
static int exec_predecessor(const struct ht_proctree *t, size_t k)
{
	for (size_t j = 0; j < t->n; j++)
		if (j != k && strcmp(t->procs[j].info.next_name, t->procs[k].info.name) == 0)
			return (int)j;
	return -1;
}

/* The latest image of process pid (the one that did not exec on, else the
 * latest started), other than k; -1 when none. */
static int image_of_pid(const struct ht_proctree *t, int pid, size_t k)
{
	int best = -1;

	if (pid <= 0)
		return -1;
	for (size_t j = 0; j < t->n; j++) {
		const struct ht_segment_info *c = &t->procs[j].info;

		if (j == k || c->pid != pid)
			continue;
		if (best < 0 || (!*c->next_name && *t->procs[best].info.next_name) ||
		    (!*c->next_name == !*t->procs[best].info.next_name &&
		     c->start_ns > t->procs[best].info.start_ns))
			best = (int)j;
	}
	return best;
}

static int find_parent(const struct ht_proctree *t, size_t k)
{
	const struct ht_segment_info *i = &t->procs[k].info;
	int p = exec_predecessor(t, k);

	if (p < 0 && *i->parent_name) {
		p = ht_proctree_find(t, i->parent_name);
		if (p == (int)k)
			p = -1;
	}
	if (p < 0 && i->ppid != i->pid)
		p = image_of_pid(t, i->ppid, k);
	return p;
}

/* True when making p the parent of k would close a loop. */
static bool makes_loop(const struct ht_proctree *t, size_t k, int p)
{
	for (size_t steps = 0; p >= 0 && steps <= t->n; steps++) {
		if ((size_t)p == k)
			return true;
		p = t->procs[p].parent;
	}
	return p >= 0;
}

/* Siblings (and roots) by start time, then pid, then name. */
static int before(const struct ht_proc *a, const struct ht_proc *b)
{
	if (a->info.start_ns != b->info.start_ns)
		return a->info.start_ns < b->info.start_ns;
	if (a->info.pid != b->info.pid)
		return a->info.pid < b->info.pid;
	return strcmp(a->info.name, b->info.name) < 0;
}

/* Append the children of parent (-1: the roots) in order, each followed
 * by its subtree.  Recursion depth is bounded by the tree (no loops). */
static void emit(struct ht_proctree *t, int parent, unsigned depth, bool *done, size_t *n)
{
	for (;;) {
		int next = -1;

		for (size_t k = 0; k < t->n; k++)
			if (!done[k] && t->procs[k].parent == parent &&
			    (next < 0 || before(&t->procs[k], &t->procs[next])))
				next = (int)k;
		if (next < 0)
			return;
		done[next] = true;
		t->procs[next].depth = depth;
		t->order[(*n)++] = (size_t)next;
		emit(t, next, depth + 1, done, n);
	}
}

/* Ended without sampling anything through the hooks.  A running process
 * may sample yet, and one read through jemalloc's profiler, or that
 * heaptop cannot see, has something to say. */
static bool is_quiet(const struct ht_segment_info *i)
{
	enum ht_alloc_source src = ht_alloc_source(&i->alloc);

	return i->samples == 0 && i->stacks == 0 && !i->alive &&
	       (src == HT_ASRC_PENDING || src == HT_ASRC_HOOKS);
}

/* hideable: quiet with only hideable children (children come after their
 * parent in order, so walk it backwards). */
static void mark_hideable(struct ht_proctree *t)
{
	for (size_t k = 0; k < t->n; k++) {
		struct ht_proc *p = &t->procs[k];

		p->quiet = is_quiet(&p->info);
		p->hideable = p->quiet;
	}
	for (size_t o = t->n; o-- > 0;) {
		const struct ht_proc *p = &t->procs[t->order[o]];

		if (p->parent >= 0 && !p->hideable)
			t->procs[p->parent].hideable = false;
	}
}

int ht_proctree_link(struct ht_proctree *t)
{
	bool *done;
	size_t n = 0;

	free(t->order);
	t->order = malloc((t->n ? t->n : 1) * sizeof *t->order);
	done = calloc(t->n ? t->n : 1, sizeof *done);
	if (!t->order || !done) {
		free(done);
		return -ENOMEM;
	}
	for (size_t k = 0; k < t->n; k++)
		t->procs[k].parent = -1;
	for (size_t k = 0; k < t->n; k++) {
		int p = find_parent(t, k);

		if (p >= 0 && !makes_loop(t, k, p))
			t->procs[k].parent = p;
	}
	emit(t, -1, 0, done, &n);
	free(done);
	mark_hideable(t);
	return 0;
}

struct collect {
	struct ht_proctree *t;
	int err;
};

static void collect_one(const struct ht_segment_info *i, void *arg)
{
	struct collect *c = arg;

	if (!c->err)
		c->err = ht_proctree_add(c->t, i);
}

int ht_proctree_read(struct ht_proctree *t, char **cause)
{
	struct collect c = { t, 0 };
	int err;

	memset(t, 0, sizeof *t);
	err = ht_session_list(collect_one, &c, cause);
	if (!err && c.err) {
		err = c.err;
		ht_cause_set(cause, "listing segments: out of memory");
	}
	if (!err && ht_proctree_link(t) < 0) {
		err = -ENOMEM;
		ht_cause_set(cause, "listing segments: out of memory");
	}
	if (err)
		ht_proctree_free(t);
	return err;
}

void ht_proctree_free(struct ht_proctree *t)
{
	for (size_t k = 0; k < t->n; k++) {
		free((char *)t->procs[k].info.name);
		free((char *)t->procs[k].info.command);
		free((char *)t->procs[k].info.parent_name);
		free((char *)t->procs[k].info.next_name);
	}
	free(t->procs);
	free(t->order);
	memset(t, 0, sizeof *t);
}
