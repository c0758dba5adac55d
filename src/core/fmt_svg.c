/*
 * `--format svg`: a flame graph as one self-contained SVG file, with the
 * script (zoom, search, details on hover) and style embedded: no external
 * script or font.  Root ("all") at the bottom, each caller below its
 * callees, siblings sorted by name as flamegraph.pl does, widths
 * proportional to the value (--value: bytes in use by default).  The
 * stacks and frames are the collapsed writer's (ht_fmt_stack_frames).
 *
 * The graph (struct ht_svg, fmt_svg.h) owns its nodes and borrows the
 * frames' strings (the symbolizer's).  Every string written is escaped
 * for XML and made valid UTF-8 here; the output is bounded: frames
 * narrower than min_width pixels, and all but the max_frames widest, are
 * left out.  Write-only.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "core/fmt_svg.h"
#include "core/units.h"

/* Geometry, in pixels; the script reads it from the root's data-*. */
#define FRAME_H 16
#define FONT_SIZE 12
#define CHAR_W (FONT_SIZE * 0.59)   /* flamegraph.pl's average glyph */
#define XPAD 10
#define YPAD_TOP 70                 /* title, subtitle, note, buttons */
#define YPAD_BOTTOM 34              /* the details line */
#define TITLE_MAX 100               /* code points of the title */
#define SUBTITLE_MAX 160            /* and of the subtitle */

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

enum svg_kind { K_ROOT, K_PROGRAM, K_LIBRARY, K_ALLOCATOR, K_UNKNOWN };

struct svg_node {
	const char *function, *file, *module;   /* borrowed */
	uint32_t parent;         /* UINT32_MAX for the root */
	uint32_t kids, nkids;    /* range of g->kids (index_children) */
	int lines[3];            /* the first distinct lines, ascending */
	uint8_t nlines;          /* how many of them; 4: and more */
	uint8_t kind;            /* enum svg_kind */
	bool inlined;
	double value;
};

struct ht_svg {
	struct svg_node *nodes;  /* [0] is the root */
	size_t n, cap;
	uint32_t *slots;         /* open addressing: node index + 1, 0 empty */
	size_t nslots;
	uint32_t *kids;          /* children grouped by parent, sorted */
	size_t nstacks;
};

/* ---- building ---- */

static uint64_t str_hash(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

static uint64_t key_hash(uint32_t parent, const char *function,
                         const char *file)
{
	uint64_t h = FNV_BASIS ^ ((uint64_t)parent * 0x9e3779b97f4a7c15ull);

	h = str_hash(h, function);
	h = (h ^ 0xff) * FNV_PRIME;   /* "ab"+"c" differs from "a"+"bc" */
	h = str_hash(h, file);
	return h ^ (h >> 31);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct ht_svg *ht_svg_new(void)
{
	struct ht_svg *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->cap = 64;
	g->nodes = calloc(g->cap, sizeof *g->nodes);
	g->nslots = 128;
	g->slots = calloc(g->nslots, sizeof *g->slots);
	if (!g->nodes || !g->slots) {
		ht_svg_free(g);
		return NULL;
	}
	g->nodes[0].function = "all";
	g->nodes[0].parent = UINT32_MAX;
	g->nodes[0].kind = K_ROOT;
	g->n = 1;
	return g;
}

void ht_svg_free(struct ht_svg *g)
{
	if (!g)
		return;
	free(g->nodes);
	free(g->slots);
	free(g->kids);
	free(g);
}

/* Double the hash table. */
static int rehash(struct ht_svg *g)
{
	size_t ns = g->nslots * 2, mask = ns - 1;
	uint32_t *slots = calloc(ns, sizeof *slots);

	if (!slots)
		return -ENOMEM;
	for (size_t i = 1; i < g->n; i++) {
		const struct svg_node *nd = &g->nodes[i];
		size_t s = key_hash(nd->parent, nd->function, nd->file) & mask;

		while (slots[s])
			s = (s + 1) & mask;
		slots[s] = (uint32_t)i + 1;
	}
	free(g->slots);
	g->slots = slots;
	g->nslots = ns;
	return 0;
}

static enum svg_kind kind_of(const struct ht_frame *fr)
{
	if (fr->allocator)
		return K_ALLOCATOR;
	if (fr->library)
		return K_LIBRARY;
	if (!fr->file && (!fr->function || !strncmp(fr->function, "0x", 2) ||
	                  strstr(fr->function, "+0x")))
		return K_UNKNOWN;
	return K_PROGRAM;
}

/* Remember a line of the frame (a merged frame has several: the calls
 * to different callees, the allocation itself). */
static void add_line(struct svg_node *nd, int line)
{
	size_t k = 0, n = nd->nlines > 3 ? 3 : nd->nlines;

	if (line <= 0)
		return;
	/* cppcheck takes the first call's node (no lines yet) for all */
	// cppcheck-suppress knownConditionTrueFalse
	while (k < n && nd->lines[k] < line)
		k++;
	// cppcheck-suppress knownConditionTrueFalse
	if (k < n && nd->lines[k] == line)
		return;
	// cppcheck-suppress knownConditionTrueFalse
	if (n == 3) {
		nd->nlines = 4;
		return;
	}
	memmove(&nd->lines[k + 1], &nd->lines[k], (n - k) * sizeof *nd->lines);
	nd->lines[k] = line;
	nd->nlines++;
}

/* The child of `parent` for frame fr, made when new.  Its index, or -1
 * on ENOMEM. */
static int64_t child_of(struct ht_svg *g, uint32_t parent,
                        const struct ht_frame *fr)
{
	const char *fn = fr->function ? fr->function : "?";
	size_t mask, s;
	struct svg_node *nd;

	if ((g->n + 1) * 2 > g->nslots && rehash(g) < 0)
		return -1;
	mask = g->nslots - 1;
	for (s = key_hash(parent, fn, fr->file) & mask; g->slots[s];
	     s = (s + 1) & mask) {
		nd = &g->nodes[g->slots[s] - 1];
		if (nd->parent == parent && same_str(nd->function, fn) &&
		    same_str(nd->file, fr->file)) {
			add_line(nd, fr->line);
			return g->slots[s] - 1;
		}
	}
	if (g->n >= UINT32_MAX - 1 ||
	    ht_fmt_grow(&g->nodes, &g->cap, g->n + 1, sizeof *g->nodes) < 0)
		return -1;
	nd = &g->nodes[g->n];
	memset(nd, 0, sizeof *nd);
	nd->function = fn;
	nd->file = fr->file;
	nd->module = fr->module;
	nd->parent = parent;
	nd->kind = (uint8_t)kind_of(fr);
	nd->inlined = fr->inlined;
	add_line(nd, fr->line);
	g->slots[s] = (uint32_t)g->n + 1;
	return (int64_t)g->n++;
}

/* See fmt_svg.h. */
int ht_svg_add(struct ht_svg *g, const struct ht_frame *const *frames,
               size_t n, double value)
{
	uint32_t cur = 0;

	if (!(value > 0) || !isfinite(value))
		return 0;
	g->nodes[0].value += value;
	for (size_t i = 0; i < n; i++) {
		int64_t c = child_of(g, cur, frames[i]);

		if (c < 0)
			return -ENOMEM;
		cur = (uint32_t)c;
		g->nodes[cur].value += value;
	}
	g->nstacks++;
	return 0;
}

/* ---- layout ---- */

static int cmp_kids(const void *a, const void *b, void *ctx)
{
	const struct ht_svg *g = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct svg_node *nx = &g->nodes[x], *ny = &g->nodes[y];
	int c = strcmp(nx->function, ny->function);

	if (c)
		return c;
	c = strcmp(nx->file ? nx->file : "", ny->file ? ny->file : "");
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Group the children of every node in g->kids, each group sorted by
 * name.  0 or -ENOMEM. */
static int index_children(struct ht_svg *g)
{
	uint32_t off = 0;

	free(g->kids);
	g->kids = malloc(g->n * sizeof *g->kids);
	if (!g->kids)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++)
		g->nodes[i].nkids = 0;
	for (size_t i = 1; i < g->n; i++)
		g->nodes[g->nodes[i].parent].nkids++;
	for (size_t i = 0; i < g->n; i++) {
		g->nodes[i].kids = off;
		off += g->nodes[i].nkids;
		g->nodes[i].nkids = 0;
	}
	for (size_t i = 1; i < g->n; i++) {
		struct svg_node *p = &g->nodes[g->nodes[i].parent];

		g->kids[p->kids + p->nkids++] = (uint32_t)i;
	}
	for (size_t i = 0; i < g->n; i++)
		if (g->nodes[i].nkids > 1)
			qsort_r(&g->kids[g->nodes[i].kids], g->nodes[i].nkids,
			        sizeof *g->kids, cmp_kids, g);
	return 0;
}

/* A frame that may be drawn, for ranking: the wider first, then the
 * shallower (a caller as wide as its callee comes before it), then the
 * older, so that the drawn frames always hang together. */
struct cand {
	double value;
	uint32_t depth, node;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/*
 * Mark in show[] the frames drawn: those at least min_value wide, and of
 * them the max_frames widest (the root included, always drawn).  A
 * frame's value is at least its callees', so every drawn frame's caller
 * is drawn.  0 or -ENOMEM.
 */
static int mark_drawn(const struct ht_svg *g, double min_value,
                      size_t max_frames, bool *show)
{
	struct cand *c;
	uint32_t *depth;
	size_t count = 0, keep = max_frames - 1;

	show[0] = true;
	for (size_t i = 1; i < g->n; i++)
		count += show[i] = g->nodes[i].value >= min_value;
	if (count <= keep)
		return 0;
	c = malloc(count * sizeof *c);
	depth = malloc(g->n * sizeof *depth);
	if (!c || !depth) {
		free(c);
		free(depth);
		return -ENOMEM;
	}
	depth[0] = 0;
	count = 0;
	for (size_t i = 1; i < g->n; i++) {
		/* a node is made after its parent: depth known */
		depth[i] = depth[g->nodes[i].parent] + 1;
		if (show[i])
			c[count++] = (struct cand){ g->nodes[i].value, depth[i],
			                            (uint32_t)i };
		show[i] = false;
	}
	qsort(c, count, sizeof *c, cmp_cand);
	for (size_t k = 0; k < keep; k++)
		show[c[k].node] = true;
	free(c);
	free(depth);
	return 0;
}

struct visit {
	uint32_t node, depth;
	double x;
};

typedef void (*visit_fn)(void *ctx, uint32_t node, uint32_t depth,
                         double x, double w);

/* Visit the frames shown in pre-order (children by name), each with its
 * depth, x and width at `scale` pixels per unit.  0 or -ENOMEM. */
static int walk(const struct ht_svg *g, const bool *show, double scale,
                visit_fn fn, void *ctx)
{
	struct visit *st = NULL;
	size_t cap = 0, sp = 0;

	if (ht_fmt_grow(&st, &cap, 1, sizeof *st) < 0)
		return -ENOMEM;
	st[sp++] = (struct visit){ 0, 0, XPAD };
	while (sp) {
		struct visit v = st[--sp];
		const struct svg_node *nd = &g->nodes[v.node];
		double cx = v.x;
		size_t start = sp;

		fn(ctx, v.node, v.depth, v.x, nd->value * scale);
		for (uint32_t k = 0; k < nd->nkids; k++) {
			uint32_t c = g->kids[nd->kids + k];
			double cv = g->nodes[c].value;

			if (show[c]) {
				if (ht_fmt_grow(&st, &cap, sp + 1, sizeof *st) < 0) {
					free(st);
					return -ENOMEM;
				}
				st[sp++] = (struct visit){ c, v.depth + 1, cx };
			}
			cx += cv * scale;
		}
		for (size_t i = start, j = sp; i + 1 < j; i++, j--) {
			struct visit t = st[i];

			st[i] = st[j - 1];
			st[j - 1] = t;
		}
	}
	free(st);
	return 0;
}

struct measure {
	uint32_t depth;
	size_t frames;
};

static void measure_frame(void *ctx, uint32_t node, uint32_t depth, double x,
                          double w)
{
	struct measure *m = ctx;

	(void)node, (void)x, (void)w;
	if (depth > m->depth)
		m->depth = depth;
	m->frames++;
}

/* ---- text ---- */

/* Decode one UTF-8 sequence at s (NUL-terminated): its length, *cp the
 * code point, or U+FFFD for a byte that starts no valid sequence
 * (length 1). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	uint32_t v, min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		len = 2, v = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, v = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		len = 4, v = c & 0x07, min = 0x10000;
	else
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)   /* also stops at the NUL */
			goto bad;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

/* A code point XML 1.0 does not allow, or a control character. */
static bool xml_bad(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff ||
	       cp == 0xfffd;
}

static size_t utf8_count(const char *s)
{
	size_t n = 0;
	uint32_t cp;

	while (s && *s) {
		s += utf8_next((const unsigned char *)s, &cp);
		n++;
	}
	return n;
}

enum { XML_PLAIN = 0, XML_NO_PARENS = 1 };

/* Write at most max code points of s escaped for XML text and attribute
 * values (&<>"' as entities; invalid UTF-8 and control characters as
 * U+FFFD; with XML_NO_PARENS, parentheses as brackets). */
static void put_xml(FILE *f, const char *s, size_t max, int flags)
{
	while (s && *s && max-- > 0) {
		uint32_t cp;
		size_t len = utf8_next((const unsigned char *)s, &cp);

		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '(': fputc(flags & XML_NO_PARENS ? '[' : '(', f); break;
		case ')': fputc(flags & XML_NO_PARENS ? ']' : ')', f); break;
		default:
			if (xml_bad(cp))
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(s, 1, len, f);
		}
		s += len;
	}
}

/* s escaped, or when longer than chars (at least 3) code points its
 * start and "..". */
static void put_cut(FILE *f, const char *s, size_t chars)
{
	size_t n = utf8_count(s);

	if (n <= chars) {
		put_xml(f, s, n, XML_PLAIN);
		return;
	}
	put_xml(f, s, chars - 2, XML_PLAIN);
	fputs("..", f);
}

/* The label that fits w pixels: the name, or its start and "..", or
 * nothing under 3 characters (the script's label() does the same). */
static void put_label(FILE *f, const char *name, double w)
{
	if (w >= 3 * CHAR_W)
		put_cut(f, name, (size_t)floor(w / CHAR_W));
}

/* "12.3 MiB" (1024-based) or "1,234 objects". */
static void value_str(char *buf, size_t n, double v, enum ht_fmt_value what)
{
	if (what == HT_VAL_INUSE_OBJS || what == HT_VAL_ALLOC_OBJS) {
		char grouped[32];

		if (v < 10 && v != floor(v)) {
			snprintf(buf, n, "%.1f objects", v);
			return;
		}
		ht_fmt_grouped(grouped, sizeof grouped,
		               (uint64_t)llround(fmin(fabs(v), 1e18)));
		snprintf(buf, n, "%s%s object%s", v <= -0.5 ? "-" : "", grouped,
		         v == 1 ? "" : "s");
		return;
	}
	ht_units_fmt(buf, n, v, false, &ht_units_iec_bytes);
}

/* "45.6%", "0.042%" (the script's pct() does the same). */
static void pct_str(char *buf, size_t n, double share)
{
	double p = share * 100;

	if (p >= 1 || p == 0)
		snprintf(buf, n, "%.1f%%", p);
	else
		snprintf(buf, n, "%.2g%%", p);
}

/* Where a frame is: "file.c:12", "file.c:12,40" (merged frames; ",..."
 * past three lines), "module", with ", inlined".  Written without parentheses, so that the
 * script finds the function name before the last " (". */
static void put_location(FILE *f, const struct ht_svg *g,
                         const struct svg_node *nd)
{
	if (nd->kind == K_ROOT) {
		fprintf(f, "%zu stack%s", g->nstacks, g->nstacks == 1 ? "" : "s");
		return;
	}
	if (nd->file) {
		put_xml(f, ht_fmt_basename(nd->file), SIZE_MAX, XML_NO_PARENS);
		for (size_t k = 0; k < nd->nlines && k < 3; k++)
			fprintf(f, "%c%d", k ? ',' : ':', nd->lines[k]);
		if (nd->nlines > 3)
			fputs(",...", f);
	} else if (nd->module) {
		put_xml(f, ht_fmt_basename(nd->module), SIZE_MAX, XML_NO_PARENS);
	} else {
		fputs("unknown", f);
	}
	if (nd->inlined)
		fputs(", inlined", f);
}

/* ---- drawing ---- */

static void frame_rgb(const struct svg_node *nd, int rgb[3])
{
	uint64_t h = str_hash(FNV_BASIS, nd->function);
	double v1 = (double)(h & 0xff) / 255, v2 = (double)(h >> 8 & 0xff) / 255;

	switch (nd->kind) {
	case K_ROOT:
		rgb[0] = rgb[1] = rgb[2] = 200;
		break;
	case K_LIBRARY:       /* blues */
		rgb[0] = 90 + (int)(60 * v1);
		rgb[1] = 160 + (int)(40 * v2);
		rgb[2] = 220 + (int)(35 * v1);
		break;
	case K_ALLOCATOR:     /* reds */
		rgb[0] = 230;
		rgb[1] = 110 + (int)(60 * v1);
		rgb[2] = 90 + (int)(40 * v2);
		break;
	case K_UNKNOWN:       /* greys */
		rgb[0] = rgb[1] = rgb[2] = 170 + (int)(40 * v1);
		break;
	default:              /* the program's code: greens, as flamegraph.pl's
	                       * memory palette */
		rgb[0] = (int)(nd->inlined ? 110 + 60 * v1 : 60 * v1);
		rgb[1] = 190 + (int)(50 * v2);
		rgb[2] = (int)(nd->inlined ? 110 + 50 * v1 : 40 + 60 * v1);
	}
}

struct draw {
	FILE *f;
	const struct ht_svg *g;
	enum ht_fmt_value what;
	double height, total;
};

/* <g class="f" data-v="VALUE"><title>TIP</title><rect/><text/></g>; the
 * tip is "function (location) — value, share". */
static void draw_frame(void *ctx, uint32_t node, uint32_t depth, double x,
                       double w)
{
	struct draw *d = ctx;
	const struct svg_node *nd = &d->g->nodes[node];
	double y = d->height - YPAD_BOTTOM - (double)(depth + 1) * FRAME_H;
	char val[64], pct[32];
	int rgb[3];

	value_str(val, sizeof val, nd->value, d->what);
	pct_str(pct, sizeof pct, d->total > 0 ? nd->value / d->total : 0);
	frame_rgb(nd, rgb);
	fprintf(d->f, "<g class=\"f\" data-v=\"%.15g\"><title>", nd->value);
	put_xml(d->f, nd->function, SIZE_MAX, XML_PLAIN);
	fputs(" (", d->f);
	put_location(d->f, d->g, nd);
	fprintf(d->f, ") \xe2\x80\x94 %s, %s</title>", val, pct);
	fprintf(d->f, "<rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
	        "height=\"%d\" fill=\"rgb(%d,%d,%d)\"/>", x, y, w, FRAME_H - 1,
	        rgb[0], rgb[1], rgb[2]);
	fprintf(d->f, "<text x=\"%.2f\" y=\"%.0f\">", x + 3, y + 12);
	put_label(d->f, nd->function, w);
	fputs("</text></g>\n", d->f);
}

static void put_head(FILE *f, double width, double height,
                     const struct ht_svg_options *o, const char *note)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	        "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	        "data-xpad=\"%d\" data-frame-height=\"%d\" "
	        "data-char-width=\"%.4g\" onload=\"htInit(evt)\">\n",
	        width, height, width, height, XPAD, FRAME_H, CHAR_W);
	fprintf(f, "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n"
	        "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n",
	        ht_svg_style, ht_svg_script);
	fputs("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" "
	      "fill=\"rgb(250,250,248)\"/>\n", f);
	fprintf(f, "<text id=\"title\" x=\"%.0f\" y=\"24\">", width / 2);
	put_cut(f, o->title ? o->title : "Flame graph", TITLE_MAX);
	fprintf(f, "</text>\n<text id=\"subtitle\" x=\"%.0f\" y=\"42\">",
	        width / 2);
	if (o->subtitle)
		put_cut(f, o->subtitle, SUBTITLE_MAX);
	fprintf(f, "</text>\n<text id=\"note\" x=\"%.0f\" y=\"58\">%s",
	        width / 2, note ? note : "");
	fprintf(f, "</text>\n"
	        "<text id=\"unzoom\" class=\"btn hide\" x=\"%d\" y=\"24\">"
	        "Reset Zoom</text>\n"
	        "<text id=\"search\" class=\"btn\" x=\"%.0f\" y=\"24\">"
	        "Search</text>\n"
	        "<text id=\"matched\" x=\"%.0f\" y=\"%.0f\"> </text>\n"
	        "<text id=\"details\" x=\"%d\" y=\"%.0f\"> </text>\n"
	        "<g id=\"frames\">\n",
	        XPAD, width - XPAD, width - XPAD, height - 12, XPAD,
	        height - 12);
}

/* "N of M frames drawn, the others at most X px wide" into note, when
 * frames were left out. */
static void left_out_note(char *note, size_t size, const struct ht_svg *g,
                          const bool *show, size_t shown, double scale)
{
	double widest = 0;

	if (shown >= g->n)
		return;
	for (size_t i = 1; i < g->n; i++)
		if (!show[i] && g->nodes[i].value > widest)
			widest = g->nodes[i].value;
	snprintf(note, size, "%zu of %zu frames drawn, the others at most "
	         "%.2g px wide", shown, g->n, widest * scale);
}

/* See fmt_svg.h. */
int ht_svg_write(FILE *f, struct ht_svg *g, const struct ht_svg_options *o,
                 char **cause)
{
	struct ht_svg_options d = o ? *o : (struct ht_svg_options){ 0 };
	struct measure m = { 0, 0 };
	struct draw dr;
	double total = g->nodes[0].value, scale;
	char note[128] = "";
	bool *show;
	int rc;

	if (cause)
		*cause = NULL;
	if (!(d.width >= 4 * XPAD))
		d.width = 1200;
	if (!(d.min_width > 0))
		d.min_width = HT_SVG_MIN_WIDTH;
	if (d.max_frames == 0)
		d.max_frames = HT_SVG_MAX_FRAMES;
	scale = total > 0 ? (d.width - 2 * XPAD) / total : 0;
	show = malloc(g->n * sizeof *show);
	rc = show ? index_children(g) : -ENOMEM;
	if (rc == 0)
		rc = mark_drawn(g, scale > 0 ? d.min_width / scale : INFINITY,
		                d.max_frames, show);
	if (rc == 0)
		rc = walk(g, show, scale, measure_frame, &m);
	if (rc == 0) {
		left_out_note(note, sizeof note, g, show, m.frames, scale);
		dr = (struct draw){ f, g, d.value, 0, total };
		dr.height = YPAD_TOP + (double)(m.depth + 1) * FRAME_H +
		            YPAD_BOTTOM;
		put_head(f, d.width, dr.height, &d, *note ? note : NULL);
		rc = walk(g, show, scale, draw_frame, &dr);
	}
	free(show);
	if (rc < 0)
		return ht_fmt_fail(cause, rc, "out of memory");
	fputs("</g>\n</svg>\n", f);
	if (ferror(f))
		return ht_fmt_fail(cause, -EIO, "write error");
	return 0;
}

/* ---- the format: a profile's stacks ---- */

static const char *value_words(enum ht_fmt_value v)
{
	switch (v) {
	case HT_VAL_INUSE_OBJS:  return "objects in use";
	case HT_VAL_ALLOC_BYTES: return "bytes allocated";
	case HT_VAL_ALLOC_OBJS:  return "objects allocated";
	case HT_VAL_INUSE_BYTES:
	default:                 return "bytes in use";
	}
}

static const char *program_of(const struct ht_profile *p)
{
	if (p->cmdline && *p->cmdline)
		return p->cmdline;
	if (p->exe && *p->exe)
		return p->exe;
	for (size_t i = 0; i < p->nmodules; i++)
		if (p->modules[i].main && p->modules[i].path)
			return p->modules[i].path;
	return "a heap profile";
}

/* "12.3 MiB in use (1,234 objects), 45.6 MiB allocated (5,678) ·
 * sampled every 512 KiB · 2025-01-02 03:04:05 UTC"; malloc'd. */
static char *subtitle_of(const struct ht_profile *p)
{
	char ib[64], io[64], ab[64], ao[64], rate[96] = "", when[64] = "";
	char *s = NULL;

	value_str(ib, sizeof ib, p->totals.cur_bytes, HT_VAL_INUSE_BYTES);
	value_str(io, sizeof io, p->totals.cur_objs, HT_VAL_INUSE_OBJS);
	value_str(ab, sizeof ab, p->totals.cum_bytes, HT_VAL_ALLOC_BYTES);
	value_str(ao, sizeof ao, p->totals.cum_objs, HT_VAL_ALLOC_OBJS);
	if (p->rate == 1) {
		snprintf(rate, sizeof rate, " \xc2\xb7 every allocation recorded");
	} else if (p->rate > 1) {
		char r[48];

		value_str(r, sizeof r, (double)p->rate, HT_VAL_INUSE_BYTES);
		snprintf(rate, sizeof rate, " \xc2\xb7 sampled every %s", r);
	}
	if (p->snapshot_time_ns) {
		time_t t = (time_t)(p->snapshot_time_ns / 1000000000ull);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, " \xc2\xb7 %Y-%m-%d %H:%M:%S UTC",
			         &tm);
	}
	if (asprintf(&s, "%s in use (%s), %s allocated (%s)%s%s", ib, io, ab,
	             ao, rate, when) < 0)
		return NULL;
	return s;
}

/* Add p's stacks with value v, root first, as the collapsed writer
 * writes them.  0 or -ENOMEM. */
static int add_stacks(struct ht_svg *g, const struct ht_profile *p,
                      struct ht_symbolizer *sym, enum ht_fmt_value v)
{
	const struct ht_frame **flat = NULL, **root = NULL;
	size_t capflat = 0, caproot = 0;
	int rc = 0;

	for (size_t i = 0; i < p->nstacks && rc == 0; i++) {
		const struct ht_stack *st = &p->stacks[i];
		double val = ht_fmt_pick_value(&st->counts, v);
		size_t nflat, leaf, n = 0;

		if (!(val > 0) || st->depth == 0)
			continue;
		rc = ht_fmt_stack_frames(sym, st, &flat, &capflat, &nflat, &leaf);
		if (rc == 0)
			rc = ht_fmt_grow(&root, &caproot, nflat, sizeof *root);
		if (rc < 0)
			break;
		for (size_t k = nflat; k-- > leaf;)
			root[n++] = flat[k];
		rc = ht_svg_add(g, root, n, val);
	}
	free(flat);
	free(root);
	return rc;
}

static int svg_write(FILE *f, const struct ht_profile *p,
                     const struct ht_fmt_write_options *o, char **cause)
{
	struct ht_symbolizer *sym, *own;
	enum ht_fmt_value v = o ? o->value : HT_VAL_INUSE_BYTES;
	struct ht_svg_options so = { .value = v };
	struct ht_svg *g = NULL;
	char *title = NULL, *sub = NULL;
	int rc;

	if (cause)
		*cause = NULL;
	rc = ht_fmt_symbolizer(p, o, &sym, &own, cause);
	if (rc < 0)
		return rc;
	g = ht_svg_new();
	rc = g ? add_stacks(g, p, sym, v) : -ENOMEM;
	if (rc == 0 && asprintf(&title, "heaptop: %s \xe2\x80\x94 %s",
	                        value_words(v), program_of(p)) < 0) {
		title = NULL;
		rc = -ENOMEM;
	}
	if (rc == 0 && !(sub = subtitle_of(p)))
		rc = -ENOMEM;
	if (rc < 0) {
		rc = ht_fmt_fail(cause, rc, "out of memory");
	} else {
		so.title = title;
		so.subtitle = sub;
		rc = ht_svg_write(f, g, &so, cause);
	}
	free(title);
	free(sub);
	ht_svg_free(g);
	ht_symbolizer_free(own);
	return rc;
}

const struct ht_fmt ht_fmt_svg = {
	.name = "svg",
	.read = NULL,
	.write = svg_write,
};
