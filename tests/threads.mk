# Per-thread breakdown of jemalloc dumps: a target whose worker threads
# leak known, different amounts at one site, run under jemalloc's own
# profiler by tests/integration/t_formats_threads.sh.

check_PROGRAMS += tests/targets/fmt_jethreads
tests_targets_fmt_jethreads_SOURCES = tests/targets/fmt_jethreads.c
tests_targets_fmt_jethreads_CFLAGS = $(HT_TARGET_CF)
tests_targets_fmt_jethreads_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_fmt_jethreads_LDADD = -ldl -lpthread
