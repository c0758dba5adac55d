/*
 * Profile formats: readers and writers.  One ops table per format
 * (src/core/fmt_<name>.c exports `ht_fmt_<name>`), as tmux's window modes.
 *
 *   heap_v2    jemalloc's format: read (heaptop's, jemalloc's with t<N>
 *              lines, gperftools' "heap profile:" variant), write
 *   collapsed  "root;...;leaf value" for flamegraph.pl / speedscope: write
 *   pprof      gzipped profile.proto: write
 *   svg        a flame graph with its script, self-contained: write
 *
 * Readers trust nothing: a malformed file yields -EINVAL and a cause that
 * names the line, never a crash or a hang.
 */
#ifndef HT_CORE_FMT_H
#define HT_CORE_FMT_H

#include <stdio.h>

#include "core/profile.h"
#include "core/symbolize.h"

/* Which value a single-valued format (collapsed, svg) writes. */
enum ht_fmt_value {
	HT_VAL_INUSE_BYTES,
	HT_VAL_INUSE_OBJS,
	HT_VAL_ALLOC_BYTES,
	HT_VAL_ALLOC_OBJS,
};

/* The formats heaptop writes. */
enum ht_dump_format { HT_FMT_HEAP_V2, HT_FMT_COLLAPSED, HT_FMT_PPROF,
                      HT_FMT_SVG };

struct ht_fmt_write_options {
	enum ht_fmt_value value;
	struct ht_symbolizer *sym;    /* NULL: formats that need symbols make
	                               * their own over p's modules (no sysroot
	                               * or debug dir) */
};

struct ht_fmt {
	const char *name;             /* "heap", "collapsed", "pprof", "svg" */
	/* Parse `len` bytes.  Returns 0 or -errno with *cause (caller frees). */
	int (*read)(const char *data, size_t len, const char *filename,
	            struct ht_profile **out, char **cause);   /* NULL: no reader */
	/* Write p to f.  Returns 0 or -errno with *cause. */
	int (*write)(FILE *f, const struct ht_profile *p,
	             const struct ht_fmt_write_options *o, char **cause);
};

extern const struct ht_fmt ht_fmt_heap_v2;
extern const struct ht_fmt ht_fmt_collapsed;
extern const struct ht_fmt ht_fmt_pprof;
extern const struct ht_fmt ht_fmt_svg;

/* The writer of a format. */
const struct ht_fmt *ht_fmt_of(enum ht_dump_format fmt);

/* Write p as `fmt` to path ("-": stdout), through ht_fmt_write_file.
 * Formats that need symbols use sym, refreshed for p's modules, or when
 * sym is NULL a symbolizer of their own built with so.  0 or -errno with
 * *cause. */
int ht_fmt_write_as(enum ht_dump_format fmt, const char *path,
                    const struct ht_profile *p, enum ht_fmt_value value,
                    struct ht_symbolizer *sym, const struct ht_sym_options *so,
                    char **cause);

/* Read a file, detecting the format from its first line.  Files larger
 * than 1 GiB are refused.  0 or -errno with *cause. */
int ht_fmt_load_file(const char *path, struct ht_profile **out, char **cause);

/* Write through a temporary file in the same directory, renamed into place
 * on success.  0 or -errno with *cause. */
int ht_fmt_write_file(const struct ht_fmt *fmt, const char *path,
                      const struct ht_profile *p,
                      const struct ht_fmt_write_options *o, char **cause);

#endif /* HT_CORE_FMT_H */
