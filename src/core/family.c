/*
 * A session's family: keep a reader per member of the session's process
 * tree between updates and re-read their headers and totals (see
 * family.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cause.h"
#include "core/family.h"
#include "core/proctree.h"
#include "core/segread.h"

struct member {
	char *name;
	struct ht_segread *r;
	bool seen;           /* listed by this update's readdir */
	bool in_tree;
	bool final;          /* ended: its totals no longer change */
	struct ht_counts totals;
	bool have_totals;
};

/* A segment that is not ours (another tree): not opened again. */
struct other {
	char *name;
	bool seen;
};

struct ht_family {
	struct member *m;
	size_t nm, capm;
	struct other *o;
	size_t no, capo;
	struct ht_family_proc *procs;
	size_t nprocs;
};

struct ht_family *ht_family_new(void)
{
	return calloc(1, sizeof(struct ht_family));
}

static void procs_clear(struct ht_family *f)
{
	for (size_t k = 0; k < f->nprocs; k++) {
		free(f->procs[k].name);
		free(f->procs[k].command);
	}
	free(f->procs);
	f->procs = NULL;
	f->nprocs = 0;
}

void ht_family_free(struct ht_family *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < f->nm; k++) {
		ht_segread_close(f->m[k].r);
		free(f->m[k].name);
	}
	for (size_t k = 0; k < f->no; k++)
		free(f->o[k].name);
	free(f->m);
	free(f->o);
	procs_clear(f);
	free(f);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? 2 * *cap : 16;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* Mark name as seen; true when it is already known (member or other). */
static bool mark_known(struct ht_family *f, const char *name)
{
	for (size_t k = 0; k < f->nm; k++)
		if (strcmp(f->m[k].name, name) == 0)
			return f->m[k].seen = true;
	for (size_t k = 0; k < f->no; k++)
		if (strcmp(f->o[k].name, name) == 0)
			return f->o[k].seen = true;
	return false;
}

/* A new segment: a member until the tree says otherwise. */
static int add_candidate(struct ht_family *f, const char *name)
{
	struct ht_segread *r = NULL;
	struct member *m;

	if (ht_segment_open_quiet(name, &r) < 0)
		return 0;  /* not a segment, or not ready: look again later */
	if (grow((void **)&f->m, &f->capm, f->nm, sizeof *f->m) < 0) {
		ht_segread_close(r);
		return -ENOMEM;
	}
	m = &f->m[f->nm];
	memset(m, 0, sizeof *m);
	m->name = strdup(name);
	if (!m->name) {
		ht_segread_close(r);
		return -ENOMEM;
	}
	m->r = r;
	m->seen = true;
	f->nm++;
	return 0;
}

/* readdir: mark known segments seen, open new ones. */
static int scan(struct ht_family *f, char **cause)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *de;
	int err = 0;

	if (!d) {
		err = -errno;
		ht_cause_set(cause, "/dev/shm: %s", strerror(errno));
		return err;
	}
	for (size_t k = 0; k < f->nm; k++)
		f->m[k].seen = false;
	for (size_t k = 0; k < f->no; k++)
		f->o[k].seen = false;
	while (!err && (de = readdir(d)))
		if (ht_segread_name_valid(de->d_name) &&
		    !mark_known(f, de->d_name))
			err = add_candidate(f, de->d_name);
	closedir(d);
	if (err)
		ht_cause_set(cause, "reading the process tree: out of memory");
	return err;
}

/* Drop what readdir no longer lists, and members outside the tree (they
 * become others when they still exist). */
static void prune(struct ht_family *f, bool have_root)
{
	size_t j = 0;

	for (size_t k = 0; k < f->no; k++) {
		if (f->o[k].seen)
			f->o[j++] = f->o[k];
		else
			free(f->o[k].name);
	}
	f->no = j;
	j = 0;
	for (size_t k = 0; k < f->nm; k++) {
		struct member *m = &f->m[k];

		if (m->seen && (m->in_tree || !have_root)) {
			f->m[j++] = *m;
			continue;
		}
		ht_segread_close(m->r);
		if (m->seen && grow((void **)&f->o, &f->capo, f->no,
		                    sizeof *f->o) == 0) {
			f->o[f->no].name = m->name;
			f->o[f->no++].seen = true;
		} else {
			free(m->name);
		}
	}
	f->nm = j;
}

/* The tree of the current members (tree index k = member k). */
static int build_tree(struct ht_family *f, struct ht_proctree *t)
{
	memset(t, 0, sizeof *t);
	for (size_t k = 0; k < f->nm; k++) {
		struct ht_segment_info info;
		struct ht_segment_strings buf;

		ht_segment_info_of(f->m[k].r, f->m[k].name, &info, &buf);
		if (ht_proctree_add(t, &info) < 0)
			return -ENOMEM;
	}
	return ht_proctree_link(t);
}

/* Refresh a member's totals unless it ended and they were read after. */
static void read_totals(struct member *m, enum ht_proc_state state,
                        bool alive)
{
	struct ht_profile *p = NULL;

	if (m->final)
		return;
	if (ht_segread_snapshot(m->r, &p, NULL) < 0) {
		m->have_totals = false;
		return;
	}
	m->totals = p->totals;
	m->have_totals = true;
	m->final = (state == HT_PROC_EXITED || state == HT_PROC_EXECED) &&
	           !alive;
	ht_profile_free(p);
}

static int add_proc(struct ht_family *f, const struct ht_proc *p,
                    unsigned depth, const struct member *m, size_t *cap)
{
	struct ht_family_proc *q;

	if (grow((void **)&f->procs, cap, f->nprocs, sizeof *f->procs) < 0)
		return -ENOMEM;
	q = &f->procs[f->nprocs];
	memset(q, 0, sizeof *q);
	q->name = strdup(p->info.name);
	q->command = strdup(p->info.command);
	if (!q->name || !q->command) {
		free(q->name);
		free(q->command);
		return -ENOMEM;
	}
	q->pid = p->info.pid;
	q->ppid = p->info.ppid;
	q->state = p->info.state;
	q->exit_status = p->info.exit_status;
	q->depth = depth;
	q->samples = p->info.samples;
	q->totals = m->totals;
	q->have_totals = m->have_totals;
	f->nprocs++;
	return 0;
}

/* Mark the subtree under root and list its members that sampled. */
static int collect(struct ht_family *f, const struct ht_proctree *t,
                   int root)
{
	size_t cap = 0, o = 0;
	unsigned base = t->procs[root].depth;

	while (t->order[o] != (size_t)root)
		o++;
	for (; o < t->n; o++) {
		const struct ht_proc *p = &t->procs[t->order[o]];
		struct member *m = &f->m[t->order[o]];

		if (t->order[o] != (size_t)root && p->depth <= base)
			break;
		m->in_tree = true;
		if (!p->info.samples && !p->info.stacks)
			continue;
		read_totals(m, p->info.state, p->info.alive);
		if (add_proc(f, p, p->depth - base, m, &cap) < 0)
			return -ENOMEM;
	}
	return 0;
}

int ht_family_update(struct ht_family *f, const char *root, char **cause)
{
	struct ht_proctree t;
	int err, ri = -1;

	err = scan(f, cause);
	if (err)
		return err;
	for (size_t k = 0; k < f->nm; k++)
		f->m[k].in_tree = false;
	err = build_tree(f, &t);
	if (!err) {
		procs_clear(f);
		ri = root ? ht_proctree_find(&t, root) : -1;
		if (ri >= 0)
			err = collect(f, &t, ri);
	}
	ht_proctree_free(&t);
	if (err) {
		procs_clear(f);
		ht_cause_set(cause, "reading the process tree: out of memory");
		return err;
	}
	prune(f, ri >= 0);
	return 0;
}

const struct ht_family_proc *ht_family_procs(const struct ht_family *f,
                                             size_t *n)
{
	*n = f->nprocs;
	return f->procs;
}

struct ht_counts ht_family_totals(const struct ht_family *f)
{
	struct ht_counts c;

	memset(&c, 0, sizeof c);
	for (size_t k = 0; k < f->nprocs; k++)
		if (f->procs[k].have_totals)
			ht_counts_add(&c, &f->procs[k].totals);
	return c;
}
