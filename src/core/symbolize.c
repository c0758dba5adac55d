/*
 * Symbolization: return addresses to source-level frames with libdw
 * (Dwfl), the public lookup and its per-address cache.  The profile's
 * modules are found and reported to libdw by sym_modules.c, so a process
 * that has exited or lives in another mount namespace is still
 * symbolized; debug info is found by libdw's standard search (build-id
 * and .gnu_debuglink under /usr/lib/debug and --debug-dir, debuginfod
 * when DEBUGINFOD_URLS is set).
 *
 * One address expands to its inlined frames, innermost first, each with
 * the file:line where it sits (the call site of the inlined function
 * inside it), from the per-unit index of sym_index.c; names are demangled
 * (sym_names.c).  Addresses no function holds fall back to the symbol
 * table.  Results are cached per address and never change; strings are
 * interned.  Headless: no curses, no stdio.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <gelf.h>

#include "core/grow.h"
#include "core/cause.h"
#include "core/hash.h"
#include "core/sym_priv.h"

/* ---- strings ---- */

/* Intern a string; NULL on ENOMEM (or NULL input). */
const char *sym_intern(struct ht_symbolizer *s, const char *str)
{
	size_t len, i, mask;
	uint64_t h;

	if (!str)
		return NULL;
	if (s->nstrs * 2 >= s->capstrs) {
		size_t ncap = s->capstrs ? s->capstrs * 2 : 256;
		char **n = calloc(ncap, sizeof *n);

		if (!n)
			return NULL;
		for (i = 0; i < s->capstrs; i++) {
			char *o = s->strs[i];
			size_t j;

			if (!o)
				continue;
			j = ht_fnv(HT_FNV_INIT, o, strlen(o)) & (ncap - 1);
			while (n[j])
				j = (j + 1) & (ncap - 1);
			n[j] = o;
		}
		free(s->strs);
		s->strs = n;
		s->capstrs = ncap;
	}
	len = strlen(str);
	mask = s->capstrs - 1;
	h = ht_fnv(HT_FNV_INIT, str, len);
	for (i = h & mask; s->strs[i]; i = (i + 1) & mask)
		if (!strcmp(s->strs[i], str))
			return s->strs[i];
	s->strs[i] = strdup(str);
	if (!s->strs[i])
		return NULL;
	s->nstrs++;
	return s->strs[i];
}

/* Intern a source file name from the line table of `cu`, made absolute
 * with the unit's DW_AT_comp_dir when it is relative (as eu-addr2line
 * prints it): a build in ../configure's tree records "../src/x.c". */
const char *sym_intern_src(struct ht_symbolizer *s, Dwarf_Die *cu,
                           const char *file)
{
	Dwarf_Attribute at;
	const char *dir;
	char *joined;
	const char *r;

	if (!file || file[0] == '/' || !cu)
		return sym_intern(s, file);
	dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
	if (!dir || !*dir || asprintf(&joined, "%s/%s", dir, file) < 0)
		return sym_intern(s, file);
	r = sym_intern(s, joined);
	free(joined);
	return r;
}

const char *sym_base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

char *sym_path_join(const char *a, const char *b)
{
	char *r = NULL;

	if (asprintf(&r, "%s%s%s", a,
	             (b[0] == '/' || (a[0] && a[strlen(a) - 1] == '/')) ? "" : "/",
	             b) < 0)
		return NULL;
	return r;
}
/* ---- lifecycle ---- */

/* Create a symbolizer over p's modules (copied; p may be freed after).
 * Files that cannot be found are not an error: their frames come out as
 * module+0xoffset.  Returns 0 and *out (free with ht_symbolizer_free), or
 * -ENOMEM with *cause (caller frees). */
int ht_symbolizer_new(const struct ht_profile *p,
                      const struct ht_sym_options *opt,
                      struct ht_symbolizer **out, char **cause)
{
	struct ht_symbolizer *s;
	char *dp = NULL;
	int rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		goto nomem;
	if (opt && opt->sysroot && *opt->sysroot &&
	    !(s->sysroot = strdup(opt->sysroot)))
		goto nomem;
	if (opt && opt->debug_dir && *opt->debug_dir &&
	    !(s->debug_dir = strdup(opt->debug_dir)))
		goto nomem;
	/* libdw's search path: next to the file, .debug/, the system debug
	 * dir (also under the sysroot), then --debug-dir; build-id lookups
	 * use every absolute entry. */
	if (asprintf(&dp, ":.debug:/usr/lib/debug%s%s%s%s",
	             s->sysroot ? ":" : "", s->sysroot ? s->sysroot : "",
	             s->sysroot ? "/usr/lib/debug" : "", "") < 0) {
		dp = NULL;
		goto nomem;
	}
	if (s->debug_dir) {
		char *n = NULL;

		if (asprintf(&n, "%s:%s", dp, s->debug_dir) < 0)
			goto nomem;
		free(dp);
		dp = n;
	}
	s->debuginfo_path = dp;
	dp = NULL;
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->dwfl = dwfl_begin(&s->cb);
	if (!s->dwfl) {
		ht_cause_set(cause, "libdw: %s", dwfl_errmsg(-1));
		ht_symbolizer_free(s);
		return -ENOMEM;
	}
	rc = p ? sym_add_modules(s, p) : 0;
	if (rc == -ENOMEM)
		goto nomem;
	*out = s;
	return 0;
nomem:
	free(dp);
	ht_symbolizer_free(s);
	ht_cause_set(cause, "symbolizer: out of memory");
	return -ENOMEM;
}

static void free_fold(struct ht_symbolizer *s)
{
	for (size_t i = 0; i < s->nfold; i++)
		free(s->fold[i]);
	free(s->fold);
	s->fold = NULL;
	s->nfold = 0;
}

/* Replace the extra library patterns and re-flag cached frames. */
int ht_symbolizer_set_fold(struct ht_symbolizer *s, const char *const *pats,
                           size_t n)
{
	char **f = n ? calloc(n, sizeof *f) : NULL;
	size_t k = 0;

	if (!s || (n && !f)) {
		free(f);
		return s ? -ENOMEM : -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!pats[i] || !*pats[i])
			continue;
		if (!(f[k] = strdup(pats[i]))) {
			while (k)
				free(f[--k]);
			free(f);
			return -ENOMEM;
		}
		k++;
	}
	free_fold(s);
	s->fold = f;
	s->nfold = k;
	for (size_t i = 0; i < s->ncache; i++) {
		struct cache_entry *e = &s->cache[i];

		for (size_t j = 0; j < e->n; j++) {
			struct ht_frame *fr = &e->frames[j];
			fr->library = !fr->allocator &&
			    ht_is_library_frame(fr->function,
			                        fr->file, fr->module,
			                        (const char *const *)s->fold,
			                        s->nfold);
		}
	}
	return 0;
}

/* Add the modules of p not known yet (a live target's dlopen).  Cached
 * results stay valid.  0 or -errno. */
int ht_symbolizer_update(struct ht_symbolizer *s, const struct ht_profile *p)
{
	size_t before;
	int rc;

	if (!s || !p)
		return -EINVAL;
	before = s->nmods;
	rc = sym_add_modules(s, p);
	if (rc < 0 || s->nmods == before)
		return rc;
	/* New modules: addresses that no module held may resolve now.  Drop
	 * them from the map; their entries (and frames) stay for callers
	 * still holding them. */
	for (size_t i = 0; i < s->ncache; i++) {
		struct cache_entry *e = &s->cache[i];

		if (e->unresolved && !e->dropped) {
			ht_u64map_del(&s->bypc, e->pc, NULL);
			e->dropped = true;
		}
	}
	return 0;
}

/* Free the symbolizer, its cache and every string it handed out.  NULL
 * is fine. */
void ht_symbolizer_free(struct ht_symbolizer *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->mods[i].path);
		free(s->mods[i].found);
		free(s->mods[i].cus);
	}
	free(s->mods);
	free(s->order);
	for (size_t i = 0; i < s->ncache; i++)
		free(s->cache[i].frames);
	free(s->cache);
	ht_u64map_free(&s->bypc);
	for (size_t i = 0; i < s->nixs; i++)
		sym_index_free(s->ixs[i]);
	free(s->ixs);
	ht_u64map_free(&s->ixbymod);
	for (size_t i = 0; i < s->capstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->missing);
	free(s->debuginfo_path);
	free(s->sysroot);
	free(s->debug_dir);
	free_fold(s);
	free(s);
}

/* ---- names ---- */


/* A function DIE's name: the demangled linkage name when there is one
 * (it is qualified: namespaces, classes, Rust paths), else DW_AT_name;
 * both looked up through abstract origins and specifications. */
const char *sym_die_function_name(struct ht_symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *ln = NULL, *name = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		ln = dwarf_formstring(&attr);
	if (ln) {
		char *d = ht_demangle(ln);

		if (d) {
			name = sym_intern(s, d);
			free(d);
			return name;
		}
	}
	if (dwarf_attr_integrate(die, DW_AT_name, &attr))
		name = dwarf_formstring(&attr);
	if (name)
		return sym_intern(s, name);
	return ln ? sym_intern(s, ln) : NULL;
}

static const char *symbol_name(struct ht_symbolizer *s, const char *sym)
{
	char *d = ht_demangle(sym);
	const char *r;

	if (!d)
		return sym_intern(s, sym);
	r = sym_intern(s, d);
	free(d);
	return r;
}

static const char *unknown_name(struct ht_symbolizer *s,
                                const struct sym_module *m, uint64_t a)
{
	char buf[PATH_MAX + 32];

	if (m) {
		uint64_t off = m->have_bias ? a - m->bias :
		               m->base != HT_BASE_UNKNOWN ? a - m->base :
		               a - m->start + m->offset;

		snprintf(buf, sizeof buf, "%s+0x%" PRIx64, m->name, off);
	} else {
		snprintf(buf, sizeof buf, "0x%" PRIx64, a);
	}
	return sym_intern(s, buf);
}

/* ---- resolving ---- */

/* The symbol table's name for a, demangled; NULL when none. */
static const char *symtab_name(struct ht_symbolizer *s, Dwfl_Module *mod,
                               uint64_t a)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *nm = dwfl_module_addrinfo(mod, a, &off, &sym, NULL, NULL,
	                                      NULL);

	return nm ? symbol_name(s, nm) : NULL;
}

/* No function holds a: the symbol table's name and libdw's line. */
static void symtab_frame(struct ht_symbolizer *s, Dwfl_Module *mod,
                         uint64_t a, struct ht_frame *fr)
{
	Dwfl_Line *dl = dwfl_module_getsrc(mod, a);

	memset(fr, 0, sizeof *fr);
	fr->function = symtab_name(s, mod, a);
	if (dl) {
		int line = 0;
		const char *f = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
		const char *dir = dwfl_line_comp_dir(dl);
		char *joined = NULL;

		if (f && f[0] != '/' && dir && *dir &&
		    asprintf(&joined, "%s/%s", dir, f) >= 0)
			f = joined;
		fr->file = sym_intern(s, f);
		free(joined);
		fr->line = line;
	}
}

/* Name, flag and finish frames fr[0..n). false on ENOMEM. */
static bool finish_frames(struct ht_symbolizer *s, struct sym_module *sm,
                          const char *modname, uint64_t a,
                          struct ht_frame *fr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool named = fr[i].function != NULL;

		if (!named)
			fr[i].function = unknown_name(s, sm, a);
		if (!fr[i].function)
			return false;
		fr[i].module = modname;
		fr[i].pc = a;
		fr[i].inlined = i + 1 < n;
		fr[i].allocator = sym_allocator_module(modname) ||
		    (named && ht_is_allocator_function(fr[i].function));
		fr[i].library = !fr[i].allocator &&
		    ht_is_library_frame(fr[i].function,
		                        fr[i].file, modname,
		                        (const char *const *)s->fold, s->nfold);
		if (fr[i].line < 0)
			fr[i].line = 0;
	}
	return true;
}

/* Resolve a into frames (innermost first).  Returns the count (>= 1), or
 * 0 on allocation failure. */
static size_t resolve(struct ht_symbolizer *s, uint64_t a,
                      struct ht_frame *fr, size_t max, bool *unresolved)
{
	struct sym_module *sm = sym_module_of(s, a);
	/* only our modules are reported to libdw: no need to ask it */
	Dwfl_Module *mod = sm ? sm->mod : NULL;
	const char *modname = sm ? sm->name : NULL;
	size_t n = 0;

	if (mod) {
		if (!modname)
			modname = sym_intern(s, sym_base_name(dwfl_module_info(
			    mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL)));
		n = s->walk ? sym_walk_frames(s, sm, a, fr, max) :
		              sym_index_frames(s, sm, a, fr, max);
		if (n > 0 && !fr[n - 1].function)
			fr[n - 1].function = symtab_name(s, mod, a);
		if (n == 0) {
			symtab_frame(s, mod, a, &fr[0]);
			n = 1;
		}
	}
	*unresolved = !sm && !mod;
	if (n == 0) {
		memset(&fr[0], 0, sizeof fr[0]);
		n = 1;
	}
	return finish_frames(s, sm, modname, a, fr, n) ? n : 0;
}

void ht_symbolizer_set_walk(struct ht_symbolizer *s, bool walk)
{
	if (s)
		s->walk = walk;
}

/* Keep k frames of pc in the cache; NULL on ENOMEM. */
static struct cache_entry *cache_add(struct ht_symbolizer *s, uint64_t pc,
                                     const struct ht_frame *fr, size_t k,
                                     bool unresolved)
{
	struct cache_entry *e;

	if (ht_grow(&s->cache, &s->capcache, s->ncache + 1,
	            sizeof *s->cache) < 0)
		return NULL;
	e = &s->cache[s->ncache];
	e->frames = malloc(k * sizeof *e->frames);
	if (!e->frames)
		return NULL;
	if (ht_u64map_put(&s->bypc, pc, s->ncache, NULL, NULL) < 0) {
		free(e->frames);
		return NULL;
	}
	memcpy(e->frames, fr, k * sizeof *fr);
	e->pc = pc;
	e->n = k;
	e->unresolved = unresolved;
	e->dropped = false;
	s->ncache++;
	return e;
}

/* Resolve the return address pc into its frames, innermost inlined
 * function first, the out-of-line function last.  The lookup is at
 * pc - 1, inside the call instruction: pc itself may be the first
 * instruction of the next statement (or of another function when the
 * call was the last instruction).  *frames (n >= 1) is owned by the
 * symbolizer and valid until ht_symbolizer_free.  Returns 0, or -ENOMEM
 * (then *frames is a static "??" frame). */
int ht_symbolize(struct ht_symbolizer *s, uint64_t pc,
                 const struct ht_frame **frames, size_t *n)
{
	static const struct ht_frame oom = { .function = "??" };
	struct ht_frame tmp[MAX_INLINE_DEPTH];
	struct cache_entry *e;
	size_t *at, k;
	bool unresolved = false;

	*frames = &oom;
	*n = 1;
	if (!s)
		return -EINVAL;
	at = ht_u64map_get(&s->bypc, pc);
	/* the map stores key 0 as 1: pc 0 and 1 share a slot */
	if (at && s->cache[*at].pc == pc) {
		*frames = s->cache[*at].frames;
		*n = s->cache[*at].n;
		return 0;
	}
	memset(tmp, 0, sizeof tmp);
	k = resolve(s, ht_lookup_address(pc), tmp, MAX_INLINE_DEPTH,
	            &unresolved);
	if (k == 0)
		return -ENOMEM;
	e = cache_add(s, pc, tmp, k, unresolved);
	if (!e)
		return -ENOMEM;
	*frames = e->frames;
	*n = k;
	return 0;
}

/* Paths of the modules without debug info (file not found, or no DWARF
 * in it or in any debug file libdw found), NULL-terminated; owned by the
 * symbolizer, valid until the next update or free.  NULL on ENOMEM. */
const char *const *ht_symbolizer_missing_debuginfo(struct ht_symbolizer *s)
{
	size_t k = 0;

	if (!s)
		return NULL;
	if (s->missing)
		return s->missing;
	s->missing = calloc(s->nmods + 1, sizeof *s->missing);
	if (!s->missing)
		return NULL;
	for (size_t i = 0; i < s->nmods; i++) {
		struct sym_module *m = &s->mods[i];
		bool dup = false;

		if (!m->checked_debug) {
			Dwarf_Addr bias;

			m->has_debug = m->mod &&
			               dwfl_module_getdwarf(m->mod, &bias) != NULL;
			m->checked_debug = true;
		}
		if (m->has_debug)
			continue;
		for (size_t j = 0; j < k && !dup; j++)
			dup = !strcmp(s->missing[j], m->path);
		if (!dup)
			s->missing[k++] = m->path;
	}
	return s->missing;
}