# bench rules: overhead benchmarks, run on demand with `make bench`; nothing
# here is built by `make all` or `make check`.  bench/run.sh compiles the
# benchmark and the pass-through interposer itself, runs every
# configuration side by side and prints ratios (see bench/README.md).
#
#   make bench-malloc                         all configurations, 5 rounds
#   make bench-malloc BENCH_ARGS='-r 3 -G'    options passed to bench/run.sh
#   make bench                                every benchmark, this one included
#   make bench-bridge                         heaptop reading jemalloc's profiler
#   make bench-bridge BRIDGE_ARGS='-r 3' RJEM_LIB=/path/libjemalloc_pic.a
#   make bench-ring                           what the event ring costs
#   make bench-sample                         what one sample costs, and where
#   make bench-real                           sqlite3, python3, cc1, Rust; 1-16 threads

EXTRA_DIST += bench/README.md bench/RESULTS.md bench/run.sh \
	bench/malloc_bench.c bench/passthrough.c bench/bridge.sh \
	bench/cpusplit.c bench/manystacks.c bench/rjem_bench.rs \
	bench/ring.sh bench/ringloop.c bench/samplecost.sh \
	bench/samplecycles.sh bench/samplemiss.sh

BENCH_ARGS =
BRIDGE_ARGS =

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

.PHONY: bench bench-malloc bench-bridge bench-ring bench-sample
bench: bench-malloc
bench-malloc: $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' \
	  $(SHELL) $(abs_top_srcdir)/bench/run.sh $(BENCH_ARGS)

# Not part of `make bench`: it needs a static libjemalloc.a (and RJEM_LIB
# for the Rust workload) and takes several minutes.
bench-bridge: heaptop$(EXEEXT) $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' RJEM_LIB='$(RJEM_LIB)' \
	  $(SHELL) $(abs_top_srcdir)/bench/bridge.sh $(BRIDGE_ARGS)

# Not part of `make bench`: callgrind, about a minute.
bench-ring: heaptop$(EXEEXT) $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' \
	  $(SHELL) $(abs_top_srcdir)/bench/ring.sh $(RING_ARGS)

# Not part of `make bench`: callgrind, about a minute.
bench-sample: $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' \
	  $(SHELL) $(abs_top_srcdir)/bench/samplecost.sh $(SAMPLE_ARGS)

# bench/symbench: the symbolizer's per-unit index against the per-address
# walk, llvm-symbolizer and addr2line on 20,000 addresses of a large
# program with full debug info (bench/symbolize.sh builds one with rustc).
EXTRA_PROGRAMS += bench/symbench
bench_symbench_SOURCES = bench/symbench.c
bench_symbench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
bench_symbench_CFLAGS = $(AM_CFLAGS) $(LIBDW_CFLAGS)
bench_symbench_LDADD = $(HT_CORE_LIBS)
EXTRA_DIST += bench/symbolize.sh bench/symbench.c

.PHONY: bench-symbolize
bench-symbolize: bench/symbench$(EXEEXT)
	HT_BUILDDIR='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/bench/symbolize.sh $(SYM_ARGS)

# bench/loadmem.sh: time and peak RSS of --load --batch on generated
# dumps of 100,000 and 300,000 stacks, against the stated bound.
#   make bench-loadmem LOADMEM_ARGS='-e big -b /path/to/old/heaptop'
EXTRA_DIST += bench/loadmem.sh
.PHONY: bench-loadmem
bench-loadmem: heaptop$(EXEEXT)
	HT_BUILDDIR='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/bench/loadmem.sh $(LOADMEM_ARGS)

# bench/accuracy.sh: heaptop's per-site estimates against the truth
# bench/acc_target knows, over many runs at 4K, 64K and 512K (bias,
# z-scores), a >= 256 MiB heap's total, and jemalloc's profiler on the
# same workload (read by heaptop --load and jeprof).  About 4 minutes.
#   make bench-accuracy ACC_ARGS='-n 40 -b 10 -j 20'
EXTRA_DIST += bench/accuracy.sh bench/acc_target.c

.PHONY: bench-accuracy
bench-accuracy: heaptop$(EXEEXT) $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' \
	  $(SHELL) $(abs_top_srcdir)/bench/accuracy.sh $(ACC_ARGS)

# bench/realprog.sh: the runtime's cost on sqlite3, python3, gcc's cc1 and a
# Rust program (callgrind and wall, at 512K, 64K, 4K and a 1% budget), and
# malloc_bench from 1 to 16 threads.  Not part of `make bench`: ~10 minutes.
EXTRA_DIST += bench/realprog.sh bench/realprog.rs bench/idle_thread.c

.PHONY: bench-real
bench-real: heaptop$(EXEEXT) $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' \
	  $(SHELL) $(abs_top_srcdir)/bench/realprog.sh $(REAL_ARGS)
