/*
 * Unit tests for the pprof writer (src/core/fmt_pprof.c): the output is
 * gunzipped and decoded with protobuf-c from the same schema, and checked
 * for the four sample types, the period, values, locations with inlined
 * functions as several lines (innermost first), mappings with build-ids,
 * and, on a real jemalloc profile, totals equal to the profile's.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <zlib.h>

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "src/core/profile.pb-c.h"
#include "test_fmt_util.h"

typedef Perftools__Profiles__Profile PProfile;

static PProfile *write_and_decode(const struct ht_profile *p,
                                  struct ht_symbolizer *sym)
{
	struct ht_fmt_write_options o = { .value = HT_VAL_INUSE_BYTES,
	                                  .sym = sym };
	char *gz = NULL, *cause = NULL;
	size_t gzlen = 0, cap = 1 << 20, len = 0;
	uint8_t *raw = malloc(cap);
	FILE *f = open_memstream(&gz, &gzlen);
	z_stream z;
	int zr;
	PProfile *pp;

	assert_non_null(f);
	if (ht_fmt_pprof.write(f, p, &o, &cause) != 0)
		fail_msg("pprof: %s", cause ? cause : "?");
	fclose(f);
	/* gzip magic, then inflate */
	assert_true(gzlen > 18);
	assert_int_equal((unsigned char)gz[0], 0x1f);
	assert_int_equal((unsigned char)gz[1], 0x8b);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)gzlen;
	do {
		if (len == cap) {
			cap *= 2;
			raw = realloc(raw, cap);
		}
		z.next_out = raw + len;
		z.avail_out = (uInt)(cap - len);
		zr = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		assert_true(zr == Z_OK || zr == Z_STREAM_END || zr == Z_BUF_ERROR);
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
	pp = perftools__profiles__profile__unpack(NULL, len, raw);
	assert_non_null(pp);
	free(raw);
	free(gz);
	return pp;
}

static const char *str(const PProfile *pp, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < pp->n_string_table);
	return pp->string_table[i];
}

static const Perftools__Profiles__Location *loc(const PProfile *pp,
                                                 uint64_t id)
{
	for (size_t i = 0; i < pp->n_location; i++)
		if (pp->location[i]->id == id)
			return pp->location[i];
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static const Perftools__Profiles__Function *fn(const PProfile *pp,
                                                uint64_t id)
{
	for (size_t i = 0; i < pp->n_function; i++)
		if (pp->function[i]->id == id)
			return pp->function[i];
	fail_msg("no function %llu", (unsigned long long)id);
	return NULL;
}

static void check_types(const PProfile *pp)
{
	static const char *const types[4][2] = {
		{ "alloc_objects", "count" }, { "alloc_space", "bytes" },
		{ "inuse_objects", "count" }, { "inuse_space", "bytes" },
	};

	assert_string_equal(pp->string_table[0], "");
	assert_int_equal(pp->n_sample_type, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(str(pp, pp->sample_type[i]->type), types[i][0]);
		assert_string_equal(str(pp, pp->sample_type[i]->unit), types[i][1]);
	}
	assert_string_equal(str(pp, pp->default_sample_type), "inuse_space");
	assert_non_null(pp->period_type);
	assert_string_equal(str(pp, pp->period_type->type), "space");
	assert_string_equal(str(pp, pp->period_type->unit), "bytes");
}

static void test_structure(void **state)
{
	char *tmp = tu_tmpdir();
	struct ht_profile *p = tu_sym_profile(tmp);
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;
	PProfile *pp;
	const Perftools__Profiles__Location *l;
	bool found_id = false;

	(void)state;
	assert_non_null(p);
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	pp = write_and_decode(p, s);
	check_types(pp);
	assert_int_equal(pp->period, 4096);
	/* all three stacks: the second has allocated bytes */
	assert_int_equal(pp->n_sample, 3);
	assert_int_equal(pp->sample[0]->n_value, 4);
	assert_int_equal(pp->sample[0]->value[0], 10);
	assert_int_equal(pp->sample[0]->value[1], 1000);
	assert_int_equal(pp->sample[0]->value[2], 3);
	assert_int_equal(pp->sample[0]->value[3], 300);
	assert_int_equal(pp->sample[1]->value[1], 5000);
	assert_int_equal(pp->sample[1]->value[3], 0);
	/* innermost location of stack 0: two lines, inlined first */
	assert_int_equal(pp->sample[0]->n_location_id, 2);
	l = loc(pp, pp->sample[0]->location_id[0]);
	assert_int_equal(l->n_line, 2);
	assert_string_equal(str(pp, fn(pp, l->line[0]->function_id)->name),
	                    "inlined_leaf");
	assert_string_equal(str(pp, fn(pp, l->line[1]->function_id)->name),
	                    "inline_host");
	assert_true(l->line[0]->line > 0);
	assert_non_null(strstr(str(pp, fn(pp, l->line[0]->function_id)->filename),
	                       "fmt_sym.c"));
	assert_true(l->mapping_id != 0);
	l = loc(pp, pp->sample[1]->location_id[0]);
	assert_string_equal(str(pp, fn(pp, l->line[0]->function_id)->name),
	                    "heaptest::Widget::method(int)");
	/* mappings: paths and the build-id */
	assert_int_equal(pp->n_mapping, p->nmodules);
	for (size_t i = 0; i < pp->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = pp->mapping[i];

		assert_int_equal(m->id, i + 1);
		assert_true(m->memory_limit > m->memory_start);
		if (!strcmp(str(pp, m->filename),
		            "/nonexistent/libjemalloc.so.2")) {
			assert_string_equal(str(pp, m->build_id),
			    "0102030405060708090a0b0c0d0e0f1011121314");
			found_id = true;
		}
	}
	assert_true(found_id);
	perftools__profiles__profile__free_unpacked(pp, NULL);
	ht_symbolizer_free(s);
	ht_profile_free(p);
	tu_rmtree(tmp);
	free(tmp);
}

static void test_real_jemalloc_totals(void **state)
{
	char *tmp = tu_tmpdir(), *dump, *cause = NULL;
	struct ht_profile *p = NULL;
	PProfile *pp;
	double sum[4] = { 0 };
	double tot[4];

	(void)state;
	dump = tu_jemalloc_dump(tmp, "12", NULL);
	assert_non_null(dump);
	assert_int_equal(ht_fmt_load_file(dump, &p, &cause), 0);
	pp = write_and_decode(p, NULL);
	check_types(pp);
	assert_int_equal(pp->period, 4096);
	for (size_t i = 0; i < pp->n_sample; i++) {
		assert_int_equal(pp->sample[i]->n_value, 4);
		for (int k = 0; k < 4; k++)
			sum[k] += (double)pp->sample[i]->value[k];
		for (size_t j = 0; j < pp->sample[i]->n_location_id; j++)
			assert_non_null(loc(pp, pp->sample[i]->location_id[j]));
	}
	tot[0] = p->totals.cum_objs;
	tot[1] = p->totals.cum_bytes;
	tot[2] = p->totals.cur_objs;
	tot[3] = p->totals.cur_bytes;
	for (int k = 0; k < 4; k++) {
		print_message("type %d: pprof %.0f profile %.1f\n", k, sum[k],
		              tot[k]);
		assert_true(fabs(sum[k] - tot[k]) <= 0.5 * (double)pp->n_sample + 1);
	}
	assert_true(tot[3] > 1e6);
	perftools__profiles__profile__free_unpacked(pp, NULL);
	ht_profile_free(p);
	free(dump);
	tu_rmtree(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_real_jemalloc_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
