# The heaptop program: main and its batch and screen runs (heaptop.c),
# options and usage (options.c), the batch text and JSON reports
# (report_*.c); linked with the screen (libhtui.a) and the core.

bin_PROGRAMS += heaptop
heaptop_SOURCES = src/heaptop.c \
	src/options.h src/options.c \
	src/report.h src/report_text.c src/report_json.c
heaptop_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
heaptop_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS)
heaptop_LDFLAGS = $(HT_SAN_CFLAGS)
heaptop_LDADD = libhtui.a $(HT_CORE_LIBS) $(NCURSES_LIBS)
