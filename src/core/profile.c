/*
 * Profiles: allocation, freeing, sums and module lookup for struct
 * ht_profile, the plain data every source turns into.  Headless and
 * side-effect free: no I/O, no curses, no libdw.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/profile.h"

/* Add b to a, every field (variances add: samples are independent). */
void ht_counts_add(struct ht_counts *a, const struct ht_counts *b)
{
	a->cur_objs += b->cur_objs;
	a->cur_bytes += b->cur_bytes;
	a->cum_objs += b->cum_objs;
	a->cum_bytes += b->cum_bytes;
	a->var_cur_objs += b->var_cur_objs;
	a->var_cur_bytes += b->var_cur_bytes;
	a->var_cum_bytes += b->var_cum_bytes;
	a->raw_cur_objs += b->raw_cur_objs;
	a->raw_cur_bytes += b->raw_cur_bytes;
	a->raw_cum_objs += b->raw_cum_objs;
	a->raw_cum_bytes += b->raw_cum_bytes;
}

/* a - b for the estimates; the variance of a difference of independent
 * estimates is the sum of their variances.  Raw counts saturate at 0. */
void ht_counts_sub(struct ht_counts *a, const struct ht_counts *b)
{
	a->cur_objs -= b->cur_objs;
	a->cur_bytes -= b->cur_bytes;
	a->cum_objs -= b->cum_objs;
	a->cum_bytes -= b->cum_bytes;
	a->var_cur_objs += b->var_cur_objs;
	a->var_cur_bytes += b->var_cur_bytes;
	a->var_cum_bytes += b->var_cum_bytes;
#define SAT_SUB(f) a->f = a->f > b->f ? a->f - b->f : 0
	SAT_SUB(raw_cur_objs);
	SAT_SUB(raw_cur_bytes);
	SAT_SUB(raw_cum_objs);
	SAT_SUB(raw_cum_bytes);
#undef SAT_SUB
}

/* A zeroed profile (caller frees with ht_profile_free), NULL on ENOMEM. */
struct ht_profile *ht_profile_new(void)
{
	struct ht_profile *p = calloc(1, sizeof *p);

	if (p)
		p->state = HT_PROC_UNKNOWN;
	return p;
}

/* Free the profile and everything it owns.  NULL is fine. */
void ht_profile_free(struct ht_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nstacks; i++) {
		if (!p->pcs_block)
			free(p->stacks[i].pcs);
		free(p->stacks[i].threads);
	}
	free(p->pcs_block);
	free(p->stacks);
	for (i = 0; i < p->nmodules; i++)
		free(p->modules[i].path);
	free(p->modules);
	for (i = 0; i < p->nthread_names; i++)
		free(p->thread_names[i]);
	free(p->thread_names);
	free(p->maps);
	free(p->cmdline);
	free(p->exe);
	free(p);
}

/* Point every stack's pcs into block, in stack order. */
static void point_pcs(struct ht_profile *p, uint64_t *block)
{
	size_t off = 0;

	for (size_t i = 0; i < p->nstacks; i++) {
		p->stacks[i].pcs = block + off;
		off += p->stacks[i].depth;
	}
	p->pcs_block = block;
}

/* Move every stack's pcs into one block of their total depth (or trim
 * the block they are in, in stack order), and trim the stacks array to
 * its length: a parser's arrays, grown by doubling, hold up to twice
 * what they need.  0, or -ENOMEM with p unchanged. */
int ht_profile_compact(struct ht_profile *p)
{
	size_t n = 1;
	uint64_t *block;
	struct ht_stack *st;

	for (size_t i = 0; i < p->nstacks; i++) {
		if (p->stacks[i].depth > SIZE_MAX / sizeof *block - n)
			return -ENOMEM;
		n += p->stacks[i].depth;
	}
	if (p->pcs_block) {
		if ((block = realloc(p->pcs_block, n * sizeof *block)))
			point_pcs(p, block);
	} else if (p->nstacks) {
		if (!(block = malloc(n * sizeof *block)))
			return -ENOMEM;
		for (size_t i = 0, off = 0; i < p->nstacks; i++) {
			struct ht_stack *s = &p->stacks[i];

			memcpy(block + off, s->pcs, s->depth * sizeof *block);
			free(s->pcs);
			off += s->depth;
		}
		point_pcs(p, block);
	}
	if (p->nstacks && (st = realloc(p->stacks, p->nstacks * sizeof *st)))
		p->stacks = st;
	return 0;
}

/* Recompute p->totals as the sum over all stacks. */
void ht_profile_sum(struct ht_profile *p)
{
	size_t i;

	memset(&p->totals, 0, sizeof p->totals);
	for (i = 0; i < p->nstacks; i++)
		ht_counts_add(&p->totals, &p->stacks[i].counts);
}

/* The module whose [start, end) holds addr; among overlapping entries (a
 * dlclose'd module whose range was reused) a loaded one wins.  NULL when
 * none does.  The pointer is owned by p. */
const struct ht_module *ht_profile_module_of(const struct ht_profile *p,
                                             uint64_t addr)
{
	const struct ht_module *found = NULL;
	size_t i;

	for (i = 0; i < p->nmodules; i++) {
		const struct ht_module *m = &p->modules[i];

		if (addr < m->start || addr >= m->end)
			continue;
		if (!m->unloaded)
			return m;
		if (!found)
			found = m;
	}
	return found;
}

/* bytes as the user types them to -r (512K, 4M, 100), or with "iB"
 * units for reading (512 KiB, 100 bytes) */
static void rate_text(char *buf, size_t n, uint64_t v, bool words)
{
	static const char *const unit[] = { "K", "M", "G" };
	int u = -1;

	while (u < 2 && v >= 1024 && v % 1024 == 0) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%llu%s", (unsigned long long)v,
		         words ? " bytes" : "");
	else
		snprintf(buf, n, "%llu%s%s%s", (unsigned long long)v,
		         words ? " " : "", unit[u], words ? "iB" : "");
}

bool ht_profile_budget_note(const struct ht_profile *p, char *buf, size_t n)
{
	char r[32];

	if (n > 0)
		buf[0] = '\0';
	if (p == NULL || n == 0 || p->budget_unused_ppm == 0)
		return false;
	rate_text(r, sizeof r, p->rate, true);
	/* jemalloc changes its interval only with prof.reset, which forgets
	 * every live object: a budget adapting the interval would erase the
	 * leak it is meant to find */
	snprintf(buf, n, "the budget (%g%%) does not apply: jemalloc's own "
	         "profiler samples this program, at a fixed interval (%s, set "
	         "at its start: -r, HEAPTOP_RATE)",
	         (double)p->budget_unused_ppm / 1e4, r);
	return true;
}

bool ht_profile_quiet_note(const struct ht_profile *p, char *buf, size_t n)
{
	char r[32], smaller[32];
	uint64_t less;

	if (n > 0)
		buf[0] = '\0';
	if (p == NULL || n == 0 || p->kind != HT_SOURCE_LIVE ||
	    p->state != HT_PROC_EXITED || p->samples > 0 ||
	    ht_alloc_source(&p->alloc) == HT_ASRC_NONE ||
	    ht_alloc_source(&p->alloc) == HT_ASRC_JEMALLOC)
		return false;
	if (p->rate <= 1) {
		snprintf(buf, n, "nothing was sampled: the program allocated "
		         "nothing heaptop could see (every allocation is "
		         "sampled at rate 1)");
		return true;
	}
	/* an interval about 128 times smaller, 4K for the default 512K */
	less = p->rate / 128 >= 1024 ? p->rate / 128 / 1024 * 1024
	       : p->rate > 1024 ? 1024 : 1;
	rate_text(r, sizeof r, p->rate, true);
	rate_text(smaller, sizeof smaller, less, false);
	snprintf(buf, n, "nothing was sampled at this rate (try a smaller "
	         "interval: -r %s): less than about one sampling interval "
	         "(%s) was allocated", smaller, r);
	return true;
}
