/*
 * Symbolization: return addresses to source-level frames with libdw
 * (Dwfl).  Each profile module is found on disk (by path under --sysroot,
 * by path or build-id under --debug-dir, or as recorded), its build-id
 * checked when the profile carries one, its load bias taken from the
 * profile or computed from the ELF program headers and the mapping
 * offset (dumps only carry /proc/<pid>/maps), and reported to libdw, so
 * a process that has exited or lives in another mount namespace is still
 * symbolized.  Debug info is found by libdw's standard search (build-id
 * and .gnu_debuglink under /usr/lib/debug and --debug-dir, debuginfod
 * when DEBUGINFOD_URLS is set).
 *
 * One address expands to its inlined frames (dwarf_getscopes), innermost
 * first, each with the file:line where it sits (the call site of the
 * inlined function inside it).  Names are demangled with libiberty
 * (C++, Rust legacy and v0).  Results are cached per address and never
 * change; strings are interned.  Headless: no curses, no stdio.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libiberty/demangle.h>

#include "core/symbolize.h"

#define MAX_INLINE_DEPTH 64

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
	bool used;
	bool unresolved;       /* no module held the address */
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
	struct cache_entry *cache;
	size_t ncache, capcache;     /* capcache: power of two */
	char **strs;                 /* interned strings, open addressing */
	size_t nstrs, capstrs;
	const char **missing;        /* NULL-terminated, strings interned */
	/* frames of entries dropped from the cache (unresolved addresses
	 * re-resolved after an update): kept until free, callers may still
	 * hold them */
	struct ht_frame **graveyard;
	size_t ngrave, capgrave;
	char **fold;                 /* extra library patterns (owned) */
	size_t nfold;
};

/* ---- small helpers ---- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Intern a string; NULL on ENOMEM (or NULL input). */
static const char *intern(struct ht_symbolizer *s, const char *str)
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
			j = hash_bytes(o, strlen(o)) & (ncap - 1);
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
	h = hash_bytes(str, len);
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
static const char *intern_src(struct ht_symbolizer *s, Dwarf_Die *cu,
                              const char *file)
{
	Dwarf_Attribute at;
	const char *dir;
	char *joined;
	const char *r;

	if (!file || file[0] == '/' || !cu)
		return intern(s, file);
	dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
	if (!dir || !*dir || asprintf(&joined, "%s/%s", dir, file) < 0)
		return intern(s, file);
	r = intern(s, joined);
	free(joined);
	return r;
}

static int grow_ptrs(struct ht_frame ***arr, size_t *cap, size_t need)
{
	size_t ncap;
	struct ht_frame **n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * sizeof *n);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static char *path_join(const char *a, const char *b)
{
	char *r = NULL;

	if (asprintf(&r, "%s%s%s", a,
	             (b[0] == '/' || (a[0] && a[strlen(a) - 1] == '/')) ? "" : "/",
	             b) < 0)
		return NULL;
	return r;
}

/* ---- demangling and allocator names ---- */

/* Demangle a C++ (Itanium) or Rust (legacy or v0) symbol with libiberty.
 * Returns a malloc'd string (caller frees) or NULL when `name` is not
 * mangled or cannot be demangled. */
char *ht_demangle(const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* ---- names: allocator machinery and library code ---- */

/* `len` bytes at s start with the glob p ('*' matches any run, a
 * pattern matches a prefix of the name). */
static bool glob_prefix(const char *p, const char *s, const char *e)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			while (p[1] == '*')
				p++;
			if (!p[1])
				return true;
			for (const char *t = s; t <= e; t++)
				if (glob_prefix(p + 1, t, e))
					return true;
			return false;
		}
		if (s >= e || *s != *p)
			return false;
	}
	return true;
}

bool ht_fold_match(const char *pattern, const char *name)
{
	if (!pattern || !*pattern || !name)
		return false;
	return glob_prefix(pattern, name, name + strlen(name));
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '.';
}

/* The qualified name inside a demangled function name: without a C++
 * template's return type ("void std::vector<...>::_M_realloc_insert<...>
 * (...)") and without the parameter list.  [*b, *e). */
static void core_name(const char *fn, const char **b, const char **e)
{
	const char *start = fn, *p = fn;
	int depth = 0;

	for (; *p; p++) {
		if (!strncmp(p, "(anonymous namespace)", 21)) {
			p += 20;
			continue;
		}
		if (!strncmp(p, "operator", 8) && (p == fn || !is_ident(p[-1]))
		    && !is_ident(p[8])) {
			/* operator<, operator(), operator new: not brackets */
			p += 8;
			if (*p == ' ')
				while (p[1] && p[1] != '(' && p[1] != ' ')
					p++;
			else if (*p == '(' && p[1] == ')')
				p++;
			else
				while (p[1] && strchr("<>=!+-*/%^&|~[],", p[1]))
					p++;
			continue;
		}
		if (*p == '<' || *p == '[' || *p == '{')
			depth++;
		else if ((*p == '>' || *p == ']' || *p == '}') && depth > 0)
			depth--;
		else if (depth == 0 && *p == ' ' && p[1] && p[1] != '(')
			start = p + 1;
		else if (depth == 0 && *p == '(' && p > start)
			break;
	}
	*b = start;
	*e = p;
}

static bool prefix_n(const char *s, const char *e, const char *pre)
{
	size_t n = strlen(pre);

	return (size_t)(e - s) >= n && !strncmp(s, pre, n);
}

static bool suffix_n(const char *s, const char *e, const char *suf)
{
	size_t n = strlen(suf);

	return (size_t)(e - s) >= n && !strncmp(e - n, suf, n);
}

/* For "<X as Trait>::f" or "<X>::f" (Rust impls): X in [*xb, *xe), the
 * trait in [*tb, *te) (empty without one), the rest after "::" in *rest.
 * False when the name is not of that form. */
static bool split_impl(const char *b, const char *e, const char **xb,
                       const char **xe, const char **tb, const char **te,
                       const char **rest)
{
	int depth = 0;
	const char *as = NULL;

	if (b >= e || *b != '<')
		return false;
	for (const char *p = b + 1; p < e; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth > 0)
			depth--;
		else if (*p == '>') {
			*xb = b + 1;
			*xe = as ? as : p;
			*tb = as ? as + 4 : p;
			*te = p;
			*rest = p + 1 < e && p[1] == ':' ? p + 3 : p + 1;
			if (*rest > e)
				*rest = e;
			return true;
		} else if (depth == 0 && !as && !strncmp(p, " as ", 4))
			as = p;
	}
	return false;
}

/* Strong allocator names: the malloc family and glibc's internals, C++
 * operator new/delete and the std allocator's allocate, Rust's global
 * allocator entry points, jemalloc, tcmalloc and mimalloc entry points
 * and internals.  [b, e) is the qualified name (core_name). */
static bool allocator_name(const char *b, const char *e)
{
	static const char *const prefix[] = {
		/* glibc */
		"__libc_malloc", "__libc_calloc", "__libc_realloc",
		"__libc_memalign", "__libc_valloc", "__libc_pvalloc",
		"__libc_free", "__posix_memalign", "_int_malloc",
		"_int_realloc", "_int_memalign", "__GI___libc_", "tcache_init",
		"sysmalloc", "_mid_memalign", "__malloc_hook_ini",
		"malloc_hook_ini", "__strdup", "__strndup",
		/* C++ */
		"operator new", "operator delete",
		/* Rust */
		"__rust_alloc", "__rust_dealloc", "__rust_realloc",
		"__rust_alloc_zeroed", "__rust_no_alloc_shim_is_unstable",
		"__rdl_", "__rg_", "__rustc::", "alloc::alloc::",
		"<alloc::alloc::Global as ", "<alloc::alloc::Global>::",
		"std::alloc::", "<std::alloc::System as ",
		/* jemalloc (and its prefixed builds, see below) */
		"je_", "_rjem_", "prof_backtrace", "prof_alloc_prep",
		"prof_tctx_create", "imalloc", "ialloc", "irealloc",
		"irallocx", "ixalloc", "iallocztm", "do_rallocx",
		"malloc_default",
		/* jemalloc's own operator new (jemalloc_cpp.cpp): newImpl is
		 * inlined and tail-calls fallback_impl, so operator new itself
		 * is often not on the stack */
		"fallback_impl<", "newImpl<",
		/* tcmalloc, mimalloc (their tc_ and mi_ entry points below) */
		"tcmalloc::", "_mi_",
	};
	/* what follows tc_ / mi_ in their entry points: tc_malloc, tc_new,
	 * mi_zalloc_aligned, mi_heap_malloc, ...  A program's own mi_parse
	 * or tc_connect is a site. */
	static const char *const entry_word[] = {
		"alloc", "new", "free", "delete", "memalign", "strdup",
		"strndup", "realpath", "heap_",
	};
	/* the plain libc names (prefixed ones: allocator_entry_name) */
	static const char *const entry[] = {
		"malloc", "calloc", "realloc", "reallocarray", "free", "cfree",
		"mallocx", "rallocx", "xallocx", "sdallocx", "dallocx",
		"nallocx", "posix_memalign", "aligned_alloc", "memalign",
		"valloc", "pvalloc", "malloc_usable_size", "malloc_default",
		"strdup", "strndup",
	};
	const char *xb, *xe, *tb, *te, *rest;

	for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
		if (prefix_n(b, e, prefix[i]))
			return true;
	if (prefix_n(b, e, "tc_") || prefix_n(b, e, "mi_"))
		for (size_t i = 0; i < sizeof entry_word / sizeof *entry_word; i++)
			if (memmem(b + 3, (size_t)(e - b - 3), entry_word[i],
			           strlen(entry_word[i])))
				return true;
	/* <X as core::alloc::global::GlobalAlloc>::alloc: any
	 * #[global_allocator], the program's own included; Allocator impls
	 * of the std allocators */
	if (split_impl(b, e, &xb, &xe, &tb, &te, &rest)) {
		if (te - tb > 0 && (prefix_n(tb, te, "core::alloc::global::GlobalAlloc") ||
		                    prefix_n(tb, te, "core::alloc::GlobalAlloc")))
			return true;
		return false;
	}
	/* std::allocator<T>::allocate and friends (not the containers) */
	if ((prefix_n(b, e, "__gnu_cxx::new_allocator<") ||
	     prefix_n(b, e, "std::__new_allocator<") ||
	     prefix_n(b, e, "std::allocator<") ||
	     prefix_n(b, e, "std::allocator_traits<")) &&
	    suffix_n(b, e, "::allocate"))
		return true;
	/* Rust's System allocator implementation in std::sys */
	if (prefix_n(b, e, "std::sys::") && strstr(b, "GlobalAlloc for std::alloc::System"))
		return true;
	/* C symbols only from here */
	for (const char *p = b; p < e; p++)
		if (!is_ident(*p))
			return false;
	/* jemalloc's private namespace: <prefix>je_... */
	for (const char *p = b; p + 3 <= e; p++)
		if (!strncmp(p, "je_", 3) && p > b && p[-1] == '_')
			return true;
	for (size_t i = 0; i < sizeof entry / sizeof *entry; i++)
		if ((size_t)(e - b) == strlen(entry[i]) &&
		    !strncmp(b, entry[i], (size_t)(e - b)))
			return true;
	return false;
}

/* <prefix>malloc, <prefix>mallocx ...: an allocator's public entry
 * points under any prefix (jemalloc's --with-jemalloc-prefix).  Only
 * allocator machinery when called from allocator frames (the run of
 * ht_allocator_run): a program's own site_calloc() is a site. */
static bool allocator_entry_name(const char *f)
{
	static const char *const entry[] = {
		"malloc", "calloc", "realloc", "mallocx", "rallocx", "xallocx",
		"posix_memalign", "aligned_alloc", "memalign", "valloc",
		"malloc_default",
	};
	size_t len = strlen(f);

	for (const char *p = f; *p; p++)
		if (!is_ident(*p))
			return false;
	for (size_t i = 0; i < sizeof entry / sizeof *entry; i++) {
		size_t n = strlen(entry[i]);

		if (len >= n && !strcmp(f + len - n, entry[i]))
			return true;
	}
	return false;
}

/* True when `function` is allocator machinery: see allocator_name.
 * Container internals (alloc::raw_vec, std::vector) are not: they are
 * library code (ht_is_library_frame). */
bool ht_is_allocator_function(const char *function)
{
	const char *b, *e;

	if (!function || !*function)
		return false;
	core_name(function, &b, &e);
	return allocator_name(b, e);
}

static bool allocator_module(const char *name)
{
	return name && (has_prefix(name, "libheaptop") ||
	                has_prefix(name, "libjemalloc") ||
	                has_prefix(name, "libtcmalloc") ||
	                has_prefix(name, "libmimalloc"));
}

/* Internals of an allocator that only count inside a run of allocator
 * frames (jemalloc's arenas and caches, reached from its entry points). */
static bool allocator_internal_name(const char *f)
{
	static const char *const weak[] = {
		"arena_", "tcache_", "large_", "extent_", "sz_", "emap_",
		"pa_", "pac_", "hpa_", "sec_", "prof_", "malloc_", "ecache_",
		"edata_", "base_", "bin_", "<unknown>",
	};

	for (size_t i = 0; i < sizeof weak / sizeof *weak; i++)
		if (has_prefix(f, weak[i]))
			return true;
	return false;
}

/* The innermost run of allocator frames: frames flagged allocator, and
 * between them any frame of the same module as the last one (a static
 * allocator's internals, named or not: "prog+0x1234") or named like an
 * allocator internal.  The run ends at its outermost flagged frame, so a
 * program frame is never swallowed: it needs an allocator frame further
 * out to be "inside". */
size_t ht_allocator_run(const struct ht_frame *const *f, size_t n)
{
	size_t end = 0;
	const char *mod = NULL;

	for (size_t k = 0; k < n; k++) {
		if (f[k]->allocator ||
		    (end && f[k]->function &&
		     allocator_entry_name(f[k]->function))) {
			end = k + 1;
			mod = f[k]->module;
			continue;
		}
		if (end && ((mod && f[k]->module && !strcmp(mod, f[k]->module)) ||
		            (f[k]->function &&
		             allocator_internal_name(f[k]->function))))
			continue;
		break;
	}
	return end;
}

/* Standard-library code that folds into its caller (prefixes, '*' globs).
 * Documented in share/man/heaptop.1 (SITES). */
static const char *const default_fold[] = {
	/* Rust */
	"alloc::", "core::", "std::", "hashbrown::", "<alloc::", "<core::",
	"<std::", "<hashbrown::",
	/* C++ */
	"__gnu_cxx::", "__cxxabiv1::", "__cxa_",
	/* the C runtime's thread and process start */
	"__libc_start", "_start", "start_thread", "__clone", "clone3",
};

const char *const *ht_fold_defaults(size_t *n)
{
	*n = sizeof default_fold / sizeof *default_fold;
	return default_fold;
}

/* [b, e) matches one of the default or extra patterns. */
static bool fold_name(const char *b, const char *e, const char *const *extra,
                      size_t nextra)
{
	for (size_t i = 0; i < sizeof default_fold / sizeof *default_fold; i++)
		if (glob_prefix(default_fold[i], b, e))
			return true;
	for (size_t i = 0; i < nextra; i++)
		if (extra[i] && *extra[i] && glob_prefix(extra[i], b, e))
			return true;
	return false;
}

bool ht_is_library_frame(const char *function, const char *file,
                         const char *module, const char *const *extra,
                         size_t nextra)
{
	const char *b, *e, *xb, *xe, *tb, *te, *rest;
	bool qualified = false;

	if (module && (has_prefix(module, "libstdc++") ||
	               has_prefix(module, "libc++") ||
	               has_prefix(module, "libstd-")))
		return true;
	/* the Rust standard library's sources (remapped to /rustc/<hash>/)
	 * and the C++ standard headers */
	if (file && (has_prefix(file, "/rustc/") ||
	             strstr(file, "/include/c++/")))
		return true;
	if (!function || !*function)
		return false;
	core_name(function, &b, &e);
	if (!split_impl(b, e, &xb, &xe, &tb, &te, &rest))
		return fold_name(b, e, extra, nextra);
	/* <X as Trait>::f: the code is X's.  References forward to X. */
	for (;;) {
		if (prefix_n(xb, xe, "&mut "))
			xb += 5;
		else if (prefix_n(xb, xe, "&"))
			xb += 1;
		else if (prefix_n(xb, xe, "dyn "))
			xb += 4;
		else
			break;
	}
	if (fold_name(xb, xe, extra, nextra))
		return true;
	for (const char *p = xb; p + 1 < xe; p++)
		if (p[0] == ':' && p[1] == ':')
			qualified = true;
	if (qualified && *xb != '[' && *xb != '(' && *xb != '*')
		return false;           /* the program's type */
	/* a primitive, a slice, a tuple, a type parameter: the trait's */
	return te > tb && fold_name(tb, te, extra, nextra);
}

/* ---- modules ---- */

/* Open `path` as ELF; check the build-id when `want_len`.  Returns the fd
 * (caller closes) and sets *elfp (caller elf_end's), or -1. */
static int open_elf(const char *path, const uint8_t *want, uint32_t want_len,
                    Elf **elfp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;

	*elfp = NULL;
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -1;
	}
	if (want_len) {
		const void *id = NULL;
		ssize_t n = dwelf_elf_gnu_build_id(elf, &id);

		if (n != (ssize_t)want_len || memcmp(id, want, want_len) != 0) {
			elf_end(elf);
			close(fd);
			return -1;
		}
	}
	*elfp = elf;
	return fd;
}

/* The load bias of a module known only by a mapping (start, offset):
 * the PT_LOAD segment whose page-aligned file offset is `offset` sits at
 * `start`. */
static bool compute_bias(Elf *elf, const struct sym_module *m, uint64_t *bias)
{
	GElf_Ehdr eh;
	size_t phnum;

	if (!gelf_getehdr(elf, &eh))
		return false;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		return true;
	}
	if (m->base != HT_BASE_UNKNOWN) {
		*bias = m->base;
		return true;
	}
	if (elf_getphdrnum(elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~(uint64_t)0xfff) == m->offset) {
			*bias = m->start - (ph.p_vaddr & ~(uint64_t)0xfff);
			return true;
		}
	}
	return false;
}

static int hex_path(char *buf, size_t size, const char *dir,
                    const uint8_t *id, uint32_t n, const char *suffix)
{
	size_t k;
	int w = snprintf(buf, size, "%s/.build-id/%02x/", dir, id[0]);

	if (w < 0 || (size_t)w >= size)
		return -1;
	k = (size_t)w;
	for (uint32_t i = 1; i < n && k + 3 < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%02x", id[i]);
	w = snprintf(buf + k, size - k, "%s", suffix);
	return w < 0 || (size_t)w >= size - k ? -1 : 0;
}

/* A module already reported under the same name and bias.  libdw keys
 * its modules by name and address range, which follow from the file and
 * the bias: reporting that pair again (the same library seen through two
 * paths, or before and after an exec) makes libdw discard the module
 * already reported, which another sym_module still holds. */
static const struct sym_module *reported_twin(const struct ht_symbolizer *s,
                                              const struct sym_module *m,
                                              uint64_t bias)
{
	for (size_t i = 0; i < s->nmods; i++) {
		const struct sym_module *o = &s->mods[i];

		if (o != m && o->mod && o->bias == bias && !strcmp(o->name, m->name))
			return o;
	}
	return NULL;
}

/* Find and report one module to libdw.  Never fails hard: a module not
 * found keeps mod == NULL and shows as module+0xoffset. */
static void report_module(struct ht_symbolizer *s, struct sym_module *m)
{
	char *cands[6];
	char idpath[PATH_MAX];
	size_t nc = 0;

	if (s->sysroot)
		cands[nc++] = path_join(s->sysroot, m->path);
	if (s->debug_dir) {
		cands[nc++] = path_join(s->debug_dir, m->path);
		cands[nc++] = path_join(s->debug_dir, base_name(m->path));
		if (m->build_id_len > 1 &&
		    hex_path(idpath, sizeof idpath, s->debug_dir, m->build_id,
		             m->build_id_len, "") == 0)
			cands[nc++] = strdup(idpath);
	}
	cands[nc++] = strdup(m->path);
	for (size_t i = 0; i < nc; i++) {
		Elf *elf = NULL;
		uint64_t bias = 0;
		int fd;

		if (m->mod || !cands[i])
			continue;
		fd = open_elf(cands[i], m->build_id, m->build_id_len, &elf);
		if (fd < 0)
			continue;
		if (compute_bias(elf, m, &bias)) {
			GElf_Ehdr eh;
			bool exec = gelf_getehdr(elf, &eh) && eh.e_type == ET_EXEC;
			const struct sym_module *twin = reported_twin(s, m, bias);
			struct stat st;

			elf_end(elf);
			elf = NULL;
			if (fstat(fd, &st) != 0) {
				close(fd);
				continue;
			}
			if (twin) {
				/* the same file: share its module; another file
				 * under that name and bias: leave this one out */
				if (twin->dev == st.st_dev && twin->ino == st.st_ino &&
				    (m->found = strdup(twin->found)) != NULL) {
					m->mod = twin->mod;
					m->bias = bias;
					m->have_bias = true;
					m->dev = st.st_dev;
					m->ino = st.st_ino;
				}
				close(fd);
				continue;
			}
			/* libdw consumes fd on success */
			m->mod = dwfl_report_elf(s->dwfl, m->name, cands[i], fd,
			                         exec ? 0 : bias, true);
			if (m->mod) {
				m->bias = bias;
				m->have_bias = true;
				m->dev = st.st_dev;
				m->ino = st.st_ino;
				m->found = cands[i];
				cands[i] = NULL;
				continue;
			}
		}
		if (elf)
			elf_end(elf);
		close(fd);
	}
	for (size_t i = 0; i < nc; i++)
		free(cands[i]);
}

static bool same_module(const struct sym_module *a, const struct ht_module *b)
{
	return a->start == b->start && a->end == b->end &&
	       !strcmp(a->path, b->path);
}

static int sort_modules(struct ht_symbolizer *s);

/* Whether pm is among the first `nsorted` modules (those in s->order). */
static bool find_known(const struct ht_symbolizer *s, size_t nsorted,
                       const struct ht_module *pm)
{
	size_t lo = 0, hi = nsorted;

	if (!s->order)
		return false;
	while (lo < hi) {               /* first with start >= pm->start */
		size_t mid = lo + (hi - lo) / 2;

		if (s->mods[s->order[mid]].start < pm->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nsorted && s->mods[s->order[lo]].start == pm->start; lo++)
		if (same_module(&s->mods[s->order[lo]], pm))
			return true;
	return false;
}

/* Add the profile's modules not yet known and report them. */
static int add_modules(struct ht_symbolizer *s, const struct ht_profile *p)
{
	size_t first = s->nmods;

	dwfl_report_begin_add(s->dwfl);
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct ht_module *pm = &p->modules[i];
		struct sym_module *m;
		bool known = false;

		if (!pm->path || pm->path[0] != '/' || pm->end <= pm->start)
			continue;
		known = find_known(s, first, pm);
		if (known)
			continue;
		if (s->nmods == s->capmods) {
			size_t ncap = s->capmods ? s->capmods * 2 : 32;
			struct sym_module *n = realloc(s->mods, ncap * sizeof *n);

			if (!n) {
				dwfl_report_end(s->dwfl, NULL, NULL);
				return -ENOMEM;
			}
			s->mods = n;
			s->capmods = ncap;
		}
		m = &s->mods[s->nmods];
		memset(m, 0, sizeof *m);
		m->path = strdup(pm->path);
		m->name = intern(s, base_name(pm->path));
		if (!m->path || !m->name) {
			free(m->path);
			dwfl_report_end(s->dwfl, NULL, NULL);
			return -ENOMEM;
		}
		m->start = pm->start;
		m->end = pm->end;
		m->offset = pm->offset;
		m->base = pm->base;
		m->build_id_len = pm->build_id_len <= sizeof m->build_id ?
		                  pm->build_id_len : 0;
		memcpy(m->build_id, pm->build_id, m->build_id_len);
		s->nmods++;
	}
	for (size_t i = first; i < s->nmods; i++)
		report_module(s, &s->mods[i]);
	if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		return -EINVAL;
	if (sort_modules(s) < 0)
		return -ENOMEM;
	free(s->missing);
	s->missing = NULL;
	return 0;
}

/* The module holding a: binary search over the modules sorted by start,
 * then a few neighbours to the left (overlaps are rare: a dlclose'd range
 * reused); one with a usable file wins. */
static struct sym_module *module_of(struct ht_symbolizer *s, uint64_t a)
{
	struct sym_module *found = NULL;
	size_t lo = 0, hi = s->nmods, steps = 0;

	if (!s->order)
		return NULL;
	while (lo < hi) {               /* first with start > a */
		size_t mid = lo + (hi - lo) / 2;

		if (s->mods[s->order[mid]].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0 && steps++ < 16) {
		struct sym_module *m = &s->mods[s->order[lo]];

		if (a >= m->end)
			continue;
		if (m->mod)
			return m;
		if (!found)
			found = m;
	}
	return found;
}

static int cmp_start(const void *x, const void *y, void *ctx)
{
	const struct ht_symbolizer *s = ctx;
	uint64_t a = s->mods[*(const size_t *)x].start;
	uint64_t b = s->mods[*(const size_t *)y].start;

	return a < b ? -1 : a > b;
}

static int sort_modules(struct ht_symbolizer *s)
{
	size_t *o = realloc(s->order, (s->nmods ? s->nmods : 1) * sizeof *o);

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < s->nmods; i++)
		o[i] = i;
	s->order = o;
	qsort_r(o, s->nmods, sizeof *o, cmp_start, s);
	return 0;
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
		if (cause && asprintf(cause, "libdw: %s", dwfl_errmsg(-1)) < 0)
			*cause = NULL;
		ht_symbolizer_free(s);
		return -ENOMEM;
	}
	rc = p ? add_modules(s, p) : 0;
	if (rc == -ENOMEM)
		goto nomem;
	*out = s;
	return 0;
nomem:
	free(dp);
	ht_symbolizer_free(s);
	if (cause)
		*cause = strdup("symbolizer: out of memory");
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
	for (size_t i = 0; i < s->capcache; i++) {
		struct cache_entry *e = &s->cache[i];

		for (size_t j = 0; e->used && j < e->n; j++) {
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
	rc = add_modules(s, p);
	if (rc < 0 || s->nmods == before || !s->capcache)
		return rc;
	/* New modules: addresses that no module held may resolve now.
	 * Drop them from the cache (rehashing the rest); their frames stay
	 * alive in the graveyard for callers still holding them. */
	{
		size_t cap = s->capcache, dropped = 0;
		struct cache_entry *old = s->cache, *n = calloc(cap, sizeof *n);

		size_t nun = 0;

		for (size_t i = 0; i < cap; i++)
			nun += old[i].used && old[i].unresolved;
		if (!n || grow_ptrs(&s->graveyard, &s->capgrave,
		                    s->ngrave + nun) < 0) {
			free(n);
			return 0;   /* keep the stale entries: still valid */
		}
		for (size_t i = 0; i < cap; i++) {
			struct cache_entry *e = &old[i];
			size_t j;

			if (!e->used)
				continue;
			if (e->unresolved) {
				s->graveyard[s->ngrave++] = e->frames;
				dropped++;
				continue;
			}
			j = hash_u64(e->pc) & (cap - 1);
			while (n[j].used)
				j = (j + 1) & (cap - 1);
			n[j] = *e;
		}
		free(old);
		s->cache = n;
		s->ncache -= dropped;
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
	for (size_t i = 0; i < s->capcache; i++)
		free(s->cache[i].frames);
	free(s->cache);
	for (size_t i = 0; i < s->capstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->missing);
	for (size_t i = 0; i < s->ngrave; i++)
		free(s->graveyard[i]);
	free(s->graveyard);
	free(s->debuginfo_path);
	free(s->sysroot);
	free(s->debug_dir);
	free_fold(s);
	free(s);
}

/* ---- resolving ---- */

/* A function DIE's name: the demangled linkage name when there is one
 * (it is qualified: namespaces, classes, Rust paths), else DW_AT_name;
 * both looked up through abstract origins and specifications. */
static const char *die_function_name(struct ht_symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *ln = NULL, *name = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		ln = dwarf_formstring(&attr);
	if (ln) {
		char *d = ht_demangle(ln);

		if (d) {
			name = intern(s, d);
			free(d);
			return name;
		}
	}
	if (dwarf_attr_integrate(die, DW_AT_name, &attr))
		name = dwarf_formstring(&attr);
	if (name)
		return intern(s, name);
	return ln ? intern(s, ln) : NULL;
}

static const char *symbol_name(struct ht_symbolizer *s, const char *sym)
{
	char *d = ht_demangle(sym);
	const char *r;

	if (!d)
		return intern(s, sym);
	r = intern(s, d);
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
	return intern(s, buf);
}

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
				if (sm->ncus == cap) {
					size_t nc = cap ? cap * 2 : 64;
					struct cu_range *n = realloc(sm->cus,
					                             nc * sizeof *n);

					if (!n)
						goto done;
					sm->cus = n;
					cap = nc;
				}
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
static size_t resolve(struct ht_symbolizer *s, uint64_t a,
                      struct ht_frame *fr, size_t max, bool *unresolved)
{
	struct sym_module *sm = module_of(s, a);
	/* only our modules are reported to libdw: no need to ask it */
	Dwfl_Module *mod = sm ? sm->mod : NULL;
	const char *modname = sm ? sm->name : NULL;
	size_t n = 0;

	if (mod) {
		Dwarf_Addr bias = 0;
		Dwarf_Die cu_mem;
		Dwarf_Die *cu = dwfl_module_addrdie(mod, a, &bias);

		if (!cu)
			cu = cu_by_ranges(sm, a, &bias, &cu_mem);

		if (!modname)
			modname = intern(s, base_name(dwfl_module_info(mod,
			    NULL, NULL, NULL, NULL, NULL, NULL, NULL)));
		if (cu) {
			Dwarf_Die *scopes = NULL;
			int ns = dwarf_getscopes(cu, a - bias, &scopes);
			Dwarf_Files *files = NULL;
			size_t nfiles = 0;
			bool have_files = dwarf_getsrcfiles(cu, &files,
			                                    &nfiles) == 0;

			const char *call_file = NULL;
			int call_line = 0;
			Dwarf_Die *chain = scopes, *concrete = NULL;
			int nchain = ns, first = 0;

			/* dwarf_getscopes follows an inlined instance to its
			 * abstract origin; the callers it was inlined into
			 * are the concrete DIE's parents (as eu-addr2line
			 * -i walks them). */
			while (first < ns &&
			       dwarf_tag(&scopes[first]) != DW_TAG_subprogram &&
			       dwarf_tag(&scopes[first]) != DW_TAG_inlined_subroutine)
				first++;
			if (first < ns &&
			    dwarf_tag(&scopes[first]) == DW_TAG_inlined_subroutine) {
				int nc = dwarf_getscopes_die(&scopes[first],
				                             &concrete);

				if (nc > 0) {
					chain = concrete;
					nchain = nc;
					first = 0;
				}
			}
			for (int i = first; i < nchain && n < max; i++) {
				Dwarf_Die *sc = &chain[i];
				int tag = dwarf_tag(sc);
				Dwarf_Attribute at;
				Dwarf_Word w;

				if (tag != DW_TAG_subprogram &&
				    tag != DW_TAG_inlined_subroutine)
					continue;
				memset(&fr[n], 0, sizeof fr[n]);
				fr[n].function = die_function_name(s, sc);
				/* an outer frame sits at the call site of the
				 * inlined function inside it */
				if (n > 0) {
					fr[n].file = call_file;
					fr[n].line = call_line;
				}
				call_file = NULL;
				call_line = 0;
				if (tag == DW_TAG_inlined_subroutine) {
					if (dwarf_attr(sc, DW_AT_call_file, &at) &&
					    dwarf_formudata(&at, &w) == 0 &&
					    have_files && w < nfiles)
						call_file = intern_src(s, cu,
						    dwarf_filesrc(files, w, NULL, NULL));
					if (dwarf_attr(sc, DW_AT_call_line, &at) &&
					    dwarf_formudata(&at, &w) == 0 &&
					    w < INT32_MAX)
						call_line = (int)w;
				}
				n++;
				if (tag == DW_TAG_subprogram)
					break;
			}
			free(concrete);
			free(scopes);
			if (n > 0) {
				Dwarf_Line *l = dwarf_getsrc_die(cu, a - bias);
				int line = 0;

				if (l) {
					fr[0].file = intern_src(s, cu,
					    dwarf_linesrc(l, NULL, NULL));
					if (dwarf_lineno(l, &line) == 0)
						fr[0].line = line;
				}
			}
		}
		if (n > 0 && !fr[n - 1].function) {
			GElf_Off off;
			GElf_Sym sym;
			const char *nm = dwfl_module_addrinfo(mod, a, &off,
			    &sym, NULL, NULL, NULL);

			if (nm)
				fr[n - 1].function = symbol_name(s, nm);
		}
		if (n == 0) {
			GElf_Off off;
			GElf_Sym sym;
			const char *nm = dwfl_module_addrinfo(mod, a, &off,
			    &sym, NULL, NULL, NULL);
			Dwfl_Line *dl = dwfl_module_getsrc(mod, a);

			memset(&fr[0], 0, sizeof fr[0]);
			if (nm)
				fr[0].function = symbol_name(s, nm);
			if (dl) {
				int line = 0;
				const char *f = dwfl_lineinfo(dl, NULL, &line,
				                              NULL, NULL, NULL);
				const char *dir = dwfl_line_comp_dir(dl);
				char *joined = NULL;

				if (f && f[0] != '/' && dir && *dir &&
				    asprintf(&joined, "%s/%s", dir, f) >= 0)
					f = joined;
				fr[0].file = intern(s, f);
				free(joined);
				fr[0].line = line;
			}
			n = 1;
		}
	}
	*unresolved = !sm && !mod;
	if (n == 0) {
		memset(&fr[0], 0, sizeof fr[0]);
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		bool named = fr[i].function != NULL;

		if (!named)
			fr[i].function = unknown_name(s, sm, a);
		if (!fr[i].function)
			return 0;
		fr[i].module = modname;
		fr[i].pc = a;
		fr[i].inlined = i + 1 < n;
		fr[i].allocator = allocator_module(modname) ||
		    (named && ht_is_allocator_function(fr[i].function));
		fr[i].library = !fr[i].allocator &&
		    ht_is_library_frame(fr[i].function,
		                        fr[i].file, modname,
		                        (const char *const *)s->fold, s->nfold);
		if (fr[i].line < 0)
			fr[i].line = 0;
	}
	return n;
}

static int cache_grow(struct ht_symbolizer *s)
{
	size_t ncap = s->capcache ? s->capcache * 2 : 1024;
	struct cache_entry *n = calloc(ncap, sizeof *n);

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->capcache; i++) {
		struct cache_entry *e = &s->cache[i];
		size_t j;

		if (!e->used)
			continue;
		j = hash_u64(e->pc) & (ncap - 1);
		while (n[j].used)
			j = (j + 1) & (ncap - 1);
		n[j] = *e;
	}
	free(s->cache);
	s->cache = n;
	s->capcache = ncap;
	return 0;
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
	size_t i, mask, k;
	bool unresolved = false;

	*frames = &oom;
	*n = 1;
	if (!s)
		return -EINVAL;
	if ((s->ncache + 1) * 4 >= s->capcache * 3 && cache_grow(s) < 0)
		return -ENOMEM;
	mask = s->capcache - 1;
	for (i = hash_u64(pc) & mask; s->cache[i].used; i = (i + 1) & mask) {
		e = &s->cache[i];
		if (e->pc == pc) {
			*frames = e->frames;
			*n = e->n;
			return 0;
		}
	}
	memset(tmp, 0, sizeof tmp);
	k = resolve(s, ht_lookup_address(pc), tmp, MAX_INLINE_DEPTH,
	            &unresolved);
	if (k == 0)
		return -ENOMEM;
	e = &s->cache[i];
	e->frames = malloc(k * sizeof *e->frames);
	if (!e->frames)
		return -ENOMEM;
	memcpy(e->frames, tmp, k * sizeof *tmp);
	e->pc = pc;
	e->n = k;
	e->used = true;
	e->unresolved = unresolved;
	s->ncache++;
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
