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
# heaptop links the screen through these (see src/core/local.mk).
HT_UI_LDADD += libhtui.a
HT_UI_CPPFLAGS += -DHT_HAVE_UI

# bench/ui_latency: key latency of the screen while it refreshes 100,000
# sites.  Not built by `make all` or `make check`; `make bench-ui` runs it.
EXTRA_PROGRAMS = bench/ui_latency
bench_ui_latency_SOURCES = bench/ui_latency.c
bench_ui_latency_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
bench_ui_latency_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS)
bench_ui_latency_LDFLAGS = $(HT_SAN_CFLAGS)
bench_ui_latency_LDADD = libhtui.a $(HT_CORE_LIBS) $(NCURSES_LIBS) -lutil
EXTRA_DIST += bench/ui_latency.c

.PHONY: bench-ui
bench: bench-ui
bench-ui: bench/ui_latency$(EXEEXT)
	./bench/ui_latency$(EXEEXT) $(BENCH_UI_ARGS)
