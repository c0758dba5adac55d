# Unit tests of the frontend's core (src/core, src/options.c): one
# program per module, tests/unit/test_<module>.c, linked with libhtcore.a.
# Their targets and the other tests' are in tests/targets.mk.

HT_UNIT_CORE = tests/unit/test_segread tests/unit/test_ringread \
	tests/unit/test_session tests/unit/test_profile tests/unit/test_alloc \
	tests/unit/test_json tests/unit/test_model tests/unit/test_u64map \
	tests/unit/test_ages tests/unit/test_trend tests/unit/test_procmem \
	tests/unit/test_proctree tests/unit/test_symbolize tests/unit/test_symindex \
	tests/unit/test_fmt_heap_v2 tests/unit/test_fmt_collapsed \
	tests/unit/test_fmt_pprof tests/unit/test_fmt_svg
HT_CORE_TEST_LIBS = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_segread_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_segread_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_segread_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_ringread_SOURCES = tests/unit/test_ringread.c \
	src/runtime/ring.c src/runtime/segment.c src/runtime/util.c
tests_unit_test_ringread_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_ringread_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ringread_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_session_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_session_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_session_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_profile_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_profile_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_profile_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_alloc_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_alloc_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_alloc_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_json_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_json_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_json_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_model_SOURCES = tests/unit/test_model.c \
	tests/unit/failalloc.h tests/unit/failalloc.c
tests_unit_test_model_CFLAGS = $(HT_UNIT_CF) -O0 -fno-inline -Wno-missing-prototypes
tests_unit_test_model_LDFLAGS = $(HT_UNIT_LINK) -rdynamic \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
tests_unit_test_model_LDADD = $(HT_CORE_TEST_LIBS) -ldl
tests_unit_test_u64map_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_u64map_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_u64map_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_ages_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_ages_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ages_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_trend_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_trend_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_trend_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_procmem_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_procmem_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_procmem_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_proctree_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_proctree_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_proctree_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_symbolize_SOURCES = tests/unit/test_symbolize.c tests/unit/test_fmt_util.h
tests_unit_test_symbolize_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_symbolize_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_symbolize_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_symindex_SOURCES = tests/unit/test_symindex.c tests/unit/test_fmt_util.h
tests_unit_test_symindex_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_symindex_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_symindex_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_fmt_heap_v2_SOURCES = tests/unit/test_fmt_heap_v2.c tests/unit/test_fmt_util.h
tests_unit_test_fmt_heap_v2_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_fmt_heap_v2_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_fmt_heap_v2_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_fmt_collapsed_SOURCES = tests/unit/test_fmt_collapsed.c tests/unit/test_fmt_util.h
tests_unit_test_fmt_collapsed_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_fmt_collapsed_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_fmt_collapsed_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_fmt_pprof_SOURCES = tests/unit/test_fmt_pprof.c tests/unit/test_fmt_util.h
tests_unit_test_fmt_pprof_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_fmt_pprof_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_fmt_pprof_LDADD = $(HT_CORE_TEST_LIBS)
tests_unit_test_fmt_svg_SOURCES = tests/unit/test_fmt_svg.c tests/unit/test_fmt_util.h
tests_unit_test_fmt_svg_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_fmt_svg_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_fmt_svg_LDADD = $(HT_CORE_TEST_LIBS)
# the generated protobuf header comes first
tests/unit/tests_unit_test_fmt_pprof-test_fmt_pprof.$(OBJEXT): src/core/profile.pb-c.h
EXTRA_DIST += tests/unit/data
