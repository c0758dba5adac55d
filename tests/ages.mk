# Tests for what tells a leak from a cache on the frontend side: the hash
# map, the live-object ages.

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_u64map tests/unit/test_ages
HT_UNIT_TESTS += tests/unit/test_u64map tests/unit/test_ages
endif

tests_unit_test_u64map_SOURCES = tests/unit/test_u64map.c
tests_unit_test_u64map_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_u64map_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_u64map_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_ages_SOURCES = tests/unit/test_ages.c
tests_unit_test_ages_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ages_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_ages_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
