/*
 * Unit tests for ui/format.c: byte and count abbreviations, durations,
 * sparklines (UTF-8 and ASCII), column fitting of UTF-8 strings, shortened
 * C++ and Rust names and cutting with a marker.  Pure
 * functions: no terminal needed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui/format.h"

static void test_bytes(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 0, false), "0");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 999, false), "999");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1023, false), "1023");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1024, false), "1.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1536, false), "1.5K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 20 * 1024, false),
	                    "20K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 3.5 * 1048576, false),
	                    "3.5M");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 2.0 * 1073741824.0,
	                                 false), "2.0G");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 4096, true), "+4.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, -4096, true), "-4.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, -4096, false), "-4.0K");
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 0, true), "0");
	/* 1023.7 rounds to 1024: shown in the next unit, not as "1024" */
	assert_string_equal(ht_fmt_bytes(b, sizeof b, 1023.7, false), "1.0K");
}

static void test_count(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ht_fmt_count(b, sizeof b, 7, false), "7");
	assert_string_equal(ht_fmt_count(b, sizeof b, 1000, false), "1.0k");
	assert_string_equal(ht_fmt_count(b, sizeof b, 12345, false), "12k");
	assert_string_equal(ht_fmt_count(b, sizeof b, 4.5e6, false), "4.5M");
	assert_string_equal(ht_fmt_count(b, sizeof b, 3, true), "+3");
}

static void test_duration(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ht_fmt_duration(b, sizeof b, 0), "0s");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 59.4), "59s");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 184), "3:04");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 3723), "1:02:03");
	assert_string_equal(ht_fmt_duration(b, sizeof b, 2 * 86400 + 3 * 3600),
	                    "2d03h");
	assert_string_equal(ht_fmt_duration(b, sizeof b, -5), "0s");
	assert_string_equal(ht_fmt_grouped(b, sizeof b, 0), "0");
	assert_string_equal(ht_fmt_grouped(b, sizeof b, 999), "999");
	assert_string_equal(ht_fmt_grouped(b, sizeof b, 12345), "12,345");
	assert_string_equal(ht_fmt_grouped(b, sizeof b, 300000), "300,000");
	assert_string_equal(ht_fmt_grouped(b, sizeof b, 1234567), "1,234,567");
	assert_string_equal(ht_fmt_grouped(b, 4, 12345), "12");
}

static void test_sparkline(void **state)
{
	const double rising[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	const double flat[] = { 5, 5, 5 };
	char b[128];

	(void)state;
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, rising, 8, 8, true),
	                    "\u2581\u2582\u2583\u2584\u2585\u2586\u2587"
	                    "\u2588");
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, rising, 8, 8, false),
	                    "..:-=+*#");
	/* only the last `width` values, rescaled over them */
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, rising, 8, 2, true),
	                    "\u2581\u2588");
	/* short history: blanks on the left */
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, flat, 3, 5, false),
	                    "  ...");
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, flat, 3, 3, true),
	                    "\u2581\u2581\u2581");
	assert_string_equal(ht_fmt_sparkline(b, sizeof b, flat, 0, 2, true),
	                    "  ");
	/* a buffer too small is cut, never overrun */
	memset(b, 'x', sizeof b);
	ht_fmt_sparkline(b, 7, rising, 8, 8, true);
	assert_int_equal(strlen(b), 6);
}

static void test_fit(void **state)
{
	(void)state;
	assert_int_equal(ht_fmt_columns("abc", 3), 3);
	assert_int_equal(ht_fmt_columns("\u0394x", strlen("\u0394x")), 2);
	assert_int_equal(ht_fmt_fit("abcdef", 3), 3);
	assert_int_equal(ht_fmt_fit("ab", 5), 2);
	/* never splits a multi-byte character */
	assert_int_equal(ht_fmt_fit("\u0394\u0394\u0394", 2), 4);
	assert_int_equal(ht_fmt_fit("a\u2581", 1), 1);
	assert_int_equal(ht_fmt_fit("a\u2581", 2), 4);
	assert_int_equal(ht_fmt_fit("", 4), 0);
	assert_string_equal(ht_fmt_basename("src/a/b.c"), "b.c");
	assert_string_equal(ht_fmt_basename("b.c"), "b.c");
	assert_string_equal(ht_fmt_basename(NULL), "");
}

static void test_short_name(void **state)
{
	char b[256];

	(void)state;
#define SN(in, out) \
	assert_string_equal(ht_fmt_short_name(b, sizeof b, in, true), out)
	/* C names and names without brackets stay as they are */
	SN("main", "main");
	SN("shop::Ledger::record", "shop::Ledger::record");
	SN("", "");
	/* template arguments (nested) and parameter lists */
	SN("std::_Vector_base<long, std::allocator<long> >::_M_allocate"
	   "(unsigned long)",
	   "std::_Vector_base<\u2026>::_M_allocate(\u2026)");
	SN("std::_Rb_tree<int, std::pair<int const, long>, std::_Select1st<"
	   "std::pair<int const, long> >, std::less<int>, std::allocator<"
	   "std::pair<int const, long> > >::_M_get_node()",
	   "std::_Rb_tree<\u2026>::_M_get_node()");
	SN("shop::Ledger::record(long)", "shop::Ledger::record(\u2026)");
	SN("void f<int>(int (*)(char), std::map<int, int>) const",
	   "void f<\u2026>(\u2026) const");
	/* operators keep their names */
	SN("std::ostream::operator<<(int)", "std::ostream::operator<<(\u2026)");
	SN("Foo::operator()(int) const", "Foo::operator()(\u2026) const");
	SN("Foo::operator<(Foo const&)", "Foo::operator<(\u2026)");
	SN("Foo::operator->()", "Foo::operator->()");
	SN("std::operator<< <std::char_traits<char> >(std::ostream&, "
	   "char const*)", "std::operator<< <\u2026>(\u2026)");
	SN("Foo::operator new(unsigned long)",
	   "Foo::operator new(\u2026)");
	/* anonymous namespaces and lambdas */
	SN("(anonymous namespace)::work(int)",
	   "(anonymous namespace)::work(\u2026)");
	SN("main::{lambda(int)#1}::operator()(int) const",
	   "main::{lambda(\u2026)#1}::operator()(\u2026) const");
	/* Rust: qualified paths keep their brackets, shortened inside */
	SN("<alloc::vec::Vec<T> as core::clone::Clone>::clone",
	   "<alloc::vec::Vec<\u2026> as core::clone::Clone>::clone");
	SN("alloc::raw_vec::RawVec<T,A>::grow_one",
	   "alloc::raw_vec::RawVec<\u2026>::grow_one");
	/* cut names (unbalanced) do not run past the end */
	SN("std::vector<long, std::alloc", "std::vector<\u2026>");
	SN("f(int", "f(\u2026)");
	SN("a>b)", "a>b)");
#undef SN
	assert_string_equal(ht_fmt_short_name(b, sizeof b, "v<int>(x)", false),
	                    "v<...>(...)");
	/* a small buffer: truncated, terminated, no split UTF-8 */
	assert_string_equal(ht_fmt_short_name(b, 4, "ab<c>", true), "ab<");
	assert_string_equal(ht_fmt_short_name(b, 5, "ab<c>", true), "ab<>");
	assert_string_equal(ht_fmt_short_name(b, sizeof b, NULL, true), "");
}

static void test_scope_cut(void **state)
{
	const char *v = "std::_Vector_base<\u2026>::_M_allocate(\u2026)";

	(void)state;
	/* fits: nothing dropped */
	assert_int_equal(ht_fmt_scope_cut(v, 100), 0);
	assert_int_equal(ht_fmt_scope_cut("main", 2), 0);
	/* the outermost scope that fits after a marker */
	assert_string_equal(v + ht_fmt_scope_cut(v, 32),
	                    "_Vector_base<\u2026>::_M_allocate(\u2026)");
	assert_string_equal(v + ht_fmt_scope_cut(v, 31), "_M_allocate(\u2026)");
	assert_string_equal(v + ht_fmt_scope_cut(v, 15), "_M_allocate(\u2026)");
	/* none fits: the innermost */
	assert_string_equal(v + ht_fmt_scope_cut(v, 5), "_M_allocate(\u2026)");
	/* "::" inside brackets or after operator names does not split */
	assert_string_equal(
	    "a::b<c::d>::f(x::y)" + ht_fmt_scope_cut("a::b<c::d>::f(x::y)", 8),
	    "f(x::y)");
	assert_string_equal(
	    "ns::operator<<(\u2026)" +
	    ht_fmt_scope_cut("ns::operator<<(\u2026)", 16),
	    "operator<<(\u2026)");
}

static void test_cut(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(ht_fmt_cut(b, sizeof b, "hello", 5, true), "hello");
	assert_string_equal(ht_fmt_cut(b, sizeof b, "hello!", 5, true),
	                    "hell\u2026");
	assert_string_equal(ht_fmt_cut(b, sizeof b, "hello!", 5, false),
	                    "hell~");
	assert_string_equal(ht_fmt_cut(b, sizeof b, "h\u00e9llo!", 3, true),
	                    "h\u00e9\u2026");
	assert_string_equal(ht_fmt_cut(b, sizeof b, "hello", 0, true), "");
	assert_string_equal(ht_fmt_cut(b, sizeof b, "hello", 1, true),
	                    "\u2026");
	assert_string_equal(ht_fmt_cut(b, 6, "hello world", 20, false),
	                    "hell~");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_short_name),
		cmocka_unit_test(test_scope_cut),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
