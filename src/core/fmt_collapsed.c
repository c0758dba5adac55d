/*
 * Collapsed stacks ("folded"): one line per stack, symbolized frames from
 * the root to the leaf joined by ';', a space and an integer value:
 *
 *   main;serve;cache_put;xstrdup 1048576
 *
 * as flamegraph.pl and speedscope read it.  Inlined frames are separate
 * entries; the innermost run of allocator frames (malloc, operator new,
 * the allocator's internals) is dropped so the leaf is the allocation
 * site.  Stacks whose value rounds to 0 are skipped.  Write-only.
 * Also the two helpers that pick a stack's value and frames, which the
 * svg writer shares so that both draw the same stacks (fmt_priv.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"

/* See fmt_priv.h. */
double ht_fmt_pick_value(const struct ht_counts *c, enum ht_fmt_value v)
{
	switch (v) {
	case HT_VAL_INUSE_OBJS:  return c->cur_objs;
	case HT_VAL_ALLOC_BYTES: return c->cum_bytes;
	case HT_VAL_ALLOC_OBJS:  return c->cum_objs;
	case HT_VAL_INUSE_BYTES:
	default:                 return c->cur_bytes;
	}
}

/* See fmt_priv.h. */
int ht_fmt_stack_frames(struct ht_symbolizer *sym, const struct ht_stack *st,
                        const struct ht_frame ***flat, size_t *cap,
                        size_t *n, size_t *leaf)
{
	size_t nflat = 0;

	/* innermost first */
	for (uint32_t d = 0; d < st->depth; d++) {
		const struct ht_frame *fr;
		size_t k;

		ht_symbolize(sym, st->pcs[d], &fr, &k);
		if (ht_fmt_grow(flat, cap, nflat + k, sizeof **flat) < 0)
			return -ENOMEM;
		for (size_t j = 0; j < k; j++)
			(*flat)[nflat++] = &fr[j];
	}
	*n = nflat;
	*leaf = ht_allocator_run(*flat, nflat);
	if (*leaf == nflat)
		*leaf = 0;       /* all allocator frames: keep them */
	return 0;
}

/* A frame name with the separators of the format replaced: ';' ends a
 * frame, a newline ends a line. */
static void put_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c == ';')
			c = ':';
		else if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		fputc(c, f);
	}
}

static int collapsed_write(FILE *f, const struct ht_profile *p,
                           const struct ht_fmt_write_options *o,
                           char **cause)
{
	struct ht_symbolizer *sym, *own;
	enum ht_fmt_value v = o ? o->value : HT_VAL_INUSE_BYTES;
	const struct ht_frame **flat = NULL;
	size_t capflat = 0;
	int rc = 0;

	if (cause)
		*cause = NULL;
	rc = ht_fmt_symbolizer(p, o, &sym, &own, cause);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct ht_stack *st = &p->stacks[i];
		double val = ht_fmt_pick_value(&st->counts, v);
		long long iv;
		size_t nflat, leaf;

		if (!(val >= 0.5) || st->depth == 0)
			continue;
		iv = val > 9.2e18 ? (long long)9.2e18 : llround(val);
		if (ht_fmt_stack_frames(sym, st, &flat, &capflat, &nflat,
		                        &leaf) < 0) {
			rc = ht_fmt_fail(cause, -ENOMEM, "out of memory");
			goto out;
		}
		for (size_t k = nflat; k-- > leaf;) {
			put_name(f, flat[k]->function);
			if (k > leaf)
				fputc(';', f);
		}
		fprintf(f, " %lld\n", iv);
	}
	if (ferror(f))
		rc = ht_fmt_fail(cause, -EIO, "write error");
out:
	free(flat);
	ht_symbolizer_free(own);
	return rc;
}

const struct ht_fmt ht_fmt_collapsed = {
	.name = "collapsed",
	.read = NULL,
	.write = collapsed_write,
};
