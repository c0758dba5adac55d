/*
 * Unit tests for src/runtime/cfi.c: the rule read from the call frame
 * information gives, frame by frame, exactly the caller's registers
 * libunwind computes (the test's own frames, glibc's qsort and bsearch
 * frames, a deep recursion), the outermost frame is a root, addresses
 * outside every object or without CFI have no rule, every address of
 * glibc's text can be asked without harm, and rules pack into 64 bits
 * and back.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "runtime/cfi.h"

struct tally {
	int frames, same, none, in_libc, root;
};

static uintptr_t libc_lo, libc_hi;

/* Walk this thread's stack with libunwind; at every frame compare the
 * caller's CFA, return address and rbp with the rule's. */
static void compare_stack(struct tally *t)
{
	unw_context_t uc;
	unw_cursor_t c;
	unw_word_t ip, sp, bp;
	int first = 1;

	assert_int_equal(unw_getcontext(&uc), 0);
	assert_int_equal(unw_init_local(&c, &uc), 0);
	unw_get_reg(&c, UNW_REG_IP, &ip);
	unw_get_reg(&c, UNW_REG_SP, &sp);
	unw_get_reg(&c, UNW_X86_64_RBP, &bp);
	for (;;) {
		struct ht_cfi_rule r;
		unw_word_t nip, nsp, nbp;
		/* the first frame's ip is not a return address */
		uintptr_t ra = first ? ip + 1 : ip;
		int k = ht_cfi_rule(ra, &r), step = unw_step(&c);

		first = 0;
		assert_true(step >= 0);
		if (step == 0) {
			t->root += k == HT_CFI_ROOT;
			return;
		}
		unw_get_reg(&c, UNW_REG_IP, &nip);
		unw_get_reg(&c, UNW_REG_SP, &nsp);
		unw_get_reg(&c, UNW_X86_64_RBP, &nbp);
		t->frames++;
		assert_int_not_equal(k, HT_CFI_ROOT);
		if (k == HT_CFI_NONE) {
			t->none++;
		} else {
			uintptr_t cfa = (r.base == HT_CFI_SP ? sp : bp) + (uintptr_t)(intptr_t)r.cfa_off;
			uintptr_t cbp = r.bp_off ? *(const uintptr_t *)(cfa + (uintptr_t)(intptr_t)r.bp_off) : bp;

			assert_int_equal(cfa, nsp);
			assert_int_equal(((const uintptr_t *)cfa)[-1], nip);
			assert_int_equal(cbp, nbp);
			t->same++;
			t->in_libc += ip >= libc_lo && ip < libc_hi;
		}
		ip = nip;
		sp = nsp;
		bp = nbp;
	}
}

static struct tally qs, bs, deep;
static int compared;

static int cmp_qsort(const void *a, const void *b)
{
	if (!compared++)
		compare_stack(&qs);
	return *(const int *)a - *(const int *)b;
}

static int cmp_bsearch(const void *a, const void *b)
{
	if (!compared++)
		compare_stack(&bs);
	return *(const int *)a - *(const int *)b;
}

/* frames of varying size (a variable-length array: rbp-based CFA) */
static __attribute__((noipa)) int recurse(int n, volatile char *pad)
{
	volatile char here[64 + 16 * (n % 5)];
	int r;

	here[0] = pad ? pad[0] : 0;
	if (n == 0) {
		compare_stack(&deep);
		return here[0];
	}
	r = recurse(n - 1, here);
	return r + here[0] + 1;
}

/* glibc's text: the object named libc.so.6 (by name: under the
 * sanitizers qsort and friends are the sanitizer's own) */
static int libc_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *name = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;

	(void)size, (void)arg;
	if (!name || strncmp(name, "/libc.so", 8) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			libc_lo = info->dlpi_addr + ph->p_vaddr;
			libc_hi = libc_lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

static void find_libc(void)
{
	dl_iterate_phdr(libc_cb, NULL);
	assert_true(libc_hi > libc_lo);
}

static void test_same_as_libunwind(void **state)
{
	int a[64], key = 17;

	(void)state;
#if !defined(__x86_64__)
	skip(); /* the rules are x86-64's */
#endif
	find_libc();
	for (int i = 0; i < 64; i++)
		a[i] = (i * 37) % 64;
	compared = 0;
	qsort(a, 64, sizeof a[0], cmp_qsort);
	compared = 0;
	assert_non_null(bsearch(&key, a, 64, sizeof a[0], cmp_bsearch));
	recurse(40, NULL);
	print_message("qsort: %d frames, %d the same (%d in glibc), %d without a rule, root %d\n",
		      qs.frames, qs.same, qs.in_libc, qs.none, qs.root);
	print_message("bsearch: %d frames, %d the same (%d in glibc), %d without a rule, root %d\n",
		      bs.frames, bs.same, bs.in_libc, bs.none, bs.root);
	print_message("recursion: %d frames, %d the same, %d without a rule, root %d\n",
		      deep.frames, deep.same, deep.none, deep.root);
	/* every frame has a rule, glibc's among them, and the walk ends at
	 * a root the rule knows */
	assert_int_equal(qs.none, 0);
	assert_int_equal(bs.none, 0);
	assert_int_equal(deep.none, 0);
	assert_true(qs.in_libc + bs.in_libc >= 2);
	assert_true(deep.same >= 41);
	assert_int_equal(qs.root + bs.root + deep.root, 3);
}

static void test_no_rule(void **state)
{
	struct ht_cfi_rule r;
	static const char data[64] = { 1 };

	(void)state;
	assert_int_equal(ht_cfi_rule(0, &r), HT_CFI_NONE);
	assert_int_equal(ht_cfi_rule(1, &r), HT_CFI_NONE);
	assert_int_equal(ht_cfi_rule(UINTPTR_MAX - 8, &r), HT_CFI_NONE);
	/* data, not code */
	assert_int_equal(ht_cfi_rule((uintptr_t)data + 8, &r), HT_CFI_NONE);
	assert_int_equal(ht_cfi_rule((uintptr_t)&r + 8, &r), HT_CFI_NONE);
}

static void test_every_address(void **state)
{
	size_t ok = 0, none = 0, root = 0;

	(void)state;
#if !defined(__x86_64__)
	skip();
#endif
	find_libc();
	/* every 7th byte of glibc's text as a return address: no crash, and
	 * a rule for most of it */
	for (uintptr_t a = libc_lo + 1; a < libc_hi; a += 7) {
		struct ht_cfi_rule r;
		int k = ht_cfi_rule(a, &r);

		if (k == HT_CFI_OK) {
			ok++;
			assert_true(r.base == HT_CFI_SP ? r.cfa_off >= 8 : r.base == HT_CFI_BP);
		}
		none += k == HT_CFI_NONE;
		root += k == HT_CFI_ROOT;
	}
	print_message("glibc's text: %zu rules, %zu without, %zu roots\n", ok, none, root);
	assert_true(ok > 10 * none);
}

static void test_pack(void **state)
{
	static const struct ht_cfi_rule cases[] = {
		{ 8, 0, HT_CFI_SP }, { 16, -16, HT_CFI_BP }, { 2144, -48, HT_CFI_SP },
		{ 0x40000000, -(1 << 29), HT_CFI_SP }, { -24, (1 << 29) - 8, HT_CFI_BP },
	};
	struct ht_cfi_rule r, big = { 8, 1 << 29, HT_CFI_SP };

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t w = ht_cfi_pack(&cases[i]);

		assert_int_not_equal(w, 0);
		ht_cfi_unpack(w, &r);
		assert_int_equal(r.cfa_off, cases[i].cfa_off);
		assert_int_equal(r.bp_off, cases[i].bp_off);
		assert_int_equal(r.base, cases[i].base);
	}
	assert_int_equal(ht_cfi_pack(&big), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_libunwind),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_every_address),
		cmocka_unit_test(test_pack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
