/*
 * Segment creation and layout (see segment.h).  Called at start-up, in a
 * fork child and on exec; never allocates with malloc.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/ring.h"
#include "runtime/segment.h"
#include "runtime/util.h"

#define PAGE 4096u

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void ht_seg_default_caps(struct ht_seg_caps *caps)
{
	caps->stacks = HT_SEG_DEF_STACKS;
	caps->frames = HT_SEG_DEF_FRAMES;
	caps->ring = HT_SEG_DEF_RING;
	caps->modules = HT_SEG_DEF_MODULES;
	caps->strings = HT_SEG_DEF_STRINGS;
	caps->stripes = ht_seg_stripes_for(sysconf(_SC_NPROCESSORS_CONF));
}

uint32_t ht_seg_stripes_for(long cpus)
{
	uint32_t n = 1;

	while (n < HT_SEG_DEF_STRIPES && (long)n < cpus)
		n *= 2;
	return n;
}

/* The stripes laid out: at least one. */
static uint32_t stripes_of(const struct ht_seg_caps *c)
{
	return c->stripes ? c->stripes : 1;
}

struct layout {
	uint64_t control, modules, strings, stacks, frames, counts, stride, ring, total;
};

static void lay_out(const struct ht_seg_caps *c, struct layout *l)
{
	l->control = align_up(sizeof(struct ht_seg_header), PAGE);
	l->modules = l->control + PAGE;
	l->strings = l->modules + (uint64_t)c->modules * sizeof(struct ht_seg_module);
	l->stacks = align_up(l->strings + c->strings, PAGE);
	l->frames = l->stacks + (uint64_t)c->stacks * sizeof(struct ht_seg_stack);
	l->counts = align_up(l->frames + (uint64_t)c->frames * sizeof(uint64_t), PAGE);
	l->stride = align_up(sizeof(struct ht_seg_stripe) +
			     (uint64_t)c->stacks * sizeof(struct ht_seg_counts), PAGE);
	l->ring = l->counts + l->stride * stripes_of(c);
	l->total = align_up(l->ring + sizeof(struct ht_seg_ring) +
			    (uint64_t)c->ring * sizeof(struct ht_seg_event), PAGE);
}

size_t ht_seg_size(const struct ht_seg_caps *caps)
{
	struct layout l;

	lay_out(caps, &l);
	return (size_t)l.total;
}

void ht_seg_hot_ranges(const struct ht_seg_caps *caps, uint64_t reserve[4])
{
	struct layout l;

	lay_out(caps, &l);
	reserve[0] = 0;
	reserve[1] = l.stacks;
	reserve[2] = l.ring;
	reserve[3] = PAGE;
}

void ht_seg_view_of(void *mem, struct ht_seg_view *v)
{
	struct ht_seg_header *h = mem;
	char *b = mem;

	v->base = mem;
	v->size = (size_t)h->segment_size;
	v->hdr = h;
	v->ctl = (struct ht_seg_control *)(b + h->control_off);
	v->modules = (struct ht_seg_module *)(b + h->modules_off);
	v->strings = b + h->strings_off;
	v->stacks = (struct ht_seg_stack *)(b + h->stacks_off);
	v->frames = (uint64_t *)(b + h->frames_off);
	v->counts = (unsigned char *)(b + h->counts_off);
	v->counts_stride = h->counts_stride;
	v->stripes = h->counts_stripes;
	v->ring = (struct ht_seg_ring *)(b + h->ring_off);
	v->events = (struct ht_seg_event *)(b + h->ring_off + sizeof(struct ht_seg_ring));
}

void ht_seg_format(void *mem, const struct ht_seg_caps *caps, struct ht_seg_view *v)
{
	struct ht_seg_header *h = mem;
	struct layout l;

	lay_out(caps, &l);
	h->magic = HT_SEG_MAGIC;
	h->major = HT_SEG_MAJOR;
	h->minor = HT_SEG_MINOR;
	h->header_size = sizeof *h;
	h->segment_size = l.total;
	h->control_off = l.control;
	h->control_size = PAGE;
	h->modules_off = l.modules;
	h->strings_off = l.strings;
	h->strings_size = caps->strings;
	h->stacks_off = l.stacks;
	h->frames_off = l.frames;
	h->counts_off = l.counts;
	h->counts_stride = l.stride;
	h->counts_stripes = stripes_of(caps);
	h->ring_off = l.ring;
	h->modules_cap = caps->modules;
	h->stacks_cap = caps->stacks;
	h->frames_cap = caps->frames;
	h->ring_cap = caps->ring;
	h->state = HT_STATE_STARTING;
	ht_seg_view_of(mem, v);
	ht_ring_init(v->ring);
}

static void shm_path(char *buf, size_t n, const char *name)
{
	size_t k = ht_strlcpy(buf, "/", n);

	ht_strlcpy(buf + k, name, n - k);
}

int ht_seg_create(const char *name, size_t size, const uint64_t reserve[4], void **mem)
{
	char path[HT_SEG_NAME_MAX + 8];
	void *p;
	int fd, err;

	if (!ht_name_valid(name))
		return -EINVAL;
	shm_path(path, sizeof path, name);
	fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		err = -errno;
		close(fd);
		shm_unlink(path);
		return err;
	}
	/* Reserve the pages written at once (header, control, modules, ring):
	 * on a full tmpfs creation fails here with -ENOSPC instead of SIGBUS in
	 * the target.  The stack and frame areas stay sparse (most of the
	 * 19 MiB is never touched).  Filesystems without fallocate stay
	 * sparse throughout. */
	if (reserve != NULL) {
		for (int i = 0; i < 2; i++) {
			if (reserve[2 * i + 1] == 0)
				continue;
			if (fallocate(fd, 0, (off_t)reserve[2 * i], (off_t)reserve[2 * i + 1]) != 0 &&
			    errno != EOPNOTSUPP && errno != ENOSYS) {
				err = -errno;
				close(fd);
				shm_unlink(path);
				return err;
			}
		}
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = -errno;
	close(fd);
	if (p == MAP_FAILED) {
		shm_unlink(path);
		return err;
	}
	*mem = p;
	return 0;
}

int ht_seg_open(const char *name, void **mem, size_t *size)
{
	char path[HT_SEG_NAME_MAX + 8];
	struct ht_seg_header *h;
	struct stat st;
	void *p;
	int fd;

	if (!ht_name_valid(name))
		return -EINVAL;
	shm_path(path, sizeof path, name);
	fd = shm_open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || st.st_uid != getuid() ||
	    (size_t)st.st_size < sizeof *h) {
		close(fd);
		return -EPERM;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -ENOMEM;
	h = p;
	if (h->magic != HT_SEG_MAGIC || h->major != HT_SEG_MAJOR ||
	    h->segment_size != (uint64_t)st.st_size) {
		munmap(p, (size_t)st.st_size);
		return -EPROTO;
	}
	*mem = p;
	*size = (size_t)st.st_size;
	return 0;
}

void ht_seg_unmap(void *mem, size_t size)
{
	munmap(mem, size);
}
