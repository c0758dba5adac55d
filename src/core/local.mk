# src/core rules: the headless frontend library (libhtcore.a).  Its
# sources include the runtime's pure modules the frontend also needs
# (allocscan: which allocator an ELF image carries; budget: the overhead
# budget's grammar).

noinst_LIBRARIES += libhtcore.a
libhtcore_a_SOURCES = \
	src/core/cause.h src/core/cause.c \
	src/core/profile.h src/core/profile.c \
	src/core/basefile.h src/core/basefile.c \
	src/core/segread.h src/core/segread.c src/core/segread_priv.h \
	src/core/segread_cmd.c src/core/segread_ring.c src/core/segread_live.c \
	src/core/session.h src/core/session.c \
	src/core/alloc.h src/core/alloc.c \
	src/runtime/allocscan.h src/runtime/allocscan.c \
	src/runtime/budget.h src/runtime/budget.c \
	src/core/follow.h src/core/follow.c \
	src/core/u64map.h src/core/u64map.c \
	src/core/ages.h src/core/ages.c \
	src/core/events.h src/core/events.c \
	src/core/model.h src/core/model.c \
	src/core/model_priv.h src/core/model_stacks.c \
	src/core/model_trend.c src/core/model_threads.c src/core/model_tree.c \
	src/core/model_sort.c \
	src/core/hash.h src/core/grow.h src/core/grow.c \
	src/core/json.h src/core/json.c \
	src/core/trend.h src/core/trend.c \
	src/core/procmem.h src/core/procmem.c \
	src/core/proctree.h src/core/proctree.c \
	src/core/family.h src/core/family.c \
	src/core/symbolize.h src/core/fmt.h
libhtcore_a_SOURCES += src/core/units.h src/core/units.c
libhtcore_a_SOURCES += src/core/session_priv.h src/core/session_launch.c src/core/session_snap.c
libhtcore_a_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(LIBDW_CFLAGS) \
	$(ZLIB_CFLAGS) $(PROTOBUF_C_CFLAGS)

HT_CORE_LIBS = libhtcore.a $(LIBDW_LIBS) $(ZLIB_LIBS) $(PROTOBUF_C_LIBS) \
	-lm -lrt -lpthread


# Symbolization and the profile formats (heap_v2, collapsed, pprof, svg).  The
# pprof schema is compiled with protoc-c at build time.
libhtcore_a_SOURCES += src/core/symbolize.c src/core/sym_priv.h src/core/sym_names.c \
	src/core/sym_modules.c src/core/sym_index.c src/core/sym_walk.c \
	src/core/fmt_priv.h src/core/fmt.c src/core/fmt_heap_v2.c \
	src/core/fmt_collapsed.c src/core/fmt_pprof.c \
	src/core/fmt_svg.h src/core/fmt_svg.c src/core/fmt_svg_js.c
nodist_libhtcore_a_SOURCES = src/core/profile.pb-c.c src/core/profile.pb-c.h
BUILT_SOURCES = src/core/profile.pb-c.h src/core/profile.pb-c.c
CLEANFILES += src/core/profile.pb-c.h src/core/profile.pb-c.c
EXTRA_DIST += src/core/profile.proto
HT_CORE_LIBS += $(LIBIBERTY_LIBS)
src/core/profile.pb-c.h: $(srcdir)/src/core/profile.proto
	$(AM_V_GEN)$(MKDIR_P) src/core && \
	  $(PROTOC_C) --proto_path=$(srcdir)/src/core --c_out=src/core \
	  $(srcdir)/src/core/profile.proto
src/core/profile.pb-c.c: src/core/profile.pb-c.h
	@test -f $@ || { rm -f src/core/profile.pb-c.h; \
	  $(MAKE) $(AM_MAKEFLAGS) src/core/profile.pb-c.h; }
src/core/libhtcore_a-fmt_pprof.$(OBJEXT): src/core/profile.pb-c.h
