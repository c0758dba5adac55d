# Unit tests of the screen's pure helpers (ui/: formats, the key table,
# the flame layout).  The screen tests themselves are tests/tui/t_*.sh,
# driven in a private tmux server; the runner finds them by name.

HT_UNIT_UI = tests/unit/test_ui_format tests/unit/test_ui_keys \
	tests/unit/test_ui_flame
tests_unit_test_ui_format_SOURCES = tests/unit/test_ui_format.c ui/format.c ui/format.h
tests_unit_test_ui_format_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
tests_unit_test_ui_format_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_ui_format_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ui_format_LDADD = $(HT_CORE_TEST_LIBS) -lm
tests_unit_test_ui_keys_SOURCES = tests/unit/test_ui_keys.c ui/keys.c ui/keys.h
tests_unit_test_ui_keys_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) $(NCURSES_CFLAGS)
tests_unit_test_ui_keys_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_ui_keys_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ui_keys_LDADD = $(HT_CORE_TEST_LIBS) -lm
tests_unit_test_ui_flame_SOURCES = tests/unit/test_ui_flame.c \
	ui/flame_layout.c ui/flame_layout.h
tests_unit_test_ui_flame_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
tests_unit_test_ui_flame_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_ui_flame_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ui_flame_LDADD = $(HT_CORE_TEST_LIBS) -lm
