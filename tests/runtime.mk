# Tests of the runtime (src/runtime): the unit tests of its modules
# (tests/unit/test_<module>.c, linked with the modules' library), the
# test-only segment reader and the target programs the integration tests
# (tests/integration/t_runtime_*.sh) run.

HT_UNIT_RUNTIME = tests/unit/test_sampler tests/unit/test_weights \
	tests/unit/test_ring tests/unit/test_stacks tests/unit/test_dump \
	tests/unit/test_addrmap tests/unit/test_segment tests/unit/test_util \
	tests/unit/test_ownstack tests/unit/test_allocscan tests/unit/test_budget \
	tests/unit/test_modules tests/unit/test_cfi tests/unit/test_clock
HT_RT_TEST_LIBS = $(HT_RT_TEST_LIB) $(CMOCKA_LIBS) -lm -lpthread -lrt
tests_unit_test_sampler_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_sampler_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_sampler_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_weights_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_weights_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_weights_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_ring_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_ring_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ring_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_stacks_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_stacks_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_stacks_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_dump_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_dump_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_dump_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_addrmap_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_addrmap_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_addrmap_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_segment_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_segment_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_segment_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_util_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_util_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_util_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_ownstack_CFLAGS = $(HT_UNIT_CF) $(LIBUNWIND_CFLAGS)
tests_unit_test_ownstack_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_ownstack_LDADD = $(HT_RT_TEST_LIBS) $(LIBUNWIND_LIBS)
tests_unit_test_cfi_CFLAGS = $(HT_UNIT_CF) $(LIBUNWIND_CFLAGS)
tests_unit_test_cfi_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_cfi_LDADD = $(HT_RT_TEST_LIBS) $(LIBUNWIND_LIBS) -ldl
tests_unit_test_allocscan_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_allocscan_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_allocscan_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_clock_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_clock_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_clock_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_budget_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_budget_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_budget_LDADD = $(HT_RT_TEST_LIBS)
tests_unit_test_modules_CFLAGS = $(HT_UNIT_CF)
tests_unit_test_modules_LDFLAGS = $(HT_UNIT_LINK)
tests_unit_test_modules_LDADD = $(HT_RT_TEST_LIBS) -ldl

# The segment reader used by the integration tests (test-only: prints a
# segment's header, modules and per-stack counters with frames symbolized
# from the ELF symbol tables, and can send control commands).
check_PROGRAMS += tests/targets/rt_segdump
tests_targets_rt_segdump_SOURCES = tests/targets/rt_segdump.c
tests_targets_rt_segdump_CFLAGS = $(AM_CFLAGS) $(LIBDW_CFLAGS)
tests_targets_rt_segdump_LDADD = $(LIBDW_LIBS) -lelf -lrt
tests_targets_rt_segdump_LDFLAGS = $(HT_TARGET_LINK)

# The frontend half of t_runtime_live.sh: the segment reader's ring,
# live-objects and allocator-statistics calls.
check_PROGRAMS += tests/targets/rt_liveread
tests_targets_rt_liveread_SOURCES = tests/targets/rt_liveread.c
tests_targets_rt_liveread_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS)
tests_targets_rt_liveread_LDADD = $(HT_CORE_LIBS)
tests_targets_rt_liveread_LDFLAGS = $(HT_TARGET_LINK) $(HT_SAN_CFLAGS)

# The stack walker's target, with frame pointers and without
# (t_runtime_fpwalk.sh).
check_PROGRAMS += tests/targets/rt_fpwalk_fp tests/targets/rt_fpwalk_nofp
tests_targets_rt_fpwalk_fp_SOURCES = tests/targets/rt_fpwalk.c
tests_targets_rt_fpwalk_fp_CFLAGS = -O2 -g -fno-omit-frame-pointer
tests_targets_rt_fpwalk_fp_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_fpwalk_fp_LDADD = -lpthread
tests_targets_rt_fpwalk_nofp_SOURCES = tests/targets/rt_fpwalk.c
tests_targets_rt_fpwalk_nofp_CFLAGS = -O2 -g -fomit-frame-pointer
tests_targets_rt_fpwalk_nofp_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_fpwalk_nofp_LDADD = -lpthread

# A target whose sampling interval changes as it runs (t_runtime_budget.sh).
check_PROGRAMS += tests/targets/rt_ratechange
tests_targets_rt_ratechange_SOURCES = tests/targets/rt_ratechange.c
tests_targets_rt_ratechange_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_ratechange_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_ratechange_LDADD = libheaptop.la

# Target programs.
check_PROGRAMS += tests/targets/rt_live tests/targets/rt_sites tests/targets/rt_threads \
	tests/targets/rt_fork tests/targets/rt_exec tests/targets/rt_signal \
	tests/targets/rt_cxx tests/targets/rt_reset tests/targets/rt_dlopen \
	tests/targets/rt_loop tests/targets/rt_fiber tests/targets/rt_single
check_LTLIBRARIES += tests/targets/librt_plugin.la tests/targets/librt_early.la
tests_targets_rt_live_SOURCES = tests/targets/rt_live.c
tests_targets_rt_live_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_live_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_sites_SOURCES = tests/targets/rt_sites.c
tests_targets_rt_sites_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_sites_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_threads_SOURCES = tests/targets/rt_threads.c
tests_targets_rt_threads_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_threads_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_threads_LDADD = -lpthread
tests_targets_rt_fork_SOURCES = tests/targets/rt_fork.c
tests_targets_rt_fork_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_fork_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_exec_SOURCES = tests/targets/rt_exec.c
tests_targets_rt_exec_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_exec_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_signal_SOURCES = tests/targets/rt_signal.c
tests_targets_rt_signal_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_signal_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_fiber_SOURCES = tests/targets/rt_fiber.c
tests_targets_rt_fiber_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_fiber_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_cxx_SOURCES = tests/targets/rt_cxx.cc
tests_targets_rt_cxx_CXXFLAGS = $(HT_TARGET_CF)
tests_targets_rt_cxx_LDFLAGS = $(HT_TARGET_LINK)
# linked with the runtime (-lheaptop), not preloaded: the public API
tests_targets_rt_reset_SOURCES = tests/targets/rt_reset.c
tests_targets_rt_reset_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_reset_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_reset_LDADD = libheaptop.la
tests_targets_rt_single_SOURCES = tests/targets/rt_single.c
tests_targets_rt_single_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_single_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_single_LDADD = -ldl -lpthread
tests_targets_rt_dlopen_SOURCES = tests/targets/rt_dlopen.c
tests_targets_rt_dlopen_CFLAGS = $(HT_TARGET_CF)
tests_targets_rt_dlopen_LDFLAGS = $(HT_TARGET_LINK)
tests_targets_rt_dlopen_LDADD = -ldl
tests_targets_librt_plugin_la_SOURCES = tests/targets/rt_plugin.c
tests_targets_librt_plugin_la_CFLAGS = $(HT_TARGET_CF)
tests_targets_librt_plugin_la_LDFLAGS = -module -avoid-version -rpath /nowhere
tests_targets_librt_early_la_SOURCES = tests/targets/rt_early.c
tests_targets_librt_early_la_CFLAGS = $(HT_TARGET_CF)
tests_targets_librt_early_la_LDFLAGS = -module -avoid-version -rpath /nowhere
# a plain malloc/free loop for callgrind measurements
tests_targets_rt_loop_SOURCES = tests/targets/rt_loop.c
tests_targets_rt_loop_CFLAGS = -O2 -g
tests_targets_rt_loop_LDFLAGS = $(HT_TARGET_LINK)

EXTRA_DIST += tests/targets/rt_rust.rs
