/*
 * The flame graph behind `--format svg` (src/core/fmt_svg.c), declared
 * apart from fmt.h so that its unit test can draw hand-made stacks: a
 * graph of named frames merged into a tree, drawn as one self-contained
 * SVG file with its script.  ht_fmt_svg (fmt.h) builds one from a
 * symbolized profile.  The graph borrows the frames' strings: they must
 * outlive it.
 */
#ifndef HT_CORE_FMT_SVG_H
#define HT_CORE_FMT_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "core/fmt.h"
#include "core/symbolize.h"

struct ht_svg;

/* How a graph is drawn.  Zero fields take the defaults. */
struct ht_svg_options {
	enum ht_fmt_value value;   /* what the values count: bytes or objects */
	const char *title;         /* top line; NULL: "Flame graph" */
	const char *subtitle;      /* second line (totals ...); NULL: none */
	double width;              /* image width in pixels; 0: 1200 */
	double min_width;          /* frames narrower than this (pixels, at
	                            * the unzoomed scale) are not drawn; 0:
	                            * HT_SVG_MIN_WIDTH */
	size_t max_frames;         /* and at most this many frames are (the
	                            * widest); 0: HT_SVG_MAX_FRAMES */
};

#define HT_SVG_MIN_WIDTH 0.1
#define HT_SVG_MAX_FRAMES 20000

/* An empty graph (its root frame "all"), or NULL on ENOMEM. */
struct ht_svg *ht_svg_new(void);

void ht_svg_free(struct ht_svg *g);

/*
 * Add a stack of n frames, root (outermost caller) first, with its value;
 * values that are not above 0 are ignored.  Below one parent, frames of
 * the same function and file are one frame (its lines are kept as a
 * range).  0 or -ENOMEM.
 */
int ht_svg_add(struct ht_svg *g, const struct ht_frame *const *frames,
               size_t n, double value);

/*
 * Draw g to f: root at the bottom, callers below their callees, siblings
 * sorted by name, widths proportional to values; frames below the bound
 * (o's min_width and max_frames) are left out, their values still part
 * of their callers' widths.  0 or -errno with *cause.
 */
int ht_svg_write(FILE *f, struct ht_svg *g, const struct ht_svg_options *o,
                 char **cause);

/* The style sheet and the script every file embeds (fmt_svg_js.c). */
extern const char ht_svg_style[];
extern const char ht_svg_script[];

#endif /* HT_CORE_FMT_SVG_H */
