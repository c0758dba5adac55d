# Tests for symbolization and the profile formats (heap_v2, collapsed,
# pprof, svg): target programs, unit tests, and the fuzz target (`make fuzz`,
# not part of check).

# Symbolization target: C, C++ (namespaced method), a function inlined at
# -O2, a dlopen'd library.
check_PROGRAMS += tests/targets/fmt_sym
tests_targets_fmt_sym_SOURCES = tests/targets/fmt_sym.c tests/targets/fmt_sym_cc.cc
tests_targets_fmt_sym_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_fmt_sym_CXXFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_fmt_sym_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_sym_LDADD = -ldl
check_LTLIBRARIES += tests/targets/libfmtdl.la
tests_targets_libfmtdl_la_SOURCES = tests/targets/fmt_symlib.c
tests_targets_libfmtdl_la_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_libfmtdl_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# Leaks at known sites, dumps through jemalloc's prof.dump.
check_PROGRAMS += tests/targets/fmt_jeleak
tests_targets_fmt_jeleak_SOURCES = tests/targets/fmt_jeleak.c
tests_targets_fmt_jeleak_CFLAGS = $(HT_TARGET_CF)
tests_targets_fmt_jeleak_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_jeleak_LDADD = -ldl -lpthread

# gperftools' heap profiles (sampled heap_v2 and the exact heap profiler),
# from a tcmalloc-linked target.
if HAVE_TCMALLOC
check_PROGRAMS += tests/targets/fmt_tcleak
tests_targets_fmt_tcleak_SOURCES = tests/targets/fmt_tcleak.cc
tests_targets_fmt_tcleak_CXXFLAGS = $(HT_TARGET_CF) $(TCMALLOC_CFLAGS)
tests_targets_fmt_tcleak_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_tcleak_LDADD = $(TCMALLOC_LIBS)
endif

EXTRA_DIST += tests/targets/fmt_rs.rs tests/targets/fmt_rsleak.rs \
	fuzz/fuzz_heap_v2.c fuzz/seeds

if HAVE_CMOCKA
HT_FMT_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBDW_CFLAGS) \
	$(PROTOBUF_C_CFLAGS) $(ZLIB_CFLAGS) $(HT_SAN_CFLAGS)
HT_FMT_TEST_LIBS = $(HT_CORE_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_symbolize tests/unit/test_fmt_heap_v2 \
	tests/unit/test_fmt_collapsed tests/unit/test_fmt_pprof \
	tests/unit/test_fmt_svg
HT_UNIT_TESTS += tests/unit/test_symbolize tests/unit/test_fmt_heap_v2 \
	tests/unit/test_fmt_collapsed tests/unit/test_fmt_pprof \
	tests/unit/test_fmt_svg

tests_unit_test_symbolize_SOURCES = tests/unit/test_symbolize.c \
	tests/unit/test_fmt_util.h
tests_unit_test_symbolize_CFLAGS = $(HT_FMT_TEST_CFLAGS)
tests_unit_test_symbolize_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_symbolize_LDADD = $(HT_FMT_TEST_LIBS)

tests_unit_test_fmt_heap_v2_SOURCES = tests/unit/test_fmt_heap_v2.c \
	tests/unit/test_fmt_util.h
tests_unit_test_fmt_heap_v2_CFLAGS = $(HT_FMT_TEST_CFLAGS)
tests_unit_test_fmt_heap_v2_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_fmt_heap_v2_LDADD = $(HT_FMT_TEST_LIBS)

tests_unit_test_fmt_collapsed_SOURCES = tests/unit/test_fmt_collapsed.c \
	tests/unit/test_fmt_util.h
tests_unit_test_fmt_collapsed_CFLAGS = $(HT_FMT_TEST_CFLAGS)
tests_unit_test_fmt_collapsed_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_fmt_collapsed_LDADD = $(HT_FMT_TEST_LIBS)

tests_unit_test_fmt_pprof_SOURCES = tests/unit/test_fmt_pprof.c \
	tests/unit/test_fmt_util.h
tests_unit_test_fmt_pprof_CFLAGS = $(HT_FMT_TEST_CFLAGS)
tests_unit_test_fmt_pprof_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_fmt_pprof_LDADD = $(HT_FMT_TEST_LIBS)
tests/unit/tests_unit_test_fmt_pprof-test_fmt_pprof.$(OBJEXT): src/core/profile.pb-c.h

tests_unit_test_fmt_svg_SOURCES = tests/unit/test_fmt_svg.c \
	tests/unit/test_fmt_util.h
tests_unit_test_fmt_svg_CFLAGS = $(HT_FMT_TEST_CFLAGS)
tests_unit_test_fmt_svg_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_fmt_svg_LDADD = $(HT_FMT_TEST_LIBS)
endif

# Fuzzing the heap_v2 reader with libFuzzer (clang).  Not part of check:
#   make fuzz [FUZZ_SECONDS=300]
FUZZ_CC = clang
FUZZ_SECONDS = 300
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -std=gnu11
fuzz/fuzz_heap_v2: $(srcdir)/fuzz/fuzz_heap_v2.c $(srcdir)/src/core/fmt.c \
		$(srcdir)/src/core/fmt_heap_v2.c $(srcdir)/src/core/profile.c
	$(AM_V_CC)$(MKDIR_P) fuzz && $(FUZZ_CC) $(FUZZ_FLAGS) \
	  -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/include \
	  -o $@ $(srcdir)/fuzz/fuzz_heap_v2.c \
	  $(srcdir)/src/core/fmt.c $(srcdir)/src/core/fmt_heap_v2.c \
	  $(srcdir)/src/core/profile.c -lm
fuzz: fuzz/fuzz_heap_v2
	@$(MKDIR_P) fuzz/corpus
	cp -f $(srcdir)/tests/corpus/*.heap fuzz/corpus/ 2>/dev/null || true
	cp -f $(srcdir)/fuzz/seeds/* fuzz/corpus/ 2>/dev/null || true
	./fuzz/fuzz_heap_v2 -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -timeout=10 -rss_limit_mb=2048 fuzz/corpus
.PHONY: fuzz
CLEANFILES += fuzz/fuzz_heap_v2

# The symbolizer's DWARF index against the walk it replaced, a known
# inline chain, code no function describes, and a truncated debug file.
check_PROGRAMS += tests/targets/sym_inline tests/unit/test_symindex
HT_UNIT_TESTS += tests/unit/test_symindex
tests_targets_sym_inline_SOURCES = tests/targets/sym_inline.c
tests_targets_sym_inline_CFLAGS = -O2 -g
tests_targets_sym_inline_LDFLAGS = $(HT_TARGET_LINK)
tests_unit_test_symindex_SOURCES = tests/unit/test_symindex.c \
	tests/unit/test_fmt_util.h
tests_unit_test_symindex_CFLAGS = $(HT_FMT_TEST_CFLAGS)
tests_unit_test_symindex_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_symindex_LDADD = $(HT_FMT_TEST_LIBS)
