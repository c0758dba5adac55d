/*
 * glibc's single-threaded paths for a single-threaded program (see
 * single.h and share/doc/internals.md, "One thread of its own").
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/allocator.h"
#include "runtime/runtime.h"
#include "runtime/single.h"
#include "runtime/util.h"

/* glibc >= 2.32 (<sys/single_threaded.h>); weak: absent elsewhere.  The
 * program's view: a copy in the executable when it refers to the flag
 * (a copy relocation), glibc's own otherwise. */
extern char __libc_single_threaded __attribute__((weak));

enum {
	S_NONE,     /* not for this process: nothing to do */
	S_NOTED,    /* single-threaded when the control thread was created */
	S_ARMED,    /* the control thread is quiet: restore at the next sample */
	S_RESTORING,
	S_ON,       /* restored: the program's thread publishes the statistics */
	S_LENDING,  /* flag cleared: the control thread reads the statistics */
	S_LENT,     /* flag cleared: the program's thread restores it at its
	             * next sample */
	S_OFF,      /* the program has threads of its own, or no restore */
};

/* The program's thread publishes the statistics when they are this old
 * (at a sample, at most every 200 ms); the control thread reads them only
 * when they are twice as old: the program has not sampled for a second
 * past its own deadline (it is idle), never at the deadline of a program
 * that samples. */
#define PUBLISH_AGE_NS 1000000000ull
#define LEND_AGE_NS (2 * PUBLISH_AGE_NS)

static int state;
static long prog_tid; /* the program's thread, once restored */
uint64_t ht_single_due_ns = UINT64_MAX;
/* glibc's own flag, the one its malloc reads (pthread_create clears it
 * and the program's view) */
static char *libc_flag;

/* glibc's own definition: the next one after the runtime in lookup order,
 * in the object that holds the real malloc. */
static char *find_libc_flag(void)
{
#if defined(__x86_64__)
	Dl_info fi, mi;
	void *malloc_fn = ht_interpose_real_malloc();
	char *f;

	if (!&__libc_single_threaded || !malloc_fn)
		return NULL;
	f = dlsym(RTLD_NEXT, "__libc_single_threaded");
	if (!f || !dladdr(f, &fi) || !dladdr(malloc_fn, &mi) || fi.dli_fbase != mi.dli_fbase)
		return NULL;
	return f;
#else
	return NULL;
#endif
}

static int flag_single(void)
{
	return __atomic_load_n(libc_flag, __ATOMIC_ACQUIRE) != 0;
}

void ht_single_note(void)
{
	int s = S_NONE;

	if (!ht_rt.keep_threaded && !libc_flag)
		libc_flag = find_libc_flag();
	if (!ht_rt.keep_threaded && libc_flag && flag_single())
		s = S_NOTED;
	__atomic_store_n(&state, s, __ATOMIC_RELEASE);
}

void ht_single_arm(int glibc_stats)
{
	int expected = S_NOTED;

	if (glibc_stats &&
	    __atomic_compare_exchange_n(&state, &expected, S_ARMED, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		__atomic_store_n(&ht_single_due_ns, 0, __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&state, S_NONE, __ATOMIC_RELEASE);
}

void ht_single_after_fork(void)
{
	int s = __atomic_load_n(&state, __ATOMIC_RELAXED);

	/* the child has one thread: the flag the parent's control thread had
	 * cleared for a reading is set, as it would be without the runtime */
	if (s == S_LENDING || s == S_LENT) {
		__atomic_store_n(libc_flag, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&__libc_single_threaded, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&state, S_NONE, __ATOMIC_RELAXED);
	__atomic_store_n(&ht_single_due_ns, UINT64_MAX, __ATOMIC_RELAXED);
}

/* The process's thread count, from /proc/self/stat (field 20), or -1. */
static long thread_count(void)
{
	char buf[1024];
	char *p;

	if (ht_read_small("/proc/self/stat", buf, sizeof buf) <= 0)
		return -1;
	/* the command name (field 2) may hold anything: after its last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (int field = 2; field < 20; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	return strtol(p + 1, NULL, 10);
}

static void stop(void)
{
	__atomic_store_n(&state, S_OFF, __ATOMIC_RELEASE);
	__atomic_store_n(&ht_single_due_ns, UINT64_MAX, __ATOMIC_RELAXED);
}

static int cas(int from, int to)
{
	return __atomic_compare_exchange_n(&state, &from, to, 0, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Set the flag back: by the program's only thread, outside glibc's malloc,
 * with the process down to this thread and the control thread. */
static void restore(int from)
{
	if (!cas(from, S_RESTORING))
		return; /* another thread is at it: this one is not alone */
	/* cleared by the control thread's creation, or by its reading, only:
	 * exactly two threads, and no other can appear meanwhile (this one is
	 * the program's only one) */
	if (thread_count() != 2) {
		stop();
		return;
	}
	prog_tid = ht_gettid();
	__atomic_store_n(libc_flag, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&__libc_single_threaded, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&state, S_ON, __ATOMIC_RELEASE);
}

int ht_single_quiet(void)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	return s != S_NONE && s != S_NOTED && s != S_OFF;
}

/* The statistics, by one thread at a time: the program's thread may still
 * be publishing (at a sample, after its last look at the state) when the
 * control thread starts to read them for an idle program. */
static void publish(struct ht_seg_header *h)
{
	static int busy;

	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		return;
	ht_allocator_stats(h);
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

void ht_single_chores(uint64_t now_ns)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (s == S_ARMED || s == S_LENT) {
		restore(s);
		s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	}
	if (s == S_LENDING)
		return; /* the control thread reads; the flag stays clear */
	if (s != S_ON) {
		__atomic_store_n(&ht_single_due_ns, UINT64_MAX, __ATOMIC_RELAXED);
		return;
	}
	if (!flag_single()) {
		/* the program created a thread (its locks are taken for real
		 * from then on): the control thread takes its work back.
		 * Unless the flag is clear because the control thread has
		 * just begun a reading (ON -> LENDING since the load above):
		 * the state is then no longer ON, and the next sample
		 * restores the flag. */
		if (cas(S_ON, S_OFF))
			stop();
		return;
	}
	/* the program's only thread, outside glibc's malloc (the sample is
	 * recorded after the real call returned) and outside the loader's
	 * locks: the control thread's periodic work */
	ht_modules_refresh(0);
	/* now_ns is a stamp, maybe the kernel's coarse tick (clock.h): a
	 * publication timed precisely since then is not stale */
	if (ht_rt.seg.hdr) {
		uint64_t last = __atomic_load_n(&ht_rt.seg.hdr->astat_time_ns, __ATOMIC_RELAXED);

		if (now_ns >= last && now_ns - last >= PUBLISH_AGE_NS)
			publish(ht_rt.seg.hdr);
	}
	__atomic_store_n(&ht_single_due_ns, now_ns + 200000000ull, __ATOMIC_RELAXED);
}

/*
 * Whether the program's thread is blocked in a system call glibc's malloc
 * never makes (a wait: read, poll, sleep, futex...), from
 * /proc/self/task/TID/syscall ("NR args... sp pc"; "running" or "-1 ..."
 * when not in a system call).  Such a thread has finished every malloc
 * call it started, and its next one reads the flag cleared.
 */
static int outside_malloc(long tid)
{
	static const long waits[] = {
		0 /* read */, 7 /* poll */, 23 /* select */, 34 /* pause */,
		35 /* nanosleep */, 43 /* accept */, 45 /* recvfrom */,
		47 /* recvmsg */, 61 /* wait4 */, 128 /* rt_sigtimedwait */,
		130 /* rt_sigsuspend */, 202 /* futex */, 230 /* clock_nanosleep */,
		232 /* epoll_wait */, 247 /* waitid */, 270 /* pselect6 */,
		271 /* ppoll */, 281 /* epoll_pwait */, 288 /* accept4 */,
		441 /* epoll_pwait2 */,
	};
	char path[64] = "/proc/self/task/", buf[256];
	size_t k = strlen(path);
	long nr;
	char *end;

	ht_fmt_u64(path + k, (uint64_t)tid, 10);
	k = strlen(path);
	memcpy(path + k, "/syscall", sizeof "/syscall");
	if (ht_read_small(path, buf, sizeof buf) <= 0)
		return 0;
	nr = strtol(buf, &end, 10);
	if (end == buf || *end != ' ')
		return 0; /* "running" */
	for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++)
		if (nr == waits[i])
			return 1;
	return 0;
}

int ht_single_ctl_stats(struct ht_seg_header *h, uint64_t now_ns)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	uint64_t last;

	if (s == S_NONE || s == S_OFF || s == S_NOTED)
		return 0; /* glibc's own locks guard the reading */
	if (s != S_ON && s != S_LENT)
		return 1;
	/* fresh from the program's samples: nothing to do */
	last = __atomic_load_n(&h->astat_time_ns, __ATOMIC_RELAXED);
	if (last && now_ns - last < LEND_AGE_NS)
		return 1;
	if (!cas(s, S_LENDING))
		return 1;
	/* clear the flag: the program's next malloc call takes the locks.
	 * The program's view too: pthread_create clears both only when it
	 * finds glibc's set, and a program that creates a thread now must
	 * not go on believing itself single-threaded. */
	__atomic_store_n(&__libc_single_threaded, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(libc_flag, 0, __ATOMIC_SEQ_CST);
	/* a malloc call started before the store may still run unlocked:
	 * read only once the thread is seen waiting outside malloc.  With
	 * threads of its own the program's next sample turns this off (its
	 * thread is then past any call it started before). */
	if (thread_count() == 2 && outside_malloc(prog_tid))
		publish(h);
	__atomic_store_n(&state, S_LENT, __ATOMIC_RELEASE);
	__atomic_store_n(&ht_single_due_ns, 0, __ATOMIC_RELEASE);
	return 1;
}
