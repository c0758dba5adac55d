/*
 * Which allocator does an ELF image carry?  A pure scan of an ELF64 file
 * mapped in memory (its .symtab and .dynsym): jemalloc linked in (with any
 * symbol prefix, such as Rust's tikv-jemallocator `_rjem_`), whether its
 * profiler was compiled in, tcmalloc or mimalloc linked in.  (A shared
 * allocator library is found from inside the process, where malloc
 * resolves: runtime/allocator.c.)
 *
 * Used by the runtime (on /proc/self/exe, at start) and by the frontend
 * (on the program it is about to launch), so both agree.  Never allocates,
 * never writes to the image, bounds-checks every offset (the frontend may
 * scan any file a user names).
 */
#ifndef HT_RUNTIME_ALLOCSCAN_H
#define HT_RUNTIME_ALLOCSCAN_H

#include <stddef.h>
#include <stdint.h>

#include <heaptop/segment.h>

#define HT_ALLOC_PREFIX_MAX 15 /* longest symbol prefix recognised */

struct ht_alloc_scan {
	/* jemalloc linked into the image: `<je_prefix>mallctl` and
	 * `<je_prefix>mallocx` are both defined */
	int jemalloc;
	char je_prefix[HT_ALLOC_PREFIX_MAX + 1];
	uint64_t je_mallctl;     /* st_value of <prefix>mallctl (link-time
	                          * address: add the load bias) */
	int je_prof_built;       /* jemalloc's profiler code is present
	                          * (prof_unwind_callback / unw_backtrace
	                          * use); -1 unknown, 0 no, 1 yes */
	int tcmalloc;            /* tc_malloc defined */
	int mimalloc;            /* mi_malloc defined */
	int defines_malloc;      /* `malloc` itself defined (a static
	                          * allocator replacing libc's) */
	int symtab;              /* the image has a .symtab (not stripped) */
};

/* Scan an ELF64 little-endian image of `size` bytes.  Returns 0, or -1
 * when it is not such an image (then *out is zeroed). */
int ht_alloc_scan(const void *image, size_t size, struct ht_alloc_scan *out);

/* The allocator kind a shared library's file name stands for
 * ("libjemalloc.so.2" -> HT_ALLOC_JEMALLOC), 0 when none. */
uint32_t ht_alloc_kind_of_library(const char *name);

/* "glibc", "jemalloc", "tcmalloc", "mimalloc", "unknown". */
const char *ht_alloc_kind_name(uint32_t kind);

/* The jemalloc configuration variable for a symbol prefix:
 * "MALLOC_CONF" for "", "_RJEM_MALLOC_CONF" for "_rjem_".  Writes at
 * most cap bytes (NUL included); returns buf. */
char *ht_alloc_conf_var(const char *prefix, char *buf, size_t cap);

/* The power of two jemalloc samples at (lg_prof_sample) for a mean
 * interval of `rate` bytes: the nearest one (2^lg <= rate * sqrt(2)),
 * 0 for rate <= 1. */
unsigned ht_alloc_lg_sample(uint64_t rate);

#endif /* HT_RUNTIME_ALLOCSCAN_H */
