/*
 * Symbolizer names: demangling (libiberty: C++, Rust legacy and v0), and
 * which frames are allocator machinery or standard-library code that a
 * site folds into its caller.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "core/sym_priv.h"


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
 * and internals, CPython's PyMem/PyObject allocator layer.  [b, e) is the qualified name (core_name). */
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
		/* CPython's allocator layer (obmalloc and its PyMem/PyObject
		 * entry points, the debug hooks): a C extension's or the
		 * interpreter's caller is the site */
		"_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc",
		"PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
		"_PyMem_Raw", "PyMem_Raw", "PyMem_Malloc", "PyMem_Calloc",
		"PyMem_Realloc", "_PyMem_Debug", "pymalloc_alloc",
		"pymalloc_realloc",
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

bool sym_allocator_module(const char *name)
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
