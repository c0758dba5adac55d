/*
 * Unit tests of src/runtime/modules.c: the range of the object holding an
 * address, publishing the loaded objects into a segment (the executable
 * first and flagged, libc with its build-id, the runtime's own object
 * flagged), coverage of return addresses, a dlopen'd object appearing and,
 * once closed, staying listed as unloaded, and a full module list.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <gnu/libc-version.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/modules.h"
#include "runtime/segment.h"

static struct ht_seg_view view;

static int setup(void **state)
{
	struct ht_seg_caps caps;
	void *mem;

	(void)state;
	ht_seg_default_caps(&caps);
	mem = mmap(NULL, ht_seg_size(&caps), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	ht_seg_format(mem, &caps, &view);
	return ht_modules_init(caps.modules);
}

static const char *path_of(const struct ht_seg_module *m)
{
	return view.strings + m->path_off;
}

/* The published module holding addr, or NULL. */
static const struct ht_seg_module *holding(uintptr_t addr)
{
	for (uint32_t i = 0; i < view.hdr->modules_count; i++) {
		const struct ht_seg_module *m = &view.modules[i];

		if (!(m->flags & HT_MOD_F_UNLOADED) && addr >= m->start && addr < m->end)
			return m;
	}
	return NULL;
}

static void test_range_of(void **state)
{
	uintptr_t lo, hi, here = (uintptr_t)&test_range_of, libc = (uintptr_t)&strlen;
	int local;
	(void)state;

	assert_int_equal(ht_modules_range_of(here, &lo, &hi), 0);
	assert_true(lo <= here && here < hi);
	assert_int_equal(ht_modules_range_of(libc, &lo, &hi), 0);
	assert_true(lo <= libc && libc < hi);
	assert_false(lo <= here && here < hi); /* another object */
	assert_int_equal(ht_modules_range_of((uintptr_t)&local, &lo, &hi), -ENOENT);
}

static void test_publish(void **state)
{
	const struct ht_seg_module *exe, *lc;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	uint64_t pcs[2] = { (uint64_t)(uintptr_t)&test_publish, (uint64_t)(uintptr_t)&gnu_get_libc_version };
	int local;
	(void)state;

	assert_true(n > 0);
	self[n] = '\0';
	/* the test's own code stands for the runtime's: flagged RUNTIME */
	assert_int_equal(ht_modules_publish(&view, (uintptr_t)&test_publish), 1);
	assert_true(view.hdr->modules_count >= 2);
	exe = &view.modules[0];
	assert_true(exe->flags & HT_MOD_F_MAIN);
	assert_true(exe->flags & HT_MOD_F_RUNTIME);
	assert_string_equal(path_of(exe), self);
	assert_ptr_equal(holding((uintptr_t)&test_publish), exe);
	/* a libc function no sanitizer intercepts (ASan's strlen is its own) */
	lc = holding((uintptr_t)&gnu_get_libc_version);
	assert_non_null(lc);
	assert_non_null(strstr(path_of(lc), "libc"));
	assert_int_equal(lc->flags & (HT_MOD_F_MAIN | HT_MOD_F_RUNTIME), 0);
	assert_int_equal(lc->build_id_len, 20); /* Debian's libc has a GNU build-id */
	assert_int_equal(view.hdr->modules_seq % 2, 0);
	/* nothing changed: nothing to publish */
	assert_int_equal(ht_modules_changed(), 0);
	assert_int_equal(ht_modules_publish(&view, (uintptr_t)&test_publish), 0);
	/* coverage */
	assert_int_equal(ht_modules_cover(&view, pcs, 2), 1);
	pcs[1] = (uint64_t)(uintptr_t)&local;
	assert_int_equal(ht_modules_cover(&view, pcs, 2), 0);
}

static void test_dlopen_dlclose(void **state)
{
	static const char *const libs[] = { "libanl.so.1", "libutil.so.1", "libnsl.so.1" };
	uint32_t before = view.hdr->modules_count;
	const struct ht_seg_module *m;
	void *h = NULL;
	uint64_t pc;
	uint32_t idx;
	(void)state;

	for (unsigned i = 0; i < 3 && !h; i++)
		h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		skip();
	assert_int_equal(ht_modules_changed(), 1);
	assert_int_equal(ht_modules_publish(&view, 0), 1);
	assert_int_equal(view.hdr->modules_count, before + 1);
	m = &view.modules[before];
	assert_ptr_equal(holding(m->start), m);
	assert_non_null(strstr(path_of(m), ".so."));
	pc = m->start;
	idx = before;
	assert_int_equal(ht_modules_cover(&view, &pc, 1), 1);
	assert_int_equal(dlclose(h), 0);
	assert_int_equal(ht_modules_changed(), 1);
	assert_int_equal(ht_modules_publish(&view, 0), 1);
	/* still listed, for the stacks that point into it */
	assert_int_equal(view.hdr->modules_count, before + 1);
	assert_true(view.modules[idx].flags & HT_MOD_F_UNLOADED);
	assert_int_equal(ht_modules_cover(&view, &pc, 1), 0);
	/* opened again: listed anew, the old entry stays unloaded */
	h = dlopen(path_of(&view.modules[idx]), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	assert_int_equal(ht_modules_publish(&view, 0), 1);
	assert_int_equal(view.hdr->modules_count, before + 2);
	assert_true(view.modules[idx].flags & HT_MOD_F_UNLOADED);
	assert_false(view.modules[before + 1].flags & HT_MOD_F_UNLOADED);
	dlclose(h);
}

static void test_full(void **state)
{
	struct ht_seg_caps caps;
	struct ht_seg_view small;
	void *mem;
	(void)state;

	/* room for one module: what fits is published, then -ENOSPC */
	ht_seg_default_caps(&caps);
	caps.modules = 1;
	mem = mmap(NULL, ht_seg_size(&caps), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	ht_seg_format(mem, &caps, &small);
	assert_int_equal(ht_modules_publish(&small, 0), -ENOSPC);
	assert_int_equal(small.hdr->modules_count, 1);
	assert_true(small.modules[0].flags & HT_MOD_F_MAIN);
	assert_int_equal(small.hdr->modules_seq % 2, 0);
	munmap(mem, ht_seg_size(&caps));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_of),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_dlopen_dlclose),
		cmocka_unit_test(test_full),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
