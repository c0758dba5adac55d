/*
 * Symbolization with libdw (Dwfl) over a profile's modules: function,
 * file:line and inlined frames; C++ and Rust (legacy and v0) demangling;
 * a per-address cache.  Headless: no curses, no stdio on the hot path.
 */
#ifndef HT_CORE_SYMBOLIZE_H
#define HT_CORE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"

/* One source-level frame.  A return address expands to one or more of
 * these: the innermost inlined function first, the real (out-of-line)
 * function last.  Strings are owned by the symbolizer and live as long as
 * it does. */
struct ht_frame {
	const char *function;  /* demangled; "module+0xoff" when unknown */
	const char *file;      /* source file, NULL when unknown */
	int line;              /* 0 when unknown */
	const char *module;    /* basename of the module path, NULL unknown */
	uint64_t pc;           /* the address looked up */
	bool inlined;          /* this frame was inlined into the next one */
	bool allocator;        /* malloc family / operator new / Rust alloc:: */
	bool library;          /* standard-library code (ht_is_library_frame):
	                        * folds into its caller as a site */
};

struct ht_sym_options {
	const char *sysroot;    /* prefix for module paths, NULL = none */
	const char *debug_dir;  /* extra debuginfo dir (by path and build-id) */
};

struct ht_symbolizer;

/* Create a symbolizer for the modules of `p` (copied).  Never fails for
 * missing files: their frames come out as module+0xoffset.  Returns 0 or
 * -errno; *cause gets a message the caller frees. */
int ht_symbolizer_new(const struct ht_profile *p,
                      const struct ht_sym_options *opt,
                      struct ht_symbolizer **out, char **cause);

/* Extra library patterns (--fold, HEAPTOP_FOLD; see
 * ht_is_library_frame), copied; replaces earlier ones and re-flags the
 * frames already resolved.  0 or -ENOMEM. */
int ht_symbolizer_set_fold(struct ht_symbolizer *s, const char *const *pats,
                           size_t n);

/* Refresh the module list (after dlopen in a live target).  Cached
 * results for addresses already resolved stay valid. */
int ht_symbolizer_update(struct ht_symbolizer *s, const struct ht_profile *p);

void ht_symbolizer_free(struct ht_symbolizer *s);

/*
 * Resolve one return address.  Every frame of a recorded stack is one
 * (the runtime drops its own frames, jemalloc and gperftools dumps alike),
 * so the lookup is at ht_lookup_address(pc) = pc - 1, inside the call:
 * the line of the calling statement, not of the next one.  Sets *frames
 * to an array of *n frames (innermost inline first) owned by the
 * symbolizer's cache.  Returns 0; never fails (unknown addresses yield
 * one frame "0x..." or "module+0x...").
 */
int ht_symbolize(struct ht_symbolizer *s, uint64_t pc,
                 const struct ht_frame **frames, size_t *n);

/* The address a return address pc is looked up at (pc - 1; 0 stays 0):
 * ht_frame.pc, and the pprof Location.address. */
static inline uint64_t ht_lookup_address(uint64_t pc)
{
	return pc > 0 ? pc - 1 : 0;
}

/* Demangle a C++ (Itanium) or Rust (legacy or v0) symbol.  Returns a
 * malloc'd string, or NULL when `name` is not mangled. */
char *ht_demangle(const char *name);

/* True when a function name is allocator machinery: the malloc family and
 * glibc's internals, operator new/delete, Rust's __rust_alloc, __rdl_*,
 * alloc::alloc::* and any <X as core::alloc::global::GlobalAlloc>::alloc,
 * jemalloc (je_*, _rjem_*, <prefix>je_*, imalloc*, prof_backtrace* ...),
 * tcmalloc (tc_*, tcmalloc::*), mimalloc (mi_*, _mi_*), heaptop's own
 * runtime.  Sets ht_frame.allocator. */
bool ht_is_allocator_function(const char *function);

/* How many innermost frames are allocator machinery: flagged frames, with
 * any frame between them in the same module (a static allocator's
 * internals, even unnamed: "prog+0x1a2b"), allocator internals by name
 * (arena_*, tcache_* ...) and <prefix>malloc-style entry points reached
 * from them.  The run ends at its outermost such frame; frames[run] is
 * the innermost frame of the program (or of a library). */
size_t ht_allocator_run(const struct ht_frame *const *frames, size_t n);

/* True when a frame is standard-library code that a site folds into its
 * caller: the function matches a default pattern (ht_fold_defaults) or
 * one of `extra` (prefix match, '*' globs); for Rust's "<X as Trait>::f"
 * the type X decides (the program's type: the program's code; a
 * primitive or type parameter: the trait); or the code is in libstdc++,
 * libc++ or Rust's std dylib, or its source is the Rust standard
 * library's (/rustc/...) or a C++ standard header (.../include/c++/...). */
bool ht_is_library_frame(const char *function, const char *file,
                         const char *module, const char *const *extra,
                         size_t nextra);

/* The default library patterns, *n of them. */
const char *const *ht_fold_defaults(size_t *n);

/* `pattern` matches a prefix of `name` ('*' matches any run). */
bool ht_fold_match(const char *pattern, const char *name);

/* Modules that have no debug info (for a report); NULL-terminated array of
 * paths owned by the symbolizer. */
const char *const *ht_symbolizer_missing_debuginfo(struct ht_symbolizer *s);

#endif /* HT_CORE_SYMBOLIZE_H */
