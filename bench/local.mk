# bench rules: overhead benchmarks, run on demand with `make bench`; nothing
# here is built by `make all` or `make check`.  bench/run.sh compiles the
# benchmark and the pass-through interposer itself, runs every
# configuration side by side and prints ratios (see bench/README.md).
#
#   make bench-malloc                         all configurations, 5 rounds
#   make bench-malloc BENCH_ARGS='-r 3 -G'    options passed to bench/run.sh
#   make bench                                every benchmark, this one included

EXTRA_DIST += bench/README.md bench/RESULTS.md bench/run.sh \
	bench/malloc_bench.c bench/passthrough.c

BENCH_ARGS =

.PHONY: bench bench-malloc
bench: bench-malloc
bench-malloc: $(lib_LTLIBRARIES)
	HT_BUILDDIR='$(abs_top_builddir)' CC='$(CC)' \
	  $(SHELL) $(abs_top_srcdir)/bench/run.sh $(BENCH_ARGS)
