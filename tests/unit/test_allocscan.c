/*
 * Unit tests of src/runtime/allocscan.c: finding jemalloc (and its symbol
 * prefix) in an ELF image, the allocator a library name stands for, the
 * configuration variable's name, lg_prof_sample rounding, and images that
 * lie about their sizes and offsets (never read out of bounds).
 *
 * This test program defines `_zz_mallctl`, `_zz_mallocx` and a
 * `prof_unwind_callback`, so its own executable looks like a program with
 * jemalloc linked in under the prefix "_zz_", its profiler built.
 */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/allocscan.h"

int _zz_mallctl(void);
int _zz_mallocx(void);
int _yy_mallctl(void);
__attribute__((used, noinline)) int _zz_mallctl(void) { return 1; }
__attribute__((used, noinline)) int _zz_mallocx(void) { return 2; }
/* a prefix with mallctl but no mallocx is not jemalloc */
__attribute__((used, noinline)) int _yy_mallctl(void) { return 3; }
__attribute__((used, noinline)) static int prof_unwind_callback(void) { return 4; }
int (*volatile keep)(void) = prof_unwind_callback;

static void *map_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	void *p;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	*size = (size_t)st.st_size;
	return p == MAP_FAILED ? NULL : p;
}

static void test_self(void **state)
{
	struct ht_alloc_scan sc;
	size_t size;
	void *img = map_file("/proc/self/exe", &size);

	(void)state;
	assert_non_null(img);
	assert_int_equal(ht_alloc_scan(img, size, &sc), 0);
	assert_true(sc.symtab);
	assert_true(sc.jemalloc);
	assert_string_equal(sc.je_prefix, "_zz_");
	assert_int_equal(sc.je_prof_built, 1);
	assert_true(sc.je_mallctl != 0);
	assert_false(sc.defines_malloc);
	assert_false(sc.tcmalloc);
	munmap(img, size);
}

static void test_shared_jemalloc(void **state)
{
	static const char *const paths[] = {
		"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
		"/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
		"/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2",
	};
	struct ht_alloc_scan sc;
	size_t size = 0;
	void *img = NULL;

	(void)state;
	for (size_t i = 0; !img && i < sizeof paths / sizeof *paths; i++)
		img = map_file(paths[i], &size);
	assert_non_null(img);  /* configure --enable-tests requires jemalloc */
	assert_int_equal(ht_alloc_scan(img, size, &sc), 0);
	assert_true(sc.jemalloc);
	assert_string_equal(sc.je_prefix, "");
	assert_true(sc.defines_malloc);
	munmap(img, size);
}

/* Every prefix of the image, and the image with each section header
 * field pointed far away: the scan returns, and never finds more than
 * the whole image holds. */
static void test_hostile(void **state)
{
	struct ht_alloc_scan sc;
	size_t size;
	unsigned char *img = map_file("/proc/self/exe", &size), *copy;
	Elf64_Ehdr eh;

	(void)state;
	assert_non_null(img);
	copy = malloc(size);
	assert_non_null(copy);
	for (size_t cut = 0; cut < size; cut += 997)
		(void)ht_alloc_scan(img, cut, &sc);
	assert_int_equal(ht_alloc_scan(img, 10, &sc), -1);
	memcpy(&eh, img, sizeof eh);
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		size_t off = eh.e_shoff + (size_t)i * sizeof(Elf64_Shdr);
		static const size_t fields[] = {
			offsetof(Elf64_Shdr, sh_offset), offsetof(Elf64_Shdr, sh_size),
			offsetof(Elf64_Shdr, sh_link), offsetof(Elf64_Shdr, sh_entsize),
		};

		for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
			uint64_t bad[] = { UINT64_MAX, UINT64_MAX / 2, size, size - 1 };

			for (size_t b = 0; b < 4; b++) {
				memcpy(copy, img, size);
				if (fields[f] == offsetof(Elf64_Shdr, sh_link)) {
					uint32_t v = (uint32_t)bad[b];

					memcpy(copy + off + fields[f], &v, sizeof v);
				} else {
					memcpy(copy + off + fields[f], &bad[b], sizeof bad[b]);
				}
				(void)ht_alloc_scan(copy, size, &sc);
			}
		}
	}
	/* section headers said to lie past the end */
	memcpy(copy, img, size);
	eh.e_shoff = size - 8;
	memcpy(copy, &eh, sizeof eh);
	assert_int_equal(ht_alloc_scan(copy, size, &sc), -1);
	/* not ELF */
	memset(copy, 'x', size);
	assert_int_equal(ht_alloc_scan(copy, size, &sc), -1);
	assert_false(sc.jemalloc);
	free(copy);
	munmap(img, size);
}

static void test_names(void **state)
{
	char buf[48];

	(void)state;
	assert_int_equal(ht_alloc_kind_of_library("libjemalloc.so.2"), HT_ALLOC_JEMALLOC);
	assert_int_equal(ht_alloc_kind_of_library("/usr/lib/x/libtcmalloc_minimal.so.4"),
			 HT_ALLOC_TCMALLOC);
	assert_int_equal(ht_alloc_kind_of_library("libmimalloc.so.2"), HT_ALLOC_MIMALLOC);
	assert_int_equal(ht_alloc_kind_of_library("/lib/x86_64-linux-gnu/libc.so.6"),
			 HT_ALLOC_GLIBC);
	assert_int_equal(ht_alloc_kind_of_library("libm.so.6"), 0);
	assert_string_equal(ht_alloc_conf_var("", buf, sizeof buf), "MALLOC_CONF");
	assert_string_equal(ht_alloc_conf_var("_rjem_", buf, sizeof buf),
			    "_RJEM_MALLOC_CONF");
	assert_string_equal(ht_alloc_conf_var("je_", buf, sizeof buf), "JE_MALLOC_CONF");
	assert_string_equal(ht_alloc_kind_name(HT_ALLOC_JEMALLOC), "jemalloc");
	assert_string_equal(ht_alloc_kind_name(99), "unknown");
}

static void test_lg_sample(void **state)
{
	(void)state;
	assert_int_equal(ht_alloc_lg_sample(0), 0);
	assert_int_equal(ht_alloc_lg_sample(1), 0);
	assert_int_equal(ht_alloc_lg_sample(2), 1);
	assert_int_equal(ht_alloc_lg_sample(3), 2);      /* 3 > 2 sqrt 2 */
	assert_int_equal(ht_alloc_lg_sample(4096), 12);
	assert_int_equal(ht_alloc_lg_sample(5000), 12);  /* < 5793 */
	assert_int_equal(ht_alloc_lg_sample(6000), 13);
	assert_int_equal(ht_alloc_lg_sample(524288), 19);
	assert_int_equal(ht_alloc_lg_sample(700000), 19);
	assert_int_equal(ht_alloc_lg_sample(750000), 20);
	assert_int_equal(ht_alloc_lg_sample(UINT64_C(1) << 40), 40);
	assert_int_equal(ht_alloc_lg_sample((UINT64_C(3) << 39)), 41);
	assert_int_equal(ht_alloc_lg_sample(UINT64_MAX), 62);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_shared_jemalloc),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_lg_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
