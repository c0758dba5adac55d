# Tests for the frontend core and the heaptop program: cmocka unit tests
# of the segment reader and the model, the target programs the
# integration tests (tests/integration/t_frontend_*.sh) run.

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_segread tests/unit/test_model \
	tests/unit/test_json tests/unit/test_alloc tests/unit/test_ringread
HT_UNIT_TESTS += tests/unit/test_segread tests/unit/test_model \
	tests/unit/test_json tests/unit/test_alloc tests/unit/test_ringread
endif

# the reader's ring consumer against the runtime's own layout and producer
tests_unit_test_ringread_SOURCES = tests/unit/test_ringread.c \
	src/runtime/ring.c src/runtime/segment.c src/runtime/util.c
tests_unit_test_ringread_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ringread_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_ringread_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_alloc_SOURCES = tests/unit/test_alloc.c
tests_unit_test_alloc_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_alloc_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_alloc_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_segread_SOURCES = tests/unit/test_segread.c
tests_unit_test_segread_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_segread_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_segread_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_json_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_json_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_json_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_model_SOURCES = tests/unit/test_model.c \
	tests/unit/failalloc.h tests/unit/failalloc.c
tests_unit_test_model_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS) \
	-O0 -fno-inline -Wno-missing-prototypes
tests_unit_test_model_LDFLAGS = $(HT_SAN_CFLAGS) -rdynamic \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
tests_unit_test_model_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS) -ldl

# Targets.  fe_sym is optimised on purpose (an always_inline function must
# show up as its own inlined frame); libfe_dl.so is dlopen'd by fe_sym.
check_PROGRAMS += tests/targets/fe_sym tests/targets/fe_cc \
	tests/targets/fe_exit tests/targets/fe_static tests/targets/fe_lines \
	tests/targets/fe_libcc tests/targets/fe_twoline
check_LTLIBRARIES += tests/targets/libfe_dl.la

tests_targets_fe_sym_SOURCES = tests/targets/fe_sym.c
tests_targets_fe_sym_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_fe_sym_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fe_sym_LDADD = -ldl

tests_targets_libfe_dl_la_SOURCES = tests/targets/fe_dl.c
tests_targets_libfe_dl_la_CFLAGS = $(HT_TARGET_CF)
tests_targets_libfe_dl_la_LDFLAGS = -module -avoid-version -shared \
	-rpath $(abs_builddir)/tests/targets

tests_targets_fe_cc_SOURCES = tests/targets/fe_cc.cc
tests_targets_fe_cc_CXXFLAGS = $(HT_TARGET_CF)
tests_targets_fe_cc_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_lines_SOURCES = tests/targets/fe_lines.c
tests_targets_fe_lines_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_lines_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_twoline_SOURCES = tests/targets/fe_twoline.c
tests_targets_fe_twoline_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_twoline_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_libcc_SOURCES = tests/targets/fe_libcc.cc
tests_targets_fe_libcc_CXXFLAGS = $(HT_TARGET_CF)
tests_targets_fe_libcc_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_exit_SOURCES = tests/targets/fe_exit.c
tests_targets_fe_exit_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_exit_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_static_SOURCES = tests/targets/fe_static.c
tests_targets_fe_static_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_static_LDFLAGS = -all-static

# Built by its test with rustc (no cargo, no crates).
EXTRA_DIST += tests/targets/fe_rs.rs tests/targets/fe_librs.rs

# Unit tests of the session's launch side and of profile.c.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_session tests/unit/test_profile
HT_UNIT_TESTS += tests/unit/test_session tests/unit/test_profile
endif
tests_unit_test_session_SOURCES = tests/unit/test_session.c
tests_unit_test_session_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_session_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_session_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_profile_SOURCES = tests/unit/test_profile.c
tests_unit_test_profile_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_profile_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_profile_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
