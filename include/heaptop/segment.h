/*
 * heaptop shared-memory segment ABI.
 *
 * This header is a protocol between two processes: the runtime
 * (libheaptop.so, inside the target) writes the segment, the frontend
 * (heaptop) reads it and writes only the control page.  Both compile this
 * one header.  Layout rules: fixed-width fields, explicit padding, no
 * pointers, every section located by offset and size from the header,
 * static asserts on sizes and offsets.
 *
 *   +-------------------------------+ 0
 *   | struct ht_seg_header          |  read-only for the frontend
 *   +-------------------------------+ control_off (page aligned)
 *   | struct ht_seg_control         |  the one page a frontend writes
 *   +-------------------------------+ modules_off
 *   | struct ht_seg_module[cap]     |  loaded objects, seqlock-published
 *   | char strings[strings_size]    |  module paths, NUL terminated
 *   +-------------------------------+ stacks_off
 *   | struct ht_seg_stack[cap]      |  open-addressed stack table + counters
 *   +-------------------------------+ frames_off
 *   | uint64_t frames[cap]          |  return addresses, innermost first
 *   +-------------------------------+ counts_off (page aligned)
 *   | stripe 0: struct ht_seg_stripe|  per-CPU sample counts
 *   |   struct ht_seg_counts[cap]   |  per-stack counters, by counts_idx
 *   | stripe 1 ... (counts_stride   |
 *   |   bytes each)                 |
 *   +-------------------------------+ ring_off (page aligned)
 *   | struct ht_seg_ring            |  event ring header
 *   | struct ht_seg_event[cap]      |  fixed-size event slots
 *   +-------------------------------+ segment_size
 *
 * !!! Bump HT_SEG_MAJOR when you change the size, offset or meaning of any
 * !!! field below.  Bump HT_SEG_MINOR when you only append fields to the
 * !!! end of a struct that a reader may ignore.  A reader rejects an
 * !!! unknown major and accepts any minor.
 *
 * Concurrency: fields the runtime updates while the frontend reads are
 * naturally aligned 64-bit (or 32-bit) words, written with atomic stores;
 * the frontend reads them with relaxed atomic loads and never assumes two
 * fields are consistent with each other unless a seqlock says so.
 */
#ifndef HEAPTOP_SEGMENT_H
#define HEAPTOP_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#define HT_SEG_MAGIC UINT64_C(0x31504f5450414548) /* "HEAPTOP1" little-endian */
#define HT_SEG_MAJOR 3
#define HT_SEG_MINOR 4 /* minors count on across majors: a reader's
                         * "minor >= N" tests keep their meaning */

/* Segment names: shm_open names without the leading '/', at most
 * HT_SEG_NAME_MAX bytes, characters [A-Za-z0-9._-] only. */
#define HT_SEG_NAME_MAX 200

/* Estimates are fixed point: value * 2^HT_EST_SHIFT, unsigned 64-bit. */
#define HT_EST_SHIFT 8
#define HT_EST_ONE (UINT64_C(1) << HT_EST_SHIFT)

/* Byte variances are stored as bytes^2 >> HT_VAR_BYTES_SHIFT. */
#define HT_VAR_BYTES_SHIFT 20

#define HT_MAX_DEPTH_LIMIT 256 /* frames per stack, hard limit */

enum ht_seg_state {
	HT_STATE_STARTING = 0, /* segment created, not yet initialised */
	HT_STATE_RUNNING = 1,
	HT_STATE_EXITED = 2,   /* exit_status valid */
	HT_STATE_EXECED = 3,   /* process exec'd; successor named in next_name */
	HT_STATE_DISABLED = 4, /* runtime gave up (reason in disabled_reason) */
};

/* Header flags. */
#define HT_SEG_F_CHILD UINT32_C(0x1) /* created by a fork child */

struct ht_seg_header {
	/* identity and layout: written once at creation */
	uint64_t magic;           /* HT_SEG_MAGIC */
	uint32_t major;           /* HT_SEG_MAJOR */
	uint32_t minor;           /* HT_SEG_MINOR */
	uint32_t header_size;     /* sizeof(struct ht_seg_header), bytes */
	uint32_t flags;           /* HT_SEG_F_* */
	uint64_t segment_size;    /* total bytes of the segment */

	int32_t pid;              /* target process id */
	int32_t ppid;             /* its parent at creation */
	uint32_t uid;             /* real uid of the target */
	uint32_t max_depth;       /* frames recorded per stack, <= 256 */
	uint64_t start_time_ns;   /* CLOCK_REALTIME at runtime start, ns */
	uint64_t start_mono_ns;   /* CLOCK_MONOTONIC at runtime start, ns */
	char exe[256];            /* /proc/self/exe target, NUL terminated */
	char cmdline[512];        /* argv joined by spaces, NUL terminated, may be cut */
	char parent_name[HT_SEG_NAME_MAX + 8]; /* fork child: the parent's segment */

	/* sections: offsets from the segment start, bytes */
	uint64_t control_off;     /* struct ht_seg_control, page aligned */
	uint64_t control_size;
	uint64_t modules_off;     /* struct ht_seg_module[modules_cap] */
	uint64_t strings_off;     /* module path strings */
	uint64_t strings_size;
	uint64_t stacks_off;      /* struct ht_seg_stack[stacks_cap] */
	uint64_t frames_off;      /* uint64_t[frames_cap] */
	uint64_t ring_off;        /* struct ht_seg_ring + events[ring_cap] */
	uint32_t modules_cap;     /* entries */
	uint32_t stacks_cap;      /* entries, a power of two */
	uint32_t frames_cap;      /* uint64_t slots */
	uint32_t ring_cap;        /* events, a power of two */

	/* state: updated while running */
	uint32_t state;           /* enum ht_seg_state */
	int32_t exit_status;      /* valid when state == EXITED: exit code, or
	                           * 128 + signal when killed by a signal */
	uint64_t exit_time_ns;    /* CLOCK_REALTIME at exit, 0 before */
	uint64_t heartbeat_ns;    /* CLOCK_MONOTONIC, bumped by the control
	                           * thread at least every 100 ms while alive */
	char next_name[HT_SEG_NAME_MAX + 8]; /* EXECED: the new image's segment */
	char disabled_reason[64];

	/* sampling */
	uint64_t rate;            /* mean sampling interval, bytes (1 = all) */
	uint64_t reset_generation;/* bumped by each reset */
	uint64_t reset_time_ns;   /* CLOCK_REALTIME of the last reset, 0 = none */

	/* the counters' stripes (struct ht_seg_stripe, then the stacks'
	 * struct ht_seg_counts[stacks_cap]): counts_stripes of them, a power
	 * of two, counts_stride bytes apart from counts_off (page aligned) */
	uint64_t counts_off;
	uint64_t counts_stride;

	/* counters, monotonic since start (not cleared by reset); the
	 * samples and the sampled frees are counted per stripe */
	uint64_t allocs_seen;     /* approximate: sampled threads' alloc calls
	                           * are not counted exactly; informational */
	uint64_t ring_drops;      /* events dropped because the ring was full */
	uint64_t stacks_full;     /* samples lost: stack table or frames full */
	uint64_t addrs_full;      /* samples lost: address map full */
	uint64_t unwind_failures; /* samples with an empty backtrace */
	uint64_t internal_errors; /* other degraded paths (mmap failure, ...) */
	uint32_t stacks_used;     /* stack table entries in use */
	uint32_t frames_used;     /* frame slots in use */
	uint32_t modules_count;   /* module entries published */
	uint32_t modules_seq;     /* seqlock: odd while the runtime rewrites
	                           * modules and strings; readers retry */

	/* the program's allocator (minor 1): written by the control thread
	 * once it has looked; alloc_flags carries HT_ALLOC_F_DONE last */
	uint32_t alloc_kind;      /* enum ht_alloc_kind */
	uint32_t alloc_flags;     /* HT_ALLOC_F_* */
	char alloc_prefix[16];    /* jemalloc's symbol prefix ("_rjem_"), NUL
	                           * terminated, "" for none */

	/* the allocator's own statistics (minor 2), refreshed by the control
	 * thread about once a second.  Seqlock: the writer makes astat_seq
	 * odd, writes the other fields, makes it even again (release); a
	 * reader copies them between two equal even reads of astat_seq.  A
	 * minor-1 runtime leaves all of it zero (= no statistics). */
	uint32_t astat_kind;      /* enum ht_astat_kind; NONE: astat[] is 0 */
	uint32_t astat_seq;       /* seqlock: odd while the control thread writes */
	uint64_t astat_time_ns;   /* CLOCK_MONOTONIC of the last update, 0 = never */
	uint64_t astat[6];        /* bytes; see enum ht_astat_kind */

	/* the overhead budget and the stack walker (minor 3); zero from an
	 * older runtime.  `rate` above is the interval in force either way. */
	uint64_t budget_ppm;      /* HEAPTOP_BUDGET in millionths of the
	                           * program's CPU time; 0 = no budget (the
	                           * rate stays where it was set) */
	uint64_t overhead_ppm;    /* with a budget: the runtime's estimated cost
	                           * at `rate`, millionths of the program's CPU
	                           * time, re-evaluated about once a second;
	                           * 0 = not measured yet (or no budget) */
	uint64_t sample_ns;       /* with a budget: measured mean cost of one
	                           * sample and its free, ns; 0 = not yet */
	uint64_t walked;          /* samples unwound by the frame-pointer
	                           * walker (counted per thread in batches of
	                           * 64: approximate) */
	uint32_t counts_stripes;  /* stripes laid out, a power of two <= 64 */
	uint32_t reserved;        /* zero */
	uint64_t stripes_used;    /* bit s set once stripe s holds anything:
	                           * a reader sums those stripes only (the
	                           * others may never have been touched) */
};

/* What astat[] holds (astat_kind).
 *   HT_ASTAT_GLIBC (glibc's mallinfo2, glibc >= 2.33, only when the
 *   program's malloc is glibc's):
 *     [0] arena     non-mmapped bytes obtained from the system (arena)
 *     [1] in use    bytes in allocated chunks (uordblks)
 *     [2] free      bytes in free chunks (fordblks)
 *     [3] mmapped   bytes in mmapped chunks (hblkhd)
 *     [4] [5]       0
 *   HT_ASTAT_JEMALLOC (mallctl after writing "epoch"; a jemalloc built
 *   without statistics, or any mallctl error, gives NONE):
 *     [0] stats.allocated  [1] stats.active    [2] stats.resident
 *     [3] stats.retained   [4] stats.mapped    [5] stats.metadata */
enum ht_astat_kind {
	HT_ASTAT_NONE = 0,
	HT_ASTAT_GLIBC = 1,
	HT_ASTAT_JEMALLOC = 2,
};
#define HT_ASTAT_N 6

/* Allocators (alloc_kind). */
enum ht_alloc_kind {
	HT_ALLOC_UNKNOWN = 0,
	HT_ALLOC_GLIBC = 1,
	HT_ALLOC_JEMALLOC = 2,
	HT_ALLOC_TCMALLOC = 3,
	HT_ALLOC_MIMALLOC = 4,
};

/* alloc_flags. */
#define HT_ALLOC_F_DONE       UINT32_C(0x01) /* detection finished */
#define HT_ALLOC_F_STATIC     UINT32_C(0x02) /* linked into the executable */
#define HT_ALLOC_F_HOOKED     UINT32_C(0x04) /* the program's allocations
                                              * reach the runtime's hooks */
#define HT_ALLOC_F_PROF_BUILT UINT32_C(0x08) /* jemalloc: config.prof */
#define HT_ALLOC_F_PROF_ON    UINT32_C(0x10) /* jemalloc: opt.prof (set at
                                              * its start, prof:true) */
#define HT_ALLOC_F_BRIDGE     UINT32_C(0x20) /* the heap data comes from
                                              * jemalloc's profiler: DUMP
                                              * is prof.dump, RESET is
                                              * prof.reset, SET_RATE is
                                              * prof.reset with lg_sample */

/* Commands, frontend -> runtime. */
enum ht_cmd {
	HT_CMD_NONE = 0,
	HT_CMD_RESET = 1,     /* prof.reset semantics */
	HT_CMD_DUMP = 2,      /* heap_v2 dump to path (absolute) */
	HT_CMD_SET_RATE = 3,  /* arg = new mean interval in bytes, >= 1 */
	HT_CMD_PING = 4,      /* no-op; proves the runtime answers */
	HT_CMD_LIVE = 5,      /* (minor 2) every live sampled object of the
	                       * current reset generation to path (absolute),
	                       * see HT_LIVE_MAGIC; a minor-1 runtime answers
	                       * -EINVAL */
};

/*
 * HT_CMD_LIVE's file: written through <path>.tmp.<pid> and renamed into
 * place, mode 0600, text, one object per line:
 *
 *   heaptop_live/1 now_ns=<N> rate=<R> count=<C>
 *   <addr hex> <stack index> <size> <weight_bytes> <born_ns>
 *   ...
 *
 * now_ns is CLOCK_MONOTONIC when the runtime started the listing; objects
 * born later are left out, so every born_ns <= now_ns.  rate is the
 * header's rate then.  count (decimal, zero-padded to 20 digits: the
 * runtime writes it last, in place) is the number of object lines.  addr
 * is lowercase hex without 0x; stack indexes the stack table; size is the
 * requested size; weight_bytes the unbiased bytes in fixed point
 * (HT_EST_SHIFT); born_ns the CLOCK_MONOTONIC time of the allocation.
 * Every line ends with '\n'.  Objects freed or allocated while the
 * listing runs may or may not be in it.  When the heap data comes from
 * jemalloc's profiler (HT_ALLOC_F_BRIDGE) the runtime has no objects of
 * its own: the file is the header alone, count 0.
 */
#define HT_LIVE_MAGIC "heaptop_live/1"


/*
 * The control page.  The only memory a frontend writes.
 *
 * Protocol: a frontend takes `lock` by CAS 0 -> its pid (a lock whose pid
 * no longer exists may be stolen), writes cmd, arg and path, then
 * increments req_seq and FUTEX_WAKEs it (a shared futex).  The runtime's
 * control thread waits on req_seq (futex, 50 ms timeout), carries the
 * command out, stores result and then ack_seq = req_seq.  The frontend
 * waits for ack_seq == its req_seq (timeout: 2 s), reads result, and
 * releases the lock.
 *
 * Ring consumption: a frontend that wants the event stream takes
 * `ring_consumer` by CAS 0 -> its pid (the pid of a consumer that no
 * longer exists may be stolen the same way); only that process advances
 * ring_tail (struct ht_seg_ring lives in the runtime-written area, so the
 * tail lives here).  The consumer also writes each consumed slot's seq
 * (see struct ht_seg_ring), so it maps the ring section read-write:
 * ring_off is page aligned for that.  The runtime pushes events only
 * while ring_consumer is not 0.
 */
struct ht_seg_control {
	uint32_t lock;            /* pid of the frontend issuing a command, 0 = free */
	uint32_t req_seq;         /* futex word: bumped by the frontend */
	uint32_t ack_seq;         /* set by the runtime when done */
	uint32_t cmd;             /* enum ht_cmd */
	int32_t result;           /* 0 or -errno */
	uint32_t _pad0;
	uint64_t arg;             /* command argument (rate) */
	char path[1024];          /* command argument (dump path), NUL terminated */
	uint32_t ring_consumer;   /* pid of the ring's consumer, 0 = none */
	uint32_t _pad1;
	uint64_t ring_tail;       /* next event index the consumer reads */
	uint64_t reserved[8];
};

struct ht_seg_module {
	uint64_t base;            /* load bias (dlpi_addr): runtime address minus
	                           * the ELF file's virtual address */
	uint64_t start;           /* lowest mapped address of its PT_LOAD segments */
	uint64_t end;             /* one past the highest */
	uint32_t path_off;        /* offset into the strings area */
	uint32_t path_len;        /* bytes, without the NUL */
	uint32_t build_id_len;    /* bytes used in build_id, 0 = none */
	uint32_t flags;           /* HT_MOD_F_* */
	uint8_t build_id[40];
};
#define HT_MOD_F_MAIN     UINT32_C(0x1) /* the main executable */
#define HT_MOD_F_UNLOADED UINT32_C(0x2) /* dlclose'd; kept for symbolization */
#define HT_MOD_F_RUNTIME  UINT32_C(0x4) /* libheaptop itself */

/*
 * A stack table entry.  Open addressing, linear probing, never deleted.
 * `hash` is 0 while empty; the runtime writes frames_idx, depth and
 * counts_idx first and publishes the entry with a release store of `hash`.
 * A reader that sees hash != 0 (acquire) may read
 * frames[frames_idx .. frames_idx + depth) and the stack's counters at
 * counts_idx (< stacks_cap) of each stripe.  counts_idx numbers the entries
 * in the order they were made, so the counters of a few stacks sit in a
 * few pages of each stripe.
 */
struct ht_seg_stack {
	uint64_t hash;            /* 0 = empty */
	uint32_t frames_idx;      /* index into the frames array */
	uint32_t depth;           /* frames, 0 when the unwinder failed */
	uint32_t counts_idx;      /* its counters in each stripe */
	uint32_t reserved;        /* zero */
};

/*
 * A stack's counters, one set per stripe.  A sample or a sampled free
 * changes the set of the stripe of the CPU it runs on, so threads on
 * different CPUs never write the same lines; the stack's counters are the
 * sums over the stripes in use (ht_seg_counts_sum).  Arithmetic is modulo
 * 2^64: an object sampled on one CPU and freed on another leaves one
 * stripe "negative", and a sum of in-use counters read while they change
 * may be briefly negative (a reader takes it as zero).
 *
 * Counters follow jemalloc's prof_cnt: cur* = in use now, cum* = allocated
 * since the last reset.  *_objs/_bytes are raw sample counts and the sampled
 * objects' requested sizes; est_* are unbiased estimates in fixed point
 * (HT_EST_SHIFT): each sample of size z at rate R adds 1/(1 - e^(-z/R))
 * objects and z/(1 - e^(-z/R)) bytes.  Reset zeroes them all.
 */
struct ht_seg_counts {
	uint64_t cur_objs;        /* raw sampled objects in use */
	uint64_t cur_bytes;       /* raw sampled bytes in use */
	uint64_t cum_objs;        /* raw sampled objects since reset */
	uint64_t cum_bytes;       /* raw sampled bytes since reset */
	uint64_t est_cur_objs;    /* estimates, fixed point */
	uint64_t est_cur_bytes;
	uint64_t est_cum_objs;
	uint64_t est_cum_bytes;
	/* Variance of the estimates (Horvitz-Thompson: each sample taken with
	 * probability p = 1 - e^(-z/R) adds (1-p)/p^2 objects^2 and
	 * z^2 (1-p)/p^2 bytes^2), for the standard error the frontend shows. */
	uint64_t var_cur_objs;    /* objects^2, fixed point (HT_EST_SHIFT) */
	uint64_t var_cur_bytes;   /* bytes^2 / 2^HT_VAR_BYTES_SHIFT, integer */
	uint64_t var_cum_bytes;   /* same, since reset */
};

/* The head of a stripe (one cache line), followed by its
 * struct ht_seg_counts[stacks_cap].  Monotonic since start. */
struct ht_seg_stripe {
	uint64_t samples;         /* sampled allocations recorded */
	uint64_t sampled_frees;   /* frees of sampled addresses */
	uint64_t reserved[6];
};

#define HT_SEG_MAX_STRIPES 64

/* The stripes a reader sums: those marked in `used` (the header's
 * stripes_used) of the `stripes` laid out. */
static inline uint64_t ht_seg_stripes_to_sum(uint64_t used, uint32_t stripes)
{
	return used & (stripes >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << stripes) - 1);
}

/* The address of stripe s's counters of entry k (no checks: a reader
 * validates counts_off, counts_stride, counts_stripes and k first). */
static inline const struct ht_seg_counts *
ht_seg_counts_at(const void *seg, uint64_t counts_off, uint64_t stride,
		 uint32_t s, uint32_t k)
{
	const unsigned char *b = (const unsigned char *)seg + counts_off +
				 (uint64_t)s * stride + sizeof(struct ht_seg_stripe);

	return (const struct ht_seg_counts *)(const void *)b + k;
}

/* Entry k's counters summed over the stripes in `used` (a mask of at most
 * the laid-out stripes), each word read once with a relaxed load; in-use
 * sums that read negative are zero. */
static inline void ht_seg_counts_sum(const void *seg, uint64_t counts_off, uint64_t stride,
				     uint64_t used, uint32_t k, struct ht_seg_counts *out)
{
	enum { N = sizeof(struct ht_seg_counts) / sizeof(uint64_t) };
	uint64_t sum[N] = { 0 };

	for (uint32_t s = 0; used; s++, used >>= 1) {
		const uint64_t *c;

		if (!(used & 1))
			continue;
		c = (const uint64_t *)(const void *)ht_seg_counts_at(seg, counts_off, stride, s, k);
		for (unsigned i = 0; i < N; i++)
			sum[i] += __atomic_load_n(&c[i], __ATOMIC_RELAXED);
	}
	out->cur_objs = (int64_t)sum[0] < 0 ? 0 : sum[0];
	out->cur_bytes = (int64_t)sum[1] < 0 ? 0 : sum[1];
	out->cum_objs = sum[2];
	out->cum_bytes = sum[3];
	out->est_cur_objs = (int64_t)sum[4] < 0 ? 0 : sum[4];
	out->est_cur_bytes = (int64_t)sum[5] < 0 ? 0 : sum[5];
	out->est_cum_objs = sum[6];
	out->est_cum_bytes = sum[7];
	out->var_cur_objs = (int64_t)sum[8] < 0 ? 0 : sum[8];
	out->var_cur_bytes = (int64_t)sum[9] < 0 ? 0 : sum[9];
	out->var_cum_bytes = sum[10];
}

/* The samples and sampled frees summed over the stripes in `used`. */
static inline void ht_seg_stripes_sum(const void *seg, uint64_t counts_off, uint64_t stride,
				      uint64_t used, uint64_t *samples, uint64_t *frees)
{
	*samples = 0;
	*frees = 0;
	for (uint32_t s = 0; used; s++, used >>= 1) {
		const struct ht_seg_stripe *head;

		if (!(used & 1))
			continue;
		head = (const struct ht_seg_stripe *)(const void *)
			((const unsigned char *)seg + counts_off + (uint64_t)s * stride);
		*samples += __atomic_load_n(&head->samples, __ATOMIC_RELAXED);
		*frees += __atomic_load_n(&head->sampled_frees, __ATOMIC_RELAXED);
	}
}

/* Event ring: bounded multi-producer single-consumer queue (Vyukov).  A
 * producer claims index h = head with CAS if event[h % cap].seq == h, fills
 * the slot and publishes seq = h + 1 (release).  A slot whose seq is not h
 * means full: the event is dropped and ring_drops counted.  The consumer
 * reads slot t % cap when seq == t + 1, then stores seq = t + cap (release)
 * and advances control->ring_tail.  Never blocks.
 *
 * (Major 3) A slot stores its seq less its own index in the ring
 * (ht_seg_seq_load, ht_seg_seq_store), so that zeroed memory is the empty
 * ring (slot i expects producer index i): a segment is created without
 * writing its ring, whose pages cost nothing until a consumer registers
 * and events flow.  A consumer reserves them first (fallocate). */
struct ht_seg_ring {
	uint64_t head;            /* next index producers claim */
	uint64_t reserved[7];
};

enum ht_event_type {
	HT_EV_ALLOC = 1,          /* a sampled allocation */
	HT_EV_FREE = 2,           /* free of a sampled allocation */
	HT_EV_RESET = 3,
	HT_EV_MODULES = 4,        /* module list republished */
};

struct ht_seg_event {
	uint64_t seq;             /* see struct ht_seg_ring: stored less the
	                           * slot's index (ht_seg_seq_load) */
	uint32_t type;            /* enum ht_event_type */
	uint32_t tid;             /* thread id */
	uint64_t time_ns;         /* CLOCK_MONOTONIC */
	uint64_t addr;            /* object address */
	uint64_t size;            /* requested bytes */
	uint64_t weight_bytes;    /* unbiased bytes, fixed point */
	uint32_t stack;           /* index into the stack table */
	uint32_t _pad;
	uint64_t born_ns;         /* (minor 2) ALLOC: == time_ns; FREE: the
	                           * freed object's birth (CLOCK_MONOTONIC);
	                           * other types: 0.  Minor 1: always 0. */
};

/* The seq of slot `slot`, index `i` in the ring (0..cap-1): acquire. */
static inline uint64_t ht_seg_seq_load(const struct ht_seg_event *slot, uint64_t i)
{
	return __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) + i;
}

/* Publish `seq` in slot `slot`, index `i`: release. */
static inline void ht_seg_seq_store(struct ht_seg_event *slot, uint64_t i, uint64_t seq)
{
	__atomic_store_n(&slot->seq, seq - i, __ATOMIC_RELEASE);
}

_Static_assert(sizeof(struct ht_seg_header) % 8 == 0, "header size");
_Static_assert(offsetof(struct ht_seg_header, magic) == 0, "magic first");
_Static_assert(sizeof(struct ht_seg_control) <= 4096, "control fits a page");
_Static_assert(sizeof(struct ht_seg_module) == 80, "module entry");
_Static_assert(sizeof(struct ht_seg_stack) == 24, "stack entry");
_Static_assert(sizeof(struct ht_seg_counts) == 88, "a stack's counters");
_Static_assert(sizeof(struct ht_seg_stripe) == 64, "a stripe's head: one line");
_Static_assert(sizeof(struct ht_seg_ring) == 64, "ring header");
_Static_assert(sizeof(struct ht_seg_event) == 64, "event slot");
_Static_assert(offsetof(struct ht_seg_header, astat_kind) == 1544 &&
	       offsetof(struct ht_seg_header, budget_ppm) + 6 * 8 ==
	       sizeof(struct ht_seg_header), "header: the budget and the stripes last");
_Static_assert(sizeof(struct ht_seg_header) == 1656, "header size (major 2)");

#endif /* HEAPTOP_SEGMENT_H */
