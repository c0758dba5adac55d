/*
 * Helpers shared by the format readers and writers (src/core/fmt*.c) and
 * nothing else: error messages that name a line, checked growth of
 * arrays, /proc/<pid>/maps text to module lists and back, the value and
 * frames of a stack for the single-valued writers.  Never reads or
 * writes a file; never trusts its input.
 */
#ifndef HT_CORE_FMT_PRIV_H
#define HT_CORE_FMT_PRIV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fmt.h"
#include "core/grow.h"
#include "core/profile.h"
#include "core/symbolize.h"

/* Longest line a reader accepts (a 4096-frame stack fits easily). */
#define HT_FMT_MAX_LINE (256u * 1024u)
/* Deepest stack a reader accepts. */
#define HT_FMT_MAX_DEPTH 4096u
/* Highest thread number that gets a name slot (names above are dropped). */
#define HT_FMT_MAX_THREAD_NAME 65535u

/* Set *cause through ht_cause_set to "FILE:LINE: message" (line 0: no
 * line part).
 * Returns -EINVAL, for `return ht_fmt_errorf(...)`.  cause may be NULL. */
int ht_fmt_errorf(char **cause, const char *filename, size_t line,
                  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Set *cause through ht_cause_set and return err (a -errno). */
int ht_fmt_fail(char **cause, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Grow an array by doubling: the core's one helper (grow.h). */
#define ht_fmt_grow ht_grow

/*
 * Parse maps text (the format of /proc/<pid>/maps) into modules: one per
 * run of file-backed mappings of the same path, start/end covering the
 * run, offset of its first mapping, base HT_BASE_UNKNOWN, the first one
 * marked main.  Pseudo paths ([vdso], [heap], anon) are skipped, as are
 * malformed lines (maps text is informational: a bad line never fails a
 * load).  Returns 0 or -ENOMEM; *out (caller frees each path and the
 * array) may be NULL with *n == 0.
 */
int ht_fmt_modules_from_maps(const char *maps, size_t len,
                             struct ht_module **out, size_t *n);

/*
 * Synthesise maps text from modules, one executable line per module, so
 * that jeprof maps an address a to file address a - start + offset:
 * offset = start - base when the base is known.  Returns a malloc'd
 * NUL-terminated string (caller frees) or NULL on ENOMEM.
 */
char *ht_fmt_maps_from_modules(const struct ht_module *mods, size_t n);

/* The counter of c that a single-valued writer (collapsed, svg) writes
 * for v. */
double ht_fmt_pick_value(const struct ht_counts *c, enum ht_fmt_value v);

/*
 * The symbolized frames of one stack as the collapsed writer writes them
 * (and the svg writer draws them): every pc expanded to its source frames,
 * innermost first, into *flat (grown as needed; *cap its capacity, the
 * caller frees it), *n of them; *leaf is the index of the first frame
 * past the innermost run of allocator frames (0 when every frame is one:
 * they are kept).  The frames are the symbolizer's.  0 or -ENOMEM.
 */
int ht_fmt_stack_frames(struct ht_symbolizer *sym, const struct ht_stack *st,
                        const struct ht_frame ***flat, size_t *cap,
                        size_t *n, size_t *leaf);

/*
 * The symbolizer a writer uses: o's, or (none given) one of its own over
 * p's modules, returned in *own for the writer to free.  0 or -errno with
 * *cause.
 */
int ht_fmt_symbolizer(const struct ht_profile *p,
                      const struct ht_fmt_write_options *o,
                      struct ht_symbolizer **sym, struct ht_symbolizer **own,
                      char **cause);

#endif /* HT_CORE_FMT_PRIV_H */
