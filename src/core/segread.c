/*
 * Segment reader (see segread.h).  The segment is written concurrently by
 * a runtime we do not trust: layout fields are copied and validated once
 * at open and only the copies are used afterwards; every value read later
 * (indexes, depths, string offsets) is checked again before use; strings
 * are copied, never referenced in place.  Only the control page is mapped
 * writable, and only commands write it.  Every access to the mappings runs
 * under the truncation guard below: a segment that another process
 * truncates while we read it fails the read, it does not crash heaptop.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/cause.h"
#include "core/segread.h"

#define MODULE_RETRIES 2000      /* seqlock retries before -EBUSY */
#define CMD_TIMEOUT_NS 2000000000ull
#define MAX_STRINGS (64u << 20)  /* sanity bound on the strings area */

struct ht_segread {
	char *name;
	int fd;
	const unsigned char *base;  /* PROT_READ mapping of the whole segment */
	size_t size;
	struct ht_seg_control *ctl; /* read-write mapping of the control page */
	size_t ctl_map_size;
	struct ht_seg_header lay;   /* validated copy: layout fields only */
	char exe[sizeof(((struct ht_seg_header *)0)->exe)];
	char cmdline[sizeof(((struct ht_seg_header *)0)->cmdline)];
	unsigned char *strings;     /* scratch copy of the strings area */
	struct ht_seg_module *mods; /* scratch copy of the module table */
	/* ring consumer (ht_segread_ring_*): read-write mapping of the ring
	 * section, the next index to read, events dropped as invalid */
	unsigned char *ring_map;
	size_t ring_map_size;
	struct ht_seg_event *ring_ev;
	uint64_t ring_tail;
	uint64_t ring_invalid;
	/* the command slot's lock is per process: two threads of this one
	 * (the screen's and an event follower's) take turns here */
	pthread_mutex_t cmd_lock;
};

/* ---- truncation guard -----------------------------------------------------
 * Another process of the same user can truncate a segment under us; the
 * mapped pages past the new end then raise SIGBUS on access.  Each access
 * to a reader's mappings runs inside GUARD_ENTER/guard_pop: a SIGBUS whose
 * address lies in the mappings of this thread's innermost armed reader
 * jumps back to GUARD_ENTER, which then returns non-zero, and the read
 * fails with "truncated".  Any other SIGBUS goes to the disposition that
 * was installed before ours (a front end that installs its own SIGBUS
 * handler calls ht_segread_fault first, see segread.h).
 */
struct guard {
	sigjmp_buf jb;
	struct guard *prev;
	const struct ht_segread *r;
};

static __thread struct guard *tl_guard;
static struct sigaction guard_prev_action;

static bool in_range(const void *a, const void *base, size_t size)
{
	return base && (const char *)a >= (const char *)base &&
	       (size_t)((const char *)a - (const char *)base) < size;
}

bool ht_segread_fault(const siginfo_t *si)
{
	struct guard *g = tl_guard;

	if (!g || !si || si->si_signo != SIGBUS || si->si_code <= 0)
		return false;
	if (!in_range(si->si_addr, g->r->base, g->r->size) &&
	    !in_range(si->si_addr, g->r->ctl, g->r->ctl_map_size) &&
	    !in_range(si->si_addr, g->r->ring_map, g->r->ring_map_size))
		return false;
	siglongjmp(g->jb, 1);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	ht_segread_fault(si); /* returns only when the fault is not ours */
	/* hand it to the previous disposition: a fault repeats when we
	 * return, a signal sent by someone is raised again (it is blocked
	 * until we return) */
	sigaction(sig, &guard_prev_action, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

/* Put our handler in place at each open unless it already is: whoever
 * replaced it since (a test framework, a screen) becomes the disposition
 * that non-segment faults go to. */
static void guard_install(void)
{
	struct sigaction sa, cur;

	if (sigaction(SIGBUS, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == on_sigbus)
		return;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, &guard_prev_action);
}

static void guard_push(struct guard *g, const struct ht_segread *r)
{
	g->r = r;
	g->prev = tl_guard;
	tl_guard = g;
}

static void guard_pop(struct guard *g)
{
	tl_guard = g->prev;
}

/* Arm the guard for reader rd in this frame: 0 now, non-zero when a
 * truncation fault jumped back here (call guard_pop either way). */
#define GUARD_ENTER(g, rd) (guard_push(&(g), (rd)), sigsetjmp((g).jb, 1))

static void set_truncated(const struct ht_segread *r, char **cause)
{
	ht_cause_set(cause, "segment '%s' was truncated while being read (by "
	          "another process): refusing it", r->name);
}

static uint64_t ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t ld32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* True when name is 1..HT_SEG_NAME_MAX bytes of [A-Za-z0-9._-] and not
 * "." or "..".  Pure. */
bool ht_segread_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > HT_SEG_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (; *name; name++) {
		char c = *name;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* off + count * elem fits in [0, size] without overflow. */
static bool range_ok(uint64_t off, uint64_t count, uint64_t elem,
                     uint64_t size)
{
	if (off > size)
		return false;
	if (elem && count > (size - off) / elem)
		return false;
	return true;
}

/* Copy a fixed-size header string; false when it has no NUL. */
static bool copy_str(char *dst, const char *src, size_t cap)
{
	size_t n = strnlen(src, cap);

	if (n == cap)
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

/*
 * Validate a header copy against the real size of the mapping.  `h` is a
 * private copy, so nothing changes under the checks.
 */
static int check_header(const struct ht_seg_header *h, uint64_t size,
                        char **cause)
{
	long page = sysconf(_SC_PAGESIZE);

	if (h->magic == 0) {
		ht_cause_set(cause, "segment not initialised yet");
		return -EAGAIN;
	}
	if (h->magic != HT_SEG_MAGIC) {
		ht_cause_set(cause, "not a heaptop segment (bad magic 0x%016llx)",
		          (unsigned long long)h->magic);
		return -EINVAL;
	}
	if (h->major != HT_SEG_MAJOR) {
		ht_cause_set(cause, "segment ABI version %u.%u is not supported "
		          "(this heaptop reads major %d)", h->major, h->minor,
		          HT_SEG_MAJOR);
		return -EPROTO;
	}
	if (h->header_size < sizeof(struct ht_seg_header) ||
	    h->header_size > size) {
		ht_cause_set(cause, "corrupt segment: header size %u (expected at "
		          "least %zu)", h->header_size,
		          sizeof(struct ht_seg_header));
		return -EINVAL;
	}
	if (h->segment_size != size) {
		ht_cause_set(cause, "corrupt segment: header says %llu bytes, the "
		          "shared memory object has %llu",
		          (unsigned long long)h->segment_size,
		          (unsigned long long)size);
		return -EINVAL;
	}
	if (h->control_off < h->header_size || h->control_off % (uint64_t)page ||
	    h->control_size < sizeof(struct ht_seg_control) ||
	    !range_ok(h->control_off, 1, h->control_size, size)) {
		ht_cause_set(cause, "corrupt segment: control page at %llu+%llu "
		          "outside the segment or misaligned",
		          (unsigned long long)h->control_off,
		          (unsigned long long)h->control_size);
		return -EINVAL;
	}
#define SECTION(off, cnt, elem, what)                                         \
	if ((off) % 8 || !range_ok((off), (cnt), (elem), size)) {             \
		ht_cause_set(cause, "corrupt segment: %s section (offset %llu, " \
		          "%llu entries) outside the segment", what,          \
		          (unsigned long long)(off), (unsigned long long)(cnt)); \
		return -EINVAL;                                               \
	}
	SECTION(h->modules_off, h->modules_cap, sizeof(struct ht_seg_module),
	        "modules");
	SECTION(h->stacks_off, h->stacks_cap, sizeof(struct ht_seg_stack),
	        "stacks");
	SECTION(h->frames_off, h->frames_cap, sizeof(uint64_t), "frames");
	SECTION(h->ring_off, 1, sizeof(struct ht_seg_ring), "ring");
	if (h->ring_off % (uint64_t)page) {
		ht_cause_set(cause, "corrupt segment: ring section at %llu is not "
		          "page aligned", (unsigned long long)h->ring_off);
		return -EINVAL;
	}
	SECTION(h->ring_off + sizeof(struct ht_seg_ring), h->ring_cap,
	        sizeof(struct ht_seg_event), "ring events");
#undef SECTION
	if (!range_ok(h->strings_off, 1, h->strings_size, size) ||
	    h->strings_size > MAX_STRINGS) {
		ht_cause_set(cause, "corrupt segment: strings area (offset %llu, "
		          "%llu bytes) outside the segment",
		          (unsigned long long)h->strings_off,
		          (unsigned long long)h->strings_size);
		return -EINVAL;
	}
	if (h->max_depth > HT_MAX_DEPTH_LIMIT) {
		ht_cause_set(cause, "corrupt segment: max_depth %u exceeds %d",
		          h->max_depth, HT_MAX_DEPTH_LIMIT);
		return -EINVAL;
	}
	if (h->modules_cap > (1u << 20) || h->stacks_cap > (1u << 28)) {
		ht_cause_set(cause, "corrupt segment: table capacities too large");
		return -EINVAL;
	}
	if (strnlen(h->exe, sizeof h->exe) == sizeof h->exe ||
	    strnlen(h->cmdline, sizeof h->cmdline) == sizeof h->cmdline ||
	    strnlen(h->parent_name, sizeof h->parent_name) ==
	            sizeof h->parent_name) {
		ht_cause_set(cause, "corrupt segment: unterminated string in the "
		          "header");
		return -EINVAL;
	}
	return 0;
}

/* Read the header out of a live image field by field into *h (a torn read
 * of state fields does not matter: only layout fields are trusted, and
 * they are written once before the magic). */
static void read_header(const void *image, struct ht_seg_header *h)
{
	memcpy(h, image, sizeof *h);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* Validate a segment image in memory (a private copy of its header).
 * 0, -EAGAIN (not initialised), -EINVAL or -EPROTO with *cause (caller
 * frees). */
int ht_segread_check(const void *image, size_t size, char **cause)
{
	struct ht_seg_header h;

	if (size < sizeof h) {
		ht_cause_set(cause, "corrupt segment: %zu bytes, smaller than its "
		          "header", size);
		return size == 0 ? -EAGAIN : -EINVAL;
	}
	read_header(image, &h);
	return check_header(&h, size, cause);
}

/* Unmap both mappings, close the fd, free the reader.  NULL is fine. */
void ht_segread_close(struct ht_segread *r)
{
	if (!r)
		return;
	ht_segread_ring_detach(r);
	if (r->ctl)
		munmap(r->ctl, r->ctl_map_size);
	if (r->base)
		munmap((void *)r->base, r->size);
	if (r->fd >= 0)
		close(r->fd);
	free(r->strings);
	free(r->mods);
	free(r->name);
	pthread_mutex_destroy(&r->cmd_lock);
	free(r);
}

/* The part of opening that reads the mapping (under the guard): the
 * state, the validated layout copy, the control page mapping and the
 * scratch buffers.  0 or -errno with *cause; r is closed by the caller. */
static int read_layout(struct ht_segread *r, const char *name, bool writable,
                       char **cause)
{
	struct ht_seg_header h;
	int err;

	/* the runtime writes the layout, then publishes a state other than
	 * STARTING with a release store: read the state first */
	if (((const struct ht_seg_header *)r->base)->magic == HT_SEG_MAGIC &&
	    __atomic_load_n(&((const struct ht_seg_header *)r->base)->state,
	                    __ATOMIC_ACQUIRE) == HT_STATE_STARTING) {
		err = -EAGAIN;
		ht_cause_set(cause, "segment '%s' not initialised yet (the "
		          "runtime is starting)", name);
		return err;
	}
	read_header(r->base, &h);
	err = check_header(&h, r->size, cause);
	if (err < 0) {
		char *inner = cause ? *cause : NULL;

		if (cause) {
			*cause = NULL;
			ht_cause_set(cause, "segment '%s': %s", name,
			          inner ? inner : "invalid");
		}
		free(inner);
		return err;
	}
	if (h.uid != getuid()) {
		err = -EPERM;
		ht_cause_set(cause, "segment '%s' was created for uid %u, not you "
		          "(uid %u): refusing it", name, h.uid,
		          (unsigned)getuid());
		return err;
	}
	r->lay = h;
	copy_str(r->exe, h.exe, sizeof r->exe);
	copy_str(r->cmdline, h.cmdline, sizeof r->cmdline);
	if (writable) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);

		r->ctl_map_size = (h.control_size + page - 1) / page * page;
		if (h.control_off + r->ctl_map_size > r->size)
			r->ctl_map_size = sizeof(struct ht_seg_control);
		r->ctl = mmap(NULL, r->ctl_map_size, PROT_READ | PROT_WRITE,
		              MAP_SHARED, r->fd, (off_t)h.control_off);
		if (r->ctl == MAP_FAILED)
			r->ctl = NULL;
	}
	r->strings = malloc(h.strings_size + 1);
	r->mods = calloc(h.modules_cap ? h.modules_cap : 1,
	                 sizeof(struct ht_seg_module));
	if (!r->strings || !r->mods) {
		err = -ENOMEM;
		ht_cause_set(cause, "out of memory");
		return err;
	}
	return 0;
}

static int guarded_read_layout(struct ht_segread *r, const char *name,
                               bool writable, char **cause)
{
	struct guard g;
	int err;

	if (GUARD_ENTER(g, r)) {
		err = -EINVAL;
		set_truncated(r, cause);
	} else {
		err = read_layout(r, name, writable, cause);
	}
	guard_pop(&g);
	return err;
}

/* Open, validate and map segment `name`; see segread.h for the errors.
 * On success *out is owned by the caller (ht_segread_close). */
int ht_segread_open(const char *name, struct ht_segread **out, char **cause)
{
	struct ht_segread *r;
	struct stat st;
	char path[HT_SEG_NAME_MAX + 2];
	bool writable = true;
	int err;

	*out = NULL;
	if (!ht_segread_name_valid(name)) {
		ht_cause_set(cause, "invalid segment name '%s' (use up to %d "
		          "characters of A-Z a-z 0-9 . _ -)", name ? name : "",
		          HT_SEG_NAME_MAX);
		return -EINVAL;
	}
	r = calloc(1, sizeof *r);
	if (!r || !(r->name = strdup(name))) {
		free(r);
		ht_cause_set(cause, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&r->cmd_lock, NULL);
	r->fd = -1;
	snprintf(path, sizeof path, "/%s", name);
	r->fd = shm_open(path, O_RDWR | O_NOFOLLOW, 0);
	if (r->fd < 0 && (errno == EACCES || errno == EROFS)) {
		writable = false;
		r->fd = shm_open(path, O_RDONLY | O_NOFOLLOW, 0);
	}
	if (r->fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			ht_cause_set(cause, "no segment named '%s' (see heaptop "
			          "--list)", name);
		else
			ht_cause_set(cause, "cannot open segment '%s': %s", name,
			          strerror(-err));
		goto fail;
	}
	if (fstat(r->fd, &st) < 0) {
		err = -errno;
		ht_cause_set(cause, "cannot stat segment '%s': %s", name,
		          strerror(-err));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		ht_cause_set(cause, "segment '%s' is not a regular shared memory "
		          "object", name);
		goto fail;
	}
	if (st.st_uid != getuid()) {
		err = -EPERM;
		ht_cause_set(cause, "segment '%s' belongs to uid %u, not to you "
		          "(uid %u): refusing it", name, (unsigned)st.st_uid,
		          (unsigned)getuid());
		goto fail;
	}
	if ((uint64_t)st.st_size < sizeof(struct ht_seg_header)) {
		err = st.st_size == 0 ? -EAGAIN : -EINVAL;
		ht_cause_set(cause, st.st_size == 0 ?
		          "segment '%s' not initialised yet" :
		          "corrupt segment '%s': smaller than its header", name);
		goto fail;
	}
	r->size = (size_t)st.st_size;
	r->base = mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		err = -errno;
		ht_cause_set(cause, "cannot map segment '%s': %s", name,
		          strerror(-err));
		goto fail;
	}
	guard_install();
	err = guarded_read_layout(r, name, writable, cause);
	if (err < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	ht_segread_close(r);
	return err;
}

/* Copy the module list and strings under the seqlock into r->mods and
 * r->strings; *count gets the entries.  0 or -EBUSY / -EINVAL. */
static int copy_modules(struct ht_segread *r, uint32_t *count, char **cause)
{
	const struct ht_seg_header *h = (const void *)r->base;
	const struct ht_seg_module *mods =
		(const void *)(r->base + r->lay.modules_off);
	const unsigned char *strings = r->base + r->lay.strings_off;

	for (int tries = 0; tries < MODULE_RETRIES; tries++) {
		uint32_t s1 = __atomic_load_n(&h->modules_seq, __ATOMIC_ACQUIRE);
		uint32_t n, s2;

		if (s1 & 1) {
			if (tries > 10)
				usleep(100);
			continue;
		}
		n = ld32(&h->modules_count);
		if (n > r->lay.modules_cap) {
			ht_cause_set(cause, "corrupt segment: %u modules in a table "
			          "of %u", n, r->lay.modules_cap);
			return -EINVAL;
		}
		memcpy(r->mods, mods, (size_t)n * sizeof *mods);
		memcpy(r->strings, strings, r->lay.strings_size);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&h->modules_seq, __ATOMIC_RELAXED);
		if (s1 == s2) {
			*count = n;
			return 0;
		}
	}
	ht_cause_set(cause, "the module list kept changing; try again");
	return -EBUSY;
}

static void fill_counts(struct ht_counts *c, const struct ht_seg_stack *e)
{
	const double one = (double)HT_EST_ONE;
	const double vb = (double)(UINT64_C(1) << HT_VAR_BYTES_SHIFT);

	c->raw_cur_objs = ld64(&e->cur_objs);
	c->raw_cur_bytes = ld64(&e->cur_bytes);
	c->raw_cum_objs = ld64(&e->cum_objs);
	c->raw_cum_bytes = ld64(&e->cum_bytes);
	c->cur_objs = (double)ld64(&e->est_cur_objs) / one;
	c->cur_bytes = (double)ld64(&e->est_cur_bytes) / one;
	c->cum_objs = (double)ld64(&e->est_cum_objs) / one;
	c->cum_bytes = (double)ld64(&e->est_cum_bytes) / one;
	c->var_cur_objs = (double)ld64(&e->var_cur_objs) / one;
	c->var_cur_bytes = (double)ld64(&e->var_cur_bytes) * vb;
	c->var_cum_bytes = (double)ld64(&e->var_cum_bytes) * vb;
}

static enum ht_proc_state map_state(uint32_t s)
{
	switch (s) {
	case HT_STATE_STARTING: return HT_PROC_STARTING;
	case HT_STATE_RUNNING: return HT_PROC_RUNNING;
	case HT_STATE_EXITED: return HT_PROC_EXITED;
	case HT_STATE_EXECED: return HT_PROC_EXECED;
	case HT_STATE_DISABLED: return HT_PROC_DISABLED;
	default: return HT_PROC_UNKNOWN;
	}
}

/* True when `pid` now names a process started after our runtime did:
 * the pid was reused.  /proc/<pid>/stat field 22 is the start time in
 * clock ticks since boot; start_mono_ns is CLOCK_MONOTONIC at the
 * runtime's start (the same clock, but for time spent suspended). */
static bool pid_reused(int pid, uint64_t start_mono_ns)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	FILE *f;
	size_t n;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command may contain spaces */
	if (!p || hz <= 0)
		return false;
	/* after ')': state is field 3; starttime is field 22 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
	           "%*u %*d %*d %*d %*d %*d %*d %llu", &ticks) != 1)
		return false;
	return (double)ticks / (double)hz * 1e9 >
	       (double)start_mono_ns + 2e9;
}

#define ASTAT_RETRIES 1000

/* The allocator statistics under their seqlock (under the guard); zero
 * when they kept changing or make no sense. */
static void read_astat(const struct ht_seg_header *h, struct ht_alloc_stats *a)
{
	for (int tries = 0; tries < ASTAT_RETRIES; tries++) {
		uint32_t s1 = __atomic_load_n(&h->astat_seq, __ATOMIC_ACQUIRE), s2;

		if (s1 & 1) {
			if (tries > 10)
				usleep(50);
			continue;
		}
		a->kind = ld32(&h->astat_kind);
		a->time_ns = ld64(&h->astat_time_ns);
		for (int i = 0; i < HT_ASTAT_N; i++)
			a->v[i] = ld64(&h->astat[i]);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&h->astat_seq, __ATOMIC_RELAXED);
		if (s1 != s2)
			continue;
		if (a->kind > HT_ASTAT_JEMALLOC || a->kind == HT_ASTAT_NONE)
			break;
		return;
	}
	memset(a, 0, sizeof *a);
}

/* The header's view of the process (under the guard). */
static void read_status(struct ht_segread *r, struct ht_segread_status *st)
{
	const struct ht_seg_header *h = (const void *)r->base;
	uint64_t hb = ld64(&h->heartbeat_ns), now = mono_ns();

	st->state = map_state(ld32(&h->state));
	st->exit_status = (int32_t)ld32((const uint32_t *)&h->exit_status);
	st->exit_time_ns = ld64(&h->exit_time_ns);
	st->rate = ld64(&h->rate);
	st->samples = ld64(&h->samples);
	st->ring_drops = ld64(&h->ring_drops);
	st->stacks_full = ld64(&h->stacks_full);
	st->alloc.flags = ld32(&h->alloc_flags);
	if (st->alloc.flags & HT_ALLOC_F_DONE) {
		/* written before the flags (release); the prefix may be
		 * anything: keep it a string */
		st->alloc.kind = ld32(&h->alloc_kind);
		memcpy(st->alloc.prefix, h->alloc_prefix, sizeof st->alloc.prefix);
		st->alloc.prefix[sizeof st->alloc.prefix - 1] = '\0';
		if (st->alloc.kind > HT_ALLOC_MIMALLOC)
			st->alloc.kind = HT_ALLOC_UNKNOWN;
	}
	if (r->lay.minor >= 2)
		read_astat(h, &st->astat);
	if (r->lay.minor >= 3) {
		st->budget_ppm = ld64(&h->budget_ppm);
		st->overhead_ppm = ld64(&h->overhead_ppm);
		st->sample_ns = ld64(&h->sample_ns);
	}
	/* a heartbeat from the future is from a previous boot */
	st->heartbeat_age_ns = !hb ? 0 : now >= hb ? now - hb : UINT64_MAX;
}

/* Fill *st from the header, corrected by kill(pid, 0) and, when the
 * heartbeat is stale, by the pid's start time (pid reuse).  Never fails:
 * a header truncated away reads as state UNKNOWN. */
void ht_segread_status(struct ht_segread *r, struct ht_segread_status *st)
{
	struct guard g;

	memset(st, 0, sizeof *st);
	st->pid = r->lay.pid;
	if (GUARD_ENTER(g, r))
		st->state = HT_PROC_UNKNOWN; /* heartbeat unknown too: 0 */
	else
		read_status(r, st);
	guard_pop(&g);
	st->alive = r->lay.pid > 0 &&
	            (kill(r->lay.pid, 0) == 0 || errno == EPERM);
	/* a live runtime bumps the heartbeat every 100 ms; when it has been
	 * silent for seconds, make sure the pid is still the same process */
	if (st->alive && st->heartbeat_age_ns > 3000000000ull &&
	    pid_reused(r->lay.pid, r->lay.start_mono_ns))
		st->alive = false;
	if (st->state != HT_PROC_EXITED)
		st->exit_status = -1;
	if (!st->alive && (st->state == HT_PROC_RUNNING ||
	                   st->state == HT_PROC_STARTING ||
	                   st->state == HT_PROC_UNKNOWN)) {
		st->state = HT_PROC_EXITED;
		st->exit_status = -1;
	}
}

/* Fill *f from the validated header copy and the live stack count (0
 * when the segment was truncated).  Never fails. */
void ht_segread_family(struct ht_segread *r, struct ht_segread_family *f)
{
	const struct ht_seg_header *h = (const void *)r->base;
	struct guard g;
	volatile uint32_t used = 0;

	memset(f, 0, sizeof *f);
	f->ppid = r->lay.ppid;
	f->fork_child = (r->lay.flags & HT_SEG_F_CHILD) != 0;
	/* terminated: check_header refused the segment otherwise */
	if (ht_segread_name_valid(r->lay.parent_name))
		memcpy(f->parent_name, r->lay.parent_name, sizeof f->parent_name);
	if (!GUARD_ENTER(g, r))
		used = ld32(&h->stacks_used);
	guard_pop(&g);
	f->stacks_used = used > r->lay.stacks_cap ? r->lay.stacks_cap : used;
}

static int nomem(char **cause)
{
	ht_cause_set(cause, "out of memory");
	return -ENOMEM;
}

/* Fill p from the mapping (under the guard).  0 or -errno with *cause;
 * p is freed by the caller either way on failure. */
static int read_snapshot(struct ht_segread *r, struct ht_profile *p,
                         char **cause)
{
	const struct ht_seg_header *h = (const void *)r->base;
	const struct ht_seg_stack *tab =
		(const void *)(r->base + r->lay.stacks_off);
	const uint64_t *frames = (const void *)(r->base + r->lay.frames_off);
	struct ht_segread_status st;
	uint32_t nmods = 0, used;
	size_t cap = 0;
	int err;

	p->kind = HT_SOURCE_LIVE;
	ht_segread_status(r, &st);
	p->pid = st.pid;
	p->state = st.state;
	p->exit_status = st.exit_status;
	p->rate = st.rate;
	p->budget_ppm = st.budget_ppm;
	p->overhead_ppm = st.overhead_ppm;
	p->alloc = st.alloc;
	p->start_time_ns = r->lay.start_time_ns;
	/* a time before the start is a lie: unknown */
	p->exit_time_ns = st.state == HT_PROC_EXITED &&
	                  st.exit_time_ns > p->start_time_ns
	                  ? st.exit_time_ns : 0;
	p->snapshot_time_ns = real_ns();
	p->reset_generation = ld64(&h->reset_generation);
	p->samples = ld64(&h->samples);
	p->sampled_frees = ld64(&h->sampled_frees);
	p->ring_drops = ld64(&h->ring_drops);
	p->stacks_full = ld64(&h->stacks_full);
	p->addrs_full = ld64(&h->addrs_full);
	p->unwind_failures = ld64(&h->unwind_failures);
	p->internal_errors = ld64(&h->internal_errors);
	p->cmdline = strdup(r->cmdline);
	p->exe = strdup(r->exe);
	if (!p->cmdline || !p->exe)
		return nomem(cause);

	/* modules */
	err = copy_modules(r, &nmods, cause);
	if (err < 0)
		return err;
	p->modules = calloc(nmods ? nmods : 1, sizeof *p->modules);
	if (!p->modules)
		return nomem(cause);
	r->strings[r->lay.strings_size] = '\0';
	for (uint32_t i = 0; i < nmods; i++) {
		const struct ht_seg_module *sm = &r->mods[i];
		struct ht_module *m = &p->modules[p->nmodules];
		uint64_t end = (uint64_t)sm->path_off + sm->path_len;

		if (end >= r->lay.strings_size || r->strings[end] != '\0' ||
		    strnlen((const char *)r->strings + sm->path_off,
		            sm->path_len) != sm->path_len) {
			ht_cause_set(cause, "corrupt segment: module %u path "
			          "(offset %u, length %u) out of range or not "
			          "terminated", i, sm->path_off, sm->path_len);
			err = -EINVAL;
			return err;
		}
		if (sm->build_id_len > sizeof sm->build_id ||
		    sm->end < sm->start) {
			ht_cause_set(cause, "corrupt segment: module %u has a bad "
			          "build-id length or address range", i);
			err = -EINVAL;
			return err;
		}
		m->path = strndup((const char *)r->strings + sm->path_off,
		                  sm->path_len);
		if (!m->path)
			return nomem(cause);
		m->start = sm->start;
		m->end = sm->end;
		m->base = sm->base;
		m->offset = 0;
		m->build_id_len = sm->build_id_len;
		memcpy(m->build_id, sm->build_id, sm->build_id_len);
		m->main = sm->flags & HT_MOD_F_MAIN;
		m->unloaded = sm->flags & HT_MOD_F_UNLOADED;
		p->nmodules++;
	}

	/* stacks */
	used = ld32(&h->stacks_used);
	if (used > r->lay.stacks_cap)
		used = r->lay.stacks_cap;
	cap = used ? used : 16;
	p->stacks = calloc(cap, sizeof *p->stacks);
	if (!p->stacks)
		return nomem(cause);
	for (uint32_t i = 0; i < r->lay.stacks_cap; i++) {
		const struct ht_seg_stack *e = &tab[i];
		struct ht_stack *s;
		uint32_t idx, depth;

		if (!__atomic_load_n(&e->hash, __ATOMIC_ACQUIRE))
			continue;
		idx = ld32(&e->frames_idx);
		depth = ld32(&e->depth);
		if (depth > HT_MAX_DEPTH_LIMIT ||
		    (uint64_t)idx + depth > r->lay.frames_cap) {
			ht_cause_set(cause, "corrupt segment: stack %u has frames "
			          "%u+%u (table of %u, depth limit %d)", i, idx,
			          depth, r->lay.frames_cap, HT_MAX_DEPTH_LIMIT);
			err = -EINVAL;
			return err;
		}
		if (p->nstacks == cap) {
			struct ht_stack *ns;

			if (cap >= r->lay.stacks_cap)
				break;
			ns = realloc(p->stacks, cap * 2 * sizeof *ns);
			if (!ns)
				return nomem(cause);
			p->stacks = ns;
			cap *= 2;
		}
		s = &p->stacks[p->nstacks];
		memset(s, 0, sizeof *s);
		s->id = i;
		s->depth = depth;
		s->pcs = malloc((depth ? depth : 1) * sizeof *s->pcs);
		if (!s->pcs)
			return nomem(cause);
		p->nstacks++;
		for (uint32_t k = 0; k < depth; k++)
			s->pcs[k] = ld64(&frames[idx + k]);
		fill_counts(&s->counts, e);
	}
	ht_profile_sum(p);
	return 0;
}

/* A new LIVE profile from the segment's counters and modules (caller
 * owns *out).  0 or -errno with *cause; nothing is returned on error. */
int ht_segread_snapshot(struct ht_segread *r, struct ht_profile **out,
                        char **cause)
{
	struct ht_profile *p;
	struct stat sb;
	struct guard g;
	int err;

	*out = NULL;
	/* A segment shrunk under us would SIGBUS: refuse instead (and the
	 * guard catches a truncation during the read). */
	if (fstat(r->fd, &sb) == 0 && (uint64_t)sb.st_size < r->size) {
		ht_cause_set(cause, "segment '%s' was truncated", r->name);
		return -EINVAL;
	}
	p = ht_profile_new();
	if (!p)
		return nomem(cause);
	if (GUARD_ENTER(g, r)) {
		err = -EINVAL;
		set_truncated(r, cause);
	} else {
		err = read_snapshot(r, p, cause);
	}
	guard_pop(&g);
	if (err < 0) {
		ht_profile_free(p);
		return err;
	}
	*out = p;
	return 0;
}

static long futex_wake(uint32_t *addr)
{
	return syscall(SYS_futex, addr, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static bool pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static const char *cmd_name(enum ht_cmd cmd)
{
	switch (cmd) {
	case HT_CMD_RESET: return "reset";
	case HT_CMD_DUMP: return "dump";
	case HT_CMD_SET_RATE: return "set rate";
	case HT_CMD_PING: return "ping";
	case HT_CMD_LIVE: return "live objects";
	default: return "command";
	}
}

/* Run one command through the control page and wait for the runtime's
 * answer (2 s; under the guard).  The runtime's result or -errno. */
static int run_command(struct ht_segread *r, enum ht_cmd cmd, uint64_t arg,
                       const char *path, char **cause)
{
	struct ht_seg_control *c = r->ctl;
	uint32_t me = (uint32_t)getpid(), seq;
	uint64_t deadline;
	struct ht_segread_status st;
	int res;

	if (!c) {
		ht_cause_set(cause, "cannot send commands: the control page of "
		          "'%s' is not writable", r->name);
		return -EROFS;
	}
	if (path && strlen(path) >= sizeof c->path) {
		ht_cause_set(cause, "path too long for a command");
		return -ENAMETOOLONG;
	}
	ht_segread_status(r, &st);
	if (!st.alive || st.state != HT_PROC_RUNNING) {
		ht_cause_set(cause, "cannot %s: process %d is not running",
		          cmd_name(cmd), st.pid);
		return -ESRCH;
	}
	/* take the lock, stealing it from a frontend that no longer exists */
	deadline = mono_ns() + CMD_TIMEOUT_NS;
	for (;;) {
		uint32_t holder = 0;

		if (__atomic_compare_exchange_n(&c->lock, &holder, me, false,
		                                __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			break;
		if (holder == me || !pid_alive((int)holder)) {
			if (__atomic_compare_exchange_n(&c->lock, &holder, me,
			                                false, __ATOMIC_ACQUIRE,
			                                __ATOMIC_RELAXED))
				break;
			continue;
		}
		if (mono_ns() > deadline) {
			ht_cause_set(cause, "cannot %s: another heaptop (pid %u) "
			          "holds the command slot", cmd_name(cmd), holder);
			return -EBUSY;
		}
		usleep(1000);
	}
	__atomic_store_n(&c->cmd, (uint32_t)cmd, __ATOMIC_RELAXED);
	__atomic_store_n(&c->arg, arg, __ATOMIC_RELAXED);
	if (path) {
		size_t n = strlen(path);

		memcpy(c->path, path, n);
		c->path[n] = '\0';
	} else {
		c->path[0] = '\0';
	}
	__atomic_store_n(&c->result, 0, __ATOMIC_RELAXED);
	seq = __atomic_add_fetch(&c->req_seq, 1, __ATOMIC_RELEASE);
	futex_wake(&c->req_seq);
	deadline = mono_ns() + CMD_TIMEOUT_NS;
	for (;;) {
		if (__atomic_load_n(&c->ack_seq, __ATOMIC_ACQUIRE) == seq)
			break;
		if (mono_ns() > deadline || !pid_alive(st.pid)) {
			__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
			ht_cause_set(cause, "runtime not answering (pid %d, %s "
			          "command timed out after 2 s)", st.pid,
			          cmd_name(cmd));
			return -ETIMEDOUT;
		}
		usleep(500);
	}
	res = __atomic_load_n(&c->result, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
	if (res > 0 || res < -4095)
		res = -EIO;
	if (res < 0)
		ht_cause_set(cause, "%s failed in the runtime: %s", cmd_name(cmd),
		          strerror(-res));
	return res;
}

/* Run one command through the control page and wait for the runtime's
 * answer (2 s).  Returns the runtime's result or -errno, with *cause. */
int ht_segread_command(struct ht_segread *r, enum ht_cmd cmd, uint64_t arg,
                       const char *path, char **cause)
{
	struct guard g;
	int res;

	pthread_mutex_lock(&r->cmd_lock);
	if (GUARD_ENTER(g, r)) {
		res = -EIO;
		set_truncated(r, cause);
	} else {
		res = run_command(r, cmd, arg, path, cause);
	}
	guard_pop(&g);
	pthread_mutex_unlock(&r->cmd_lock);
	return res;
}

static const char *read_next_name(struct ht_segread *r, char *buf, size_t cap)
{
	const struct ht_seg_header *h = (const void *)r->base;
	char tmp[sizeof h->next_name];

	if (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != HT_STATE_EXECED)
		return NULL;
	memcpy(tmp, h->next_name, sizeof tmp);
	tmp[sizeof tmp - 1] = '\0';
	if (!ht_segread_name_valid(tmp) || strlen(tmp) >= cap)
		return NULL;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return buf;
}

/* The EXECED successor's segment name copied into buf, or NULL. */
const char *ht_segread_next_name(struct ht_segread *r, char *buf, size_t cap)
{
	struct guard g;
	const char *res;

	if (GUARD_ENTER(g, r))
		res = NULL;
	else
		res = read_next_name(r, buf, cap);
	guard_pop(&g);
	return res;
}

/* ---- event ring ------------------------------------------------------ */

/* Take control->ring_consumer for this process (under the guard).  0 or
 * -EBUSY with *cause. */
static int take_consumer(struct ht_segread *r, char **cause)
{
	uint32_t me = (uint32_t)getpid();

	for (int tries = 0; tries < 100; tries++) {
		uint32_t holder = 0;

		if (__atomic_compare_exchange_n(&r->ctl->ring_consumer, &holder, me,
		                                false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return 0;
		if (holder == me) {
			ht_cause_set(cause, "this process already consumes the "
			          "event ring of '%s'", r->name);
			return -EBUSY;
		}
		if (pid_alive((int)holder)) {
			ht_cause_set(cause, "another heaptop (pid %u) consumes the "
			          "event ring of '%s'", holder, r->name);
			return -EBUSY;
		}
		/* a dead consumer's ring: steal it */
		if (__atomic_compare_exchange_n(&r->ctl->ring_consumer, &holder, me,
		                                false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return 0;
	}
	ht_cause_set(cause, "the event ring's consumer of '%s' keeps changing",
	          r->name);
	return -EBUSY;
}

/* Where the consumer resumes: control->ring_tail, checked against the
 * producers' head (tail <= head <= tail + cap) and the slot (its seq is
 * tail when empty, tail + 1 when full; tail + cap when a previous consumer
 * died between releasing the slot and storing the tail).  0 or -EINVAL. */
static int find_tail(struct ht_segread *r, uint64_t *tail)
{
	const struct ht_seg_ring *ring = (const void *)r->ring_map;
	uint64_t cap = r->lay.ring_cap, t = ld64(&r->ctl->ring_tail);

	for (int k = 0; k < 2; k++) {
		uint64_t seq = __atomic_load_n(&r->ring_ev[t & (cap - 1)].seq,
		                               __ATOMIC_ACQUIRE);
		uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

		if (head - t > cap) /* also head < t, unsigned */
			break;
		if (seq == t || seq == t + 1) {
			*tail = t;
			return 0;
		}
		if (seq != t + cap)
			break;
		t++;
	}
	return -EINVAL;
}

static int ring_attach(struct ht_segread *r, char **cause)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;
	uint64_t cap = r->lay.ring_cap, tail = 0;
	void *m;
	int err;

	if (cap == 0 || (cap & (cap - 1))) {
		ht_cause_set(cause, "corrupt segment: ring capacity %llu is not a "
		          "power of two", (unsigned long long)cap);
		return -EINVAL;
	}
	if (r->lay.ring_off % page) {
		ht_cause_set(cause, "corrupt segment: ring not page aligned");
		return -EINVAL;
	}
	size = sizeof(struct ht_seg_ring) + cap * sizeof(struct ht_seg_event);
	size = (size + page - 1) / page * page;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
	         (off_t)r->lay.ring_off);
	if (m == MAP_FAILED) {
		err = -errno;
		ht_cause_set(cause, "cannot map the event ring of '%s' "
		          "read-write: %s", r->name, strerror(-err));
		return err == -EACCES ? -EROFS : err;
	}
	r->ring_map = m;
	r->ring_map_size = size;
	r->ring_ev = (struct ht_seg_event *)(r->ring_map + sizeof(struct ht_seg_ring));
	err = take_consumer(r, cause);
	if (err == 0 && find_tail(r, &tail) != 0) {
		__atomic_store_n(&r->ctl->ring_consumer, 0, __ATOMIC_RELEASE);
		ht_cause_set(cause, "corrupt segment: the event ring's tail %llu "
		          "does not match its slot", (unsigned long long)
		          ld64(&r->ctl->ring_tail));
		err = -EINVAL;
	}
	if (err) {
		munmap(r->ring_map, r->ring_map_size);
		r->ring_map = NULL;
		r->ring_map_size = 0;
		r->ring_ev = NULL;
		return err;
	}
	r->ring_tail = tail;
	return 0;
}

int ht_segread_ring_attach(struct ht_segread *r, char **cause)
{
	struct guard g;
	int err;

	if (r->ring_map)
		return 0;
	if (!r->ctl) {
		ht_cause_set(cause, "cannot consume the event ring: the control "
		          "page of '%s' is not writable", r->name);
		return -EROFS;
	}
	if (GUARD_ENTER(g, r)) {
		err = -EINVAL;
		set_truncated(r, cause);
		/* a half-made attach: drop the mapping, keep nothing */
		if (r->ring_map)
			munmap(r->ring_map, r->ring_map_size);
		r->ring_map = NULL;
		r->ring_map_size = 0;
		r->ring_ev = NULL;
	} else {
		err = ring_attach(r, cause);
	}
	guard_pop(&g);
	return err;
}

static bool event_valid(const struct ht_segread *r, const struct ht_seg_event *e)
{
	return e->type >= HT_EV_ALLOC && e->type <= HT_EV_MODULES &&
	       e->stack < r->lay.stacks_cap;
}

/* Pop into out (under the guard); *n counts what was stored, so that a
 * truncation fault part way keeps what was read. */
static void ring_pop(struct ht_segread *r, struct ht_event *out, size_t max,
                     volatile size_t *n)
{
	uint64_t cap = r->lay.ring_cap;
	/* each turn consumes a slot: bounded even when every event is
	 * invalid and producers keep up */
	uint64_t turns = (uint64_t)max + cap;

	while (*n < max && turns-- > 0) {
		uint64_t t = r->ring_tail;
		struct ht_seg_event *slot = &r->ring_ev[t & (cap - 1)];
		struct ht_seg_event e;
		struct ht_event *o;

		if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != t + 1)
			break;
		memcpy(&e, slot, sizeof e);
		__atomic_store_n(&slot->seq, t + cap, __ATOMIC_RELEASE);
		r->ring_tail = t + 1;
		__atomic_store_n(&r->ctl->ring_tail, t + 1, __ATOMIC_RELAXED);
		if (!event_valid(r, &e)) {
			__atomic_fetch_add(&r->ring_invalid, 1, __ATOMIC_RELAXED);
			continue;
		}
		o = &out[*n];
		o->type = e.type;
		o->tid = e.tid;
		o->stack = e.stack;
		o->time_ns = e.time_ns;
		o->born_ns = r->lay.minor >= 2 ? e.born_ns : 0;
		o->addr = e.addr;
		o->size = e.size;
		o->weight_bytes = (double)e.weight_bytes / (double)HT_EST_ONE;
		(*n)++;
	}
}

size_t ht_segread_ring_read(struct ht_segread *r, struct ht_event *out, size_t max)
{
	volatile size_t n = 0;
	struct guard g;

	if (!r || !r->ring_ev || !out || max == 0)
		return 0;
	if (!GUARD_ENTER(g, r))
		ring_pop(r, out, max, &n);
	guard_pop(&g);
	return n;
}

uint64_t ht_segread_ring_invalid(const struct ht_segread *r)
{
	return __atomic_load_n(&r->ring_invalid, __ATOMIC_RELAXED);
}

void ht_segread_ring_detach(struct ht_segread *r)
{
	struct guard g;

	if (!r || !r->ring_map)
		return;
	if (!GUARD_ENTER(g, r)) {
		uint32_t me = (uint32_t)getpid();

		__atomic_store_n(&r->ctl->ring_tail, r->ring_tail, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&r->ctl->ring_consumer, &me, 0, false,
		                            __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
	guard_pop(&g);
	munmap(r->ring_map, r->ring_map_size);
	r->ring_map = NULL;
	r->ring_map_size = 0;
	r->ring_ev = NULL;
}

/* ---- live objects ---------------------------------------------------- */

/* A literal at *p; advances. */
static bool p_lit(const char **p, const char *end, const char *lit)
{
	size_t k = strlen(lit);

	if ((size_t)(end - *p) < k || memcmp(*p, lit, k) != 0)
		return false;
	*p += k;
	return true;
}

/* 1..20 decimal digits without overflow; advances. */
static bool p_dec(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (s < end && *s >= '0' && *s <= '9' && s - *p < 20) {
		unsigned d = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		s++;
	}
	if (s == *p || (s < end && *s >= '0' && *s <= '9'))
		return false;
	*p = s;
	*v = x;
	return true;
}

/* 1..16 lowercase hex digits; advances. */
static bool p_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	for (; s < end && s - *p < 16; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else
			break;
		x = x << 4 | d;
	}
	if (s == *p || (s < end && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))))
		return false;
	*p = s;
	*v = x;
	return true;
}

int ht_live_parse(const char *buf, size_t len, uint32_t stacks_cap,
                  struct ht_live_obj **out, size_t *n, uint64_t *now_ns,
                  char **cause)
{
	const char *p = buf, *end;
	uint64_t now = 0, rate = 0, count = 0, line = 1;
	struct ht_live_obj *objs;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	*now_ns = 0;
	if (!buf || len > HT_LIVE_MAX_FILE) {
		ht_cause_set(cause, "live objects: file too large (%zu bytes)", len);
		return -EFBIG;
	}
	end = buf + len;
	if (!p_lit(&p, end, HT_LIVE_MAGIC " now_ns=") || !p_dec(&p, end, &now) ||
	    !p_lit(&p, end, " rate=") || !p_dec(&p, end, &rate) ||
	    !p_lit(&p, end, " count=") || !p_dec(&p, end, &count) ||
	    !p_lit(&p, end, "\n")) {
		ht_cause_set(cause, "live objects: line 1: not a '%s' header",
		          HT_LIVE_MAGIC);
		return -EINVAL;
	}
	if (now == 0 || rate == 0 || count > HT_LIVE_MAX_COUNT ||
	    count > (uint64_t)(end - p) / 10) {
		ht_cause_set(cause, "live objects: line 1: absurd header (now_ns "
		          "%llu, rate %llu, count %llu for %zu bytes)",
		          (unsigned long long)now, (unsigned long long)rate,
		          (unsigned long long)count, (size_t)(end - p));
		return -EINVAL;
	}
	objs = calloc(count ? count : 1, sizeof *objs);
	if (!objs)
		return nomem(cause);
	while (p < end) {
		uint64_t addr, stack, size, weight, born;

		line++;
		if (k == count) {
			ht_cause_set(cause, "live objects: line %llu: more lines than "
			          "count=%llu", (unsigned long long)line,
			          (unsigned long long)count);
			goto bad;
		}
		if (!p_hex(&p, end, &addr) || !p_lit(&p, end, " ") ||
		    !p_dec(&p, end, &stack) || !p_lit(&p, end, " ") ||
		    !p_dec(&p, end, &size) || !p_lit(&p, end, " ") ||
		    !p_dec(&p, end, &weight) || !p_lit(&p, end, " ") ||
		    !p_dec(&p, end, &born) || !p_lit(&p, end, "\n")) {
			ht_cause_set(cause, "live objects: line %llu: malformed "
			          "(expected '<hex addr> <stack> <size> <weight> "
			          "<born_ns>')", (unsigned long long)line);
			goto bad;
		}
		if (addr == 0 || stack >= stacks_cap || size > HT_LIVE_MAX_SIZE ||
		    weight >= (UINT64_C(1) << 62) || born == 0 || born > now) {
			ht_cause_set(cause, "live objects: line %llu: value out of "
			          "range (addr 0x%llx, stack %llu of %u, size %llu, "
			          "born %llu, now %llu)", (unsigned long long)line,
			          (unsigned long long)addr, (unsigned long long)stack,
			          stacks_cap, (unsigned long long)size,
			          (unsigned long long)born, (unsigned long long)now);
			goto bad;
		}
		objs[k].addr = addr;
		objs[k].size = size;
		objs[k].born_ns = born;
		objs[k].stack = (uint32_t)stack;
		objs[k].weight_bytes = (double)weight / (double)HT_EST_ONE;
		k++;
	}
	if (k != count) {
		ht_cause_set(cause, "live objects: %zu lines, the header says "
		          "count=%llu", k, (unsigned long long)count);
		goto bad;
	}
	*out = objs;
	*n = k;
	*now_ns = now;
	return 0;
bad:
	free(objs);
	return -EINVAL;
}

/* Read the whole regular file at path (ours, at most HT_LIVE_MAX_FILE
 * bytes) into a new buffer.  0 or -errno with *cause. */
static int slurp(const char *path, char **buf, size_t *len, char **cause)
{
	struct stat sb;
	size_t got = 0;
	char *b;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		ht_cause_set(cause, "live objects: cannot open %s: %s", path,
		          strerror(-err));
		return err;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != getuid()) {
		close(fd);
		ht_cause_set(cause, "live objects: %s is not a regular file of "
		          "yours", path);
		return -EINVAL;
	}
	if ((uint64_t)sb.st_size > HT_LIVE_MAX_FILE) {
		close(fd);
		ht_cause_set(cause, "live objects: %s has %llu bytes, more than "
		          "the %zu a live file may have", path,
		          (unsigned long long)sb.st_size, HT_LIVE_MAX_FILE);
		return -EFBIG;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (!b) {
		close(fd);
		return nomem(cause);
	}
	for (;;) {
		ssize_t k = read(fd, b + got, (size_t)sb.st_size + 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			err = -errno;
			close(fd);
			free(b);
			ht_cause_set(cause, "live objects: reading %s: %s", path,
			          strerror(-err));
			return err;
		}
		if (k == 0)
			break;
		got += (size_t)k;
		if (got > (size_t)sb.st_size) {
			/* it grew under us */
			close(fd);
			free(b);
			ht_cause_set(cause, "live objects: %s changed while read",
			          path);
			return -EINVAL;
		}
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
}

int ht_segread_live(struct ht_segread *r, const char *path,
                    struct ht_live_obj **out, size_t *n, uint64_t *now_ns,
                    char **cause)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	*n = 0;
	*now_ns = 0;
	if (!path || path[0] != '/') {
		ht_cause_set(cause, "live objects: the path must be absolute");
		return -EINVAL;
	}
	err = ht_segread_command(r, HT_CMD_LIVE, 0, path, cause);
	if (err == -EINVAL && r->lay.minor < 2) {
		if (cause) {
			free(*cause);
			*cause = NULL;
		}
		ht_cause_set(cause, "live objects: the runtime of '%s' (segment "
		          "ABI %u.%u) is too old to list them", r->name,
		          r->lay.major, r->lay.minor);
		return -ENOTSUP;
	}
	if (err < 0)
		return err;
	err = slurp(path, &buf, &len, cause);
	unlink(path);
	if (err < 0)
		return err;
	err = ht_live_parse(buf, len, r->lay.stacks_cap, out, n, now_ns, cause);
	free(buf);
	return err;
}

uint32_t ht_segread_minor(const struct ht_segread *r) { return r->lay.minor; }
uint32_t ht_segread_stacks_cap(const struct ht_segread *r)
{
	return r->lay.stacks_cap;
}

/* The segment name (reader-owned). */
const char *ht_segread_name(const struct ht_segread *r) { return r->name; }
/* The target's command line as copied at open (reader-owned). */
uint64_t ht_segread_start_time(const struct ht_segread *r)
{
	return r->lay.start_time_ns;
}

const char *ht_segread_cmdline(const struct ht_segread *r)
{
	return r->cmdline;
}
/* The target's executable path as copied at open (reader-owned). */
const char *ht_segread_exe(const struct ht_segread *r) { return r->exe; }
/* The target's pid from the header. */
int ht_segread_pid(const struct ht_segread *r) { return r->lay.pid; }
