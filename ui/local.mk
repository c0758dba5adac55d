# ui rules: the interactive screen, the only code that uses curses.
noinst_LIBRARIES += libhtui.a
libhtui_a_SOURCES = \
	ui/ui.h ui/view.h ui/keys.h ui/colors.h ui/format.h \
	ui/ui.c ui/refresh.c ui/header.c ui/keys.c ui/colors.c ui/format.c \
	ui/view_top.c ui/view_tree.c ui/view_help.c ui/view_output.c \
	ui/view_threads.c ui/view_flame.c ui/flame_layout.c ui/flame_layout.h \
	ui/view_procs.c ui/cursor.c
libhtui_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) $(NCURSES_CFLAGS)
libhtui_a_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) -pthread
