# src/runtime rules: libheaptop.so, the sampling runtime preloaded into (or
# linked with) the program under study.  The modules that do not touch
# process-wide state live in a convenience library, libhtrt.la, that the
# unit tests link as well.  Compiled with -fvisibility=hidden so only the
# malloc family and heaptop_* are exported, and with link-time
# optimisation where the toolchain has it (HT_RT_LTO_CFLAGS, configure
# --disable-lto): the sampled path calls across the modules, which then
# inline into it.  configure --enable-sanitizers
# builds the runtime with UBSan only (ASan must own malloc, which the
# runtime replaces) and gives the unit tests libhtrt_san.la, the same
# modules with ASan and UBSan.

HT_RT_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -fno-strict-aliasing \
	$(LIBUNWIND_CFLAGS) $(HT_RT_SAN_CFLAGS) $(HT_RT_LTO_CFLAGS)

noinst_LTLIBRARIES += libhtrt.la
libhtrt_la_SOURCES = \
	src/runtime/util.h src/runtime/util.c \
	src/runtime/sampler.h src/runtime/sampler.c \
	src/runtime/weights.h src/runtime/weights.c \
	src/runtime/budget.h src/runtime/budget.c \
	src/runtime/ring.h src/runtime/ring.c \
	src/runtime/stacks.h src/runtime/stacks.c \
	src/runtime/cpu.h src/runtime/cpu.c \
	src/runtime/clock.h src/runtime/clock.c \
	src/runtime/addrmap.h src/runtime/addrmap.c \
	src/runtime/ownstack.h src/runtime/ownstack.c \
	src/runtime/phase.h src/runtime/phase.c \
	src/runtime/segment.h src/runtime/segment.c \
	src/runtime/modules.h src/runtime/modules.c \
	src/runtime/dump.h src/runtime/dump.c \
	src/runtime/allocscan.h src/runtime/allocscan.c \
	src/runtime/cfi.h src/runtime/cfi.c
libhtrt_la_CFLAGS = $(HT_RT_CFLAGS)

if HT_SANITIZERS
noinst_LTLIBRARIES += libhtrt_san.la
libhtrt_san_la_SOURCES = $(libhtrt_la_SOURCES)
libhtrt_san_la_CFLAGS = $(AM_CFLAGS) -fno-strict-aliasing $(LIBUNWIND_CFLAGS) \
	$(HT_SAN_CFLAGS)
HT_RT_TEST_LIB = libhtrt_san.la
else
HT_RT_TEST_LIB = libhtrt.la
endif

lib_LTLIBRARIES += libheaptop.la
libheaptop_la_SOURCES = \
	src/runtime/runtime.h src/runtime/runtime.c \
	src/runtime/interpose.c src/runtime/control.c \
	src/runtime/fpwalk.h src/runtime/fpwalk.c \
	src/runtime/walkmemo.h src/runtime/walkmemo.c \
	src/runtime/allocator.h src/runtime/allocator.c \
	src/runtime/single.h src/runtime/single.c
libheaptop_la_CFLAGS = $(HT_RT_CFLAGS)
libheaptop_la_LDFLAGS = -avoid-version -no-undefined $(HT_RT_SAN_CFLAGS) \
	$(HT_RT_LTO_CFLAGS)
libheaptop_la_LIBADD = libhtrt.la $(LIBUNWIND_LIBS) -lpthread -ldl -lm -lrt

# The sample-timing marks (src/runtime/phase.h, bench/samplecycles.sh)
# only exist in a measurement build: `make check` compiles them, so that
# they keep compiling.  Never linked into anything.
check_LTLIBRARIES += libhtrt_timing.la
libhtrt_timing_la_SOURCES = src/runtime/runtime.c src/runtime/phase.c
libhtrt_timing_la_CPPFLAGS = $(AM_CPPFLAGS) -DHT_SAMPLE_TIMING
libhtrt_timing_la_CFLAGS = $(HT_RT_CFLAGS)
