# share rules: the demo program (installed in pkglibexecdir, run by
# `heaptop --demo`) and the man page.

pkglibexec_PROGRAMS += share/demo/heaptop-demo
share_demo_heaptop_demo_SOURCES = share/demo/heaptop-demo.c
share_demo_heaptop_demo_CFLAGS = $(AM_CFLAGS) -O1 -g -fno-omit-frame-pointer \
	-pthread
share_demo_heaptop_demo_LDADD = -lpthread

dist_man_MANS += share/man/heaptop.1
