# Tests: unit (cmocka), integration and screen tests (shell, run by
# tests/run.sh), and the target programs they run.  One fragment per zone
# for the unit tests (runtime.mk, core.mk, ui.mk: each test named once in
# its zone's list), targets.mk for the target programs.

# Target programs: built with debug info and frame pointers, no
# optimisation that would merge the sites the tests name.
HT_TARGET_CF = -O0 -g -fno-omit-frame-pointer -fno-inline
HT_TARGET_LINK = -no-install

# Unit tests: tests/unit/test_<module>.c, with cmocka; built with the
# sanitizers in a --enable-sanitizers tree.
HT_UNIT_CF = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
HT_UNIT_LINK = $(HT_SAN_CFLAGS)

EXTRA_DIST += tests/integration tests/tui tests/corpus

include $(srcdir)/tests/runtime.mk
include $(srcdir)/tests/core.mk
include $(srcdir)/tests/ui.mk
include $(srcdir)/tests/targets.mk

if HAVE_CMOCKA
check_PROGRAMS += $(HT_UNIT_RUNTIME) $(HT_UNIT_CORE) $(HT_UNIT_UI)
HT_UNIT_TESTS += $(HT_UNIT_RUNTIME) $(HT_UNIT_CORE) $(HT_UNIT_UI)
endif
