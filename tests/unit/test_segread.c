/*
 * Unit tests for the segment reader (src/core/segread.c).  Each test
 * builds a segment by hand in real POSIX shared memory, following
 * include/heaptop/segment.h, then maps it with ht_segread_open: a valid
 * one must read back exactly, and every corrupted variant (bad magic,
 * wrong major, sections out of range, stacks too deep or outside the
 * frames array, unterminated strings, another user's segment) must fail
 * with a message and never crash.  A fake "runtime" thread answers the
 * control page to test commands.  A segment truncated while it is being
 * read fails that read (SIGBUS caught), and other SIGBUSes still reach the
 * handler that was there before.  The counters live in per-CPU stripes:
 * the images spread them over two of four stripes, so a snapshot shows
 * sums (modulo 2^64, in-use sums that read negative clamped to 0) over
 * the stripes in stripes_used only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/segread.h"

#define MODS_CAP 8
#define STRINGS_SIZE 1024
#define STACKS_CAP 16
#define FRAMES_CAP 256
#define RING_CAP 16
#define COUNTS_STRIPES 4         /* laid out */
#define STRIPES_USED UINT64_C(3) /* of which the images use 0 and 1 */

struct layout {
	size_t control_off, modules_off, strings_off, stacks_off, frames_off,
	       counts_off, counts_stride, ring_off, size;
};

static struct layout lay(void)
{
	struct layout l;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	l.control_off = page;
	l.modules_off = 2 * page;
	l.strings_off = l.modules_off + MODS_CAP * sizeof(struct ht_seg_module);
	l.stacks_off = (l.strings_off + STRINGS_SIZE + 63) & ~(size_t)63;
	l.frames_off = l.stacks_off + STACKS_CAP * sizeof(struct ht_seg_stack);
	l.counts_off = (l.frames_off + FRAMES_CAP * sizeof(uint64_t) + page - 1) /
	               page * page;
	/* a stripe's head and its counters, to a cache line (not a page:
	 * the reader asks for a multiple of 8 only) */
	l.counts_stride = (sizeof(struct ht_seg_stripe) +
	                   STACKS_CAP * sizeof(struct ht_seg_counts) + 63) &
	                  ~(size_t)63;
	l.ring_off = (l.counts_off + COUNTS_STRIPES * l.counts_stride + page - 1) /
	             page * page;
	l.size = l.ring_off + sizeof(struct ht_seg_ring) +
	         RING_CAP * sizeof(struct ht_seg_event);
	l.size = (l.size + page - 1) / page * page;
	return l;
}

static char segname[64];

/* Stripe s's head in an image of lay(). */
static struct ht_seg_stripe *stripe_of(unsigned char *img, unsigned s)
{
	struct layout l = lay();

	return (void *)(img + l.counts_off + s * l.counts_stride);
}

/* Stripe s's counters of counts_idx k in an image of lay(). */
static struct ht_seg_counts *counts_of(unsigned char *img, unsigned s,
                                       unsigned k)
{
	return (struct ht_seg_counts *)(void *)(stripe_of(img, s) + 1) + k;
}

/* A valid segment image: two modules, two stacks, their counters and
 * the samples split over stripes 0 and 1 (stripes 2 and 3 untouched). */
static unsigned char *build_image(size_t *size_out)
{
	struct layout l = lay();
	unsigned char *img = calloc(1, l.size);
	struct ht_seg_header *h = (void *)img;
	struct ht_seg_module *mods = (void *)(img + l.modules_off);
	char *strings = (char *)(img + l.strings_off);
	struct ht_seg_stack *st = (void *)(img + l.stacks_off);
	uint64_t *frames = (void *)(img + l.frames_off);
	struct ht_seg_counts *c0, *c1;
	struct timespec ts;

	assert_non_null(img);
	h->magic = HT_SEG_MAGIC;
	h->major = HT_SEG_MAJOR;
	h->minor = HT_SEG_MINOR;
	h->header_size = sizeof *h;
	h->segment_size = l.size;
	h->pid = getpid();
	h->ppid = getppid();
	h->uid = getuid();
	h->max_depth = 64;
	h->start_time_ns = 1000;
	strcpy(h->exe, "/usr/bin/fake");
	strcpy(h->cmdline, "fake --serve");
	h->control_off = l.control_off;
	h->control_size = sizeof(struct ht_seg_control);
	h->modules_off = l.modules_off;
	h->strings_off = l.strings_off;
	h->strings_size = STRINGS_SIZE;
	h->stacks_off = l.stacks_off;
	h->frames_off = l.frames_off;
	h->counts_off = l.counts_off;
	h->counts_stride = l.counts_stride;
	h->counts_stripes = COUNTS_STRIPES;
	h->stripes_used = STRIPES_USED;
	h->ring_off = l.ring_off;
	h->modules_cap = MODS_CAP;
	h->stacks_cap = STACKS_CAP;
	h->frames_cap = FRAMES_CAP;
	h->ring_cap = RING_CAP;
	h->state = HT_STATE_RUNNING;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->heartbeat_ns = (uint64_t)ts.tv_sec * 1000000000ull +
	                  (uint64_t)ts.tv_nsec;
	h->rate = 524288;
	stripe_of(img, 0)->samples = 30; /* 42 samples */
	stripe_of(img, 1)->samples = 12;
	stripe_of(img, 0)->sampled_frees = 2; /* 7 sampled frees */
	stripe_of(img, 1)->sampled_frees = 5;
	h->ring_drops = 3;
	h->stacks_used = 2;
	h->frames_used = 5;
	h->modules_count = 2;
	h->modules_seq = 4;

	strcpy(strings + 1, "/usr/bin/fake");
	mods[0].base = 0x400000;
	mods[0].start = 0x400000;
	mods[0].end = 0x500000;
	mods[0].path_off = 1;
	mods[0].path_len = 13;
	mods[0].build_id_len = 4;
	memcpy(mods[0].build_id, "\xde\xad\xbe\xef", 4);
	mods[0].flags = HT_MOD_F_MAIN;
	strcpy(strings + 20, "/lib/libc.so.6");
	mods[1].base = 0x7f0000000000;
	mods[1].start = 0x7f0000001000;
	mods[1].end = 0x7f0000200000;
	mods[1].path_off = 20;
	mods[1].path_len = 14;

	/* stack 3: 3 frames at 0; stack 9: 2 frames at 3 */
	frames[0] = 0x401000;
	frames[1] = 0x401100;
	frames[2] = 0x7f0000002000;
	frames[3] = 0x402000;
	frames[4] = 0x402100;
	/* stack 9 was made first: its counters are at counts_idx 0, stack
	 * 3's at 1 (not the table slots: a reader must follow counts_idx) */
	st[3].frames_idx = 0;
	st[3].depth = 3;
	st[3].counts_idx = 1;
	/* stack 3's counters, each the sum of stripes 0 and 1; an object
	 * sampled on CPU 0 and freed on CPU 1 leaves stripe 1's in-use
	 * counters "negative" */
	c0 = counts_of(img, 0, 1);
	c1 = counts_of(img, 1, 1);
	c0->cur_objs = 3;                       /* 2 */
	c1->cur_objs = (uint64_t)-1;
	c0->cur_bytes = 2500;                   /* 2000 */
	c1->cur_bytes = (uint64_t)-500;
	c0->cum_objs = 3;                       /* 5 */
	c1->cum_objs = 2;
	c0->cum_bytes = 3000;                   /* 5000 */
	c1->cum_bytes = 2000;
	c0->est_cur_objs = 2 * HT_EST_ONE;      /* 3.5 */
	c1->est_cur_objs = HT_EST_ONE + HT_EST_ONE / 2;
	c0->est_cur_bytes = 1000000 * HT_EST_ONE; /* 1048576 */
	c1->est_cur_bytes = 48576 * HT_EST_ONE;
	c0->est_cum_objs = 6 * HT_EST_ONE;      /* 10 */
	c1->est_cum_objs = 4 * HT_EST_ONE;
	c0->est_cum_bytes = 2000000 * HT_EST_ONE; /* 2097152 */
	c1->est_cum_bytes = 97152 * HT_EST_ONE;
	c0->var_cur_objs = 3 * HT_EST_ONE;      /* 4 */
	c1->var_cur_objs = HT_EST_ONE;
	c0->var_cur_bytes = 1;                  /* 3 << 20 bytes^2 */
	c1->var_cur_bytes = 2;
	c0->var_cum_bytes = 4;                  /* 5 << 20 bytes^2 */
	c1->var_cum_bytes = 1;
	st[3].hash = 0x1234;
	st[9].frames_idx = 3;
	st[9].depth = 2;
	st[9].counts_idx = 0;
	c0 = counts_of(img, 0, 0);
	c1 = counts_of(img, 1, 0);
	c1->cum_objs = 1;                       /* 1 */
	c0->cum_bytes = 30;                     /* 100 */
	c1->cum_bytes = 70;
	c0->est_cum_objs = HT_EST_ONE / 4;      /* 0.25 */
	c1->est_cum_bytes = 400 * HT_EST_ONE;   /* 400 */
	st[9].hash = 0x9999;
	*size_out = l.size;
	return img;
}

static void publish(const unsigned char *img, size_t size)
{
	char path[80];
	int fd;

	snprintf(path, sizeof path, "/%s", segname);
	shm_unlink(path);
	fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(pwrite(fd, img, size, 0), (ssize_t)size);
	close(fd);
}

static int setup(void **state)
{
	static int counter;

	snprintf(segname, sizeof segname, "httest-segread.%d.%d",
	         (int)getpid(), counter++);
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	char path[80];

	snprintf(path, sizeof path, "/%s", segname);
	shm_unlink(path);
	return 0;
}

/* Open the published segment and expect failure with `err` and a cause
 * containing `needle`. */
static void expect_open_fails(int err, const char *needle)
{
	struct ht_segread *r = NULL;
	char *cause = NULL;
	int rc = ht_segread_open(segname, &r, &cause);

	if (rc != err || !cause || !strstr(cause, needle))
		fail_msg("expected %d with '%s', got %d: %s", err, needle, rc,
		         cause ? cause : "(no cause)");
	assert_null(r);
	free(cause);
}

/* Open, snapshot, expect the snapshot to fail with needle. */
static void expect_snapshot_fails(int err, const char *needle)
{
	struct ht_segread *r = NULL;
	struct ht_profile *p = NULL;
	char *cause = NULL;
	int rc;

	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	rc = ht_segread_snapshot(r, &p, &cause);
	if (rc != err || !cause || !strstr(cause, needle))
		fail_msg("expected snapshot %d with '%s', got %d: %s", err,
		         needle, rc, cause ? cause : "(no cause)");
	assert_null(p);
	free(cause);
	ht_segread_close(r);
}

static void test_valid(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_segread *r = NULL;
	struct ht_profile *p = NULL;
	char *cause = NULL;
	struct ht_segread_status st;
	const struct ht_stack *a, *b;

	publish(img, size);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	assert_string_equal(ht_segread_cmdline(r), "fake --serve");
	assert_string_equal(ht_segread_exe(r), "/usr/bin/fake");
	assert_int_equal(ht_segread_pid(r), getpid());
	ht_segread_status(r, &st);
	assert_int_equal(st.state, HT_PROC_RUNNING);
	assert_true(st.alive);
	assert_int_equal(st.rate, 524288);
	assert_int_equal(st.samples, 42);
	assert_int_equal(ht_segread_snapshot(r, &p, &cause), 0);
	assert_int_equal(p->kind, HT_SOURCE_LIVE);
	assert_int_equal(p->rate, 524288);
	assert_int_equal(p->samples, 42);
	assert_int_equal(p->sampled_frees, 7);
	assert_int_equal(p->ring_drops, 3);
	assert_int_equal(p->nmodules, 2);
	assert_string_equal(p->modules[0].path, "/usr/bin/fake");
	assert_true(p->modules[0].main);
	assert_int_equal(p->modules[0].build_id_len, 4);
	assert_memory_equal(p->modules[0].build_id, "\xde\xad\xbe\xef", 4);
	assert_string_equal(p->modules[1].path, "/lib/libc.so.6");
	assert_ptr_equal(ht_profile_module_of(p, 0x7f0000002000),
	                 &p->modules[1]);
	assert_null(ht_profile_module_of(p, 0x10));
	assert_int_equal(p->nstacks, 2);
	a = &p->stacks[0];
	b = &p->stacks[1];
	assert_int_equal(a->id, 3);
	assert_int_equal(a->depth, 3);
	assert_int_equal(a->pcs[0], 0x401000);
	assert_int_equal(a->pcs[2], 0x7f0000002000);
	assert_true(a->counts.cur_objs == 3.5);
	assert_true(a->counts.cur_bytes == 1048576.0);
	assert_true(a->counts.cum_bytes == 2097152.0);
	assert_true(a->counts.var_cur_objs == 4.0);
	assert_true(a->counts.var_cur_bytes == 3.0 * 1048576.0);
	assert_true(a->counts.var_cum_bytes == 5.0 * 1048576.0);
	assert_int_equal(a->counts.raw_cur_objs, 2);
	assert_int_equal(a->counts.raw_cur_bytes, 2000);
	assert_int_equal(a->counts.raw_cum_objs, 5);
	assert_int_equal(a->counts.raw_cum_bytes, 5000);
	assert_true(a->counts.cum_objs == 10.0);
	assert_int_equal(b->id, 9);
	assert_int_equal(b->pcs[1], 0x402100);
	assert_true(b->counts.cum_objs == 0.25);
	assert_int_equal(b->counts.raw_cum_objs, 1);
	assert_int_equal(b->counts.raw_cum_bytes, 100);
	assert_true(b->counts.cum_bytes == 400.0);
	assert_int_equal(b->counts.raw_cur_objs, 0);
	assert_true(p->totals.cum_bytes == 2097152.0 + 400.0);
	assert_true(p->totals.cur_bytes == 1048576.0);
	ht_profile_free(p);
	ht_segread_close(r);
	free(img);
	free(cause);
}

static void test_check_in_memory(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_seg_header *h = (void *)img;
	char *cause = NULL;

	assert_int_equal(ht_segread_check(img, size, &cause), 0);
	assert_int_equal(ht_segread_check(img, 10, &cause), -EINVAL);
	assert_non_null(cause);
	h->magic = 0;
	assert_int_equal(ht_segread_check(img, size, &cause), -EAGAIN);
	h->magic = 42;
	assert_int_equal(ht_segread_check(img, size, &cause), -EINVAL);
	assert_non_null(strstr(cause, "magic"));
	free(cause);
	free(img);
}

static void test_names(void **state)
{
	assert_true(ht_segread_name_valid("heaptop.123.0"));
	assert_false(ht_segread_name_valid(""));
	assert_false(ht_segread_name_valid("a/b"));
	assert_false(ht_segread_name_valid(".."));
	assert_false(ht_segread_name_valid("a b"));
	char longname[HT_SEG_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(ht_segread_name_valid(longname));
	expect_open_fails(-ENOENT, "no segment");
}

/* Header-level corruptions: each must make open fail cleanly. */
typedef void (*corrupt_fn)(unsigned char *img, size_t *size);

static void c_magic(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->magic ^= 0xff;
}
static void c_major(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->major = HT_SEG_MAJOR + 1;
}
static void c_header_size(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->header_size = 16;
}
static void c_segment_size(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->segment_size = *size * 4;
}
static void c_stacks_off(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->stacks_off = *size - 8;
}
static void c_stacks_cap(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->stacks_cap = 0x7fffffff;
}
static void c_frames_wrap(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->frames_off = UINT64_MAX - 7;
}
static void c_strings(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->strings_size = UINT64_MAX;
}
static void c_ring(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->ring_cap = 1u << 30;
}
static void c_ring_align(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->ring_off -= 64;
}
static void c_control(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->control_off = 100;
}
static void c_depth(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->max_depth = 1000;
}
static void c_exe(unsigned char *img, size_t *size)
{
	struct ht_seg_header *h = (void *)img;

	memset(h->exe, 'x', sizeof h->exe);
}
static void c_cmdline(unsigned char *img, size_t *size)
{
	struct ht_seg_header *h = (void *)img;

	memset(h->cmdline, 'y', sizeof h->cmdline);
}
static void c_uid(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->uid = getuid() + 1;
}

static const struct {
	corrupt_fn fn;
	int err;
	const char *needle;
} open_cases[] = {
	{ c_magic, -EINVAL, "bad magic" },
	{ c_major, -EPROTO, "not supported" },
	{ c_header_size, -EINVAL, "header size" },
	{ c_segment_size, -EINVAL, "header says" },
	{ c_stacks_off, -EINVAL, "stacks section" },
	{ c_stacks_cap, -EINVAL, "stacks section" },
	{ c_frames_wrap, -EINVAL, "frames section" },
	{ c_strings, -EINVAL, "strings area" },
	{ c_ring, -EINVAL, "ring events" },
	{ c_ring_align, -EINVAL, "page aligned" },
	{ c_control, -EINVAL, "control page" },
	{ c_depth, -EINVAL, "max_depth" },
	{ c_exe, -EINVAL, "unterminated" },
	{ c_cmdline, -EINVAL, "unterminated" },
	{ c_uid, -EPERM, "refusing" },
};

static void test_corrupt_header(void **state)
{
	for (size_t i = 0; i < sizeof open_cases / sizeof open_cases[0]; i++) {
		size_t size;
		unsigned char *img = build_image(&size);

		open_cases[i].fn(img, &size);
		publish(img, size);
		expect_open_fails(open_cases[i].err, open_cases[i].needle);
		free(img);
	}
}

/* A segment owned by another user is refused even when its header
 * claims our uid (checked with fstat).  Needs root to chown. */
static void test_other_owner(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	char path[80];
	int fd;

	publish(img, size);
	free(img);
	if (getuid() != 0) {
		fprintf(stderr, "# not root: cannot chown; ownership check "
		        "covered only through the header uid\n");
		return;
	}
	snprintf(path, sizeof path, "/%s", segname);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, 65534, 65534), 0);
	close(fd);
	expect_open_fails(-EPERM, "belongs to uid 65534");
}

static void test_truncated(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);

	publish(img, 100);
	expect_open_fails(-EINVAL, "smaller than its header");
	/* cut past its header: the size the runtime gave it is gone */
	publish(img, size / 2);
	expect_open_fails(-EINVAL, "was truncated (its header says");
	/* larger than its header says: not a cut */
	((struct ht_seg_header *)img)->segment_size = size / 2;
	publish(img, size);
	expect_open_fails(-EINVAL, "corrupt segment: header says");
	((struct ht_seg_header *)img)->segment_size = size;
	publish(img, 0);
	expect_open_fails(-EAGAIN, "not initialised");
	((struct ht_seg_header *)img)->state = HT_STATE_STARTING;
	publish(img, size);
	expect_open_fails(-EAGAIN, "not initialised");
	free(img);
}

/* Content corruptions: open succeeds, the snapshot fails cleanly. */
static void test_corrupt_content(void **state)
{
	struct layout l = lay();
	size_t size;
	unsigned char *img;
	struct ht_seg_stack *st;
	struct ht_seg_module *mods;
	char *strings;

	/* depth too large */
	img = build_image(&size);
	st = (void *)(img + l.stacks_off);
	st[3].depth = 300;
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "stack 3");
	free(img);

	/* frames past the frames array */
	img = build_image(&size);
	st = (void *)(img + l.stacks_off);
	st[9].frames_idx = FRAMES_CAP - 1;
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "stack 9");
	free(img);

	/* frames_idx + depth overflowing 32 bits */
	img = build_image(&size);
	st = (void *)(img + l.stacks_off);
	st[9].frames_idx = UINT32_MAX;
	st[9].depth = 2;
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "stack 9");
	free(img);

	/* module path out of the strings area */
	img = build_image(&size);
	mods = (void *)(img + l.modules_off);
	mods[1].path_off = STRINGS_SIZE - 2;
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "module 1");
	free(img);

	/* module path not terminated where its length says */
	img = build_image(&size);
	strings = (char *)(img + l.strings_off);
	strings[14] = 'X'; /* the NUL after "/usr/bin/fake" */
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "module 0");
	free(img);

	/* a NUL inside the path */
	img = build_image(&size);
	strings = (char *)(img + l.strings_off);
	strings[5] = '\0';
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "module 0");
	free(img);

	/* more modules than the table holds */
	img = build_image(&size);
	((struct ht_seg_header *)img)->modules_count = MODS_CAP + 1;
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "modules in a table");
	free(img);

	/* build-id length too large */
	img = build_image(&size);
	mods = (void *)(img + l.modules_off);
	mods[0].build_id_len = 41;
	publish(img, size);
	expect_snapshot_fails(-EINVAL, "build-id");
	free(img);

	/* a seqlock stuck odd: the writer never finishes */
	img = build_image(&size);
	((struct ht_seg_header *)img)->modules_seq = 5;
	publish(img, size);
	expect_snapshot_fails(-EBUSY, "kept changing");
	free(img);
}

/* ---- counter stripes ---------------------------------------------------- */

/* Publish img, open it and take a snapshot (both must succeed); the
 * status's samples go to *samples. */
static struct ht_profile *snapshot_image(const unsigned char *img, size_t size,
                                         uint64_t *samples)
{
	struct ht_segread *r = NULL;
	struct ht_profile *p = NULL;
	struct ht_segread_status st;
	char *cause = NULL;

	publish(img, size);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	ht_segread_status(r, &st);
	*samples = st.samples;
	if (ht_segread_snapshot(r, &p, &cause) != 0)
		fail_msg("snapshot: %s", cause ? cause : "(no cause)");
	assert_non_null(p);
	ht_segread_close(r);
	free(cause);
	return p;
}

/* snapshot_image, whose status and profile must both count `samples`
 * samples and the profile `frees` sampled frees. */
static struct ht_profile *snapshot_counted(const unsigned char *img, size_t size,
                                           uint64_t samples, uint64_t frees)
{
	uint64_t st_samples;
	struct ht_profile *p = snapshot_image(img, size, &st_samples);

	assert_int_equal(st_samples, samples);
	assert_int_equal(p->samples, samples);
	assert_int_equal(p->sampled_frees, frees);
	return p;
}

/* The snapshot's stack with table slot `id`. */
static const struct ht_stack *stack_with_id(const struct ht_profile *p,
                                            uint32_t id)
{
	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].id == id)
			return &p->stacks[i];
	fail_msg("no stack %u in the snapshot", id);
	return NULL;
}

/* A stripe whose bit is not in stripes_used is not summed, whatever it
 * holds (a stripe never touched may be anything a sparse page reads as;
 * here: junk); nor is a "stripe" past the laid-out ones whose bit is set. */
static void test_stripes_unused(void **state)
{
	struct layout l = lay();
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_seg_header *h = (void *)img;
	struct ht_profile *p;
	const struct ht_stack *a, *b;
	(void)state;

	/* stripe 2: laid out, not in use */
	stripe_of(img, 2)->samples = 1000;
	stripe_of(img, 2)->sampled_frees = 1000;
	for (unsigned k = 0; k < 2; k++) {
		struct ht_seg_counts *c = counts_of(img, 2, k);

		c->cur_objs = c->cur_bytes = c->cum_objs = c->cum_bytes = 777;
		c->est_cur_objs = c->est_cur_bytes = 777 * HT_EST_ONE;
		c->est_cum_objs = c->est_cum_bytes = 777 * HT_EST_ONE;
		c->var_cur_objs = c->var_cur_bytes = c->var_cum_bytes = 777;
	}
	/* stripe 4 would lie between the last stripe and the ring: junk
	 * there, and its bit set (and bit 63's) */
	assert_true(l.counts_off + 5 * l.counts_stride <= l.ring_off);
	stripe_of(img, 4)->samples = 5000;
	counts_of(img, 4, 1)->cur_objs = 5000;
	counts_of(img, 4, 1)->est_cum_bytes = 5000 * HT_EST_ONE;
	h->stripes_used = STRIPES_USED | (UINT64_C(1) << 4) | (UINT64_C(1) << 63);

	p = snapshot_counted(img, size, 42, 7);
	assert_int_equal(p->nstacks, 2);
	a = stack_with_id(p, 3);
	b = stack_with_id(p, 9);
	assert_int_equal(a->counts.raw_cur_objs, 2);
	assert_int_equal(a->counts.raw_cur_bytes, 2000);
	assert_int_equal(a->counts.raw_cum_bytes, 5000);
	assert_true(a->counts.cur_objs == 3.5);
	assert_true(a->counts.cum_bytes == 2097152.0);
	assert_true(a->counts.var_cum_bytes == 5.0 * 1048576.0);
	assert_int_equal(b->counts.raw_cur_objs, 0);
	assert_true(b->counts.cum_objs == 0.25);
	assert_true(p->totals.cum_bytes == 2097152.0 + 400.0);
	assert_true(p->totals.cur_bytes == 1048576.0);
	ht_profile_free(p);

	/* only stripe 0 in use: stripe 1's half is left out */
	h->stripes_used = 1;
	p = snapshot_counted(img, size, 30, 2);
	a = stack_with_id(p, 3);
	b = stack_with_id(p, 9);
	assert_int_equal(a->counts.raw_cur_objs, 3);
	assert_int_equal(a->counts.raw_cum_bytes, 3000);
	assert_int_equal(b->counts.raw_cum_objs, 0);
	assert_int_equal(b->counts.raw_cum_bytes, 30);
	ht_profile_free(p);

	/* none in use: all zero, the stacks still listed */
	h->stripes_used = 0;
	p = snapshot_counted(img, size, 0, 0);
	assert_int_equal(p->nstacks, 2);
	assert_int_equal(stack_with_id(p, 3)->counts.raw_cum_bytes, 0);
	assert_true(p->totals.cum_bytes == 0.0);
	ht_profile_free(p);
	free(img);
}

/* A counters section that does not fit its stripes, or is not a power of
 * two of them, or misaligned: refused at open (and by the in-memory
 * check) with -EINVAL. */
static void cc_stripes_3(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_stripes = 3;
}
static void cc_stripes_0(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_stripes = 0;
}
static void cc_stripes_128(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_stripes = 2 * HT_SEG_MAX_STRIPES;
}
static void cc_stride_small(unsigned char *img, size_t *size)
{
	/* room for one stack fewer than stacks_cap */
	((struct ht_seg_header *)img)->counts_stride =
		sizeof(struct ht_seg_stripe) +
		(STACKS_CAP - 1) * sizeof(struct ht_seg_counts);
}
static void cc_stride_odd(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_stride += 4;
}
static void cc_stride_huge(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_stride = UINT64_MAX / 2 & ~UINT64_C(7);
}
static void cc_off_past(unsigned char *img, size_t *size)
{
	struct ht_seg_header *h = (void *)img;

	/* the first stripe fits, the last does not */
	h->counts_off = *size - h->counts_stride;
}
static void cc_off_wrap(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_off = UINT64_MAX - 7;
}
static void cc_off_misaligned(unsigned char *img, size_t *size)
{
	((struct ht_seg_header *)img)->counts_off += 4;
}
static void cc_stacks_cap(unsigned char *img, size_t *size)
{
	/* a table that fits, whose counters no longer fit the stride */
	((struct ht_seg_header *)img)->stacks_cap = 2 * STACKS_CAP;
}

static void test_corrupt_counts(void **state)
{
	static const corrupt_fn cases[] = {
		cc_stripes_3, cc_stripes_0, cc_stripes_128, cc_stride_small,
		cc_stride_odd, cc_stride_huge, cc_off_past, cc_off_wrap,
		cc_off_misaligned, cc_stacks_cap,
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t size;
		unsigned char *img = build_image(&size);
		char *cause = NULL;
		int rc;

		cases[i](img, &size);
		rc = ht_segread_check(img, size, &cause);
		if (rc != -EINVAL || !cause || !strstr(cause, "counters section"))
			fail_msg("case %zu: expected -EINVAL with 'counters "
			         "section', got %d: %s", i, rc,
			         cause ? cause : "(no cause)");
		free(cause);
		publish(img, size);
		expect_open_fails(-EINVAL, "counters section");
		free(img);
	}
}

/* An entry whose counters lie past the stripes' stacks_cap sets: the
 * snapshot is refused. */
static void test_corrupt_counts_idx(void **state)
{
	struct layout l = lay();
	static const uint32_t bad[] = { STACKS_CAP, STACKS_CAP + 1, UINT32_MAX };
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t size;
		unsigned char *img = build_image(&size);
		struct ht_seg_stack *st = (void *)(img + l.stacks_off);

		st[9].counts_idx = bad[i];
		publish(img, size);
		expect_snapshot_fails(-EINVAL, "stack 9 has its counters");
		free(img);
	}

	/* the last one is fine */
	{
		size_t size;
		unsigned char *img = build_image(&size);
		struct ht_seg_stack *st = (void *)(img + l.stacks_off);
		struct ht_profile *p;
		uint64_t samples;

		st[9].counts_idx = STACKS_CAP - 1;
		counts_of(img, 0, STACKS_CAP - 1)->cum_bytes = 60;
		counts_of(img, 1, STACKS_CAP - 1)->cum_bytes = 6;
		p = snapshot_image(img, size, &samples);
		assert_int_equal(stack_with_id(p, 9)->counts.raw_cum_bytes, 66);
		ht_profile_free(p);
		free(img);
	}
}

/* In-use sums that are negative modulo 2^64 (the free counted before the
 * allocation, read in between) read as 0; cumulative ones add up as they
 * are. */
static void test_negative_in_use(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_seg_counts *c0 = counts_of(img, 0, 0), *c1 = counts_of(img, 1, 0);
	struct ht_profile *p;
	const struct ht_stack *b;
	uint64_t samples;
	(void)state;

	/* stack 9 (counts_idx 0) */
	c0->cur_objs = 1;
	c1->cur_objs = (uint64_t)-2;
	c0->cur_bytes = 100;
	c1->cur_bytes = (uint64_t)-150;
	c0->est_cur_objs = HT_EST_ONE;
	c1->est_cur_objs = (uint64_t)-(2 * HT_EST_ONE);
	c0->est_cur_bytes = 100 * HT_EST_ONE;
	c1->est_cur_bytes = (uint64_t)-(150 * HT_EST_ONE);
	c0->var_cur_objs = 1;
	c1->var_cur_objs = (uint64_t)-3;
	c0->var_cur_bytes = 2;
	c1->var_cur_bytes = (uint64_t)-5;
	/* cumulative: 30 + 70 = 100 bytes from build_image, plus these */
	c0->cum_objs = 4;  /* + stripe 1's 1 = 5 */
	c0->var_cum_bytes = 8;
	c1->var_cum_bytes = 9;
	p = snapshot_image(img, size, &samples);
	b = stack_with_id(p, 9);
	assert_int_equal(b->counts.raw_cur_objs, 0);
	assert_int_equal(b->counts.raw_cur_bytes, 0);
	assert_true(b->counts.cur_objs == 0.0);
	assert_true(b->counts.cur_bytes == 0.0);
	assert_true(b->counts.var_cur_objs == 0.0);
	assert_true(b->counts.var_cur_bytes == 0.0);
	assert_int_equal(b->counts.raw_cum_objs, 5);
	assert_int_equal(b->counts.raw_cum_bytes, 100);
	assert_true(b->counts.cum_bytes == 400.0);
	assert_true(b->counts.var_cum_bytes == 17.0 * 1048576.0);
	/* the totals are not dragged down (or up to 2^64) by it */
	assert_true(p->totals.cur_bytes == 1048576.0);
	assert_true(p->totals.cum_bytes == 2097152.0 + 400.0);
	ht_profile_free(p);

	/* positive again once the allocation is counted */
	c0->cur_bytes = 200;
	p = snapshot_image(img, size, &samples);
	assert_int_equal(stack_with_id(p, 9)->counts.raw_cur_bytes, 50);
	ht_profile_free(p);
	free(img);
}

/* Random byte flips over the header and tables: whatever happens, no
 * crash, and either success or an error with a message. */
static void test_fuzz(void **state)
{
	unsigned seed = 12345;

	for (int iter = 0; iter < 300; iter++) {
		size_t size;
		unsigned char *img = build_image(&size);
		struct ht_segread *r = NULL;
		struct ht_profile *p = NULL;
		char *cause = NULL;
		int rc;

		for (int k = 0; k < 4; k++) {
			size_t at = (size_t)rand_r(&seed) % (iter % 2 ?
			            sizeof(struct ht_seg_header) : size);

			img[at] ^= (unsigned char)(1u << (rand_r(&seed) % 8));
		}
		publish(img, size);
		rc = ht_segread_open(segname, &r, &cause);
		if (rc == 0) {
			rc = ht_segread_snapshot(r, &p, &cause);
			if (rc == 0)
				ht_profile_free(p);
			else
				assert_non_null(cause);
			ht_segread_close(r);
		} else {
			assert_non_null(cause);
		}
		free(cause);
		free(img);
	}
}

/* A fake runtime control thread answering commands. */
struct fake_rt {
	struct ht_seg_control *ctl;
	volatile int stop;
	uint32_t seen_cmd;
	uint64_t seen_arg;
	char seen_path[64];
	uint32_t last;
	int live_result;        /* HT_CMD_LIVE's answer */
	const char *live_text;  /* written to the path when live_result is 0 */
};

static void *fake_runtime(void *arg)
{
	struct fake_rt *f = arg;
	uint32_t last = f->last;

	while (!f->stop) {
		struct timespec to = { 0, 50 * 1000000L };
		uint32_t seq;

		syscall(SYS_futex, &f->ctl->req_seq, FUTEX_WAIT, last, &to,
		        NULL, 0);
		seq = __atomic_load_n(&f->ctl->req_seq, __ATOMIC_ACQUIRE);
		if (seq == last)
			continue;
		last = seq;
		f->seen_cmd = f->ctl->cmd;
		f->seen_arg = f->ctl->arg;
		snprintf(f->seen_path, sizeof f->seen_path, "%.63s", f->ctl->path);
		f->ctl->result = f->ctl->cmd == HT_CMD_DUMP ? -EACCES : 0;
		if (f->ctl->cmd == HT_CMD_LIVE) {
			f->ctl->result = f->live_result;
			if (f->live_result == 0) {
				FILE *o = fopen(f->ctl->path, "w");

				if (o) {
					fputs(f->live_text, o);
					fclose(o);
				} else {
					f->ctl->result = -EIO;
				}
			}
		}
		__atomic_store_n(&f->ctl->ack_seq, seq, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The process ends while a command waits for its answer (its runtime
 * marks the segment EXITED on the way out, and a zombie still answers
 * kill(pid, 0)): -ESRCH as soon as the segment says so, not the 2 s
 * timeout, and the command slot is free again. */
static struct ht_seg_header *ending_hdr;

static void *end_process(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	__atomic_store_n(&ending_hdr->state, (uint32_t)HT_STATE_EXITED, __ATOMIC_RELEASE);
	return NULL;
}

static void test_command_process_ends(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_segread *r = NULL;
	char *cause = NULL, path[80];
	struct ht_seg_control *ctl;
	long page = sysconf(_SC_PAGESIZE);
	struct timespec t0, t1;
	pthread_t th;
	double s;
	int fd;

	publish(img, size);
	snprintf(path, sizeof path, "/%s", segname);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	ending_hdr = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(ending_hdr != MAP_FAILED);
	ctl = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	           (off_t)lay().control_off);
	assert_true(ctl != MAP_FAILED);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	pthread_create(&th, NULL, end_process, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ht_segread_command(r, HT_CMD_DUMP, 0, "/tmp/x.heap", &cause),
	                 -ESRCH);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s < 1.0);
	assert_non_null(strstr(cause, "ended before answering"));
	assert_int_equal(ctl->lock, 0);
	munmap(ctl, (size_t)page);
	munmap(ending_hdr, (size_t)page);
	close(fd);
	ht_segread_close(r);
	free(cause);
	free(img);
}

static void test_commands(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct layout l = lay();
	struct ht_segread *r = NULL;
	char *cause = NULL, path[80];
	struct fake_rt f = { 0 };
	pthread_t th;
	int fd;
	struct timespec t0, t1;

	publish(img, size);
	snprintf(path, sizeof path, "/%s", segname);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	f.ctl = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
	             PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	             (off_t)l.control_off);
	assert_true(f.ctl != MAP_FAILED);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);

	/* nobody answers: a clear timeout within ~2 s */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ht_segread_command(r, HT_CMD_PING, 0, NULL, &cause),
	                 -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(cause, "runtime not answering"));
	assert_true(t1.tv_sec - t0.tv_sec <= 3);
	assert_int_equal(f.ctl->lock, 0);

	f.last = __atomic_load_n(&f.ctl->req_seq, __ATOMIC_ACQUIRE);
	pthread_create(&th, NULL, fake_runtime, &f);
	assert_int_equal(ht_segread_command(r, HT_CMD_SET_RATE, 4096, NULL,
	                                    &cause), 0);
	assert_int_equal(f.seen_cmd, HT_CMD_SET_RATE);
	assert_int_equal(f.seen_arg, 4096);
	assert_int_equal(ht_segread_command(r, HT_CMD_DUMP, 0, "/tmp/x.heap",
	                                    &cause), -EACCES);
	assert_string_equal(f.seen_path, "/tmp/x.heap");
	assert_non_null(strstr(cause, "dump failed"));

	/* a lock left by a dead frontend is stolen */
	f.ctl->lock = 999999; /* beyond pid_max defaults: no such process */
	assert_int_equal(ht_segread_command(r, HT_CMD_RESET, 0, NULL,
	                                    &cause), 0);
	assert_int_equal(f.seen_cmd, HT_CMD_RESET);
	assert_int_equal(f.ctl->lock, 0);

	/* a lock held by a live process: busy after the timeout */
	f.ctl->lock = (uint32_t)getppid();
	assert_int_equal(ht_segread_command(r, HT_CMD_PING, 0, NULL, &cause),
	                 -EBUSY);
	f.ctl->lock = 0;

	f.stop = 1;
	pthread_join(th, NULL);
	munmap(f.ctl, (size_t)sysconf(_SC_PAGESIZE));
	close(fd);
	ht_segread_close(r);
	free(cause);
	free(img);
}

/* A segment whose pid is gone but says RUNNING: reported exited. */
/* ---- truncation while reading ------------------------------------------- */

struct snap_job {
	struct ht_segread *r;
	int rc;
	char *cause;
	volatile int started;
};

static void *snap_thread(void *arg)
{
	struct snap_job *j = arg;
	struct ht_profile *p = NULL;

	j->started = 1;
	j->rc = ht_segread_snapshot(j->r, &p, &j->cause);
	if (p)
		ht_profile_free(p);
	return NULL;
}

/* A snapshot that is inside the segment when another process truncates
 * it: the module list is "being rewritten" (odd seqlock), so the reader
 * waits there (~200 ms); the segment is cut to nothing meanwhile.  The
 * reader's next load faults; the guard turns that into an error.
 * Returns 1 when it went so, 0 when the cut came before the snapshot got
 * past its size check or after it stopped waiting (try again). */
static int try_truncate_during_snapshot(void (*after_open)(void))
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct snap_job j = { NULL, 0, NULL, 0 };
	char *cause = NULL, path[80];
	pthread_t th;
	int fd, caught;

	((struct ht_seg_header *)img)->modules_seq = 5;
	publish(img, size);
	free(img);
	assert_int_equal(ht_segread_open(segname, &j.r, &cause), 0);
	if (after_open)
		after_open();
	assert_int_equal(pthread_create(&th, NULL, snap_thread, &j), 0);
	for (int i = 0; i < 5000 && !j.started; i++)
		usleep(1000);
	usleep(50000);
	snprintf(path, sizeof path, "/%s", segname);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	close(fd);
	pthread_join(th, NULL);
	caught = j.rc == -EINVAL && j.cause &&
	         strstr(j.cause, "truncated while being read");
	/* too early: the size check saw the cut; too late (main descheduled
	 * past the reader's ~200 ms wait): the reader gave up on the module
	 * list; both mean "try again" */
	if (!caught && !(j.rc == -EINVAL && j.cause &&
	                 strstr(j.cause, "was truncated")) && j.rc != -EBUSY)
		fail_msg("expected the truncation to fail the snapshot, got %d: %s",
		         j.rc, j.cause ? j.cause : "(no cause)");
	free(j.cause);
	ht_segread_close(j.r);
	return caught;
}

static void truncate_during_snapshot(void (*after_open)(void))
{
	for (int attempt = 0; attempt < 5; attempt++)
		if (try_truncate_during_snapshot(after_open))
			return;
	fail_msg("the snapshot never got inside the segment before the cut");
}

static void test_truncated_while_reading(void **state)
{
	size_t size;
	unsigned char *img;
	struct ht_segread *r = NULL;
	struct ht_segread_status st;
	struct ht_profile *p = NULL;
	char *cause = NULL, path[80], buf[64];
	int fd;
	(void)state;

	truncate_during_snapshot(NULL);

	/* after the cut, every entry point fails cleanly, none crashes */
	img = build_image(&size);
	publish(img, size);
	free(img);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	snprintf(path, sizeof path, "/%s", segname);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	close(fd);
	ht_segread_status(r, &st);
	assert_int_equal(st.state, HT_PROC_UNKNOWN);
	assert_null(ht_segread_next_name(r, buf, sizeof buf));
	assert_true(ht_segread_command(r, HT_CMD_PING, 0, NULL, &cause) < 0);
	assert_true(ht_segread_snapshot(r, &p, &cause) < 0);
	assert_null(p);
	assert_non_null(strstr(cause, "truncated"));
	free(cause);
	ht_segread_close(r);
}

/* A screen (or any program) that installs its own SIGBUS handler after
 * the reader's (after the open) and calls ht_segread_fault first keeps
 * the guard working. */
static int chained_calls, chained_installed;
static struct sigaction chained_old;

static void chained_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	chained_calls++;
	ht_segread_fault(si); /* jumps back to the read when it is one */
	signal(sig, SIG_DFL); /* not a segment read: crash as usual */
}

static void install_chained(void)
{
	struct sigaction sa;

	if (chained_installed) /* by an earlier attempt */
		return;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = chained_handler;
	sa.sa_flags = SA_SIGINFO;
	assert_int_equal(sigaction(SIGBUS, &sa, &chained_old), 0);
	chained_installed = 1;
}

static void test_truncated_chained_handler(void **state)
{
	(void)state;

	chained_calls = 0;
	chained_installed = 0;
	truncate_during_snapshot(install_chained);
	assert_int_equal(chained_calls, 1); /* it saw the one fault */
	sigaction(SIGBUS, &chained_old, NULL);
}

/* A SIGBUS that is not a segment read goes to the handler the reader
 * replaced. */
static sigjmp_buf other_jb;
static volatile int other_calls;

static void other_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	other_calls++;
	siglongjmp(other_jb, 1);
}

static void test_other_sigbus_passed_on(void **state)
{
	size_t size, page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *img = build_image(&size);
	struct ht_segread *r = NULL;
	struct sigaction sa, old;
	char *cause = NULL, tmpl[] = "/tmp/httest-sigbus.XXXXXX";
	volatile char *m;
	int fd;
	(void)state;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = other_handler;
	sa.sa_flags = SA_SIGINFO;
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	publish(img, size);
	free(img);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0); /* ours on top */
	/* a file mapping of ours, cut to nothing: touching it is a SIGBUS
	 * outside any segment */
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(ftruncate(fd, (off_t)page), 0);
	m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(ftruncate(fd, 0), 0);
	other_calls = 0;
	if (sigsetjmp(other_jb, 1) == 0)
		m[0] = 1;
	assert_int_equal(other_calls, 1);
	munmap((void *)m, page);
	close(fd);
	ht_segread_close(r);
	sigaction(SIGBUS, &old, NULL);
}

static void test_dead_process(void **state)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_segread *r = NULL;
	struct ht_segread_status st;
	char *cause = NULL;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	((struct ht_seg_header *)img)->pid = pid;
	publish(img, size);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	ht_segread_status(r, &st);
	assert_false(st.alive);
	assert_int_equal(st.state, HT_PROC_EXITED);
	assert_int_equal(st.exit_status, -1);
	assert_int_equal(ht_segread_command(r, HT_CMD_PING, 0, NULL, &cause),
	                 -ESRCH);
	ht_segread_close(r);
	free(cause);
	free(img);

	/* EXITED with a status */
	img = build_image(&size);
	((struct ht_seg_header *)img)->state = HT_STATE_EXITED;
	((struct ht_seg_header *)img)->exit_status = 3;
	((struct ht_seg_header *)img)->pid = pid;
	publish(img, size);
	assert_int_equal(ht_segread_open(segname, &r, NULL), 0);
	ht_segread_status(r, &st);
	assert_int_equal(st.state, HT_PROC_EXITED);
	assert_int_equal(st.exit_status, 3);
	ht_segread_close(r);
	free(img);
}

/* ---- allocator statistics ---------------------------------------------- */

/* Publish an image whose astat fields say kind/seq, open it, read the
 * status. */
static void astat_status(uint32_t minor, uint32_t kind, uint32_t seq,
                         struct ht_segread_status *st)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct ht_seg_header *h = (void *)img;
	struct ht_segread *r = NULL;
	char *cause = NULL;

	h->minor = minor;
	h->astat_kind = kind;
	h->astat_seq = seq;
	h->astat_time_ns = 777;
	for (int i = 0; i < HT_ASTAT_N; i++)
		h->astat[i] = 1000 * (uint64_t)(i + 1);
	publish(img, size);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	ht_segread_status(r, st);
	ht_segread_close(r);
	free(img);
}

static void test_astat(void **state)
{
	struct ht_segread_status st;

	astat_status(2, HT_ASTAT_JEMALLOC, 4, &st);
	assert_int_equal(st.astat.kind, HT_ASTAT_JEMALLOC);
	assert_int_equal(st.astat.time_ns, 777);
	assert_int_equal(st.astat.v[0], 1000);
	assert_int_equal(st.astat.v[5], 6000);
	astat_status(2, HT_ASTAT_GLIBC, 2, &st);
	assert_int_equal(st.astat.kind, HT_ASTAT_GLIBC);
	assert_int_equal(st.astat.v[3], 4000);
	/* a writer stuck in the middle: bounded retries, then nothing */
	astat_status(2, HT_ASTAT_GLIBC, 5, &st);
	assert_int_equal(st.astat.kind, HT_ASTAT_NONE);
	assert_int_equal(st.astat.v[0], 0);
	/* an unknown kind: nothing */
	astat_status(2, 7, 2, &st);
	assert_int_equal(st.astat.kind, HT_ASTAT_NONE);
	assert_int_equal(st.astat.time_ns, 0);
	/* minor 1: those bytes are reserved, whatever they hold */
	astat_status(1, HT_ASTAT_GLIBC, 2, &st);
	assert_int_equal(st.astat.kind, HT_ASTAT_NONE);
	assert_int_equal(st.astat.v[1], 0);
}

/* ---- live objects file ------------------------------------------------- */

#define LIVE_HDR "heaptop_live/1 now_ns=5000000000 rate=1 count="

static void test_live_parse_good(void **state)
{
	const char *txt =
		LIVE_HDR "00000000000000000002\n"
		"7f00dead0010 3 1000 256000 4000000000\n"
		"10 15 0 0 5000000000\n";
	struct ht_live_obj *o = NULL;
	size_t n = 0;
	uint64_t now = 0;
	char *cause = NULL;

	assert_int_equal(ht_live_parse(txt, strlen(txt), STACKS_CAP, &o, &n,
	                               &now, &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(now, 5000000000ull);
	assert_int_equal(o[0].addr, 0x7f00dead0010ull);
	assert_int_equal(o[0].stack, 3);
	assert_int_equal(o[0].size, 1000);
	assert_true(o[0].weight_bytes == 1000.0);
	assert_int_equal(o[0].born_ns, 4000000000ull);
	assert_int_equal(o[1].addr, 0x10);
	assert_int_equal(o[1].stack, 15);
	assert_true(o[1].weight_bytes == 0.0);
	free(o);

	/* no objects: the header alone, unpadded count */
	txt = LIVE_HDR "0\n";
	assert_int_equal(ht_live_parse(txt, strlen(txt), STACKS_CAP, &o, &n,
	                               &now, &cause), 0);
	assert_int_equal(n, 0);
	free(o);
	free(cause);
}

static void test_live_parse_bad(void **state)
{
	static const struct {
		const char *text, *needle;
		size_t len; /* 0: strlen */
	} cases[] = {
		{ "", "header", 0 },
		{ "heaptop_live/2 now_ns=1 rate=1 count=0\n", "header", 0 },
		{ "heaptop_live/1 now_ns=1 rate=1 count=0", "header", 0 },
		{ "heaptop_live/1 now_ns=1 rate=1 count=0 \n", "header", 0 },
		{ "heaptop_live/1 now_ns=1  rate=1 count=0\n", "header", 0 },
		{ "heaptop_live/1 now_ns=-1 rate=1 count=0\n", "header", 0 },
		{ "heaptop_live/1 now_ns=99999999999999999999 rate=1 count=0\n", "header", 0 },
		{ "heaptop_live/1 now_ns=1 rate=0 count=0\n", "absurd", 0 },
		{ "heaptop_live/1 now_ns=0 rate=1 count=0\n", "absurd", 0 },
		{ "heaptop_live/1 now_ns=1 rate=1 count=99999999\n", "absurd", 0 },
		{ LIVE_HDR "1\n", "absurd", 0 },                       /* too short for 1 */
		{ LIVE_HDR "1\n10 1 2 3 4\n10 1 2 3 4\n", "more lines", 0 },
		{ LIVE_HDR "2\n10 1 2 3 4\n10 1 2 3 4\n\n", "more lines", 0 },
		{ LIVE_HDR "2\n10 1 2 3 4\n10 1 2 3 44\n10 1\n", "more lines", 0 },
		{ LIVE_HDR "3\n10 1 2 3 4000000\n10 1 2 3 4000000\n", "count=3", 0 },
		{ LIVE_HDR "1\n10 1 2 3 4", "malformed", 0 },          /* no newline */
		{ LIVE_HDR "1\n10 1 2 345\n", "malformed", 0 },        /* 4 fields */
		{ LIVE_HDR "1\n10 1 2 3 4 5\n", "malformed", 0 },      /* 6 fields */
		{ LIVE_HDR "1\n0x10 1 2 3 4\n", "malformed", 0 },
		{ LIVE_HDR "1\n10 1  2 3 4\n", "malformed", 0 },
		{ LIVE_HDR "1\n1G 1 2 3 4\n", "malformed", 0 },
		{ LIVE_HDR "1\n10 1 2 3 4\r\n", "malformed", 0 },
		{ LIVE_HDR "1\n10 -1 2 3 4\n", "malformed", 0 },
		{ LIVE_HDR "1\n10000000000000000 1 2 3 4\n", "malformed", 0 }, /* 17 hex */
		{ LIVE_HDR "1\n10 1 2 3 18446744073709551616\n", "malformed", 0 },
		{ LIVE_HDR "1\n10 1 2 3 4\0\n", "malformed",
		  sizeof(LIVE_HDR "1\n10 1 2 3 4\0\n") - 1 },
		{ LIVE_HDR "1\n0 1 2 3 4\n", "out of range", 0 },      /* addr 0 */
		{ LIVE_HDR "1\n10 16 2 3 4\n", "out of range", 0 },    /* stack */
		{ LIVE_HDR "1\n10 4294967312 2 3 4\n", "out of range", 0 },
		{ LIVE_HDR "1\n10 1 281474976710657 3 4\n", "out of range", 0 },
		{ LIVE_HDR "1\n10 1 2 4611686018427387904 4\n", "out of range", 0 },
		{ LIVE_HDR "1\n10 1 2 3 0\n", "out of range", 0 },     /* born 0 */
		{ LIVE_HDR "1\n10 1 2 3 5000000001\n", "out of range", 0 }, /* future */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ht_live_obj *o = (void *)1;
		size_t n = 99, len = cases[i].len ? cases[i].len :
		                     strlen(cases[i].text);
		uint64_t now = 99;
		char *cause = NULL;
		int rc;

		rc = ht_live_parse(cases[i].text, len, STACKS_CAP, &o, &n, &now,
		                   &cause);
		if (rc != -EINVAL || !cause || !strstr(cause, cases[i].needle))
			fail_msg("case %zu: expected -EINVAL with '%s', got %d: %s",
			         i, cases[i].needle, rc, cause ? cause : "(none)");
		assert_null(o);
		assert_int_equal(n, 0);
		assert_int_equal(now, 0);
		free(cause);
	}
}

/* HT_CMD_LIVE through the control page: a minor-2 runtime's file is read,
 * parsed and removed; a minor-1 runtime's -EINVAL is -ENOTSUP. */
static void live_command(uint32_t minor, int result, const char *text,
                         int expect, const char *needle, size_t expect_n)
{
	size_t size;
	unsigned char *img = build_image(&size);
	struct layout l = lay();
	struct ht_segread *r = NULL;
	struct ht_live_obj *o = NULL;
	char *cause = NULL, path[80], dir[] = "/tmp/httest-live.XXXXXX";
	struct fake_rt f = { 0 };
	pthread_t th;
	size_t n = 0;
	uint64_t now = 0;
	int fd, rc;

	((struct ht_seg_header *)img)->minor = minor;
	publish(img, size);
	snprintf(path, sizeof path, "/%s", segname);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	f.ctl = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
	             PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	             (off_t)l.control_off);
	assert_true(f.ctl != MAP_FAILED);
	f.live_result = result;
	f.live_text = text;
	f.last = __atomic_load_n(&f.ctl->req_seq, __ATOMIC_ACQUIRE);
	assert_int_equal(ht_segread_open(segname, &r, &cause), 0);
	pthread_create(&th, NULL, fake_runtime, &f);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/live", dir);
	assert_int_equal(ht_segread_live(r, "relative", &o, &n, &now, &cause),
	                 -EINVAL);
	rc = ht_segread_live(r, path, &o, &n, &now, &cause);
	if (rc != expect || (needle && (!cause || !strstr(cause, needle))))
		fail_msg("live: expected %d with '%s', got %d: %s", expect,
		         needle ? needle : "", rc, cause ? cause : "(none)");
	assert_int_equal(f.seen_cmd, HT_CMD_LIVE);
	assert_string_equal(f.seen_path, path);
	assert_int_equal(n, expect_n);
	assert_true(access(path, F_OK) != 0); /* removed */
	f.stop = 1;
	pthread_join(th, NULL);
	free(o);
	free(cause);
	rmdir(dir);
	ht_segread_close(r);
	munmap(f.ctl, (size_t)sysconf(_SC_PAGESIZE));
	close(fd);
	free(img);
}

static void test_live_command(void **state)
{
	live_command(2, 0, LIVE_HDR "1\n7f0010 9 48 12288 4999999999\n", 0,
	             NULL, 1);
	live_command(1, -EINVAL, "", -ENOTSUP, "too old", 0);
	live_command(2, -EINVAL, "", -EINVAL, "failed in the runtime", 0);
	live_command(2, 0, LIVE_HDR "1\n7f0010 99 48 12288 4999999999\n",
	             -EINVAL, "out of range", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_process_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_in_memory, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_header, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_owner, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_content, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_stripes_unused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_counts, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_counts_idx, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_negative_in_use, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_astat, setup, teardown),
		cmocka_unit_test(test_live_parse_good),
		cmocka_unit_test(test_live_parse_bad),
		cmocka_unit_test_setup_teardown(test_live_command, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_dead_process, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_truncated_while_reading,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_chained_handler,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_sigbus_passed_on,
		                                setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
