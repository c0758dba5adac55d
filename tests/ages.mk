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

# Targets: a cache and a leak in one program (the suspects order), a
# program that overflows the event ring.
check_PROGRAMS += tests/targets/leak_mix tests/targets/ring_flood
tests_targets_leak_mix_SOURCES = tests/targets/leak_mix.c
tests_targets_leak_mix_CFLAGS = $(HT_TARGET_CF)
tests_targets_leak_mix_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_ring_flood_SOURCES = tests/targets/ring_flood.c
tests_targets_ring_flood_CFLAGS = $(HT_TARGET_CF)
tests_targets_ring_flood_LDFLAGS = $(HT_TARGET_LINK)
