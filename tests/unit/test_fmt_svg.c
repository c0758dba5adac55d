/*
 * Unit tests for the flame graph writer (src/core/fmt_svg.c) on
 * hand-made stacks: well-formed XML (every tag closed, every '&' an
 * entity), names with <>&"' escaped and invalid UTF-8 replaced, widths
 * proportional to values, siblings sorted by name, callees above their
 * callers, the bounds (min_width, max_frames) and the size of a
 * 100,000-stack graph; and on a symbolized profile (tests/targets/fmt_sym):
 * the collapsed writer's frames, the value --value selects.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "core/fmt_svg.h"
#include "test_fmt_util.h"

#define FULL 1180.0   /* the default 1200 px less two 10 px margins */

/* ---- reading the output back ---- */

/* One drawn frame as the file has it. */
struct fr {
	char title[1024];  /* escaped as written */
	double v, x, w, y;
};

/* NULL when s is well-formed XML as far as this file needs (one root,
 * tags nested and closed, quoted attributes, entities in text and
 * attribute values), else what is wrong. */
static const char *xml_problem(const char *s)
{
	static char msg[256];
	const char *stack[256];
	size_t lens[256], sp = 0, roots = 0;

	while (*s) {
		if (*s == '&') {
			size_t n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz"
			                         "0123456789#x");

			if (n == 0 || s[1 + n] != ';')
				return "a bare '&'";
			s += n + 2;
			continue;
		}
		if (*s == '>')
			return "a bare '>' in text";
		if (*s != '<') {
			s++;
			continue;
		}
		if (!strncmp(s, "<?", 2)) {
			if (!(s = strstr(s, "?>")))
				return "unclosed <?";
			s += 2;
		} else if (!strncmp(s, "<![CDATA[", 9)) {
			if (!(s = strstr(s, "]]>")))
				return "unclosed CDATA";
			s += 3;
		} else if (!strncmp(s, "<!--", 4)) {
			if (!(s = strstr(s, "-->")))
				return "unclosed comment";
			s += 3;
		} else if (s[1] == '/') {
			size_t n = strcspn(s + 2, ">");

			if (sp == 0 || n != lens[sp - 1] ||
			    strncmp(s + 2, stack[sp - 1], n)) {
				snprintf(msg, sizeof msg, "</%.*s> closes %.*s",
				         (int)n, s + 2, sp ? (int)lens[sp - 1] : 4,
				         sp ? stack[sp - 1] : "none");
				return msg;
			}
			sp--;
			s += n + 3;
		} else {
			const char *name = s + 1;
			size_t n = strcspn(name, " \t\n/>");

			if (n == 0)
				return "a bare '<'";
			s = name + n;
			while (*s && *s != '>' && strncmp(s, "/>", 2)) {
				if (*s == '"') {
					const char *e = strchr(s + 1, '"');

					if (!e)
						return "unterminated attribute";
					if (memchr(s + 1, '<', (size_t)(e - s - 1)))
						return "'<' in an attribute";
					s = e;
				}
				s++;
			}
			if (!*s)
				return "unterminated tag";
			if (sp == 0)
				roots++;
			if (*s == '/') {
				s += 2;
				continue;
			}
			if (sp == 256)
				return "too deep";
			stack[sp] = name;
			lens[sp++] = n;
			s++;
		}
	}
	if (sp)
		return "unclosed element";
	return roots == 1 ? NULL : "not exactly one root element";
}

/*
 * strstr that reads only up to its match: sanitizers' strstr measures the
 * whole rest of the string first, quadratic over a document of 100,000
 * frames.
 */
static const char *scan(const char *s, const char *needle)
{
	size_t l = strlen(needle);

	for (; (s = strchr(s, needle[0])); s++)
		if (!strncmp(s, needle, l))
			return s;
	return NULL;
}

static double attr(const char *el, const char *end, const char *name)
{
	char key[64];
	const char *a;

	snprintf(key, sizeof key, " %s=\"", name);
	a = scan(el, key);
	if (!a || a > end)
		fail_msg("no %s in %.80s", name, el);
	return atof(a + strlen(key));
}

/* The drawn frames, in file order; *n of them (caller frees). */
static struct fr *frames_of(const char *svg, size_t *n)
{
	struct fr *out = NULL;
	size_t cap = 0;
	const char *g = scan(svg, "<g id=\"frames\">");

	*n = 0;
	assert_non_null(g);
	while ((g = scan(g, "<g class=\"f\""))) {
		const char *t = scan(g, "<title>"), *te = scan(g, "</title>");
		const char *r = scan(g, "<rect"), *re = scan(r, "/>");
		struct fr *f;

		assert_non_null(t);
		assert_non_null(te);
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			out = realloc(out, cap * sizeof *out);
			assert_non_null(out);
		}
		f = &out[(*n)++];
		snprintf(f->title, sizeof f->title, "%.*s", (int)(te - t - 7),
		         t + 7);
		f->v = attr(g, t, "data-v");
		f->x = attr(r, re, "x");
		f->w = attr(r, re, "width");
		f->y = attr(r, re, "y");
		g = re;
	}
	return out;
}

/* The frame whose title starts with prefix (the function and " ("). */
static const struct fr *find(const struct fr *f, size_t n, const char *fn)
{
	size_t l = strlen(fn);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(f[i].title, fn, l) && !strncmp(f[i].title + l, " (", 2))
			return &f[i];
	return NULL;
}

static const struct fr *must_find(const struct fr *f, size_t n,
                                  const char *fn)
{
	const struct fr *r = find(f, n, fn);

	if (!r)
		fail_msg("no frame %s", fn);
	return r;
}

static char *render(struct ht_svg *g, const struct ht_svg_options *o)
{
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *bad;

	assert_non_null(f);
	if (ht_svg_write(f, g, o, &cause) != 0)
		fail_msg("svg: %s", cause ? cause : "?");
	fclose(f);
	if ((bad = xml_problem(buf)))
		fail_msg("not well-formed: %s", bad);
	return buf;
}

/* ---- building stacks ---- */

/* A frame of function fn in file file at line line. */
static struct ht_frame mk(const char *fn, const char *file, int line)
{
	struct ht_frame f = { 0 };

	f.function = fn;
	f.file = file;
	f.line = line;
	return f;
}

/* Add the stack of the given frames (root first) with value v. */
static void add(struct ht_svg *g, double v, size_t n, ...)
{
	const struct ht_frame *fs[16];
	va_list ap;

	assert_true(n <= 16);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		fs[i] = va_arg(ap, const struct ht_frame *);
	va_end(ap);
	assert_int_equal(ht_svg_add(g, fs, n, v), 0);
}

static void near(double a, double b, double tol, const char *what)
{
	if (!(fabs(a - b) <= tol))
		fail_msg("%s: %.4f, expected %.4f", what, a, b);
}

/* ---- tests ---- */

static void test_widths_order_nesting(void **state)
{
	struct ht_frame main_ = mk("main", "/src/app.c", 10);
	struct ht_frame main2 = mk("main", "/src/app.c", 12);
	struct ht_frame beta = mk("beta", "/src/app.c", 30);
	struct ht_frame alpha = mk("alpha", "/src/app.c", 20);
	struct ht_frame leaf = mk("leaf", "/src/lib.c", 5);
	struct ht_svg *g = ht_svg_new();
	struct ht_svg_options o = { .title = "T", .subtitle = "S" };
	const struct fr *all, *m, *a, *b, *l;
	struct fr *fs;
	size_t n;
	char *svg;

	(void)state;
	assert_non_null(g);
	/* beta first: the drawing sorts by name, not by arrival */
	add(g, 600, 3, &main_, &beta, &leaf);
	add(g, 100, 2, &main2, &beta);
	add(g, 300, 2, &main_, &alpha);
	add(g, 0, 1, &alpha);          /* ignored */
	add(g, -5, 1, &alpha);         /* ignored */
	svg = render(g, &o);
	fs = frames_of(svg, &n);
	assert_int_equal(n, 5);

	all = must_find(fs, n, "all");
	m = must_find(fs, n, "main");
	a = must_find(fs, n, "alpha");
	b = must_find(fs, n, "beta");
	l = must_find(fs, n, "leaf");
	assert_ptr_equal(all, &fs[0]);          /* pre-order: root first */
	assert_non_null(strstr(all->title, "(3 stacks)"));
	near(all->v, 1000, 0, "root value");
	near(all->x, 10, 0.005, "root x");
	near(all->w, FULL, 0.005, "root width");
	near(m->w, FULL, 0.005, "main width");
	near(a->w, FULL * 0.3, 0.005, "alpha width");
	near(b->w, FULL * 0.7, 0.005, "beta width");
	near(l->w, FULL * 0.6, 0.005, "leaf width");
	/* sorted by name: alpha at main's left edge, beta after it */
	near(a->x, 10, 0.005, "alpha x");
	near(b->x, 10 + FULL * 0.3, 0.005, "beta x");
	near(l->x, b->x, 0.005, "leaf x");
	/* root at the bottom, each callee one row above its caller */
	near(m->y, all->y - 16, 0, "main row");
	near(a->y, m->y - 16, 0, "alpha row");
	near(b->y, a->y, 0, "beta row");
	near(l->y, b->y - 16, 0, "leaf row");
	/* tooltips: function (file:line) — value, share; merged lines */
	assert_string_equal(l->title, "leaf (lib.c:5) \xe2\x80\x94 600 B, 60.0%");
	assert_string_equal(m->title,
	                    "main (app.c:10,12) \xe2\x80\x94 1000 B, 100.0%");
	assert_string_equal(a->title, "alpha (app.c:20) \xe2\x80\x94 300 B, 30.0%");
	assert_non_null(strstr(svg, ">T</text>"));
	assert_non_null(strstr(svg, ">S</text>"));
	/* self-contained: the script inline, nothing fetched */
	assert_non_null(strstr(svg, "<script type=\"text/ecmascript\"><![CDATA["));
	assert_null(strstr(svg, "href"));
	assert_null(strstr(svg, "src="));
	assert_null(strstr(svg, "@import"));
	free(fs);
	free(svg);
	ht_svg_free(g);
}

static void test_bytes_and_objects(void **state)
{
	struct ht_frame a = mk("a", NULL, 0), b = mk("b", NULL, 0);
	struct ht_svg *g = ht_svg_new();
	struct ht_svg_options o = { .value = HT_VAL_INUSE_BYTES };
	struct fr *fs;
	size_t n;
	char *svg;

	(void)state;
	a.module = "/usr/lib/libx.so.1";
	add(g, 3 * 1048576.0 + 314573, 1, &a);      /* 3.3 MiB */
	add(g, 2500, 1, &b);
	svg = render(g, &o);
	fs = frames_of(svg, &n);
	assert_string_equal(must_find(fs, n, "a")->title,
	                    "a (libx.so.1) \xe2\x80\x94 3.3 MiB, 99.9%");
	assert_string_equal(must_find(fs, n, "b")->title,
	                    "b (unknown) \xe2\x80\x94 2.4 KiB, 0.072%");
	free(fs);
	free(svg);
	o.value = HT_VAL_ALLOC_OBJS;
	svg = render(g, &o);
	fs = frames_of(svg, &n);
	assert_string_equal(must_find(fs, n, "b")->title,
	                    "b (unknown) \xe2\x80\x94 2,500 objects, 0.072%");
	free(fs);
	free(svg);
	ht_svg_free(g);
}

static void test_escaping(void **state)
{
	const char *nasty = "ns::f<std::pair<A, B>>(\"q\", 'c') & more";
	struct ht_frame f = mk(nasty, "/src/we<ird>&(1).cc", 7);
	struct ht_frame bad = mk("bad\x01\xff\xc3(", NULL, 0);
	struct ht_frame wide = mk("caf\xc3\xa9_\xe6\x97\xa5", NULL, 0);
	struct ht_svg *g = ht_svg_new();
	struct ht_svg_options o = { .title = "a<b & \"c\"", .subtitle = "x>y" };
	struct fr *fs;
	size_t n;
	char *svg;

	(void)state;
	add(g, 10, 1, &f);
	add(g, 10, 1, &bad);
	add(g, 10, 1, &wide);
	svg = render(g, &o);
	assert_null(strstr(svg, nasty));
	assert_null(strstr(svg, "a<b"));
	assert_null(strstr(svg, "\x01"));
	assert_null(strstr(svg, "\xff"));
	assert_non_null(strstr(svg, "<title>ns::f&lt;std::pair&lt;A, B&gt;&gt;"
	                       "(&quot;q&quot;, &#39;c&#39;) &amp; more "
	                       "(we&lt;ird&gt;&amp;[1].cc:7) \xe2\x80\x94"));
	/* the label too (the frame is wide enough for the whole name) */
	assert_non_null(strstr(svg, ">ns::f&lt;std::pair&lt;A, B&gt;&gt;"
	                       "(&quot;q&quot;, &#39;c&#39;) &amp; more</text>"));
	/* a control byte and invalid UTF-8 become U+FFFD; valid UTF-8 stays */
	assert_non_null(strstr(svg, "<title>bad\xef\xbf\xbd\xef\xbf\xbd"
	                       "\xef\xbf\xbd( (unknown)"));
	assert_non_null(strstr(svg, "<title>caf\xc3\xa9_\xe6\x97\xa5 (unknown)"));
	assert_non_null(strstr(svg, ">a&lt;b &amp; &quot;c&quot;</text>"));
	assert_non_null(strstr(svg, ">x&gt;y"));
	fs = frames_of(svg, &n);
	assert_int_equal(n, 4);
	free(fs);
	free(svg);
	ht_svg_free(g);
}

static void test_labels_fit(void **state)
{
	struct ht_frame big = mk("a_rather_long_function_name_here", NULL, 0);
	struct ht_frame small = mk("small_function", NULL, 0);
	struct ht_frame tiny = mk("tiny", NULL, 0), z = mk("z", NULL, 0);
	struct ht_svg *g = ht_svg_new();
	char *svg;

	(void)state;
	/* widths 1180 * 0.899, 1180 * 0.061 (71.98 px: 10 characters of
	 * 7.08 px), 1180 * 0.01 (11.8 px: too narrow for 3) */
	add(g, 899, 1, &big);
	add(g, 61, 1, &small);
	add(g, 10, 1, &tiny);
	add(g, 30, 1, &z);
	svg = render(g, NULL);
	assert_non_null(strstr(svg, ">a_rather_long_function_name_here</text>"));
	assert_non_null(strstr(svg, ">small_fu..</text>"));
	assert_null(strstr(svg, ">tiny</text>"));
	assert_null(strstr(svg, ">ti..</text>"));
	free(svg);
	ht_svg_free(g);
}

static void test_min_width(void **state)
{
	static char names[5000][16];
	struct ht_frame main_ = mk("main", NULL, 0), big = mk("big", NULL, 0);
	struct ht_frame tiny[5000];
	struct ht_svg *g = ht_svg_new();
	struct fr *fs;
	size_t n;
	char *svg;

	(void)state;
	add(g, 1e6, 2, &main_, &big);
	for (int i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof names[i], "tiny%d", i);
		tiny[i] = mk(names[i], NULL, 0);
		/* 1180 * 50 / 1.25e6 = 0.047 px: under the 0.1 px default */
		add(g, 50, 2, &main_, &tiny[i]);
	}
	svg = render(g, NULL);
	fs = frames_of(svg, &n);
	assert_int_equal(n, 3);                 /* all, main, big */
	near(must_find(fs, n, "main")->w, FULL, 0.005, "main keeps its bytes");
	near(must_find(fs, n, "big")->w, FULL * 0.8, 0.005, "big");
	assert_non_null(strstr(svg, "3 of 5003 frames drawn, the others at "
	                       "most 0.047 px wide"));
	free(fs);
	free(svg);

	/* a narrower bound draws them */
	{
		struct ht_svg_options o = { .min_width = 0.01 };

		svg = render(g, &o);
		fs = frames_of(svg, &n);
		assert_int_equal(n, 5003);
		near(must_find(fs, n, "tiny4999")->w, FULL * 50 / 1.25e6, 0.005,
		     "tiny");
		assert_null(strstr(svg, "frames drawn"));
		free(fs);
		free(svg);
	}
	ht_svg_free(g);
}

static void test_max_frames(void **state)
{
	static char names[200][16];
	struct ht_frame fr[200];
	struct ht_svg *g = ht_svg_new();
	struct ht_svg_options o = { .max_frames = 51 };
	struct fr *fs;
	size_t n;
	char *svg;

	(void)state;
	for (int i = 0; i < 200; i++) {
		snprintf(names[i], sizeof names[i], "s%d", i);
		fr[i] = mk(names[i], NULL, 0);
		add(g, 1000 + i, 1, &fr[i]);
	}
	svg = render(g, &o);
	fs = frames_of(svg, &n);
	/* the root and the 50 widest: s150 .. s199 */
	assert_int_equal(n, 51);
	assert_non_null(find(fs, n, "s199"));
	assert_non_null(find(fs, n, "s150"));
	assert_null(find(fs, n, "s149"));
	assert_null(find(fs, n, "s0"));
	free(fs);
	free(svg);
	ht_svg_free(g);

	/* equal widths: the callers first, so every drawn frame's caller is
	 * drawn */
	g = ht_svg_new();
	for (int i = 0; i < 200; i++)
		add(g, 5, 3, &fr[i], &fr[i], &fr[i]);
	svg = render(g, &o);
	fs = frames_of(svg, &n);
	assert_int_equal(n, 51);
	for (size_t i = 1; i < n; i++)
		near(fs[i].y, fs[0].y - 16, 0, "only the first row");
	free(fs);
	free(svg);
	ht_svg_free(g);
}

/* A 100,000-stack profile, each stack 12 frames deep and its own from
 * the second frame on; the 2,000 heaviest hold 90% (0.53 px each, so
 * 22,000 frames pass min_width): max_frames bounds the file. */
static void test_large_profile_bounded(void **state)
{
	static char names[100000][16];
	static struct ht_frame fr[100000];
	struct ht_frame main_ = mk("main", "/src/main.c", 1);
	struct ht_svg *g = ht_svg_new();
	size_t len, n;
	struct fr *fs;
	char *svg;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		const struct ht_frame *st[12] = { &main_ };

		snprintf(names[i], sizeof names[i], "fn_%d", i);
		fr[i] = mk(names[i], "/src/gen.c", i % 5000 + 1);
		for (int d = 1; d < 12; d++)
			st[d] = &fr[i];
		assert_int_equal(ht_svg_add(g, st, 12,
		                            i < 2000 ? 0.9 / 2000 : 0.1 / 98000),
		                 0);
	}
	svg = render(g, NULL);
	len = strlen(svg);
	fs = frames_of(svg, &n);
	print_message("100000 stacks: %zu bytes, %zu frames\n", len, n);
	assert_int_equal(n, HT_SVG_MAX_FRAMES);
	assert_true(len < 8u * 1024 * 1024);
	near(fs[0].w, FULL, 0.005, "root");
	near(must_find(fs, n, "main")->w, FULL, 0.005, "main");
	assert_non_null(strstr(svg, "20000 of 1100002 frames drawn, the others "
	                       "at most 0.53 px wide"));
	free(fs);
	free(svg);
	ht_svg_free(g);
}

/* Nothing to draw: still a valid file, the root alone. */
static void test_empty(void **state)
{
	struct ht_svg *g = ht_svg_new();
	struct fr *fs;
	size_t n;
	char *svg;

	(void)state;
	svg = render(g, NULL);
	fs = frames_of(svg, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fs[0].title, "all (0 stacks) \xe2\x80\x94 0 B, 0.0%");
	assert_true(fs[0].w == 0);
	free(fs);
	free(svg);
	ht_svg_free(g);
}

/* Through the format, on tests/targets/fmt_sym's symbolized stacks. */
static char *write_svg(const struct ht_profile *p, enum ht_fmt_value v,
                       struct ht_symbolizer *sym)
{
	struct ht_fmt_write_options o = { .value = v, .sym = sym };
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *bad;

	assert_non_null(f);
	if (ht_fmt_svg.write(f, p, &o, &cause) != 0)
		fail_msg("svg: %s", cause ? cause : "?");
	fclose(f);
	if ((bad = xml_problem(buf)))
		fail_msg("not well-formed: %s", bad);
	return buf;
}

static void test_profile_frames(void **state)
{
	char *tmp = tu_tmpdir(), *cause = NULL, *svg;
	struct ht_profile *p = tu_sym_profile(tmp);
	struct ht_symbolizer *s = NULL;
	const struct fr *leaf, *host, *cfn, *dl;
	struct fr *fs;
	size_t n;

	(void)state;
	assert_non_null(p);
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	assert_ptr_equal(ht_fmt_of(HT_FMT_SVG), &ht_fmt_svg);

	svg = write_svg(p, HT_VAL_INUSE_BYTES, s);
	fs = frames_of(svg, &n);
	/* c_function;inline_host;inlined_leaf 300.4, dl_function 777,
	 * Widget::method 0.3: the allocator frame above dl_function gone */
	assert_non_null(strstr(svg, "heaptop: bytes in use"));
	assert_int_equal(n, 6);
	near(fs[0].v, 300.4 + 777 + 0.3, 1e-9, "root");
	cfn = must_find(fs, n, "c_function");
	host = must_find(fs, n, "inline_host");
	leaf = must_find(fs, n, "inlined_leaf");
	dl = must_find(fs, n, "dl_function");
	assert_non_null(find(fs, n, "heaptest::Widget::method(int)"));
	assert_non_null(strstr(leaf->title, ", inlined) \xe2\x80\x94 300 B"));
	near(host->y, cfn->y - 16, 0, "inline_host above c_function");
	near(leaf->y, host->y - 16, 0, "inlined_leaf above inline_host");
	near(dl->y, fs[0].y - 16, 0, "dl_function on the root");
	near(dl->w, FULL * 777 / fs[0].v, 0.005, "dl_function width");
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(fs[i].title, "libjemalloc"));
	free(fs);
	free(svg);

	svg = write_svg(p, HT_VAL_ALLOC_BYTES, NULL);  /* own symbolizer */
	fs = frames_of(svg, &n);
	assert_non_null(strstr(svg, "heaptop: bytes allocated"));
	near(fs[0].v, 1000 + 5000 + 777, 1e-9, "root allocated");
	near(must_find(fs, n, "heaptest::Widget::method(int)")->w,
	     FULL * 5000 / 6777, 0.005, "method width");
	free(fs);
	free(svg);

	ht_symbolizer_free(s);
	ht_profile_free(p);
	tu_rmtree(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths_order_nesting),
		cmocka_unit_test(test_bytes_and_objects),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_labels_fit),
		cmocka_unit_test(test_min_width),
		cmocka_unit_test(test_max_frames),
		cmocka_unit_test(test_large_profile_bounded),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_profile_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
