/*
 * heap_v2: jemalloc's heap profile text, read and written.
 *
 * Reads heaptop's own dumps, jemalloc's (per-thread "t<N>:" lines, thread
 * names on the header's per-thread lines) and the gperftools variant
 * ("heap profile: N: S [N: S] @ heap_v2/R", one record per line), and
 * unsamples every count exactly as jeprof does (AdjustSamples), so that
 * `heaptop --load` and `jeprof --text` agree.  Writes heaptop's profiles
 * with counts pre-adjusted so that jeprof's scaling returns heaptop's
 * unbiased estimates (share/doc/formats.md, "Writing").
 *
 * The reader trusts nothing: every number is checked for overflow, lines
 * are bounded, NUL and control bytes are rejected, a file cut short is
 * detected, and every error names the line.  It must never crash, hang or
 * allocate without bound relative to its input.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"

/* How counts are unsampled (jeprof's $sampling_algorithm). */
enum unsample {
	UNSAMPLE_NONE = 0,   /* counts are exact */
	UNSAMPLE_V1 = 1,     /* gperftools remote heap v1 */
	UNSAMPLE_V2 = 2,     /* Poisson: 1/(1 - e^(-(s/n)/R)) */
};

struct raw4 {
	uint64_t n1, s1, n2, s2;   /* in use objs/bytes, cumulative objs/bytes */
};

struct reader {
	const char *data, *end, *cur;
	const char *filename;
	char **cause;
	size_t lineno;
	/* the current line, without its newline (and trailing \r) */
	const char *ls, *le;
	bool last_had_newline;
	enum unsample algo;
	double adjust;             /* jeprof's $sample_adjustment */
	struct ht_profile *p;
	size_t stacks_cap;
	size_t npcs, pcs_cap;      /* of the profile's pcs_block */
	size_t threads_cap;        /* of the last stack's threads array */
	size_t stack_line;         /* line of the last stack's '@' */
};

/* Room for `need` addresses in the profile's pcs_block, which holds every
 * stack's pcs in stack order (one block: no allocation per stack).  0 or
 * -ENOMEM. */
static int grow_pcs(struct reader *r, size_t need)
{
	struct ht_profile *p = r->p;
	uint64_t *old = p->pcs_block;
	size_t off = 0;

	if (ht_fmt_grow(&p->pcs_block, &r->pcs_cap, need,
	                sizeof *p->pcs_block) < 0)
		return -ENOMEM;
	if (p->pcs_block != old)   /* moved: the stacks follow */
		for (size_t i = 0; i < p->nstacks; i++) {
			p->stacks[i].pcs = p->pcs_block + off;
			off += p->stacks[i].depth;
		}
	return 0;
}

/* ---- lines ---- */

/* Next line into r->ls/le.  1 = a line, 0 = end of input, <0 = error. */
static int next_line(struct reader *r)
{
	const char *nl, *s;
	size_t avail, len;

	if (r->cur >= r->end)
		return 0;
	avail = (size_t)(r->end - r->cur);
	nl = memchr(r->cur, '\n',
	            avail < HT_FMT_MAX_LINE + 1 ? avail : HT_FMT_MAX_LINE + 1);
	r->lineno++;
	if (!nl) {
		if (avail > HT_FMT_MAX_LINE)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "line longer than %u bytes", HT_FMT_MAX_LINE);
		len = avail;
		r->last_had_newline = false;
	} else {
		len = (size_t)(nl - r->cur);
		r->last_had_newline = true;
	}
	r->ls = r->cur;
	r->le = r->cur + len;
	r->cur = nl ? nl + 1 : r->end;
	for (s = r->ls; s < r->le; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "NUL byte at column %zu (binary data)",
			    (size_t)(s - r->ls) + 1);
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "control byte 0x%02x at column %zu (binary data)",
			    c, (size_t)(s - r->ls) + 1);
	}
	while (r->le > r->ls && (r->le[-1] == '\r' || r->le[-1] == ' ' ||
	                         r->le[-1] == '\t'))
		r->le--;
	return 1;
}

static const char *skip_ws(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static bool starts_with(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - s) >= n && memcmp(s, lit, n) == 0;
}

/* ---- numbers ---- */

/* Decimal uint64 at *sp.  0, or <0 with *why set. */
static int parse_u64(const char **sp, const char *e, uint64_t *out,
                     const char **why)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (s < e && *s == '-') {
		*why = "negative number";
		return -1;
	}
	if (s >= e || *s < '0' || *s > '9') {
		*why = "expected a number";
		return -1;
	}
	while (s < e && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10) {
			*why = "number too large";
			return -1;
		}
		v = v * 10 + d;
		s++;
	}
	*sp = s;
	*out = v;
	return 0;
}

static int parse_hex_addr(const char **sp, const char *e, uint64_t *out,
                          const char **why)
{
	const char *s = *sp;
	uint64_t v = 0;
	int nd = 0;

	if (e - s < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		*why = "expected a 0x address";
		return -1;
	}
	s += 2;
	while (s < e && *s != ' ' && *s != '\t') {
		int d;
		char c = *s;

		if (c >= '0' && c <= '9') d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else {
			*why = "bad hex digit in address";
			return -1;
		}
		if (nd >= 16) {
			*why = "address wider than 64 bits";
			return -1;
		}
		v = v << 4 | (uint64_t)d;
		nd++;
		s++;
	}
	if (!nd) {
		*why = "empty address";
		return -1;
	}
	*sp = s;
	*out = v;
	return 0;
}

static int expect_char(const char **sp, const char *e, char c,
                       const char **why)
{
	*sp = skip_ws(*sp, e);
	if (*sp >= e || **sp != c) {
		*why = c == ':' ? "expected ':'" :
		       c == '[' ? "expected '['" : "expected ']'";
		return -1;
	}
	(*sp)++;
	return 0;
}

/* "N: S [N2: S2]" (whitespace as jeprof allows it). */
static int parse_counts(const char **sp, const char *e, struct raw4 *c,
                        const char **why)
{
	const char *s = skip_ws(*sp, e);

	if (parse_u64(&s, e, &c->n1, why) < 0 || expect_char(&s, e, ':', why) < 0)
		return -1;
	s = skip_ws(s, e);
	if (parse_u64(&s, e, &c->s1, why) < 0 || expect_char(&s, e, '[', why) < 0)
		return -1;
	s = skip_ws(s, e);
	if (parse_u64(&s, e, &c->n2, why) < 0 || expect_char(&s, e, ':', why) < 0)
		return -1;
	s = skip_ws(s, e);
	if (parse_u64(&s, e, &c->s2, why) < 0 || expect_char(&s, e, ']', why) < 0)
		return -1;
	*sp = s;
	return 0;
}

/* ---- unsampling, as jeprof's AdjustSamples ---- */

static void unsample_pair(const struct reader *r, uint64_t n, uint64_t s,
                          double *en, double *es, double *vn, double *vs)
{
	double dn = (double)n, ds = (double)s;

	*en = dn;
	*es = ds;
	*vn = 0;
	*vs = 0;
	if (r->algo == UNSAMPLE_V2 && r->adjust > 0 && n != 0 && s != 0) {
		double ratio = (ds / dn) / r->adjust;
		double p = -expm1(-ratio);        /* 1 - e^(-ratio) */
		double scale;

		if (!(p > 0))
			return;
		scale = 1.0 / p;
		*en = dn * scale;
		*es = ds * scale;
		/* Each of the n samples stands for 1/p objects of size s/n:
		 * the Horvitz-Thompson variance estimate n (1 - p) / p^2. */
		*vn = dn * (1 - p) * scale * scale;
		*vs = *vn * (ds / dn) * (ds / dn);
	} else if (r->algo == UNSAMPLE_V1 && r->adjust > 0 && n != 0 &&
	           s != 0) {
		double ratio = (ds / dn) / r->adjust;

		if (ratio < 1) {
			*en = dn / ratio;
			*es = ds / ratio;
			*vn = dn * (1 - ratio) / (ratio * ratio);
			*vs = *vn * (ds / dn) * (ds / dn);
		}
	}
}

static void unsample(const struct reader *r, const struct raw4 *c,
                     struct ht_counts *out)
{
	double vcum_n;

	memset(out, 0, sizeof *out);
	unsample_pair(r, c->n1, c->s1, &out->cur_objs, &out->cur_bytes,
	              &out->var_cur_objs, &out->var_cur_bytes);
	unsample_pair(r, c->n2, c->s2, &out->cum_objs, &out->cum_bytes,
	              &vcum_n, &out->var_cum_bytes);
	out->raw_cur_objs = c->n1;
	out->raw_cur_bytes = c->s1;
	out->raw_cum_objs = c->n2;
	out->raw_cum_bytes = c->s2;
}

/* ---- building the profile ---- */

static int nomem(struct reader *r)
{
	return ht_fmt_fail(r->cause, -ENOMEM, "%s: out of memory",
	                   r->filename ? r->filename : "<input>");
}

/* "@ 0x... 0x..." (heap_v2) or the part after '@' (gperftools) into a new
 * stack.  s points just after the '@'. */
static int add_stack(struct reader *r, const char *s, const char *e)
{
	struct ht_profile *p = r->p;
	struct ht_stack *st;
	size_t n = 0;
	const char *why = NULL;

	s = skip_ws(s, e);
	while (s < e) {
		uint64_t a;

		if (parse_hex_addr(&s, e, &a, &why) < 0) {
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "%s in stack (frame %zu)", why, n + 1);
		}
		if (n >= HT_FMT_MAX_DEPTH) {
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "stack deeper than %u frames", HT_FMT_MAX_DEPTH);
		}
		if (grow_pcs(r, r->npcs + n + 1) < 0)
			return nomem(r);
		p->pcs_block[r->npcs + n++] = a;
		s = skip_ws(s, e);
	}
	if (n == 0)
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		                     "stack with no addresses");
	if (ht_fmt_grow(&p->stacks, &r->stacks_cap, p->nstacks + 1,
	                sizeof *p->stacks) < 0)
		return nomem(r);
	st = &p->stacks[p->nstacks];
	memset(st, 0, sizeof *st);
	st->pcs = p->pcs_block + r->npcs;
	r->npcs += n;
	st->depth = (uint32_t)n;
	st->id = (uint32_t)p->nstacks;
	p->nstacks++;
	r->threads_cap = 0;
	r->stack_line = r->lineno;
	return 0;
}

static int cmp_thread(const void *a, const void *b)
{
	uint64_t x = ((const struct ht_thread_counts *)a)->thread;
	uint64_t y = ((const struct ht_thread_counts *)b)->thread;

	return x < y ? -1 : x > y;
}

/* A stack's thread lines are complete: sort them by thread number (in
 * O(n log n), whatever their count) and refuse duplicates. */
static int finish_stack(struct reader *r)
{
	struct ht_stack *st;

	if (!r->p->nstacks)
		return 0;
	st = &r->p->stacks[r->p->nstacks - 1];
	if (st->nthreads < 2)
		return 0;
	qsort(st->threads, st->nthreads, sizeof *st->threads, cmp_thread);
	for (size_t i = 1; i < st->nthreads; i++)
		if (st->threads[i].thread == st->threads[i - 1].thread)
			return ht_fmt_errorf(r->cause, r->filename, r->stack_line,
			    "thread t%" PRIu64 " listed twice for this stack",
			    st->threads[i].thread);
	return 0;
}

static int add_thread(struct reader *r, struct ht_stack *st, uint64_t thread,
                      const struct ht_counts *c)
{
	if (ht_fmt_grow(&st->threads, &r->threads_cap, st->nthreads + 1,
	                sizeof *st->threads) < 0)
		return nomem(r);
	st->threads[st->nthreads].thread = thread;
	st->threads[st->nthreads].counts = *c;
	st->nthreads++;
	return 0;
}

static int set_thread_name(struct reader *r, uint64_t thread, const char *s,
                           const char *e)
{
	struct ht_profile *p = r->p;
	size_t need;

	s = skip_ws(s, e);
	if (s >= e || thread > HT_FMT_MAX_THREAD_NAME)
		return 0;   /* no name, or a number too large to index by */
	need = (size_t)thread + 1;
	if (need > p->nthread_names) {
		char **n = realloc(p->thread_names, need * sizeof *n);

		if (!n)
			return nomem(r);
		memset(n + p->nthread_names, 0,
		       (need - p->nthread_names) * sizeof *n);
		p->thread_names = n;
		p->nthread_names = need;
	}
	free(p->thread_names[thread]);
	p->thread_names[thread] = strndup(s, (size_t)(e - s));
	if (!p->thread_names[thread])
		return nomem(r);
	return 0;
}

/* "t*: N: S [N2: S2]" or "t<num>: ... [name]".  *thread = UINT64_MAX for
 * t*.  *rest points after the closing bracket. */
static int parse_thread_line(struct reader *r, uint64_t *thread,
                             struct raw4 *c, const char **rest)
{
	const char *s = skip_ws(r->ls, r->le), *e = r->le;
	const char *why = NULL;

	s++;                                    /* 't' */
	if (s < e && *s == '*') {
		*thread = UINT64_MAX;
		s++;
	} else if (parse_u64(&s, e, thread, &why) < 0 ||
	           *thread == UINT64_MAX) {
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		    "bad thread number: %s", why ? why : "too large");
	}
	if (s >= e || *s != ':')
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		                     "expected ':' after thread");
	s++;
	if (parse_counts(&s, e, c, &why) < 0)
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		                     "bad counts: %s", why);
	*rest = s;
	return 0;
}

/* A non-negative decimal with at most 9 fraction digits ("12", "0.250")
 * at *sp.  0, or <0 with *why set. */
static int parse_decimal(const char **sp, const char *e, double *out,
                         const char **why)
{
	const char *s = *sp;
	uint64_t whole;
	double frac = 0, unit = 1;
	int nd = 0;

	if (parse_u64(&s, e, &whole, why) < 0)
		return -1;
	if (s < e && *s == '.') {
		s++;
		while (s < e && *s >= '0' && *s <= '9') {
			if (++nd > 9) {
				*why = "more than 9 fraction digits";
				return -1;
			}
			unit /= 10;
			frac += (double)(*s - '0') * unit;
			s++;
		}
		if (!nd) {
			*why = "expected digits after '.'";
			return -1;
		}
	}
	*sp = s;
	*out = (double)whole + frac;
	return 0;
}

/* "# se: <cur objs> <cur bytes> <cum bytes>": the standard errors of the
 * stack's t*: estimates, which heaptop writes because the counts alone
 * cannot say how sizes varied within a stack (share/doc/formats.md).
 * Replaces the mean-size variances of k. */
static int parse_se_line(struct reader *r, const char *s,
                         struct ht_counts *k)
{
	const char *e = r->le, *why = NULL;
	double se[3];

	if (!starts_with(s, e, "# se:"))
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		    "unexpected comment (only '# se:' is known)");
	s += strlen("# se:");
	for (int i = 0; i < 3; i++) {
		const char *t = skip_ws(s, e);

		if (t == s)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "bad '# se:' line: expected three numbers");
		if (parse_decimal(&t, e, &se[i], &why) < 0)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "bad '# se:' line: %s", why);
		s = t;
	}
	if (s != e)
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		    "trailing characters after '# se:' numbers");
	k->var_cur_objs = se[0] * se[0];
	k->var_cur_bytes = se[1] * se[1];
	k->var_cum_bytes = se[2] * se[2];
	return 0;
}

static bool is_maps_marker(const char *s, const char *e)
{
	return starts_with(s, e, "MAPPED_LIBRARIES:") ||
	       starts_with(s, e, "--- Memory map:");
}

/* The rest of the input after the marker line is the maps text. */
static int take_maps(struct reader *r)
{
	struct ht_profile *p = r->p;
	size_t len = (size_t)(r->end - r->cur);
	const char *s;
	int rc;

	/* validate line by line (bounded lines, no binary) */
	while ((rc = next_line(r)) > 0)
		;
	if (rc < 0)
		return rc;
	s = r->end - len;
	p->maps = strndup(s, len);
	if (!p->maps)
		return nomem(r);
	if (ht_fmt_modules_from_maps(p->maps, len, &p->modules,
	                             &p->nmodules) < 0)
		return nomem(r);
	for (size_t i = 0; i < p->nmodules; i++) {
		if (strstr(p->modules[i].path, "libheaptop"))
			if (p->kind == HT_SOURCE_JEMALLOC)
				p->kind = HT_SOURCE_HEAPTOP;
		if (p->modules[i].main && !p->exe) {
			p->exe = strdup(p->modules[i].path);
			if (!p->exe)
				return nomem(r);
		}
	}
	return 0;
}

static int read_v2(struct reader *r)
{
	struct ht_profile *p = r->p;
	const char *s = r->ls + strlen("heap_v2/"), *why = NULL;
	uint64_t rate;
	bool in_stack = false, have_total = false, have_se = false;
	int rc;

	if (parse_u64(&s, r->le, &rate, &why) < 0 || s != r->le)
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		    "bad sample rate in heap_v2 header: %s",
		    why ? why : "trailing characters");
	p->rate = rate;
	r->algo = UNSAMPLE_V2;
	r->adjust = (double)rate;
	p->kind = HT_SOURCE_JEMALLOC;

	while ((rc = next_line(r)) > 0) {
		const char *ls = skip_ws(r->ls, r->le), *rest = NULL;
		uint64_t thread;
		struct raw4 c;
		struct ht_counts est;

		if (ls == r->le) {
			if (in_stack && !have_total)
				goto no_total;
			if (in_stack && (rc = finish_stack(r)) < 0)
				return rc;
			in_stack = false;
			continue;
		}
		if (is_maps_marker(ls, r->le)) {
			if (in_stack && !have_total)
				goto no_total;
			if (!r->last_had_newline)
				break;
			if (in_stack && (rc = finish_stack(r)) < 0)
				return rc;
			return take_maps(r);
		}
		if (*ls == '@') {
			if (in_stack && !have_total)
				goto no_total;
			if (in_stack && (rc = finish_stack(r)) < 0)
				return rc;
			if ((rc = add_stack(r, ls + 1, r->le)) < 0)
				return rc;
			in_stack = true;
			have_total = false;
			have_se = false;
			continue;
		}
		if (*ls == '#') {
			if (!in_stack || !have_total || have_se ||
			    p->stacks[p->nstacks - 1].nthreads)
				return ht_fmt_errorf(r->cause, r->filename,
				    r->lineno, "a comment must follow a stack's "
				    "t*: line, once");
			if ((rc = parse_se_line(r, ls,
			                        &p->stacks[p->nstacks - 1].counts)) < 0)
				return rc;
			have_se = true;
			continue;
		}
		if (*ls != 't')
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "unexpected line (expected '@ <addresses>', "
			    "'t*:' / 't<N>:' counts or MAPPED_LIBRARIES:)");
		if ((rc = parse_thread_line(r, &thread, &c, &rest)) < 0)
			return rc;
		if (!r->last_had_newline)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "truncated: file ends in the middle of a record");
		if (!in_stack) {
			/* header summary; thread names live here */
			if (thread != UINT64_MAX &&
			    (rc = set_thread_name(r, thread, rest, r->le)) < 0)
				return rc;
			if (thread == UINT64_MAX && rest != r->le)
				return ht_fmt_errorf(r->cause, r->filename,
				    r->lineno, "trailing characters after t*: counts");
			continue;
		}
		if (rest != r->le)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "trailing characters after counts");
		unsample(r, &c, &est);
		if (thread == UINT64_MAX) {
			if (have_total)
				return ht_fmt_errorf(r->cause, r->filename,
				    r->lineno, "second t*: line for one stack");
			p->stacks[p->nstacks - 1].counts = est;
			have_total = true;
		} else {
			if (!have_total)
				return ht_fmt_errorf(r->cause, r->filename,
				    r->lineno, "t%" PRIu64 ": before the stack's "
				    "t*: line", thread);
			if ((rc = add_thread(r, &p->stacks[p->nstacks - 1],
			                     thread, &est)) < 0)
				return rc;
		}
	}
	if (rc < 0)
		return rc;
	if (in_stack && !have_total)
		goto no_total;
	return ht_fmt_errorf(r->cause, r->filename, r->lineno,
	    "truncated: no MAPPED_LIBRARIES section before end of file");
no_total:
	return ht_fmt_errorf(r->cause, r->filename, r->lineno,
	    "stack record without a t*: counts line (truncated?)");
}

/* gperftools: "heap profile: N: S [N2: S2] @ heap_v2/R", then
 * "N: S [N2: S2] @ 0x... 0x..." records.  Sampling detection follows
 * jeprof's ReadHeapProfile. */
static int read_gperftools(struct reader *r)
{
	struct ht_profile *p = r->p;
	const char *s = r->ls + strlen("heap profile:"), *e = r->le;
	const char *why = NULL;
	struct raw4 hdr;
	int rc;

	p->kind = HT_SOURCE_GPERFTOOLS;
	if (parse_counts(&s, e, &hdr, &why) < 0)
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		    "bad counts in 'heap profile:' header: %s", why);
	s = skip_ws(s, e);
	if (s < e && *s == '@') {
		const char *t = skip_ws(s + 1, e), *te = t;
		uint64_t period = 0;
		bool have_period = false;

		while (te < e && *te != '/' && *te != ' ' && *te != '\t')
			te++;
		if (te < e && *te == '/') {
			const char *q = te + 1;

			if (parse_u64(&q, e, &period, &why) < 0 ||
			    skip_ws(q, e) != e)
				return ht_fmt_errorf(r->cause, r->filename,
				    r->lineno, "bad sampling period in header");
			have_period = true;
		} else if (skip_ws(te, e) != e) {
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "trailing characters in header");
		}
		size_t tl = (size_t)(te - t);
		bool has_heap = memmem(t, tl, "heap", 4) != NULL;
		bool v2 = memmem(t, tl, "_v2", 3) != NULL;

		if (tl == 0 || (tl == 11 && !memcmp(t, "heapprofile", 11)) ||
		    !has_heap) {
			r->algo = UNSAMPLE_NONE;
		} else if (v2) {
			r->algo = UNSAMPLE_V2;
			r->adjust = have_period ? (double)period : 0;
		} else {
			r->algo = UNSAMPLE_V1;
			r->adjust = have_period ? (double)(period / 2) : 0;
		}
	} else if (s != e) {
		return ht_fmt_errorf(r->cause, r->filename, r->lineno,
		    "trailing characters in header");
	} else if (hdr.n1 == hdr.n2 && hdr.s1 == hdr.s2) {
		r->algo = UNSAMPLE_V1;
	}
	if (r->algo != UNSAMPLE_NONE && r->adjust == 0)
		r->adjust = 128 * 1024;
	p->rate = r->algo == UNSAMPLE_NONE ? 1 : (uint64_t)r->adjust;

	while ((rc = next_line(r)) > 0) {
		const char *ls = skip_ws(r->ls, r->le);
		struct raw4 c;

		if (ls == r->le)
			continue;
		if (is_maps_marker(ls, r->le)) {
			if (!r->last_had_newline)
				break;
			return take_maps(r);
		}
		if (!r->last_had_newline)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "truncated: file ends in the middle of a record");
		s = ls;
		if (parse_counts(&s, r->le, &c, &why) < 0)
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			    "bad record (expected 'N: S [N: S] @ addrs'): %s",
			    why);
		s = skip_ws(s, r->le);
		if (s >= r->le || *s != '@')
			return ht_fmt_errorf(r->cause, r->filename, r->lineno,
			                     "expected '@' before the stack");
		if ((rc = add_stack(r, s + 1, r->le)) < 0)
			return rc;
		unsample(r, &c, &p->stacks[p->nstacks - 1].counts);
	}
	if (rc < 0)
		return rc;
	return ht_fmt_errorf(r->cause, r->filename, r->lineno,
	    "truncated: no MAPPED_LIBRARIES section before end of file");
}

static int heap_v2_read(const char *data, size_t len, const char *filename,
                        struct ht_profile **out, char **cause)
{
	struct reader r;
	int rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	memset(&r, 0, sizeof r);
	r.data = r.cur = data;
	r.end = data + len;
	r.filename = filename ? filename : "<input>";
	r.cause = cause;
	if (len == 0)
		return ht_fmt_errorf(cause, r.filename, 1, "empty file");
	r.p = ht_profile_new();
	if (!r.p)
		return nomem(&r);
	rc = next_line(&r);
	if (rc == 0)
		rc = ht_fmt_errorf(cause, r.filename, 1, "empty file");
	if (rc < 0)
		goto out;
	if (starts_with(r.ls, r.le, "heap_v2/")) {
		rc = read_v2(&r);
	} else if (starts_with(r.ls, r.le, "heap profile:")) {
		rc = read_gperftools(&r);
	} else if (starts_with(r.ls, r.le, "heap_v")) {
		rc = ht_fmt_errorf(cause, r.filename, 1,
		    "unsupported heap profile version (expected heap_v2/<rate>)");
	} else {
		rc = ht_fmt_errorf(cause, r.filename, 1,
		    "not a heap profile (expected 'heap_v2/<rate>' or "
		    "'heap profile:')");
	}
out:
	if (rc < 0) {
		ht_profile_free(r.p);
		return rc;
	}
	ht_profile_sum(r.p);
	ht_profile_compact(r.p);   /* only trims: it cannot fail here */
	/* a dump does not say whether the process still runs */
	r.p->state = HT_PROC_UNKNOWN;
	r.p->exit_status = -1;
	*out = r.p;
	return 0;
}

/* ---- writer ---- */

/* Pre-adjust an estimate (objects o, bytes b) so that jeprof's scaling
 * returns it: x = b/o, p = 1 - e^(-x/R), c' = o p, s' = b p. */
static void preadjust(double o, double b, uint64_t rate, uint64_t *c,
                      uint64_t *s)
{
	double po = o, pb = b;

	if (!(o > 0) || !(b > 0)) {
		*c = o > 0 ? (uint64_t)llround(o) : 0;
		*s = b > 0 ? (uint64_t)llround(b) : 0;
		return;
	}
	if (rate > 0) {
		double p = -expm1(-(b / o) / (double)rate);

		po = o * p;
		pb = b * p;
	}
	if (po > 1.8e19) po = 1.8e19;
	if (pb > 1.8e19) pb = 1.8e19;
	*c = (uint64_t)llround(po);
	*s = (uint64_t)llround(pb);
	if (*c == 0) {
		/* less than half a sample (a sum of mixed sizes, or a
		 * difference): one object of the mean size is the nearest
		 * thing jeprof's scaling can represent */
		*c = 1;
		*s = (uint64_t)llround(b / o);
	}
	if (*s == 0)
		*s = 1;
}

static void write_counts(FILE *f, const char *indent, const char *tname,
                         const struct ht_counts *k, uint64_t rate)
{
	uint64_t c1, s1, c2, s2;

	preadjust(k->cur_objs, k->cur_bytes, rate, &c1, &s1);
	preadjust(k->cum_objs, k->cum_bytes, rate, &c2, &s2);
	fprintf(f, "%s%s: %" PRIu64 ": %" PRIu64 " [%" PRIu64 ": %" PRIu64 "]",
	        indent, tname, c1, s1, c2, s2);
}

/* The stack's standard errors, which the counts cannot carry (see
 * parse_se_line); jeprof ignores the line. */
static void write_se(FILE *f, const struct ht_counts *k)
{
	double v[3] = { k->var_cur_objs, k->var_cur_bytes, k->var_cum_bytes };

	fputs("  # se:", f);
	for (int i = 0; i < 3; i++) {
		double se = v[i] > 0 ? sqrt(v[i]) : 0;

		/* %.3f of a finite value below 2^64: what the reader takes */
		fprintf(f, " %.3f", se < 1.8e19 ? se : 1.8e19);
	}
	fputc('\n', f);
}

static bool counts_zero(const struct ht_counts *k)
{
	return !(k->cur_objs > 0) && !(k->cur_bytes > 0) &&
	       !(k->cum_objs > 0) && !(k->cum_bytes > 0);
}

static int heap_v2_write(FILE *f, const struct ht_profile *p,
                         const struct ht_fmt_write_options *o, char **cause)
{
	struct ht_counts tot, *th = NULL;
	bool *any = NULL;
	char tname[32];
	char *synth = NULL;
	const char *maps = p->maps;

	(void)o;
	if (cause)
		*cause = NULL;
	memset(&tot, 0, sizeof tot);
	for (size_t i = 0; i < p->nstacks; i++)
		ht_counts_add(&tot, &p->stacks[i].counts);
	fprintf(f, "heap_v2/%" PRIu64 "\n", p->rate);
	write_counts(f, "  ", "t*", &tot, p->rate);
	fputc('\n', f);
	/* per-thread summaries, with the names jemalloc gave them: one pass
	 * over the stacks (a file may name thread 65535 and hold 10^5 thread
	 * entries; a pass per name would be quadratic) */
	if (p->nthread_names) {
		th = calloc(p->nthread_names, sizeof *th);
		any = calloc(p->nthread_names, sizeof *any);
		if (!th || !any) {
			free(th);
			free(any);
			return ht_fmt_fail(cause, -ENOMEM, "out of memory");
		}
	}
	for (size_t j = 0; j < p->nstacks; j++)
		for (size_t k = 0; k < p->stacks[j].nthreads; k++) {
			uint64_t t = p->stacks[j].threads[k].thread;

			if (t < p->nthread_names) {
				ht_counts_add(&th[t], &p->stacks[j].threads[k].counts);
				any[t] = true;
			}
		}
	for (size_t i = 0; i < p->nthread_names; i++) {
		if (!any[i] && !p->thread_names[i])
			continue;
		snprintf(tname, sizeof tname, "t%zu", i);
		write_counts(f, "  ", tname, &th[i], p->rate);
		if (p->thread_names[i] && !strpbrk(p->thread_names[i], "\n\r"))
			fprintf(f, " %s", p->thread_names[i]);
		fputc('\n', f);
	}
	free(th);
	free(any);
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct ht_stack *st = &p->stacks[i];

		if (counts_zero(&st->counts) || st->depth == 0)
			continue;
		fputc('@', f);
		for (uint32_t d = 0; d < st->depth; d++)
			fprintf(f, " 0x%" PRIx64, st->pcs[d]);
		fputc('\n', f);
		write_counts(f, "  ", "t*", &st->counts, p->rate);
		fputc('\n', f);
		write_se(f, &st->counts);
		for (size_t k = 0; k < st->nthreads; k++) {
			if (counts_zero(&st->threads[k].counts))
				continue;
			snprintf(tname, sizeof tname, "t%" PRIu64,
			         st->threads[k].thread);
			write_counts(f, "  ", tname, &st->threads[k].counts,
			             p->rate);
			fputc('\n', f);
		}
	}
	fputs("\nMAPPED_LIBRARIES:\n", f);
	if (!maps) {
		synth = ht_fmt_maps_from_modules(p->modules, p->nmodules);
		if (!synth)
			return ht_fmt_fail(cause, -ENOMEM, "out of memory");
		maps = synth;
	}
	fputs(maps, f);
	free(synth);
	if (ferror(f))
		return ht_fmt_fail(cause, -EIO, "write error");
	return 0;
}

const struct ht_fmt ht_fmt_heap_v2 = {
	.name = "heap",
	.read = heap_v2_read,
	.write = heap_v2_write,
};
