# tests for the ui area: unit tests of the screen's pure helpers, and the
# screen tests (tests/tui/t_*.sh, driven in a private tmux server; the
# runner finds them by name).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ui_format
HT_UNIT_TESTS += tests/unit/test_ui_format
tests_unit_test_ui_format_SOURCES = tests/unit/test_ui_format.c \
	ui/format.c ui/format.h
tests_unit_test_ui_format_SOURCES += src/core/units.c src/core/units.h
tests_unit_test_ui_format_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
tests_unit_test_ui_format_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ui_format_LDADD = $(CMOCKA_LIBS) -lm
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ui_keys
HT_UNIT_TESTS += tests/unit/test_ui_keys
tests_unit_test_ui_keys_SOURCES = tests/unit/test_ui_keys.c \
	ui/keys.c ui/keys.h
tests_unit_test_ui_keys_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) \
	$(NCURSES_CFLAGS)
tests_unit_test_ui_keys_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ui_keys_LDADD = $(CMOCKA_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ui_flame
HT_UNIT_TESTS += tests/unit/test_ui_flame
tests_unit_test_ui_flame_SOURCES = tests/unit/test_ui_flame.c \
	ui/flame_layout.c ui/flame_layout.h
tests_unit_test_ui_flame_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
tests_unit_test_ui_flame_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ui_flame_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS) -lm
endif
