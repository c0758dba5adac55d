/*
 * Unit tests of src/runtime/segment.c: the layout of a segment (sections
 * in order, aligned, inside the segment, sized for their capacities, the
 * counters' stripes), the initialised header and ring, and creation with
 * O_EXCL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/segment.h"

static void test_layout(void **state)
{
	struct ht_seg_caps caps;
	struct ht_seg_view v;
	size_t size;
	void *mem;
	const struct ht_seg_header *h;
	uint64_t hot[4], counts_size, stride;
	(void)state;

	ht_seg_default_caps(&caps);
	assert_true(caps.stripes >= 1 && caps.stripes <= HT_SEG_DEF_STRIPES);
	assert_int_equal(caps.stripes & (caps.stripes - 1), 0);
	size = ht_seg_size(&caps);
	assert_true(size % 4096 == 0);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	ht_seg_format(mem, &caps, &v);
	h = v.hdr;
	/* no slot of the ring written: past its first page (the head), none
	 * of its pages is resident */
	{
		uint64_t first = h->ring_off + 4096, len = size - first;
		unsigned char *res = malloc(len / 4096);
		size_t touched = 0;

		assert_non_null(res);
		assert_int_equal(mincore((char *)mem + first, len, res), 0);
		for (uint64_t k = 0; k < len / 4096; k++)
			touched += res[k] & 1;
		assert_int_equal(touched, 0);
		free(res);
	}
	assert_true(h->magic == HT_SEG_MAGIC);
	assert_int_equal(h->major, HT_SEG_MAJOR);
	assert_int_equal(h->header_size, sizeof *h);
	assert_int_equal(h->segment_size, size);
	assert_int_equal(h->state, HT_STATE_STARTING);
	assert_int_equal(h->control_off % 4096, 0);
	assert_true(h->control_off >= sizeof *h);
	assert_true(h->modules_off >= h->control_off + h->control_size);
	assert_int_equal(h->strings_off, h->modules_off + (uint64_t)h->modules_cap * sizeof(struct ht_seg_module));
	assert_true(h->stacks_off >= h->strings_off + h->strings_size);
	assert_int_equal(h->stacks_off % 8, 0);
	assert_int_equal(h->frames_off, h->stacks_off + (uint64_t)h->stacks_cap * sizeof(struct ht_seg_stack));
	/* the counters: page-aligned stripes after the frames, each a head
	 * and stacks_cap counter sets, none used yet */
	assert_int_equal(h->counts_off % 4096, 0);
	assert_true(h->counts_off >= h->frames_off + (uint64_t)h->frames_cap * 8);
	assert_int_equal(h->counts_stripes, caps.stripes);
	assert_int_equal(h->counts_stride % 4096, 0);
	assert_true(h->counts_stride >= sizeof(struct ht_seg_stripe) +
	            (uint64_t)h->stacks_cap * sizeof(struct ht_seg_counts));
	assert_true(h->counts_stride < sizeof(struct ht_seg_stripe) +
	            (uint64_t)h->stacks_cap * sizeof(struct ht_seg_counts) + 4096);
	assert_int_equal(h->stripes_used, 0);
	counts_size = (uint64_t)h->counts_stripes * h->counts_stride;
	assert_true(h->ring_off >= h->counts_off + counts_size);
	assert_true(h->ring_off >= h->frames_off + (uint64_t)h->frames_cap * 8);
	assert_true(h->ring_off + sizeof(struct ht_seg_ring) + (uint64_t)h->ring_cap * sizeof(struct ht_seg_event) <= size);
	assert_int_equal(h->stacks_cap & (h->stacks_cap - 1), 0);
	assert_int_equal(h->ring_cap & (h->ring_cap - 1), 0);
	assert_int_equal(h->stacks_cap, HT_SEG_DEF_STACKS);
	assert_int_equal(h->frames_cap, HT_SEG_DEF_FRAMES);
	assert_int_equal(h->ring_cap, HT_SEG_DEF_RING);
	/* tens of MiB at most besides the counters, which grow with the
	 * stripes (one per CPU, up to HT_SEG_DEF_STRIPES) */
	assert_true(size - counts_size < 32u << 20);
	assert_true(h->counts_stride < 6u << 20);
	/* views point where the header says */
	assert_ptr_equal((char *)v.ctl, (char *)mem + h->control_off);
	assert_ptr_equal((char *)v.stacks, (char *)mem + h->stacks_off);
	assert_ptr_equal((char *)v.counts, (char *)mem + h->counts_off);
	assert_int_equal(v.counts_stride, h->counts_stride);
	assert_int_equal(v.stripes, h->counts_stripes);
	assert_ptr_equal((char *)v.events, (char *)mem + h->ring_off + sizeof(struct ht_seg_ring));
	/* the ring starts empty: slot i expects producer index i, from
	 * memory nothing wrote */
	for (uint32_t i = 0; i < h->ring_cap; i++) {
		assert_int_equal(v.events[i].seq, 0);
		assert_int_equal(ht_seg_seq_load(&v.events[i], i), i);
	}
	/* the reserved "hot" ranges cover the header .. strings and the
	 * ring's first page (its head); its slots wait for a consumer */
	ht_seg_hot_ranges(&caps, hot);
	assert_int_equal(hot[0], 0);
	assert_int_equal(hot[1], h->stacks_off);
	assert_int_equal(hot[2], h->ring_off);
	assert_int_equal(hot[3], (uint64_t)sysconf(_SC_PAGESIZE));
	assert_true(hot[2] + hot[3] < size);
	stride = h->counts_stride;
	munmap(mem, size);

	/* the most stripes: only the counters section grows */
	{
		struct ht_seg_caps one = caps, many = caps;

		one.stripes = 1;
		many.stripes = HT_SEG_DEF_STRIPES;
		assert_int_equal(ht_seg_size(&many) - ht_seg_size(&one),
		                 (HT_SEG_DEF_STRIPES - 1) * stride);
	}
}

static void test_stripes_for(void **state)
{
	(void)state;
	assert_int_equal(ht_seg_stripes_for(-1), 1); /* unknown */
	assert_int_equal(ht_seg_stripes_for(0), 1);
	assert_int_equal(ht_seg_stripes_for(1), 1);
	assert_int_equal(ht_seg_stripes_for(2), 2);
	assert_int_equal(ht_seg_stripes_for(3), 4);
	assert_int_equal(ht_seg_stripes_for(HT_SEG_DEF_STRIPES), HT_SEG_DEF_STRIPES);
	assert_int_equal(ht_seg_stripes_for(1000), HT_SEG_DEF_STRIPES);
	assert_true(HT_SEG_DEF_STRIPES <= HT_SEG_MAX_STRIPES);
}

static void test_create_excl(void **state)
{
	char name[64];
	void *mem, *mem2;
	size_t size;
	struct stat st;
	struct ht_seg_caps caps;
	struct ht_seg_view v;
	uint64_t hot[4];
	(void)state;

	snprintf(name, sizeof name, "httest.unit.%d", (int)getpid());
	ht_seg_default_caps(&caps);
	caps.stacks = 1024;
	caps.frames = 4096;
	ht_seg_hot_ranges(&caps, hot);
	size = ht_seg_size(&caps);
	assert_int_equal(ht_seg_create(name, size, hot, &mem), 0);
	assert_int_equal(ht_seg_create(name, size, hot, &mem2), -EEXIST);
	ht_seg_format(mem, &caps, &v);
	{
		char path[128];
		snprintf(path, sizeof path, "/dev/shm/%s", name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal((size_t)st.st_size, size);
	}
	/* our own segment opens again; the size comes from the object */
	assert_int_equal(ht_seg_open(name, &mem2, &size), 0);
	assert_int_equal(size, ht_seg_size(&caps));
	ht_seg_unmap(mem2, size);
	assert_int_equal(ht_seg_create("bad/name", size, NULL, &mem2), -EINVAL);
	assert_int_equal(ht_seg_open("httest.no.such.segment", &mem2, &size), -ENOENT);
	{
		char path[128];
		snprintf(path, sizeof path, "/%s", name);
		shm_unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_stripes_for),
		cmocka_unit_test(test_create_excl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
