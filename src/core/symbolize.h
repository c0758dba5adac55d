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

/* Refresh the module list (after dlopen in a live target).  Cached
 * results for addresses already resolved stay valid. */
int ht_symbolizer_update(struct ht_symbolizer *s, const struct ht_profile *p);

void ht_symbolizer_free(struct ht_symbolizer *s);

/*
 * Resolve one address.  `is_return` says pc is a return address (look up
 * pc - 1).  Sets *frames to an array of *n frames (innermost inline first)
 * owned by the symbolizer's cache.  Returns 0; never fails (unknown
 * addresses yield one frame "0x..." or "module+0x...").
 */
int ht_symbolize(struct ht_symbolizer *s, uint64_t pc, bool is_return,
                 const struct ht_frame **frames, size_t *n);

/* Demangle a C++ (Itanium) or Rust (legacy or v0) symbol.  Returns a
 * malloc'd string, or NULL when `name` is not mangled. */
char *ht_demangle(const char *name);

/* True when a function name is allocator machinery (malloc family,
 * operator new/delete, Rust alloc::/__rust_alloc/__rdl_alloc, heaptop's own
 * runtime): the first frame that is not is the allocation "site". */
bool ht_is_allocator_function(const char *function);

/* Modules that have no debug info (for a report); NULL-terminated array of
 * paths owned by the symbolizer. */
const char *const *ht_symbolizer_missing_debuginfo(struct ht_symbolizer *s);

#endif /* HT_CORE_SYMBOLIZE_H */
