/*
 * pprof: the gzipped perftools.profiles.Profile protobuf that `pprof`
 * (Go's and google/pprof) and speedscope read.  Encoded with protobuf-c
 * from src/core/profile.proto (generated at build time) and compressed
 * with zlib; nothing is hand-encoded.
 *
 * Four sample types, as Go's heap profiles: alloc_objects/count,
 * alloc_space/bytes, inuse_objects/count, inuse_space/bytes (default),
 * values already unbiased (estimates), period = the sampling rate in
 * bytes.  Locations carry their symbolized lines, inlined functions as
 * several lines (innermost first); mappings carry paths and build-ids.
 * Write-only.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "src/core/profile.pb-c.h"

typedef Perftools__Profiles__Profile PProfile;
typedef Perftools__Profiles__ValueType PValueType;
typedef Perftools__Profiles__Sample PSample;
typedef Perftools__Profiles__Mapping PMapping;
typedef Perftools__Profiles__Location PLocation;
typedef Perftools__Profiles__Line PLine;
typedef Perftools__Profiles__Function PFunction;

/* (a, b) -> value, open addressing; value 0 = absent. */
struct kmap {
	struct kslot { uint64_t a, b, v; } *slot;
	size_t n, cap;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x;
}

static uint64_t kmap_get(const struct kmap *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return 0;
	for (size_t i = mix(a, b) & (m->cap - 1); m->slot[i].v;
	     i = (i + 1) & (m->cap - 1))
		if (m->slot[i].a == a && m->slot[i].b == b)
			return m->slot[i].v;
	return 0;
}

static int kmap_put(struct kmap *m, uint64_t a, uint64_t b, uint64_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct kslot *ns = calloc(ncap, sizeof *ns);

		if (!ns)
			return -ENOMEM;
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->slot[j].v)
				continue;
			i = mix(m->slot[j].a, m->slot[j].b) & (ncap - 1);
			while (ns[i].v)
				i = (i + 1) & (ncap - 1);
			ns[i] = m->slot[j];
		}
		free(m->slot);
		m->slot = ns;
		m->cap = ncap;
	}
	for (i = mix(a, b) & (m->cap - 1); m->slot[i].v;
	     i = (i + 1) & (m->cap - 1))
		;
	m->slot[i].a = a;
	m->slot[i].b = b;
	m->slot[i].v = v;
	m->n++;
	return 0;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

struct builder {
	PProfile prof;
	/* string table (owned copies) */
	char **strs;
	size_t nstrs, capstrs;
	struct kmap strmap;      /* (hash, 0) -> chain head index + 1 */
	size_t *strnext;         /* collision chains, parallel to strs */
	size_t capnext;
	/* objects (pointer arrays point into these) */
	PFunction **funcs;
	size_t nfuncs, capfuncs;
	struct kmap funcmap;     /* (name ptr, file ptr) -> id */
	PLocation **locs;
	size_t nlocs, caplocs;
	struct kmap locmap;      /* (pc, 0) -> id */
	PMapping **maps;
	size_t nmaps;
	PSample **samples;
	size_t nsamples, capsamples;
	PValueType *vt[4], period_type;
	size_t *order;           /* module indexes sorted by start */
};

/* The index of s in the string table, added when new; -1 on ENOMEM. */
static int64_t str_index(struct builder *b, const char *s)
{
	uint64_t h;
	size_t head;

	if (!s)
		s = "";
	h = str_hash(s);
	head = kmap_get(&b->strmap, h, 0);
	for (size_t i = head; i; i = b->strnext[i - 1])
		if (!strcmp(b->strs[i - 1], s))
			return (int64_t)(i - 1);
	if (ht_fmt_grow(&b->strs, &b->capstrs, b->nstrs + 1, sizeof *b->strs) < 0 ||
	    ht_fmt_grow(&b->strnext, &b->capnext, b->nstrs + 1,
	                sizeof *b->strnext) < 0)
		return -1;
	b->strs[b->nstrs] = strdup(s);
	if (!b->strs[b->nstrs])
		return -1;
	b->strnext[b->nstrs] = head;
	b->nstrs++;
	if (head) {
		/* replace the head: update in place */
		for (size_t i = mix(h, 0) & (b->strmap.cap - 1);;
		     i = (i + 1) & (b->strmap.cap - 1))
			if (b->strmap.slot[i].a == h && b->strmap.slot[i].b == 0) {
				b->strmap.slot[i].v = b->nstrs;
				break;
			}
	} else if (kmap_put(&b->strmap, h, 0, b->nstrs) < 0) {
		return -1;
	}
	return (int64_t)(b->nstrs - 1);
}

static uint64_t function_id(struct builder *b, const struct ht_frame *fr)
{
	uint64_t id = kmap_get(&b->funcmap, (uint64_t)(uintptr_t)fr->function,
	                       (uint64_t)(uintptr_t)fr->file);
	PFunction *fn;
	int64_t name, file;

	if (id)
		return id;
	name = str_index(b, fr->function);
	file = str_index(b, fr->file);
	if (name < 0 || file < 0)
		return 0;
	if (ht_fmt_grow(&b->funcs, &b->capfuncs, b->nfuncs + 1,
	                sizeof *b->funcs) < 0)
		return 0;
	fn = calloc(1, sizeof *fn);
	if (!fn)
		return 0;
	perftools__profiles__function__init(fn);
	fn->id = b->nfuncs + 1;
	fn->name = name;
	fn->system_name = name;
	fn->filename = file;
	b->funcs[b->nfuncs++] = fn;
	if (kmap_put(&b->funcmap, (uint64_t)(uintptr_t)fr->function,
	             (uint64_t)(uintptr_t)fr->file, fn->id) < 0)
		return 0;
	return fn->id;
}

static int cmp_mod_start(const void *x, const void *y, void *ctx)
{
	const struct ht_profile *p = ctx;
	uint64_t a = p->modules[*(const size_t *)x].start;
	uint64_t b = p->modules[*(const size_t *)y].start;

	return a < b ? -1 : a > b;
}

/* The id of the mapping holding pc (binary search over b->order, the
 * modules sorted by start; a few left neighbours for overlaps), 0 none. */
static uint64_t mapping_id(const struct builder *b, const struct ht_profile *p,
                           uint64_t pc)
{
	size_t lo = 0, hi = p->nmodules, steps = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->modules[b->order[mid]].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0 && steps++ < 16) {
		const struct ht_module *m = &p->modules[b->order[lo]];

		if (pc < m->end && m->path && !m->unloaded)
			return b->order[lo] + 1;
	}
	return 0;
}

static uint64_t location_id(struct builder *b, const struct ht_profile *p,
                            struct ht_symbolizer *sym, uint64_t pc)
{
	uint64_t id = kmap_get(&b->locmap, pc, 0);
	const struct ht_frame *fr;
	size_t n;
	PLocation *loc;

	if (id)
		return id;
	ht_symbolize(sym, pc, &fr, &n);
	if (ht_fmt_grow(&b->locs, &b->caplocs, b->nlocs + 1, sizeof *b->locs) < 0)
		return 0;
	loc = calloc(1, sizeof *loc);
	if (!loc)
		return 0;
	perftools__profiles__location__init(loc);
	b->locs[b->nlocs++] = loc;
	loc->id = b->nlocs;
	/* every frame is a return address: the address looked up (inside
	 * the call), as the lines were */
	loc->address = ht_lookup_address(pc);
	loc->mapping_id = b->nmaps ? mapping_id(b, p, loc->address) : 0;
	loc->line = calloc(n, sizeof *loc->line);
	if (!loc->line)
		return 0;
	for (size_t k = 0; k < n; k++) {
		PLine *ln = calloc(1, sizeof *ln);

		if (!ln)
			return 0;
		perftools__profiles__line__init(ln);
		loc->line[loc->n_line++] = ln;
		ln->function_id = function_id(b, &fr[k]);
		if (!ln->function_id)
			return 0;
		ln->line = fr[k].line;
	}
	if (kmap_put(&b->locmap, pc, 0, loc->id) < 0)
		return 0;
	return loc->id;
}

static int add_mappings(struct builder *b, const struct ht_profile *p)
{
	if (!p->nmodules)
		return 0;
	b->maps = calloc(p->nmodules, sizeof *b->maps);
	b->order = calloc(p->nmodules, sizeof *b->order);
	if (!b->maps || !b->order)
		return -ENOMEM;
	for (size_t i = 0; i < p->nmodules; i++)
		b->order[i] = i;
	qsort_r(b->order, p->nmodules, sizeof *b->order, cmp_mod_start,
	        (void *)p);
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct ht_module *m = &p->modules[i];
		PMapping *mp = calloc(1, sizeof *mp);
		char hex[81];

		if (!mp)
			return -ENOMEM;
		perftools__profiles__mapping__init(mp);
		b->maps[b->nmaps++] = mp;
		mp->id = i + 1;
		mp->memory_start = m->start;
		mp->memory_limit = m->end;
		mp->file_offset = m->offset;
		mp->filename = str_index(b, m->path ? m->path : "");
		for (uint32_t k = 0; k < m->build_id_len && k < 40; k++)
			snprintf(hex + 2 * k, 3, "%02x", m->build_id[k]);
		hex[m->build_id_len <= 40 ? 2 * m->build_id_len : 0] = '\0';
		mp->build_id = str_index(b, hex);
		if (mp->filename < 0 || mp->build_id < 0)
			return -ENOMEM;
		mp->has_functions = true;
		mp->has_filenames = true;
		mp->has_line_numbers = true;
		mp->has_inline_frames = true;
	}
	return 0;
}

static int64_t ival(double v)
{
	if (!(v > 0))
		return v < 0 && v > -9.2e18 ? llround(v) : 0;
	return v > 9.2e18 ? (int64_t)9.2e18 : llround(v);
}

static int add_samples(struct builder *b, const struct ht_profile *p,
                       struct ht_symbolizer *sym)
{
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct ht_stack *st = &p->stacks[i];
		int64_t v[4] = {
			ival(st->counts.cum_objs), ival(st->counts.cum_bytes),
			ival(st->counts.cur_objs), ival(st->counts.cur_bytes),
		};
		PSample *sm;

		if (!v[0] && !v[1] && !v[2] && !v[3])
			continue;
		if (st->depth == 0)
			continue;
		if (ht_fmt_grow(&b->samples, &b->capsamples, b->nsamples + 1,
		                sizeof *b->samples) < 0)
			return -ENOMEM;
		sm = calloc(1, sizeof *sm);
		if (!sm)
			return -ENOMEM;
		perftools__profiles__sample__init(sm);
		b->samples[b->nsamples++] = sm;
		sm->value = calloc(4, sizeof *sm->value);
		sm->location_id = calloc(st->depth, sizeof *sm->location_id);
		if (!sm->value || !sm->location_id)
			return -ENOMEM;
		memcpy(sm->value, v, sizeof v);
		sm->n_value = 4;
		for (uint32_t d = 0; d < st->depth; d++) {
			uint64_t id = location_id(b, p, sym, st->pcs[d]);

			if (!id)
				return -ENOMEM;
			sm->location_id[sm->n_location_id++] = id;
		}
	}
	return 0;
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->nstrs; i++)
		free(b->strs[i]);
	free(b->strs);
	free(b->strnext);
	free(b->strmap.slot);
	free(b->funcmap.slot);
	free(b->locmap.slot);
	for (size_t i = 0; i < b->nfuncs; i++)
		free(b->funcs[i]);
	free(b->funcs);
	for (size_t i = 0; i < b->nlocs; i++) {
		for (size_t k = 0; k < b->locs[i]->n_line; k++)
			free(b->locs[i]->line[k]);
		free(b->locs[i]->line);
		free(b->locs[i]);
	}
	free(b->locs);
	for (size_t i = 0; i < b->nmaps; i++)
		free(b->maps[i]);
	free(b->maps);
	free(b->order);
	for (size_t i = 0; i < b->nsamples; i++) {
		free(b->samples[i]->value);
		free(b->samples[i]->location_id);
		free(b->samples[i]);
	}
	free(b->samples);
	for (int i = 0; i < 4; i++)
		free(b->vt[i]);
}

/* gzip `len` bytes of buf to f. */
static int gzip_to(FILE *f, const uint8_t *buf, size_t len)
{
	z_stream z;
	uint8_t out[65536];
	int zr;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)buf;
	z.avail_in = 0;
	do {
		if (z.avail_in == 0 && len > 0) {
			size_t chunk = len > (1u << 30) ? (1u << 30) : len;

			z.next_in = (Bytef *)buf;
			z.avail_in = (uInt)chunk;
			buf += chunk;
			len -= chunk;
		}
		z.next_out = out;
		z.avail_out = sizeof out;
		zr = deflate(&z, len == 0 ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_ERROR) {
			deflateEnd(&z);
			return -EIO;
		}
		if (fwrite(out, 1, sizeof out - z.avail_out, f) !=
		    sizeof out - z.avail_out) {
			deflateEnd(&z);
			return -EIO;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	return 0;
}

static int pprof_write(FILE *f, const struct ht_profile *p,
                       const struct ht_fmt_write_options *o, char **cause)
{
	static const char *const types[4][2] = {
		{ "alloc_objects", "count" }, { "alloc_space", "bytes" },
		{ "inuse_objects", "count" }, { "inuse_space", "bytes" },
	};
	struct ht_symbolizer *sym, *own;
	struct builder b;
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if (cause)
		*cause = NULL;
	memset(&b, 0, sizeof b);
	rc = ht_fmt_symbolizer(p, o, &sym, &own, cause);
	if (rc < 0)
		return rc;
	perftools__profiles__profile__init(&b.prof);
	rc = -ENOMEM;
	if (str_index(&b, "") != 0)
		goto out;
	for (int i = 0; i < 4; i++) {
		b.vt[i] = calloc(1, sizeof *b.vt[i]);
		if (!b.vt[i])
			goto out;
		perftools__profiles__value_type__init(b.vt[i]);
		b.vt[i]->type = str_index(&b, types[i][0]);
		b.vt[i]->unit = str_index(&b, types[i][1]);
		if (b.vt[i]->type < 0 || b.vt[i]->unit < 0)
			goto out;
	}
	perftools__profiles__value_type__init(&b.period_type);
	b.period_type.type = str_index(&b, "space");
	b.period_type.unit = str_index(&b, "bytes");
	if (b.period_type.type < 0 || b.period_type.unit < 0)
		goto out;
	if (add_mappings(&b, p) < 0 || add_samples(&b, p, sym) < 0)
		goto out;
	b.prof.n_sample_type = 4;
	b.prof.sample_type = b.vt;
	b.prof.default_sample_type = b.vt[3]->type;
	b.prof.period_type = &b.period_type;
	b.prof.period = (int64_t)(p->rate > INT64_MAX ? INT64_MAX : p->rate);
	b.prof.time_nanos = (int64_t)p->snapshot_time_ns;
	b.prof.n_sample = b.nsamples;
	b.prof.sample = b.samples;
	b.prof.n_mapping = b.nmaps;
	b.prof.mapping = b.maps;
	b.prof.n_location = b.nlocs;
	b.prof.location = b.locs;
	b.prof.n_function = b.nfuncs;
	b.prof.function = b.funcs;
	b.prof.n_string_table = b.nstrs;
	b.prof.string_table = b.strs;
	len = perftools__profiles__profile__get_packed_size(&b.prof);
	buf = malloc(len ? len : 1);
	if (!buf)
		goto out;
	if (perftools__profiles__profile__pack(&b.prof, buf) != len) {
		rc = ht_fmt_fail(cause, -EIO, "pprof: encoding failed");
		goto out_nomsg;
	}
	rc = gzip_to(f, buf, len);
	if (rc < 0 || ferror(f)) {
		rc = ht_fmt_fail(cause, rc < 0 ? rc : -EIO, "pprof: write error");
		goto out_nomsg;
	}
	rc = 0;
	goto out_nomsg;
out:
	rc = ht_fmt_fail(cause, -ENOMEM, "pprof: out of memory");
out_nomsg:
	free(buf);
	builder_free(&b);
	ht_symbolizer_free(own);
	return rc;
}

const struct ht_fmt ht_fmt_pprof = {
	.name = "pprof",
	.read = NULL,
	.write = pprof_write,
};
