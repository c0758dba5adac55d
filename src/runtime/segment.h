/*
 * Creating and laying out the shared segment (include/heaptop/segment.h
 * defines the format).  The runtime creates it with shm_open(O_CREAT |
 * O_EXCL, 0600); the unit tests lay one out in anonymous memory.
 *
 * Never allocates; never unmaps a segment other threads may still write.
 */
#ifndef HT_RUNTIME_SEGMENT_H
#define HT_RUNTIME_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include <heaptop/segment.h>

/* Default capacities: 64K stacks (1.5 MiB, and 5.5 MiB of counters per
 * stripe, touched in the order stacks are made), frames for an average
 * depth of 24 (12 MiB), 16384 events (1 MiB: 55 ms of a program sampling
 * 150,000 times a second, a sample and its free two events each), 1024
 * modules with 256 KiB of path strings; a stripe per CPU up to
 * HT_SEG_DEF_STRIPES (CPUs beyond share them). */
#define HT_SEG_DEF_STACKS 65536u
#define HT_SEG_DEF_FRAMES (65536u * 24u)
#define HT_SEG_DEF_RING 16384u
/* HEAPTOP_RING's range (a power of two): 16 KiB to 64 MiB of events. */
#define HT_SEG_MIN_RING 256u
#define HT_SEG_MAX_RING (1024u * 1024u)
#define HT_SEG_DEF_MODULES 1024u
#define HT_SEG_DEF_STRINGS (256u * 1024u)
#define HT_SEG_DEF_STRIPES 16u

struct ht_seg_caps {
	uint32_t stacks;   /* power of two */
	uint32_t frames;
	uint32_t ring;     /* power of two */
	uint32_t modules;
	uint32_t strings;  /* bytes */
	uint32_t stripes;  /* power of two, <= HT_SEG_DEF_STRIPES (0: 1) */
};

/* Pointers into a mapped segment. */
struct ht_seg_view {
	void *base;
	size_t size;
	struct ht_seg_header *hdr;
	struct ht_seg_control *ctl;
	struct ht_seg_module *modules;
	char *strings;
	struct ht_seg_stack *stacks;
	uint64_t *frames;
	unsigned char *counts; /* stripe 0's head */
	uint64_t counts_stride;
	uint32_t stripes;
	struct ht_seg_ring *ring;
	struct ht_seg_event *events;
};

/* The default capacities. */
void ht_seg_default_caps(struct ht_seg_caps *caps);

/* The stripes for `cpus` CPUs: the power of two at or above it, at most
 * HT_SEG_DEF_STRIPES (1 when unknown). */
uint32_t ht_seg_stripes_for(long cpus);

/* Total bytes of a segment with these capacities (page multiple). */
size_t ht_seg_size(const struct ht_seg_caps *caps);

/*
 * Lay out and initialise a zeroed segment of ht_seg_size(caps) bytes at
 * mem: identity, section offsets, capacities, an empty ring, state
 * STARTING.  Fills *view.  Process fields (pid, exe, ...) are the caller's.
 */
void ht_seg_format(void *mem, const struct ht_seg_caps *caps, struct ht_seg_view *view);

/* Fill *view from a mapped segment whose header is trusted (our own). */
void ht_seg_view_of(void *mem, struct ht_seg_view *view);

/* The byte ranges {offset, length, offset, length} of a segment that are
 * written as soon as it exists (header, control, modules and strings; the
 * ring's first page, its head), for ht_seg_create to reserve.  The ring's
 * slots are written only while a consumer is registered, which reserves
 * them itself (include/heaptop/segment.h, struct ht_seg_ring). */
void ht_seg_hot_ranges(const struct ht_seg_caps *caps, uint64_t reserve[4]);

/*
 * Create the shared-memory object `name` (O_EXCL, mode 0600), size it,
 * reserve the ranges in `reserve` (may be NULL; fallocate: a full
 * /dev/shm fails here with -ENOSPC instead of SIGBUS later) and map it
 * shared read-write.  Returns 0 and *mem, or -errno (-EEXIST when the name
 * is taken).  The mapping is never unmapped by the runtime.
 */
int ht_seg_create(const char *name, size_t size, const uint64_t reserve[4], void **mem);

/*
 * Map an existing segment `name` read-write when it carries our magic and
 * major version and belongs to our uid.  Returns 0 with *mem and *size set, or
 * -errno.  The caller may ht_seg_unmap it.
 */
int ht_seg_open(const char *name, void **mem, size_t *size);

/* Unmap a segment mapped with ht_seg_open. */
void ht_seg_unmap(void *mem, size_t size);

#endif /* HT_RUNTIME_SEGMENT_H */
