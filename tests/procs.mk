# Process trees: a target that forks two allocating children and runs a
# quiet shell, for the per-process exit dumps (t_runtime_dumppid.sh), the
# tree of --list and the per-process views.

check_PROGRAMS += tests/targets/pt_tree
tests_targets_pt_tree_SOURCES = tests/targets/pt_tree.c
tests_targets_pt_tree_CFLAGS = $(HT_TARGET_CF)
tests_targets_pt_tree_LDFLAGS = $(HT_TARGET_LINK)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_proctree
HT_UNIT_TESTS += tests/unit/test_proctree
endif
tests_unit_test_proctree_SOURCES = tests/unit/test_proctree.c
tests_unit_test_proctree_CFLAGS = $(AM_CFLAGS) $(HT_SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_proctree_LDFLAGS = $(HT_SAN_CFLAGS)
tests_unit_test_proctree_LDADD = $(HT_CORE_LIBS) $(CMOCKA_LIBS)
