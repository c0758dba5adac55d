/*
 * Unit tests for the symbolizer (src/core/symbolize.c) against the real
 * thing: tests/targets/fmt_sym records return addresses inside a C
 * function, a function inlined into another at -O2, a namespaced C++
 * method and a function of a dlopen'd library, plus its maps, and exits;
 * every address is then symbolized from the maps alone (the process is
 * gone) and compared frame by frame with `eu-addr2line -f -i -C`.  A Rust
 * program (rustc, v0 mangling) is checked the same way when rustc is
 * installed.  Also: demangling, allocator names, unknown modules, cache,
 * --sysroot, --debug-dir by build-id, build-id mismatch, update after
 * dlopen.
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

#include "core/fmt.h"
#include "core/fmt_priv.h"
#include "core/symbolize.h"
#include "test_fmt_util.h"

struct rec {
	char label[64];
	uint64_t addr;
	bool is_return;
};

struct run {
	char *tmp;
	char *maps;                 /* owned text */
	struct rec recs[16];
	size_t nrecs;
};

/* Parse "pc LABEL ADDR" / "at LABEL ADDR" lines, then "maps" + text. */
static void parse_run(struct run *r, const char *path)
{
	char *buf = tu_slurp(path, NULL), *m, *l;

	if (!buf)
		fail_msg("no output in %s", path);
	m = strstr(buf, "maps\n");
	assert_non_null(m);
	*m = '\0';
	r->maps = strdup(m + 5);
	for (l = buf; *l && r->nrecs < 16;) {
		char kind[8];
		unsigned long long a;
		struct rec *rc = &r->recs[r->nrecs];

		if (sscanf(l, "%7s %63s %llx", kind, rc->label, &a) == 3) {
			rc->addr = a;
			rc->is_return = !strcmp(kind, "pc");
			r->nrecs++;
		}
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
	free(buf);
}

static void run_fmt_sym(struct run *r)
{
	char *bin = tu_printf("%s/tests/targets/fmt_sym", tu_builddir());
	char *lib = tu_printf("%s/tests/targets/.libs/libfmtdl.so",
	                      tu_builddir());
	char *out;

	memset(r, 0, sizeof *r);
	r->tmp = tu_tmpdir();
	out = tu_printf("%s/sym.out", r->tmp);
	{
		char *argv[] = { bin, out, lib, NULL };

		assert_int_equal(tu_run(argv, NULL, NULL, true), 0);
	}
	parse_run(r, out);
	assert_true(r->nrecs >= 4);
	free(out);
	free(bin);
	free(lib);
}

static void run_free(struct run *r)
{
	tu_rmtree(r->tmp);
	free(r->tmp);
	free(r->maps);
}

static struct ht_profile *profile_from_maps(const char *maps)
{
	struct ht_profile *p = ht_profile_new();

	assert_non_null(p);
	assert_int_equal(ht_fmt_modules_from_maps(maps, strlen(maps),
	                 &p->modules, &p->nmodules), 0);
	return p;
}

static const struct rec *find_rec(const struct run *r, const char *label)
{
	for (size_t i = 0; i < r->nrecs; i++)
		if (!strcmp(r->recs[i].label, label))
			return &r->recs[i];
	fail_msg("no record %s", label);
	return NULL;
}

/* eu-addr2line's frames for an address: names and file:line. */
struct a2l {
	char name[8][512];
	char file[8][1024];
	int line[8];
	bool inlined[8];
	size_t n;
};

static void addr2line(const char *module, uint64_t rel, struct a2l *o,
                      const char *tmp)
{
	char *addr = tu_printf("0x%llx", (unsigned long long)rel);
	char *out = tu_printf("%s/a2l.txt", tmp), *txt, *l;
	char *argv[] = { "eu-addr2line", "-f", "-i", "-C", "-e",
	                 (char *)module, addr, NULL };
	size_t k = 0;

	memset(o, 0, sizeof *o);
	assert_int_equal(tu_run(argv, NULL, out, false), 0);
	txt = tu_slurp(out, NULL);
	assert_non_null(txt);
	for (l = strtok(txt, "\n"); l && o->n < 8; l = strtok(NULL, "\n"), k++) {
		if (k % 2 == 0) {
			char *in = strstr(l, " inlined at ");

			o->inlined[o->n] = in != NULL;
			if (in)
				*in = '\0';
			snprintf(o->name[o->n], sizeof o->name[0], "%s", l);
		} else {
			char *c1 = strrchr(l, ':'), *c2;

			/* FILE:LINE[:COL] */
			if (c1) {
				*c1 = '\0';
				c2 = strrchr(l, ':');
				if (c2) {
					o->line[o->n] = atoi(c2 + 1);
					*c2 = '\0';
				} else {
					o->line[o->n] = atoi(c1 + 1);
				}
			}
			snprintf(o->file[o->n], sizeof o->file[0], "%s", l);
			o->n++;
		}
	}
	free(txt);
	free(out);
	free(addr);
}

/* The module holding `a` and a's address relative to the file. */
static const struct ht_module *rel_addr(const struct ht_profile *p,
                                        uint64_t a, uint64_t *rel)
{
	const struct ht_module *m = ht_profile_module_of(p, a);

	assert_non_null(m);
	/* these PIE objects map offset 0 at vaddr 0 */
	assert_true(m->offset == 0);
	*rel = a - m->start;
	return m;
}

static void compare_with_addr2line(struct ht_symbolizer *s,
                                   const struct ht_profile *p,
                                   const struct rec *rc, const char *tmp)
{
	const struct ht_frame *fr;
	size_t n;
	uint64_t look = rc->is_return ? rc->addr - 1 : rc->addr, rel;
	const struct ht_module *m = rel_addr(p, look, &rel);
	struct a2l ref;

	assert_int_equal(ht_symbolize(s, rc->is_return ? rc->addr : rc->addr + 1,
	                              &fr, &n), 0);
	addr2line(m->path, rel, &ref, tmp);
	print_message("%s: %zu frame(s): ", rc->label, n);
	for (size_t i = 0; i < n; i++)
		print_message("%s%s (%s:%d) ", fr[i].inlined ? "[inlined] " : "",
		              fr[i].function, fr[i].file ? fr[i].file : "?",
		              fr[i].line);
	print_message("\n");
	assert_int_equal(n, ref.n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(fr[i].function, ref.name[i]);
		assert_non_null(fr[i].file);
		assert_string_equal(fr[i].file, ref.file[i]);
		assert_int_equal(fr[i].line, ref.line[i]);
		assert_int_equal(fr[i].inlined, ref.inlined[i]);
		assert_string_equal(fr[i].module, strrchr(m->path, '/') + 1);
		assert_false(fr[i].allocator);
	}
}

static void test_against_eu_addr2line(void **state)
{
	struct run r;
	struct ht_profile *p;
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;
	const struct ht_frame *fr;
	size_t n;

	(void)state;
	run_fmt_sym(&r);
	p = profile_from_maps(r.maps);
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	for (size_t i = 0; i < r.nrecs; i++)
		compare_with_addr2line(s, p, &r.recs[i], r.tmp);
	/* and what they must be, independently of eu-addr2line */
	ht_symbolize(s, find_rec(&r, "c_function")->addr, &fr, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fr[0].function, "c_function");
	assert_non_null(strstr(fr[0].file, "fmt_sym.c"));
	ht_symbolize(s, find_rec(&r, "inlined_leaf")->addr, &fr, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fr[0].function, "inlined_leaf");
	assert_true(fr[0].inlined);
	assert_string_equal(fr[1].function, "inline_host");
	assert_false(fr[1].inlined);
	ht_symbolize(s, find_rec(&r, "cxx_method")->addr, &fr, &n);
	assert_string_equal(fr[n - 1].function,
	                    "heaptest::Widget::method(int)");
	assert_non_null(strstr(fr[n - 1].file, "fmt_sym_cc.cc"));
	ht_symbolize(s, find_rec(&r, "dl_function")->addr, &fr, &n);
	assert_string_equal(fr[n - 1].function, "dl_function");
	assert_string_equal(fr[n - 1].module, "libfmtdl.so");
	/* cached: the same frames again */
	{
		const struct ht_frame *again;
		size_t n2;

		ht_symbolize(s, find_rec(&r, "dl_function")->addr,
		             &again, &n2);
		assert_ptr_equal(again, fr);
	}
	ht_symbolizer_free(s);
	ht_profile_free(p);
	run_free(&r);
}

static char *find_rustc(void)
{
	const char *cargo = getenv("CARGO"), *home = getenv("HOME");
	char *c;

	if (cargo && *cargo) {
		char *dir = strdup(cargo), *sl = strrchr(dir, '/');

		if (sl) {
			*sl = '\0';
			c = tu_printf("%s/rustc", dir);
			free(dir);
			if (access(c, X_OK) == 0)
				return c;
			free(c);
		} else {
			free(dir);
		}
	}
	if (home) {
		c = tu_printf("%s/.cargo/bin/rustc", home);
		if (access(c, X_OK) == 0)
			return c;
		free(c);
	}
	if (access("/usr/bin/rustc", X_OK) == 0)
		return strdup("/usr/bin/rustc");
	return NULL;
}

static void test_rust_v0(void **state)
{
	char *rustc = find_rustc(), *tmp, *bin, *out, *src;
	struct run r;
	struct ht_profile *p;
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;
	const struct ht_frame *fr;
	size_t n;

	(void)state;
	if (!rustc) {
		print_message("rustc not installed: Rust symbolization not "
		              "checked\n");
		return;
	}
	tmp = tu_tmpdir();
	bin = tu_printf("%s/fmt_rs", tmp);
	out = tu_printf("%s/rs.out", tmp);
	src = tu_printf("%s/tests/targets/fmt_rs.rs", tu_srcdir());
	{
		char *argv[] = { rustc, "-g", "-C", "opt-level=0", "-C",
		                 "symbol-mangling-version=v0", "-o", bin, src,
		                 NULL };

		assert_int_equal(tu_run(argv, NULL, NULL, true), 0);
	}
	{
		char *argv[] = { bin, out, NULL };

		assert_int_equal(tu_run(argv, NULL, NULL, true), 0);
	}
	memset(&r, 0, sizeof r);
	r.tmp = tmp;
	parse_run(&r, out);
	p = profile_from_maps(r.maps);
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	/* a function address, not a return address: look up addr */
	ht_symbolize(s, find_rec(&r, "rust_function")->addr + 1, &fr, &n);
	print_message("rust: %s (%s:%d)\n", fr[n - 1].function,
	              fr[n - 1].file ? fr[n - 1].file : "?", fr[n - 1].line);
	assert_string_equal(fr[n - 1].function, "fmt_rs::inner::leak_here");
	assert_non_null(fr[n - 1].file);
	assert_non_null(strstr(fr[n - 1].file, "fmt_rs.rs"));
	{
		/* eu-addr2line cannot demangle v0 but gives the same line */
		uint64_t rel;
		const struct ht_module *m = rel_addr(p,
		    find_rec(&r, "rust_function")->addr, &rel);
		struct a2l ref;

		addr2line(m->path, rel, &ref, tmp);
		assert_int_equal(ref.n, 1);
		assert_int_equal(fr[n - 1].line, ref.line[0]);
		assert_string_equal(fr[n - 1].file, ref.file[0]);
		assert_non_null(strstr(ref.name[0], "_RNv"));
	}
	ht_symbolizer_free(s);
	ht_profile_free(p);
	free(r.maps);
	tu_rmtree(tmp);
	free(tmp);
	free(bin);
	free(out);
	free(src);
	free(rustc);
}

static void test_demangle(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "_ZN8heaptest6Widget6methodEi", "heaptest::Widget::method(int)" },
		{ "_Znwm", "operator new(unsigned long)" },
		{ "_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write" },
		{ "_ZN5alloc5alloc6Global10alloc_impl17h6f3d8a8e3c8b2b9aE",
		  "alloc::alloc::Global::alloc_impl" },
		{ "_RNvNtCs9kOAT5GsrIr_6fmt_rs5inner9leak_here",
		  "fmt_rs::inner::leak_here" },
		{ "_RNvCs1234_7mycrate3foo", "mycrate::foo" },
	};
	char *d;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		d = ht_demangle(cases[i].in);
		assert_non_null(d);
		assert_string_equal(d, cases[i].out);
		free(d);
	}
	assert_null(ht_demangle("malloc"));
	assert_null(ht_demangle("_Zgarbage!"));
	assert_null(ht_demangle(""));
	assert_null(ht_demangle(NULL));
}

static void test_allocator_names(void **state)
{
	static const char *const yes[] = {
		"malloc", "calloc", "realloc", "free", "posix_memalign",
		"aligned_alloc", "memalign", "valloc", "pvalloc",
		"reallocarray", "operator new(unsigned long)",
		"operator new[](unsigned long)", "operator delete(void*)",
		"__rust_alloc", "__rust_alloc_zeroed", "__rdl_alloc",
		"__rg_alloc", "alloc::alloc::alloc",
		"alloc::alloc::Global::alloc_impl", "alloc::alloc::exchange_malloc",
		"<alloc::alloc::Global as core::alloc::Allocator>::allocate",
		"__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)",
	};
	static const char *const no[] = {
		"main", "leak_site", "alloc::raw_vec::RawVec<T,A>::allocate_in",
		"alloc::vec::Vec<T,A>::push", "std::vector<int, std::allocator<int> >::push_back(int const&)",
		"__libc_start_call_main", "prof_dump_user", "mallocate",
		"hashtable_alloc", "std::_Vector_base<int, std::allocator<int> >::_M_allocate(unsigned long)",
		"", NULL,
	};

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (!ht_is_allocator_function(yes[i]))
			fail_msg("%s should be allocator machinery", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (ht_is_allocator_function(no[i]))
			fail_msg("%s should not be allocator machinery", no[i]);
}

/* Allocator machinery by name: the real demangled names of jemalloc
 * (linked in, prefixed), Rust's shims and global allocators, C++,
 * tcmalloc, mimalloc. */
static void test_allocator_names_more(void **state)
{
	static const char *const yes[] = {
		"prof_backtrace_impl", "prof_backtrace", "je_prof_backtrace",
		"_rjem_je_prof_backtrace", "_rjem_je_malloc_default",
		"je_malloc_default", "malloc_default", "_rjem_malloc",
		"_rjem_mallocx", "_rjem_rallocx", "_rjem_calloc",
		"_rjem_posix_memalign", "je_mallocx", "imalloc_body", "imalloc",
		"ialloc", "iallocztm", "ixalloc", "irallocx_prof",
		"irallocx_prof_sample", "do_rallocx", "prof_alloc_prep",
		"prof_tctx_create", "myprefix_je_arena_malloc_hard",
		"__rust_alloc", "__rdl_alloc", "__rust_alloc_zeroed",
		"__rust_realloc", "__rustc::__rust_alloc",
		"alloc::alloc::exchange_malloc", "alloc::alloc::realloc",
		"<tikv_jemallocator::Jemalloc as core::alloc::global::GlobalAlloc>::alloc",
		"<myalloc::Jemalloc as core::alloc::global::GlobalAlloc>::alloc_zeroed",
		"<myalloc::Jemalloc as core::alloc::global::GlobalAlloc>::realloc",
		"<std::alloc::System as core::alloc::global::GlobalAlloc>::alloc",
		"<alloc::alloc::Global as core::alloc::Allocator>::allocate",
		"operator new(unsigned long)", "operator new[](unsigned long)",
		"operator new(unsigned long, std::align_val_t)",
		"std::__new_allocator<int>::allocate(unsigned long, void const*)",
		"std::allocator_traits<std::allocator<long> >::allocate(std::allocator<long>&, unsigned long)",
		"tc_malloc", "tc_new", "tc_newarray", "tcmalloc::allocate_full_malloc_oom(unsigned long)",
		"tcmalloc::ThreadCache::FetchFromCentralCache(unsigned int, int, void* (*)(unsigned long))",
		"mi_malloc", "mi_heap_malloc", "_mi_malloc_generic",
		"_mi_page_malloc", "mi_zalloc_aligned", "mi_new_n", "mi_free",
		"tc_delete_nothrow", "tc_posix_memalign",
		"void* fallback_impl<false>(unsigned long)",
		"void* newImpl<true>(unsigned long)",
		"_PyObject_Malloc", "PyObject_Malloc", "_PyObject_Realloc",
		"PyMem_RawCalloc", "_PyMem_RawMalloc", "PyMem_Malloc",
		"_PyMem_DebugRawAlloc", "pymalloc_alloc",
	};
	static const char *const no[] = {
		"site_calloc", "site_realloc", "site_posix_memalign",
		"leak_site", "xmalloc_wrapper_caller", "hashtable_alloc",
		"alloc::raw_vec::RawVec<T,A>::grow_one",
		"alloc::fmt::format::format_inner",
		"std::vector<long, std::allocator<long> >::push_back(long const&)",
		"myservice::EventLog::record", "arena_new_thing",
		"<myservice::X as core::fmt::Display>::fmt",
		"mi_leak_site", "mi_parse_config", "tc_connect", "tc_rule_apply",
		"PyByteArray_Resize", "_PyBytes_Resize", "list_resize",
		"PyObject_GetAttr",
	};

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (!ht_is_allocator_function(yes[i]))
			fail_msg("%s should be allocator machinery", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (ht_is_allocator_function(no[i]))
			fail_msg("%s should not be allocator machinery", no[i]);
}

static struct ht_frame mkframe(const char *fn, const char *mod, bool alloc)
{
	struct ht_frame f;

	memset(&f, 0, sizeof f);
	f.function = fn;
	f.module = mod;
	f.allocator = alloc || ht_is_allocator_function(fn);
	return f;
}

/* The innermost run of allocator frames: a static jemalloc's internals,
 * named or not, inside the run; a prefixed entry point reached from it;
 * never a program frame outside it. */
static void test_allocator_run(void **state)
{
	struct ht_frame je[] = {
		mkframe("prof_backtrace_impl", "prog", false),
		mkframe("prog+0x1a2b", "prog", false),      /* stripped */
		mkframe("arena_malloc_hard", "prog", false),
		mkframe("imalloc_body", "prog", false),
		mkframe("myp_mallocx", "prog", false),      /* custom prefix */
		mkframe("service_put", "prog", false),
		mkframe("main", "prog", false),
	};
	struct ht_frame live[] = {
		mkframe("site_calloc", "prog", false),      /* caller of calloc */
		mkframe("main", "prog", false),
	};
	struct ht_frame cxx[] = {
		mkframe("operator new(unsigned long)", "libstdc++.so.6", false),
		mkframe("std::__new_allocator<long>::allocate(unsigned long, void const*)", "prog", false),
		mkframe("std::vector<long, std::allocator<long> >::_M_realloc_append<long const&>(long const&)", "prog", false),
		mkframe("main", "prog", false),
	};
	struct ht_frame stripped[] = {
		mkframe("prog+0x10", "prog", false),
		mkframe("prog+0x20", "prog", false),
	};
	const struct ht_frame *p[8];

	(void)state;
	for (size_t i = 0; i < 7; i++)
		p[i] = &je[i];
	assert_int_equal(ht_allocator_run(p, 7), 5);
	for (size_t i = 0; i < 2; i++)
		p[i] = &live[i];
	assert_int_equal(ht_allocator_run(p, 2), 0);
	for (size_t i = 0; i < 4; i++)
		p[i] = &cxx[i];
	assert_int_equal(ht_allocator_run(p, 4), 2);
	for (size_t i = 0; i < 2; i++)
		p[i] = &stripped[i];
	assert_int_equal(ht_allocator_run(p, 2), 0);
}

/* Library frames (fold into the caller) with the real demangled names. */
static void test_library_frames(void **state)
{
	static const char *const yes[] = {
		"alloc::fmt::format::format_inner", "alloc::fmt::format",
		"alloc::raw_vec::RawVec<T,A>::grow_one",
		"alloc::raw_vec::finish_grow",
		"<alloc::string::String as core::fmt::Write>::write_str",
		"<alloc::vec::Vec<T,A> as core::ops::index::Index<I>>::index",
		"<alloc::vec::Vec<u8>>::push",
		"<hashbrown::raw::RawTable<T,A>>::reserve_rehash",
		"hashbrown::raw::RawTable<T,A>::reserve_rehash",
		"std::collections::hash::map::HashMap<K,V,S>::insert",
		"core::fmt::write", "core::fmt::Formatter::write_fmt",
		"<T as alloc::string::ToString>::to_string",
		"<str as alloc::string::ToString>::to_string",
		"<[T] as alloc::slice::hack::ConvertVec>::to_vec",
		"<[myservice::Event] as alloc::slice::hack::ConvertVec>::to_vec",
		"<&T as core::fmt::Display>::fmt",
		"<F as core::ops::function::FnOnce<A>>::call_once",
		"std::rt::lang_start::{{closure}}",
		"std::vector<long, std::allocator<long> >::push_back(long const&)",
		"void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)",
		"std::_Rb_tree<int, std::pair<int const, long>, std::_Select1st<std::pair<int const, long> >, std::less<int>, std::allocator<std::pair<int const, long> > >::_M_get_node()",
		"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_create(unsigned long&, unsigned long)",
		"__gnu_cxx::__normal_iterator<int*, std::vector<int> >::operator++()",
		"start_thread", "__libc_start_call_main",
	};
	static const char *const no[] = {
		"myservice::EventLog::record", "myservice::main",
		"myservice::main::{{closure}}", "myservice::main::{closure#0}",
		"<myservice::X as core::fmt::Display>::fmt",
		"<&myservice::X as core::fmt::Debug>::fmt",
		"<myservice::Store>::restock",
		"shop::Ledger::record(long)", "main", "leak_site",
		"void shop::Box<std::vector<int> >::fill<int>(int)",
		"(anonymous namespace)::worker(int)", "corelib_init",
		"standard_thing",
	};
	static const char *const extra[] = { "shop::*Ledger::", "tokio::" };

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (!ht_is_library_frame(yes[i], NULL, "prog", NULL, 0))
			fail_msg("%s should be library code", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (ht_is_library_frame(no[i], NULL, "prog", NULL, 0))
			fail_msg("%s should be the program's code", no[i]);
	/* by source file and module, whatever the name */
	assert_true(ht_is_library_frame(
	    "<myservice::X as alloc::string::ToString>::to_string",
	    "/rustc/0123abcd/library/alloc/src/string.rs", "prog", NULL, 0));
	assert_true(ht_is_library_frame("foo", "/usr/include/c++/12/bits/stl_vector.h",
	                                "prog", NULL, 0));
	assert_true(ht_is_library_frame("libstdc++.so.6+0x1234", NULL,
	                                "libstdc++.so.6", NULL, 0));
	assert_false(ht_is_library_frame("prog+0x1234", NULL, "prog", NULL, 0));
	/* extra patterns: prefix, '*' glob */
	assert_true(ht_is_library_frame("shop::Ledger::record(long)", NULL,
	                                "prog", extra, 2));
	assert_true(ht_is_library_frame("shop::v2::Ledger::index(int)", NULL,
	                                "prog", extra, 2));
	assert_true(ht_is_library_frame("<tokio::runtime::Runtime>::block_on",
	                                NULL, "prog", extra, 2));
	assert_false(ht_is_library_frame("shop::Cart::add(int)", NULL, "prog",
	                                 extra, 2));
	assert_true(ht_fold_match("a*c::", "abbbc::x"));
	assert_false(ht_fold_match("a*c::", "abbbc:x"));
	assert_true(ht_fold_match("*", "x"));
	assert_false(ht_fold_match("", "x"));
}

static void test_unknown_and_missing(void **state)
{
	struct ht_profile *p = ht_profile_new();
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;
	const struct ht_frame *fr;
	const char *const *missing;
	size_t n;
	bool listed = false;

	(void)state;
	p->nmodules = 1;
	p->modules = calloc(1, sizeof *p->modules);
	p->modules[0].path = strdup("/nonexistent/dir/libgone.so.1");
	p->modules[0].start = 0x7f0000001000ull;
	p->modules[0].end = 0x7f0000009000ull;
	p->modules[0].offset = 0x1000;
	p->modules[0].base = HT_BASE_UNKNOWN;
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	ht_symbolize(s, 0x7f0000001235ull, &fr, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fr[0].function, "libgone.so.1+0x1234");
	assert_string_equal(fr[0].module, "libgone.so.1");
	assert_null(fr[0].file);
	ht_symbolize(s, 0x1235, &fr, &n);
	assert_string_equal(fr[0].function, "0x1234");
	assert_null(fr[0].module);
	missing = ht_symbolizer_missing_debuginfo(s);
	assert_non_null(missing);
	for (; *missing; missing++)
		listed |= !strcmp(*missing, "/nonexistent/dir/libgone.so.1");
	assert_true(listed);
	ht_symbolizer_free(s);
	ht_profile_free(p);
}

/* Copy the binary under a sysroot; split its debug info into
 * DEBUG/.build-id/xx/yyyy.debug and strip the copy. */
static void test_sysroot_debug_dir_build_id(void **state)
{
	struct run r;
	struct ht_profile *p;
	struct ht_symbolizer *s = NULL;
	struct ht_sym_options opt;
	char *cause = NULL, *root, *dbg, *cmd, *exe = NULL, *idtxt;
	const struct ht_frame *fr;
	size_t n, idlen;
	const struct ht_module *m = NULL;
	unsigned char id[40];
	int status;

	(void)state;
	run_fmt_sym(&r);
	p = profile_from_maps(r.maps);
	for (size_t i = 0; i < p->nmodules; i++)
		if (strstr(p->modules[i].path, "/fmt_sym"))
			m = &p->modules[i];
	assert_non_null(m);
	exe = strdup(m->path);
	root = tu_printf("%s/root", r.tmp);
	dbg = tu_printf("%s/debug", r.tmp);
	/* the build-id, as readelf shows it */
	cmd = tu_printf("mkdir -p '%s%s.d' '%s' && rmdir '%s%s.d' && "
	                "cp '%s' '%s%s' && "
	                "readelf -n '%s' | sed -n 's/.*Build ID: *//p' > '%s/id'",
	                root, exe, dbg, root, exe, exe, root, exe, exe, r.tmp);
	status = system(cmd);
	free(cmd);
	assert_int_equal(status, 0);
	cmd = tu_printf("%s/id", r.tmp);
	idtxt = tu_slurp(cmd, NULL);
	free(cmd);
	assert_non_null(idtxt);
	idlen = strspn(idtxt, "0123456789abcdef") / 2;
	assert_true(idlen >= 8 && idlen <= 40);
	for (size_t i = 0; i < idlen; i++)
		sscanf(idtxt + 2 * i, "%2hhx", &id[i]);
	cmd = tu_printf("mkdir -p '%s/.build-id/%.2s' && "
	                "objcopy --only-keep-debug '%s%s' '%s/.build-id/%.2s/%.*s.debug' && "
	                "strip --strip-all '%s%s'",
	                dbg, idtxt, root, exe, dbg, idtxt, (int)(2 * idlen - 2),
	                idtxt + 2, root, exe);
	status = system(cmd);
	free(cmd);
	assert_int_equal(status, 0);

	/* The recorded path must not be found: point the module at a path
	 * that only exists under the sysroot. */
	for (size_t i = 0; i < p->nmodules; i++)
		if (!strcmp(p->modules[i].path, exe)) {
			memcpy(p->modules[i].build_id, id, idlen);
			p->modules[i].build_id_len = (uint32_t)idlen;
		}
	memset(&opt, 0, sizeof opt);
	opt.sysroot = root;
	opt.debug_dir = dbg;
	assert_int_equal(ht_symbolizer_new(p, &opt, &s, &cause), 0);
	ht_symbolize(s, find_rec(&r, "inlined_leaf")->addr, &fr, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fr[0].function, "inlined_leaf");
	assert_string_equal(fr[1].function, "inline_host");
	assert_non_null(fr[1].file);
	ht_symbolizer_free(s);

	/* without --debug-dir: the stripped copy has no symbols at all */
	opt.debug_dir = NULL;
	s = NULL;
	assert_int_equal(ht_symbolizer_new(p, &opt, &s, &cause), 0);
	ht_symbolize(s, find_rec(&r, "c_function")->addr, &fr, &n);
	assert_null(fr[0].file);
	ht_symbolizer_free(s);

	/* a wrong build-id: the file is not used */
	for (size_t i = 0; i < p->nmodules; i++)
		if (!strcmp(p->modules[i].path, exe))
			p->modules[i].build_id[0] ^= 0xff;
	s = NULL;
	assert_int_equal(ht_symbolizer_new(p, NULL, &s, &cause), 0);
	ht_symbolize(s, find_rec(&r, "c_function")->addr, &fr, &n);
	assert_non_null(strstr(fr[0].function, "fmt_sym+0x"));
	ht_symbolizer_free(s);

	free(idtxt);
	free(exe);
	free(root);
	free(dbg);
	ht_profile_free(p);
	run_free(&r);
}

/* A library that appears later (dlopen in a live target): unknown before
 * the update, resolved after. */
/* The same file reached through two paths with one base name (a library
 * under /lib and /usr/lib, a program seen by the runtime and then in
 * jemalloc's maps after an exec): libdw keys its modules by name and
 * range, so the second report must share the first module, not discard
 * it while the first still uses it. */
static void test_same_file_two_paths(void **state)
{
	struct run r;
	struct ht_profile *first, *second;
	struct ht_symbolizer *s = NULL;
	char *cause = NULL, *alias_dir, *alias = NULL;
	const struct ht_frame *fr;
	size_t n, moved = 0;

	(void)state;
	run_fmt_sym(&r);
	first = profile_from_maps(r.maps);
	second = profile_from_maps(r.maps);
	alias_dir = tu_printf("%s/alias", r.tmp);
	assert_int_equal(mkdir(alias_dir, 0700), 0);
	for (size_t i = 0; i < second->nmodules; i++) {
		struct ht_module *m = &second->modules[i];
		const char *b = m->path ? strrchr(m->path, '/') : NULL;

		if (!b || strcmp(b, "/fmt_sym"))
			continue;
		if (!alias) {
			alias = tu_printf("%s%s", alias_dir, b);
			assert_int_equal(symlink(m->path, alias), 0);
		}
		free(m->path);
		m->path = strdup(alias);
		moved++;
	}
	assert_true(moved > 0);
	assert_int_equal(ht_symbolizer_new(first, NULL, &s, &cause), 0);
	ht_symbolize(s, find_rec(&r, "c_function")->addr, &fr, &n);
	assert_string_equal(fr[0].function, "c_function");
	assert_int_equal(ht_symbolizer_update(s, second), 0);
	/* addresses not yet cached, looked up after the second report */
	ht_symbolize(s, find_rec(&r, "inlined_leaf")->addr, &fr, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fr[0].function, "inlined_leaf");
	assert_string_equal(fr[1].function, "inline_host");
	ht_symbolize(s, find_rec(&r, "cxx_method")->addr, &fr, &n);
	assert_string_equal(fr[n - 1].function,
	                    "heaptest::Widget::method(int)");
	ht_symbolizer_free(s);
	ht_profile_free(first);
	ht_profile_free(second);
	free(alias);
	free(alias_dir);
	run_free(&r);
}

static void test_update_after_dlopen(void **state)
{
	struct run r;
	struct ht_profile *all, *early;
	struct ht_symbolizer *s = NULL;
	char *cause = NULL;
	const struct ht_frame *fr, *before;
	size_t n;
	uint64_t pc;

	(void)state;
	run_fmt_sym(&r);
	all = profile_from_maps(r.maps);
	early = profile_from_maps(r.maps);
	/* drop libfmtdl from the early module list */
	for (size_t i = 0; i < early->nmodules; i++)
		if (strstr(early->modules[i].path, "libfmtdl")) {
			free(early->modules[i].path);
			early->modules[i] = early->modules[--early->nmodules];
			i--;
		}
	assert_int_equal(ht_symbolizer_new(early, NULL, &s, &cause), 0);
	pc = find_rec(&r, "dl_function")->addr;
	ht_symbolize(s, pc, &before, &n);
	assert_true(strncmp(before[0].function, "0x", 2) == 0);
	assert_int_equal(ht_symbolizer_update(s, all), 0);
	ht_symbolize(s, pc, &fr, &n);
	assert_string_equal(fr[0].function, "dl_function");
	/* the old result is still readable */
	assert_true(strncmp(before[0].function, "0x", 2) == 0);
	ht_symbolizer_free(s);
	ht_profile_free(all);
	ht_profile_free(early);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_allocator_names),
		cmocka_unit_test(test_allocator_names_more),
		cmocka_unit_test(test_allocator_run),
		cmocka_unit_test(test_library_frames),
		cmocka_unit_test(test_against_eu_addr2line),
		cmocka_unit_test(test_rust_v0),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_sysroot_debug_dir_build_id),
		cmocka_unit_test(test_update_after_dlopen),
		cmocka_unit_test(test_same_file_two_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
