# Fuzzing the heap_v2 reader with libFuzzer (clang): not part of check.
#   make fuzz [FUZZ_SECONDS=300]
# The corpus starts from tests/corpus and fuzz/seeds.
FUZZ_CC = clang
FUZZ_SECONDS = 300
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -std=gnu11
# The reader (fmt.c, fmt_heap_v2.c, profile.c) is built with the fuzzer's
# instrumentation; what it calls besides comes from libhtcore.a.
fuzz/fuzz_heap_v2: $(srcdir)/fuzz/fuzz_heap_v2.c $(srcdir)/src/core/fmt.c \
		$(srcdir)/src/core/fmt_heap_v2.c $(srcdir)/src/core/profile.c \
		libhtcore.a
	$(AM_V_CC)$(MKDIR_P) fuzz && $(FUZZ_CC) $(FUZZ_FLAGS) \
	  -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/include \
	  -o $@ $(srcdir)/fuzz/fuzz_heap_v2.c \
	  $(srcdir)/src/core/fmt.c $(srcdir)/src/core/fmt_heap_v2.c \
	  $(srcdir)/src/core/profile.c $(HT_CORE_LIBS)
fuzz: fuzz/fuzz_heap_v2
	@$(MKDIR_P) fuzz/corpus
	cp -f $(srcdir)/tests/corpus/*.heap fuzz/corpus/ 2>/dev/null || true
	cp -f $(srcdir)/fuzz/seeds/* fuzz/corpus/ 2>/dev/null || true
	./fuzz/fuzz_heap_v2 -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -timeout=10 -rss_limit_mb=2048 fuzz/corpus
.PHONY: fuzz
CLEANFILES += fuzz/fuzz_heap_v2
EXTRA_DIST += fuzz/fuzz_heap_v2.c fuzz/seeds
