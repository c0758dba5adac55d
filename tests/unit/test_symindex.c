/*
 * Unit tests for the symbolizer's DWARF index (src/core/sym_index.c)
 * against the truth and against the per-address libdw walk it replaced
 * (src/core/sym_walk.c): tests/targets/sym_inline records a return
 * address inside leaf() inlined into mid() inlined into top(), whose
 * frames and call lines are known from its source; code that no DWARF
 * function describes (an assembly stub) comes from the symbol table;
 * every address of the target's and fmt_sym's code resolves the same
 * through both; a truncated or garbled debug file gives frames named
 * from the symbol table or module+0xoffset, never a crash.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <fcntl.h>
#include <gelf.h>

#include "core/sym_priv.h"
#include "test_fmt_util.h"

/* A symbolizer over one ELF file at its link-time addresses. */
static struct ht_symbolizer *sym_file(const char *path, const char *debug_dir,
                                      bool walk)
{
	struct ht_module m = { 0 };
	struct ht_profile p = { 0 };
	struct ht_sym_options o = { .debug_dir = debug_dir };
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;

	m.path = (char *)path;
	m.start = 0;
	m.end = UINT64_C(1) << 40;
	m.base = 0;
	p.modules = &m;
	p.nmodules = 1;
	assert_int_equal(ht_symbolizer_new(&p, &o, &s, &cause), 0);
	ht_symbolizer_set_walk(s, walk);
	return s;
}

/* Absolute: a profile's modules have absolute paths. */
static char *target(void)
{
	char *rel = tu_printf("%s/tests/targets/sym_inline", tu_builddir());
	char *abs = realpath(rel, NULL);

	assert_non_null(abs);
	free(rel);
	return abs;
}

/* The addresses the target printed: the return address in the chain and
 * the stub's first instruction, link-relative. */
static void run_target(uint64_t *chain, uint64_t *stub)
{
	char *tmp = tu_tmpdir(), *out = tu_printf("%s/out", tmp);
	char *bin = target(), *argv[] = { bin, NULL }, *txt, *l;
	unsigned long long a;

	assert_int_equal(tu_run(argv, NULL, out, true), 0);
	txt = tu_slurp(out, NULL);
	assert_non_null(txt);
	l = strstr(txt, "pc chain ");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "pc chain %llx", &a), 1);
	*chain = a;
	l = strstr(txt, "at raw_stub ");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "at raw_stub %llx", &a), 1);
	*stub = a;
	free(txt);
	free(out);
	free(bin);
	tu_rmtree(tmp);
	free(tmp);
}

/* The line of the target's source holding `marker`. */
static int marker_line(const char *marker)
{
	char *path = tu_printf("%s/tests/targets/sym_inline.c", tu_srcdir());
	char *txt = tu_slurp(path, NULL), *at;
	int line = 1;

	assert_non_null(txt);
	at = strstr(txt, marker);
	assert_non_null(at);
	for (char *c = txt; c < at; c++)
		line += *c == '\n';
	free(txt);
	free(path);
	return line;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static void check_chain(bool walk)
{
	uint64_t chain, stub;
	struct ht_symbolizer *s;
	const struct ht_frame *fr;
	size_t n;
	char *bin = target();
	const char *want[] = { "leaf", "mid", "top" };
	int line[] = { marker_line("LEAF_CALL */"), marker_line("MID_CALL */"),
	               marker_line("TOP_CALL */") };

	run_target(&chain, &stub);
	s = sym_file(bin, NULL, walk);
	assert_int_equal(ht_symbolize(s, chain, &fr, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		print_message("%s: %s %s:%d\n", walk ? "walk" : "index",
		              fr[i].function, fr[i].file, fr[i].line);
		assert_string_equal(fr[i].function, want[i]);
		assert_true(ends_with(fr[i].file, "/tests/targets/sym_inline.c"));
		assert_int_equal(fr[i].line, line[i]);
		assert_int_equal(fr[i].inlined, i < 2);
	}
	/* code no DWARF function holds: the symbol table's name, one frame
	 * (looked up at the stub's second instruction) */
	assert_int_equal(ht_symbolize(s, stub + 2, &fr, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(fr[0].function, "raw_stub");
	assert_false(fr[0].inlined);
	ht_symbolizer_free(s);
	free(bin);
}

static void test_inline_chain_index(void **state)
{
	(void)state;
	check_chain(false);
}

static void test_inline_chain_walk(void **state)
{
	(void)state;
	check_chain(true);
}

/* The code of path: [*lo, *hi) spans of its executable sections (at most
 * 16); their count. */
static size_t code_spans(const char *path, uint64_t *lo, uint64_t *hi)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t n = 0;

	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn)) != NULL && n < 16) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS &&
		    (sh.sh_flags & SHF_EXECINSTR) && sh.sh_size) {
			lo[n] = sh.sh_addr;
			hi[n++] = sh.sh_addr + sh.sh_size;
		}
	}
	elf_end(elf);
	close(fd);
	assert_true(n > 0);
	return n;
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

/* Every address of path's code (before and after each function, padding
 * between functions included) through the index and the walk: the same
 * frames.  Returns how many had an inline chain. */
static size_t compare_all(const char *path)
{
	struct ht_symbolizer *si = sym_file(path, NULL, false);
	struct ht_symbolizer *sw = sym_file(path, NULL, true);
	uint64_t lo[16], hi[16];
	size_t ns = code_spans(path, lo, hi), inl = 0, total = 0;

	for (size_t k = 0; k < ns; k++) {
		for (uint64_t a = lo[k]; a < hi[k]; a++) {
			const struct ht_frame *fi, *fw;
			size_t ni, nw;

			ht_symbolize(si, a + 1, &fi, &ni);
			ht_symbolize(sw, a + 1, &fw, &nw);
			if (ni != nw)
				fail_msg("%s 0x%llx: %zu frames, walk %zu", path,
				         (unsigned long long)a, ni, nw);
			for (size_t i = 0; i < ni; i++) {
				if (!same_str(fi[i].function, fw[i].function) ||
				    !same_str(fi[i].file, fw[i].file) ||
				    fi[i].line != fw[i].line ||
				    fi[i].inlined != fw[i].inlined)
					fail_msg("%s 0x%llx frame %zu: %s %s:%d,"
					         " walk %s %s:%d", path,
					         (unsigned long long)a, i,
					         fi[i].function, fi[i].file,
					         fi[i].line, fw[i].function,
					         fw[i].file, fw[i].line);
			}
			inl += ni > 1;
			total++;
		}
	}
	print_message("%s: %zu addresses, %zu with inlined frames\n", path,
	              total, inl);
	ht_symbolizer_free(si);
	ht_symbolizer_free(sw);
	return inl;
}

static void test_every_address(void **state)
{
	char *bin = target();
	char *rel = tu_printf("%s/tests/targets/fmt_sym", tu_builddir());
	char *fmt = realpath(rel, NULL);

	(void)state;
	assert_true(compare_all(bin) > 0);
	assert_true(compare_all(fmt) > 0);
	free(bin);
	free(fmt);
	free(rel);
}

static int sh(const char *cmd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };

	return tu_run(argv, NULL, NULL, false);
}

/* The stripped target with its debug file beside it (.gnu_debuglink),
 * damaged by `damage` (a shell command run on the file "$D"). */
static void check_damaged_debug(const char *damage, size_t want_n)
{
	char *tmp = tu_tmpdir(), *bin = target(), *cmd;
	char *stripped = tu_printf("%s/sym_inline", tmp);
	uint64_t chain, stub, lo[16], hi[16];
	struct ht_symbolizer *s;
	size_t ns;

	cmd = tu_printf("cd '%s' && objcopy --only-keep-debug '%s' "
	                "sym_inline.debug && objcopy --strip-debug "
	                "--add-gnu-debuglink=sym_inline.debug '%s' sym_inline "
	                "&& D=sym_inline.debug && %s", tmp, bin, bin, damage);
	if (sh(cmd) != 0) {
		free(cmd);
		skip();
	}
	free(cmd);
	run_target(&chain, &stub);
	s = sym_file(stripped, NULL, false);
	ns = code_spans(stripped, lo, hi);
	for (size_t k = 0; k < ns; k++) {
		for (uint64_t a = lo[k]; a < hi[k]; a++) {
			const struct ht_frame *fr;
			size_t n;

			assert_int_equal(ht_symbolize(s, a + 1, &fr, &n), 0);
			assert_true(n >= 1);
			for (size_t i = 0; i < n; i++)
				assert_non_null(fr[i].function);
		}
	}
	{
		const struct ht_frame *fr;
		size_t n;

		assert_int_equal(ht_symbolize(s, chain, &fr, &n), 0);
		print_message("%s: %s %s:%d (%zu frames)\n", damage,
		              fr[0].function, fr[0].file ? fr[0].file : "?",
		              fr[0].line, n);
		/* the function itself is still known from the symbol table */
		assert_string_equal(fr[n - 1].function, "top");
		if (want_n)
			assert_int_equal(n, want_n);
	}
	ht_symbolizer_free(s);
	free(stripped);
	free(bin);
	tu_rmtree(tmp);
	free(tmp);
}

static void test_intact_debug_file(void **state)
{
	(void)state;
	check_damaged_debug("true", 3);   /* the debug file is used */
}

static void test_truncated_debug_file(void **state)
{
	(void)state;
	check_damaged_debug("truncate -s $(($(stat -c %s $D) / 2)) $D", 0);
}

static void test_garbled_debug_file(void **state)
{
	(void)state;
	/* 0xff over the second half of .debug_info: the units' headers
	 * and the first DIEs intact, the rest garbage */
	check_damaged_debug("set -- $(objdump -h $D | awk "
	                    "'$2 == \".debug_info\" { print $3, $6 }') && "
	                    "test $# = 2 && H=$((0x$1 / 2)) && "
	                    "head -c $H /dev/zero | tr '\\000' '\\377' | "
	                    "dd of=$D bs=1 seek=$((0x$2 + H)) conv=notrunc "
	                    "2>/dev/null", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_chain_index),
		cmocka_unit_test(test_inline_chain_walk),
		cmocka_unit_test(test_every_address),
		cmocka_unit_test(test_intact_debug_file),
		cmocka_unit_test(test_truncated_debug_file),
		cmocka_unit_test(test_garbled_debug_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
