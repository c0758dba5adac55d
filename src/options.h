/*
 * heaptop's command line: what the options ask for (struct options) and
 * their parsing, with usage, --help and --version.  Usage errors print a
 * hint and exit with status 2.
 */
#ifndef HT_OPTIONS_H
#define HT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fmt.h"
#include "core/model.h"

#define EXIT_USAGE 2

struct options {
	uint64_t rate;
	unsigned max_depth;
	double delay;
	bool batch, json, list, list_all, clean, demo, no_color;
	long iterations;            /* 0 = until the program ends */
	long top;
	long threads;               /* per-thread rows per site (text), 0 = all */
	bool no_threads;            /* no per-thread breakdown at all */
	enum ht_sort sort;
	bool sort_set;      /* --sort given: --base keeps it */
	enum ht_group group;
	const char *filter;
	const char *dump_at_exit;
	enum ht_dump_format format;
	bool format_set;
	enum ht_fmt_value value;
	const char *output;
	const char *app_output;
	const char *runtime;
	const char *attach;
	const char *load;
	const char *follow;         /* --follow PREFIX */
	double follow_wait;         /* batch: seconds for the first dump */
	const char *base;
	const char *sysroot;
	const char *debug_dir;
	bool lib_sites;             /* --lib-sites: no folding */
	const char **fold;          /* --fold, then HEAPTOP_FOLD's */
	size_t nfold;
	const char *budget;         /* --budget PCT, as given (checked) */
	char *fold_env;             /* the copy of HEAPTOP_FOLD fold points into */
	char **argv;                /* program to launch */
};

/* Fill o from argv; exits on --help, --version and usage errors. */
void parse_options(int argc, char **argv, struct options *o);

/* Free what parse_options allocated. */
void free_options(struct options *o);

#endif /* HT_OPTIONS_H */
