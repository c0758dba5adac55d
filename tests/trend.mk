# Tests for the trend classifier and the /proc memory breakdown
# (src/core/trend.c, src/core/procmem.c): their unit tests and the target
# programs whose in-use series the classifier was tuned on (a steady leak,
# a cache that fills, a sawtooth, a shrinking pool, fragmentation, and a
# Python program whose memory is outside malloc: tests/targets/trend_py.py,
# run with python3).

check_PROGRAMS += tests/targets/trend_leak tests/targets/trend_cache \
	tests/targets/trend_saw tests/targets/trend_shrink \
	tests/targets/trend_frag
tests_targets_trend_leak_SOURCES = tests/targets/trend_leak.c
tests_targets_trend_leak_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_leak_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_cache_SOURCES = tests/targets/trend_cache.c
tests_targets_trend_cache_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_cache_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_saw_SOURCES = tests/targets/trend_saw.c
tests_targets_trend_saw_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_saw_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_shrink_SOURCES = tests/targets/trend_shrink.c
tests_targets_trend_shrink_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_shrink_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_frag_SOURCES = tests/targets/trend_frag.c
tests_targets_trend_frag_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_frag_LDFLAGS = $(HT_TARGET_LINK)
EXTRA_DIST += tests/targets/trend_py.py

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_trend tests/unit/test_procmem
HT_UNIT_TESTS += tests/unit/test_trend tests/unit/test_procmem
endif
tests_unit_test_trend_SOURCES = tests/unit/test_trend.c
tests_unit_test_trend_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_trend_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_trend_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_procmem_SOURCES = tests/unit/test_procmem.c
tests_unit_test_procmem_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_procmem_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_procmem_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/unit/data
EXTRA_DIST += tests/targets/trend_run.h
