# Programs that bring their own allocator: jemalloc linked statically or
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
