# Tests: unit (cmocka), integration and screen tests (shell, run by
# tests/run.sh), and the target programs they run.  Each area keeps its
# rules in its own fragment.

# Target programs: built with debug info and frame pointers, no
# optimisation that would merge the sites the tests name.
HT_TARGET_CF = -O0 -g -fno-omit-frame-pointer -fno-inline
HT_TARGET_LINK = -no-install

check_PROGRAMS += tests/targets/leaky
tests_targets_leaky_SOURCES = tests/targets/leaky.c
tests_targets_leaky_CFLAGS = $(HT_TARGET_CF)
tests_targets_leaky_LDFLAGS = $(HT_TARGET_LINK)

EXTRA_DIST += tests/integration tests/tui tests/corpus

include $(srcdir)/tests/runtime.mk
include $(srcdir)/tests/frontend.mk
include $(srcdir)/tests/formats.mk
include $(srcdir)/tests/ui.mk
include $(srcdir)/tests/threads.mk
include $(srcdir)/tests/allocators.mk
include $(srcdir)/tests/follow.mk
include $(srcdir)/tests/ages.mk
include $(srcdir)/tests/trend.mk
include $(srcdir)/tests/procs.mk
