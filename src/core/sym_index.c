/*
 * The symbolizer's DWARF index: per module, lazily per compilation unit,
 * one pass over the unit's DIEs into the address ranges of its
 * functions, inlined subroutines and lexical blocks (sorted), then a
 * binary search per address.  The scopes it records and the one it picks
 * for an address are those libdw's dwarf_getscopes would walk to (the
 * same tags descended, the same pruning of scopes that do not hold the
 * address), so the frames are the same as sym_walk.c's per-address walk
 * at a fraction of the cost.  Lines come from the unit's line table
 * (dwarf_getsrc_die: libdw's sorted table, a binary search).  Names and
 * call sites are read at the first lookup that needs them and kept.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "core/grow.h"
#include "core/sym_priv.h"

#define NONE UINT32_MAX
#define MAX_DIE_DEPTH 512

struct ix_scope {
	Dwarf_Off off;          /* its DIE */
	uint32_t parent;        /* the enclosing recorded scope, or NONE */
	uint32_t range0, nranges; /* its ranges in sym_cu.own */
	int tag;
	bool named;             /* name read (may be NULL) */
	const char *name;
	const char *call_file;
	int call_line;
};

struct ix_range {
	Dwarf_Addr lo, hi;      /* [lo, hi), DWARF addresses */
	uint32_t scope;
};

struct sym_cu {
	Dwarf_Die die;          /* the unit's DIE */
	struct ix_scope *scopes;/* in DIE order (preorder) */
	size_t nscopes, capscopes;
	struct ix_range *own;   /* each scope's ranges, in scope order */
	size_t nown, capown;
	struct ix_range *byaddr;/* own, sorted by lo (then DIE order) */
	Dwarf_Files *files;
	size_t nfiles;
	bool have_files;
};

struct sym_index {
	Dwfl_Module *mod;
	struct sym_cu **cus;
	size_t ncus, capcus;
	struct ht_u64map byoff; /* unit DIE offset -> cus index */
};

/* ---- units by address ---- */

static int cu_range_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Index every unit's address ranges (DW_AT_low_pc/high_pc or
 * DW_AT_ranges), sorted by start. */
static void build_cus(struct sym_module *sm, Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;

	sm->cus_built = true;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die die;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t r = 0;

		if (dwarf_offdie(dw, off + hsize, &die)) {
			while ((r = dwarf_ranges(&die, r, &base, &lo, &hi)) > 0) {
				if (hi <= lo)
					continue;
				if (ht_grow(&sm->cus, &cap, sm->ncus + 1,
				            sizeof *sm->cus) < 0)
					goto done;
				sm->cus[sm->ncus++] = (struct cu_range){
					lo, hi, off + hsize };
			}
		}
		off = next;
	}
done:
	if (sm->ncus)
		qsort(sm->cus, sm->ncus, sizeof *sm->cus, cu_range_cmp);
}

/*
 * The unit holding a, when dwfl_module_addrdie found none: libdw trusts
 * .debug_aranges when a module has one, and a program linked from units
 * of several compilers (Rust code with a C library built by gcc) often
 * lists only some of its units there.  Ranges may overlap (nested units
 * are rare): the last one starting at or below a that contains it.
 */
static Dwarf_Die *cu_by_ranges(struct sym_module *sm, Dwarf_Addr a,
                               Dwarf_Addr *bias, Dwarf_Die *out)
{
	Dwarf *dw = dwfl_module_getdwarf(sm->mod, bias);
	size_t lo = 0, hi;
	Dwarf_Addr x;

	if (!dw)
		return NULL;
	if (!sm->cus_built)
		build_cus(sm, dw);
	x = a - *bias;
	hi = sm->ncus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sm->cus[mid].lo <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && lo - i <= 64;)
		if (x >= sm->cus[i].lo && x < sm->cus[i].hi)
			return dwarf_offdie(dw, sm->cus[i].die, out);
	return NULL;
}

/* Resolve a into frames (innermost first).  Returns the count (>= 1), or
 * 0 on allocation failure. */

Dwarf_Die *sym_cu_of(struct sym_module *sm, Dwarf_Addr a, Dwarf_Addr *bias,
                     Dwarf_Die *out)
{
	Dwarf_Die *cu = dwfl_module_addrdie(sm->mod, a, bias);

	return cu ? cu : cu_by_ranges(sm, a, bias, out);
}

/* ---- building a unit's index ---- */

static int push_scope(struct sym_cu *c, Dwarf_Die *die, int tag,
                      uint32_t parent)
{
	size_t first = c->nown;
	Dwarf_Addr base, lo, hi;
	ptrdiff_t r = 0;
	struct ix_scope *sc;

	while ((r = dwarf_ranges(die, r, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (ht_grow(&c->own, &c->capown, c->nown + 1, sizeof *c->own) < 0)
			return -ENOMEM;
		c->own[c->nown++] = (struct ix_range){ lo, hi,
		                                       (uint32_t)c->nscopes };
	}
	if (c->nown == first)
		return 1;               /* no code: libdw prunes it */
	if (ht_grow(&c->scopes, &c->capscopes, c->nscopes + 1, sizeof *c->scopes) < 0)
		return -ENOMEM;
	sc = &c->scopes[c->nscopes++];
	memset(sc, 0, sizeof *sc);
	sc->off = dwarf_dieoffset(die);
	sc->parent = parent;
	sc->range0 = (uint32_t)first;
	sc->nranges = (uint32_t)(c->nown - first);
	sc->tag = tag;
	return 0;
}

/* The tags dwarf_getscopes descends into: those with addresses it
 * matches (1), those without addresses that may own some (2). */
static int scope_class(int tag)
{
	switch (tag) {
	case DW_TAG_module: case DW_TAG_lexical_block: case DW_TAG_with_stmt:
	case DW_TAG_catch_block: case DW_TAG_try_block:
	case DW_TAG_entry_point: case DW_TAG_inlined_subroutine:
	case DW_TAG_subprogram:
		return 1;
	case DW_TAG_namespace: case DW_TAG_class_type:
	case DW_TAG_structure_type:
		return 2;
	default:
		return 0;
	}
}

/* Record the scopes among the children of `parent_die` (and below). */
static int walk_children(struct sym_cu *c, Dwarf_Die *parent_die,
                         uint32_t parent, unsigned depth)
{
	Dwarf_Die die;
	int rc;

	if (depth > MAX_DIE_DEPTH || dwarf_child(parent_die, &die) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&die);
		int cls = scope_class(tag);
		uint32_t me = parent;

		if (cls == 0)
			continue;
		if (cls == 1) {
			rc = push_scope(c, &die, tag, parent);
			if (rc < 0)
				return rc;
			if (rc > 0)
				continue;
			me = (uint32_t)(c->nscopes - 1);
		}
		if (dwarf_haschildren(&die) &&
		    (rc = walk_children(c, &die, me, depth + 1)) < 0)
			return rc;
	} while (dwarf_siblingof(&die, &die) == 0);
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct ix_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->scope < y->scope ? -1 : x->scope > y->scope;
}

static void cu_free(struct sym_cu *c)
{
	if (!c)
		return;
	free(c->scopes);
	free(c->own);
	free(c->byaddr);
	free(c);
}

static struct sym_cu *cu_build(Dwarf_Die *cudie)
{
	struct sym_cu *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->die = *cudie;
	if (walk_children(c, cudie, NONE, 0) < 0 ||
	    (c->nown && !(c->byaddr = malloc(c->nown * sizeof *c->byaddr)))) {
		cu_free(c);
		return NULL;
	}
	if (c->nown) {
		memcpy(c->byaddr, c->own, c->nown * sizeof *c->byaddr);
		qsort(c->byaddr, c->nown, sizeof *c->byaddr, range_cmp);
	}
	c->have_files = dwarf_getsrcfiles(cudie, &c->files, &c->nfiles) == 0;
	return c;
}

static struct sym_index *index_of(struct ht_symbolizer *s, Dwfl_Module *mod)
{
	size_t *at = ht_u64map_get(&s->ixbymod, (uint64_t)(uintptr_t)mod);
	struct sym_index *ix;

	if (at)
		return s->ixs[*at];
	if (ht_grow(&s->ixs, &s->capixs, s->nixs + 1, sizeof *s->ixs) < 0)
		return NULL;
	ix = calloc(1, sizeof *ix);
	if (!ix || ht_u64map_put(&s->ixbymod, (uint64_t)(uintptr_t)mod,
	                         s->nixs, NULL, NULL) < 0) {
		free(ix);
		return NULL;
	}
	ix->mod = mod;
	s->ixs[s->nixs++] = ix;
	return ix;
}

/* The index of the unit `cudie`, built at its first lookup. */
static struct sym_cu *cu_index(struct sym_index *ix, Dwarf_Die *cudie)
{
	uint64_t off = dwarf_dieoffset(cudie);
	size_t *at = ht_u64map_get(&ix->byoff, off);
	struct sym_cu *c;

	if (at)
		return ix->cus[*at];
	if (ht_grow(&ix->cus, &ix->capcus, ix->ncus + 1, sizeof *ix->cus) < 0)
		return NULL;
	c = cu_build(cudie);
	if (!c || ht_u64map_put(&ix->byoff, off, ix->ncus, NULL, NULL) < 0) {
		cu_free(c);
		return NULL;
	}
	ix->cus[ix->ncus++] = c;
	return c;
}

void sym_index_free(struct sym_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->ncus; i++)
		cu_free(ix->cus[i]);
	free(ix->cus);
	ht_u64map_free(&ix->byoff);
	free(ix);
}

/* ---- lookup ---- */

static bool scope_has(const struct sym_cu *c, uint32_t i, Dwarf_Addr x)
{
	const struct ix_scope *sc = &c->scopes[i];

	for (uint32_t k = 0; k < sc->nranges; k++) {
		const struct ix_range *r = &c->own[sc->range0 + k];

		if (x >= r->lo && x < r->hi)
			return true;
	}
	return false;
}

/* The innermost scope holding x every enclosing scope of which holds it
 * too (libdw prunes a scope that does not hold the address, children
 * and all), or NONE.  Scopes nest: the last range starting at or below
 * x belongs to that scope or to one nested inside it. */
static uint32_t innermost(const struct sym_cu *c, Dwarf_Addr x)
{
	size_t lo = 0, hi = c->nown;
	uint32_t best = NONE, chain[MAX_DIE_DEPTH + 2];
	size_t nchain = 0;

	while (lo < hi) {               /* first range with lo > x */
		size_t mid = lo + (hi - lo) / 2;

		if (c->byaddr[mid].lo <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, steps = 0; i-- > 0 && steps < 64; steps++) {
		uint32_t sc = c->byaddr[i].scope;

		while (sc != NONE && !scope_has(c, sc, x))
			sc = c->scopes[sc].parent;
		if (sc != NONE) {
			best = sc;
			break;
		}
	}
	if (best == NONE)
		return NONE;
	for (uint32_t sc = best; sc != NONE && nchain < MAX_DIE_DEPTH + 2;
	     sc = c->scopes[sc].parent)
		chain[nchain++] = sc;
	/* from the outermost: stop above the first that misses x */
	for (size_t i = nchain; i-- > 0;)
		if (!scope_has(c, chain[i], x))
			return i + 1 < nchain ? chain[i + 1] : NONE;
	return best;
}

static void read_scope(struct ht_symbolizer *s, struct sym_cu *c,
                       struct ix_scope *sc)
{
	Dwarf_Die die;
	Dwarf_Attribute at;
	Dwarf_Word w;

	if (sc->named)
		return;
	sc->named = true;
	if (!dwarf_offdie(dwarf_cu_getdwarf(c->die.cu), sc->off, &die))
		return;
	sc->name = sym_die_function_name(s, &die);
	if (sc->tag != DW_TAG_inlined_subroutine)
		return;
	if (dwarf_attr(&die, DW_AT_call_file, &at) &&
	    dwarf_formudata(&at, &w) == 0 && c->have_files && w < c->nfiles)
		sc->call_file = sym_intern_src(s, &c->die,
		    dwarf_filesrc(c->files, w, NULL, NULL));
	if (dwarf_attr(&die, DW_AT_call_line, &at) &&
	    dwarf_formudata(&at, &w) == 0 && w < INT32_MAX)
		sc->call_line = (int)w;
}

size_t sym_index_frames(struct ht_symbolizer *s, struct sym_module *sm,
                        uint64_t a, struct ht_frame *fr, size_t max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die cu_mem, *cu = sym_cu_of(sm, a, &bias, &cu_mem);
	struct sym_index *ix;
	struct sym_cu *c;
	const char *call_file = NULL;
	int call_line = 0;
	uint32_t sc;
	size_t n = 0;

	if (!cu || !(ix = index_of(s, sm->mod)) || !(c = cu_index(ix, cu)))
		return 0;
	sc = innermost(c, a - bias);
	while (sc != NONE && c->scopes[sc].tag != DW_TAG_subprogram &&
	       c->scopes[sc].tag != DW_TAG_inlined_subroutine)
		sc = c->scopes[sc].parent;
	for (; sc != NONE && n < max; sc = c->scopes[sc].parent) {
		struct ix_scope *x = &c->scopes[sc];

		if (x->tag != DW_TAG_subprogram &&
		    x->tag != DW_TAG_inlined_subroutine)
			continue;
		read_scope(s, c, x);
		memset(&fr[n], 0, sizeof fr[n]);
		fr[n].function = x->name;
		/* an outer frame sits at the call site of the inlined
		 * function inside it */
		if (n > 0) {
			fr[n].file = call_file;
			fr[n].line = call_line;
		}
		call_file = x->call_file;
		call_line = x->call_line;
		n++;
		if (x->tag == DW_TAG_subprogram)
			break;
	}
	if (n > 0) {
		Dwarf_Line *l = dwarf_getsrc_die(&c->die, a - bias);
		int line = 0;

		if (l) {
			fr[0].file = sym_intern_src(s, &c->die,
			                            dwarf_linesrc(l, NULL, NULL));
			if (dwarf_lineno(l, &line) == 0)
				fr[0].line = line;
		}
	}
	return n;
}
