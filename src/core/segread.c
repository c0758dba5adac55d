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
#include "core/segread_priv.h"

#define MODULE_RETRIES 2000      /* seqlock retries before -EBUSY */
#define MAX_STRINGS (64u << 20)  /* sanity bound on the strings area */


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

__thread struct guard *ht_segread_tl_guard;
static struct sigaction guard_prev_action;

static bool in_range(const void *a, const void *base, size_t size)
{
	return base && (const char *)a >= (const char *)base &&
	       (size_t)((const char *)a - (const char *)base) < size;
}

bool ht_segread_fault(const siginfo_t *si)
{
	struct guard *g = ht_segread_tl_guard;

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
	if (h->counts_stripes == 0 || h->counts_stripes > HT_SEG_MAX_STRIPES ||
	    (h->counts_stripes & (h->counts_stripes - 1)) ||
	    h->counts_stride < sizeof(struct ht_seg_stripe) +
	                       (uint64_t)h->stacks_cap * sizeof(struct ht_seg_counts) ||
	    h->counts_stride % 8 || h->counts_off % 8 ||
	    !range_ok(h->counts_off, h->counts_stripes, h->counts_stride, size)) {
		ht_cause_set(cause, "corrupt segment: counters section (offset "
		          "%llu, %u stripes of %llu bytes) outside the segment "
		          "or too small for %u stacks",
		          (unsigned long long)h->counts_off, h->counts_stripes,
		          (unsigned long long)h->counts_stride, h->stacks_cap);
		return -EINVAL;
	}
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
	if (h.magic == HT_SEG_MAGIC && h.major == HT_SEG_MAJOR &&
	    h.segment_size > r->size) {
		/* a runtime sizes its segment before it writes the magic:
		 * smaller now, someone cut it */
		ht_cause_set(cause, "segment '%s' was truncated (its header "
		          "says %llu bytes, the shared memory object has %llu)",
		          name, (unsigned long long)h.segment_size,
		          (unsigned long long)r->size);
		return -EINVAL;
	}
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

/* The stripes a reader sums: those the runtime says it used, of those
 * laid out. */
static uint64_t stripes_used(const struct ht_segread *r)
{
	const struct ht_seg_header *h = (const void *)r->base;

	return ht_seg_stripes_to_sum(ld64(&h->stripes_used), r->lay.counts_stripes);
}

/* Stack entry k's counters (counts_idx checked by the caller) summed over
 * the stripes in `used`. */
static void fill_counts(const struct ht_segread *r, uint64_t used, uint32_t k,
                        struct ht_counts *c)
{
	const double one = (double)HT_EST_ONE;
	const double vb = (double)(UINT64_C(1) << HT_VAR_BYTES_SHIFT);
	struct ht_seg_counts sum, *e = &sum;

	ht_seg_counts_sum(r->base, r->lay.counts_off, r->lay.counts_stride, used, k, &sum);

	c->raw_cur_objs = e->cur_objs;
	c->raw_cur_bytes = e->cur_bytes;
	c->raw_cum_objs = e->cum_objs;
	c->raw_cum_bytes = e->cum_bytes;
	c->cur_objs = (double)e->est_cur_objs / one;
	c->cur_bytes = (double)e->est_cur_bytes / one;
	c->cum_objs = (double)e->est_cum_objs / one;
	c->cum_bytes = (double)e->est_cum_bytes / one;
	c->var_cur_objs = (double)e->var_cur_objs / one;
	c->var_cur_bytes = (double)e->var_cur_bytes * vb;
	c->var_cum_bytes = (double)e->var_cum_bytes * vb;
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
	uint64_t hb = ld64(&h->heartbeat_ns), now = mono_ns(), frees;

	st->state = map_state(ld32(&h->state));
	st->exit_status = (int32_t)ld32((const uint32_t *)&h->exit_status);
	st->exit_time_ns = ld64(&h->exit_time_ns);
	st->rate = ld64(&h->rate);
	ht_seg_stripes_sum(r->base, r->lay.counts_off, r->lay.counts_stride,
	                   stripes_used(r), &st->samples, &frees);
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
	uint64_t used_stripes = stripes_used(r);
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
	ht_seg_stripes_sum(r->base, r->lay.counts_off, r->lay.counts_stride,
	                   used_stripes, &p->samples, &p->sampled_frees);
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
		uint32_t idx, depth, counts_idx;

		if (!__atomic_load_n(&e->hash, __ATOMIC_ACQUIRE))
			continue;
		idx = ld32(&e->frames_idx);
		depth = ld32(&e->depth);
		counts_idx = ld32(&e->counts_idx);
		if (depth > HT_MAX_DEPTH_LIMIT ||
		    (uint64_t)idx + depth > r->lay.frames_cap) {
			ht_cause_set(cause, "corrupt segment: stack %u has frames "
			          "%u+%u (table of %u, depth limit %d)", i, idx,
			          depth, r->lay.frames_cap, HT_MAX_DEPTH_LIMIT);
			err = -EINVAL;
			return err;
		}
		if (counts_idx >= r->lay.stacks_cap) {
			ht_cause_set(cause, "corrupt segment: stack %u has its "
			          "counters at %u (room for %u)", i, counts_idx,
			          r->lay.stacks_cap);
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
		fill_counts(r, used_stripes, counts_idx, &s->counts);
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
