/*
 * The symbolizer's private parts, shared by its files: symbolize.c (the
 * public lookup, its cache and lifecycle), sym_names.c (demangling,
 * allocator and library names), sym_modules.c (finding each module's ELF
 * file and reporting it to libdw), sym_index.c (the per-unit DWARF index
 * every lookup uses) and sym_walk.c (the per-address libdw walk the index
 * replaced, kept as the reference the tests and the benchmark compare
 * against).
 */
#ifndef HT_CORE_SYM_PRIV_H
#define HT_CORE_SYM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "core/symbolize.h"
#include "core/u64map.h"

#define MAX_INLINE_DEPTH 64

struct sym_index;

struct sym_module {
	char *path;            /* as the profile names it */
	const char *name;      /* basename, interned */
	uint64_t start, end, offset, base;
	uint8_t build_id[40];
	uint32_t build_id_len;
	uint64_t bias;         /* computed; valid when have_bias */
	bool have_bias;
	Dwfl_Module *mod;      /* NULL: file not found / not usable */
	char *found;           /* the file reported (owned) */
	dev_t dev;             /* the reported file's identity */
	ino_t ino;
	bool checked_debug, has_debug;
	/* compilation units by address, for the units .debug_aranges does
	 * not list (built at the first address libdw's lookup misses) */
	struct cu_range *cus;
	size_t ncus;
	bool cus_built;
};

struct cu_range {
	Dwarf_Addr lo, hi;     /* [lo, hi), module addresses (no bias) */
	Dwarf_Off die;         /* the unit's DIE offset */
};

struct cache_entry {
	uint64_t pc;
	bool unresolved;       /* no module held the address */
	bool dropped;          /* out of the map (re-resolved after update) */
	struct ht_frame *frames;
	size_t n;
};

struct ht_symbolizer {
	Dwfl *dwfl;
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	char *sysroot, *debug_dir;
	struct sym_module *mods;
	size_t nmods, capmods;
	size_t *order;               /* mods indexes sorted by start */
	/* the per-address cache: entries in order of resolution (an entry
	 * dropped after an update keeps its frames until free: callers may
	 * still hold them), found by pc through `bypc` */
	struct cache_entry *cache;
	size_t ncache, capcache;
	struct ht_u64map bypc;
	char **strs;                 /* interned strings, open addressing */
	size_t nstrs, capstrs;
	const char **missing;        /* NULL-terminated, strings interned */
	char **fold;                 /* extra library patterns (owned) */
	size_t nfold;
	bool walk;                   /* resolve with sym_walk.c */
	/* the DWARF indexes (sym_index.c), one per libdw module (twin
	 * sym_modules share one), found by the Dwfl_Module's address */
	struct sym_index **ixs;
	size_t nixs, capixs;
	struct ht_u64map ixbymod;
};

/* symbolize.c: strings */
const char *sym_intern(struct ht_symbolizer *s, const char *str);
const char *sym_intern_src(struct ht_symbolizer *s, Dwarf_Die *cu,
                           const char *file);
const char *sym_base_name(const char *path);
char *sym_path_join(const char *a, const char *b);
const char *sym_die_function_name(struct ht_symbolizer *s, Dwarf_Die *die);

/* sym_names.c */
bool sym_allocator_module(const char *name);

/* sym_modules.c: add p's modules not known yet and report them (0 or
 * -errno); the module holding a (NULL: none). */
int sym_add_modules(struct ht_symbolizer *s, const struct ht_profile *p);
struct sym_module *sym_module_of(struct ht_symbolizer *s, uint64_t a);

/* The compilation unit holding module address a (biased), or NULL;
 * *bias gets the module's DWARF bias. */
Dwarf_Die *sym_cu_of(struct sym_module *sm, Dwarf_Addr a, Dwarf_Addr *bias,
                     Dwarf_Die *out);

/* The DWARF frames of address a in module sm, innermost first, into fr
 * (at most max): function names (NULL when the DIE has none), file:line.
 * Returns their count, 0 when no function holds a.  sym_index.c's by
 * the per-unit index, sym_walk.c's by libdw's per-address walk; both
 * give the same frames. */
size_t sym_index_frames(struct ht_symbolizer *s, struct sym_module *sm,
                        uint64_t a, struct ht_frame *fr, size_t max);
size_t sym_walk_frames(struct ht_symbolizer *s, struct sym_module *sm,
                       uint64_t a, struct ht_frame *fr, size_t max);
void sym_index_free(struct sym_index *ix);

/* Resolve with the per-address walk instead of the index (the reference
 * for tests and benchmarks).  Call before the first ht_symbolize. */
void ht_symbolizer_set_walk(struct ht_symbolizer *s, bool walk);

#endif /* HT_CORE_SYM_PRIV_H */
