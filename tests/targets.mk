# The target programs of the integration and screen tests, by the area
# they serve (the runtime's own are in tests/runtime.mk).  Each knows
# what it allocates and where, and most print that truth.  Built with
# debug info and frame pointers, no optimisation that would merge the
# sites the tests name, unless a comment says otherwise.

check_PROGRAMS += tests/targets/leaky
tests_targets_leaky_SOURCES = tests/targets/leaky.c
tests_targets_leaky_CFLAGS = $(HT_TARGET_CF)
tests_targets_leaky_LDFLAGS = $(HT_TARGET_LINK)

# maxrss: a command's peak RSS (t_frontend_loadmem.sh)
check_PROGRAMS += tests/targets/maxrss
tests_targets_maxrss_SOURCES = tests/targets/maxrss.c

# --- the frontend (tests/integration/t_frontend_*.sh)

# Targets.  fe_sym is optimised on purpose (an always_inline function must
# show up as its own inlined frame); libfe_dl.so is dlopen'd by fe_sym.
check_PROGRAMS += tests/targets/fe_sym tests/targets/fe_cc \
	tests/targets/fe_exit tests/targets/fe_static tests/targets/fe_lines \
	tests/targets/fe_libcc tests/targets/fe_twoline
check_LTLIBRARIES += tests/targets/libfe_dl.la

tests_targets_fe_sym_SOURCES = tests/targets/fe_sym.c
tests_targets_fe_sym_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_fe_sym_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fe_sym_LDADD = -ldl

tests_targets_libfe_dl_la_SOURCES = tests/targets/fe_dl.c
tests_targets_libfe_dl_la_CFLAGS = $(HT_TARGET_CF)
tests_targets_libfe_dl_la_LDFLAGS = -module -avoid-version -shared \
	-rpath $(abs_builddir)/tests/targets

tests_targets_fe_cc_SOURCES = tests/targets/fe_cc.cc
tests_targets_fe_cc_CXXFLAGS = $(HT_TARGET_CF)
tests_targets_fe_cc_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_lines_SOURCES = tests/targets/fe_lines.c
tests_targets_fe_lines_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_lines_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_twoline_SOURCES = tests/targets/fe_twoline.c
tests_targets_fe_twoline_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_twoline_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_libcc_SOURCES = tests/targets/fe_libcc.cc
tests_targets_fe_libcc_CXXFLAGS = $(HT_TARGET_CF)
tests_targets_fe_libcc_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_exit_SOURCES = tests/targets/fe_exit.c
tests_targets_fe_exit_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_exit_LDFLAGS = $(HT_TARGET_LINK)

tests_targets_fe_static_SOURCES = tests/targets/fe_static.c
tests_targets_fe_static_CFLAGS = $(HT_TARGET_CF)
tests_targets_fe_static_LDFLAGS = -all-static

# Built by its test with rustc (no cargo, no crates).
EXTRA_DIST += tests/targets/fe_rs.rs tests/targets/fe_librs.rs

# --- symbolization and the profile formats (t_formats_*.sh)

# Symbolization target: C, C++ (namespaced method), a function inlined at
# -O2, a dlopen'd library.
check_PROGRAMS += tests/targets/fmt_sym
tests_targets_fmt_sym_SOURCES = tests/targets/fmt_sym.c tests/targets/fmt_sym_cc.cc
tests_targets_fmt_sym_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_fmt_sym_CXXFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_fmt_sym_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_sym_LDADD = -ldl
check_LTLIBRARIES += tests/targets/libfmtdl.la
tests_targets_libfmtdl_la_SOURCES = tests/targets/fmt_symlib.c
tests_targets_libfmtdl_la_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_libfmtdl_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# Leaks at known sites, dumps through jemalloc's prof.dump.
check_PROGRAMS += tests/targets/fmt_jeleak
tests_targets_fmt_jeleak_SOURCES = tests/targets/fmt_jeleak.c
tests_targets_fmt_jeleak_CFLAGS = $(HT_TARGET_CF)
tests_targets_fmt_jeleak_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_jeleak_LDADD = -ldl -lpthread

# gperftools' heap profiles (sampled heap_v2 and the exact heap profiler),
# from a tcmalloc-linked target.
if HAVE_TCMALLOC
check_PROGRAMS += tests/targets/fmt_tcleak
tests_targets_fmt_tcleak_SOURCES = tests/targets/fmt_tcleak.cc
tests_targets_fmt_tcleak_CXXFLAGS = $(HT_TARGET_CF) $(TCMALLOC_CFLAGS)
tests_targets_fmt_tcleak_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_tcleak_LDADD = $(TCMALLOC_LIBS)
endif

EXTRA_DIST += tests/targets/fmt_rs.rs tests/targets/fmt_rsleak.rs

# The symbolizer's DWARF index (test_symindex): a known inline chain,
# code no function describes, a truncated debug file.
check_PROGRAMS += tests/targets/sym_inline
tests_targets_sym_inline_SOURCES = tests/targets/sym_inline.c
tests_targets_sym_inline_CFLAGS = -O2 -g
tests_targets_sym_inline_LDFLAGS = $(HT_TARGET_LINK)

# --- Per-thread breakdown of jemalloc dumps: a target whose worker threads
# leak known, different amounts at one site, run under jemalloc's own
# profiler by tests/integration/t_formats_threads.sh.

check_PROGRAMS += tests/targets/fmt_jethreads
tests_targets_fmt_jethreads_SOURCES = tests/targets/fmt_jethreads.c
tests_targets_fmt_jethreads_CFLAGS = $(HT_TARGET_CF)
tests_targets_fmt_jethreads_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_jethreads_LDADD = -ldl -lpthread

# --- Programs that bring their own allocator: jemalloc linked statically or
# dynamically, static tcmalloc, and a Rust program on a static jemalloc
# with prefixed symbols (tests/targets/al_rjem.rs, compiled by the tests
# with rustc: tests/integration/alloc_lib.sh).  Each prints the truth of
# its sites.

if HAVE_JEMALLOC_STATIC
# Debian's libjemalloc.a inside the executable: malloc and friends in the
# program itself, mallctl only in its .symtab.
check_PROGRAMS += tests/targets/al_jeleak_static
tests_targets_al_jeleak_static_SOURCES = tests/targets/al_jeleak.c
tests_targets_al_jeleak_static_CFLAGS = $(HT_TARGET_CF)
tests_targets_al_jeleak_static_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_al_jeleak_static_LDADD = $(JEMALLOC_STATIC) -lpthread -ldl -lm
endif

if HAVE_JEMALLOC
# The same program on libjemalloc.so.2 (DT_NEEDED).
check_PROGRAMS += tests/targets/al_jeleak_shared
tests_targets_al_jeleak_shared_SOURCES = tests/targets/al_jeleak.c
tests_targets_al_jeleak_shared_CFLAGS = $(HT_TARGET_CF)
tests_targets_al_jeleak_shared_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_al_jeleak_shared_LDADD = -ljemalloc
endif

if HAVE_TCMALLOC_STATIC
# Debian's libtcmalloc_minimal.a inside the executable.
check_PROGRAMS += tests/targets/al_tcstatic
tests_targets_al_tcstatic_SOURCES = tests/targets/al_tcstatic.c
tests_targets_al_tcstatic_CFLAGS = $(HT_TARGET_CF)
tests_targets_al_tcstatic_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_al_tcstatic_LDADD = $(TCMALLOC_MINIMAL_STATIC) -lstdc++ -lpthread -lm
endif

# The static, _rjem_-prefixed jemalloc with the profiler that al_rjem links
# (fetched with apt-get source and built once; make check builds it
# first):  make jemalloc-rjem
jemalloc-rjem:
	$(SHELL) $(srcdir)/tests/jemalloc_rjem.sh tests/jemalloc-rjem
.PHONY: jemalloc-rjem

EXTRA_DIST += tests/targets/al_rjem.rs tests/jemalloc_rjem.sh

# Kept by `make clean` (a rebuild fetches and compiles again); removed by
# `make distclean`.
distclean-local:
	-rm -rf tests/jemalloc-rjem

if HAVE_JEMALLOC_STATIC
# bench/manystacks.c as a test target: 2^D distinct stacks in a static
# jemalloc (its dumps are large enough for heaptop to pace them).
check_PROGRAMS += tests/targets/al_manystacks
tests_targets_al_manystacks_SOURCES = bench/manystacks.c
tests_targets_al_manystacks_CFLAGS = -O1 -g -pthread
tests_targets_al_manystacks_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_al_manystacks_LDADD = $(JEMALLOC_STATIC) -lpthread -ldl -lm
endif

# --- Tests for --follow (following a jemalloc program's own dumps): the target
# that leaks at a steady pace under jemalloc's profiler.
check_PROGRAMS += tests/targets/follow_leak
tests_targets_follow_leak_SOURCES = tests/targets/follow_leak.c
tests_targets_follow_leak_CFLAGS = $(HT_TARGET_CF)
tests_targets_follow_leak_LDFLAGS = $(HT_TARGET_LINK)

# --- Tests for what tells a leak from a cache on the frontend side: the hash
# map, the live-object ages.

# Targets: a cache and a leak in one program (the suspects order), a
# program that overflows the event ring, one that keeps it busy at a steady
# pace.
check_PROGRAMS += tests/targets/leak_mix tests/targets/ring_flood tests/targets/ring_paced
tests_targets_leak_mix_SOURCES = tests/targets/leak_mix.c
tests_targets_leak_mix_CFLAGS = $(HT_TARGET_CF)
tests_targets_leak_mix_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_ring_flood_SOURCES = tests/targets/ring_flood.c
tests_targets_ring_flood_CFLAGS = $(HT_TARGET_CF)
tests_targets_ring_flood_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_ring_paced_SOURCES = tests/targets/ring_paced.c
tests_targets_ring_paced_CFLAGS = $(HT_TARGET_CF)
tests_targets_ring_paced_LDFLAGS = $(HT_TARGET_LINK)

# --- Tests for the trend classifier and the /proc memory breakdown
# (src/core/trend.c, src/core/procmem.c): their unit tests and the target
# programs whose in-use series the classifier was tuned on (a steady leak,
# a cache that fills, a sawtooth, a shrinking pool, fragmentation, and a
# Python program whose memory is outside malloc: tests/targets/trend_py.py,
# run with python3).

check_PROGRAMS += tests/targets/trend_leak tests/targets/trend_cache \
	tests/targets/trend_saw tests/targets/trend_shrink \
	tests/targets/trend_frag
tests_targets_trend_leak_SOURCES = tests/targets/trend_leak.c
tests_targets_trend_leak_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_leak_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_cache_SOURCES = tests/targets/trend_cache.c
tests_targets_trend_cache_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_cache_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_saw_SOURCES = tests/targets/trend_saw.c
tests_targets_trend_saw_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_saw_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_shrink_SOURCES = tests/targets/trend_shrink.c
tests_targets_trend_shrink_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_shrink_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_trend_frag_SOURCES = tests/targets/trend_frag.c
tests_targets_trend_frag_CFLAGS = $(HT_TARGET_CF)
tests_targets_trend_frag_LDFLAGS = $(HT_TARGET_LINK)
EXTRA_DIST += tests/targets/trend_py.py

EXTRA_DIST += tests/targets/trend_run.h

# --- Process trees: a target that forks two allocating children and runs a
# quiet shell, for the per-process exit dumps (t_runtime_dumppid.sh), the
# tree of --list and the per-process views.

check_PROGRAMS += tests/targets/pt_tree
tests_targets_pt_tree_SOURCES = tests/targets/pt_tree.c
tests_targets_pt_tree_CFLAGS = $(HT_TARGET_CF)
tests_targets_pt_tree_LDFLAGS = $(HT_TARGET_LINK)
