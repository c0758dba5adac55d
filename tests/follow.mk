# Tests for --follow (following a jemalloc program's own dumps): the target
# that leaks at a steady pace under jemalloc's profiler.
check_PROGRAMS += tests/targets/follow_leak
tests_targets_follow_leak_SOURCES = tests/targets/follow_leak.c
tests_targets_follow_leak_CFLAGS = $(HT_TARGET_CF)
tests_targets_follow_leak_LDFLAGS = $(HT_TARGET_LINK)
