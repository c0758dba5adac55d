/*
 * The control thread: carries out the frontend's commands (reset, dump, live,
 * set rate, ping) from the segment's control page within 100 ms, even
 * while the program is idle; bumps the heartbeat; republishes the module
 * list after dlopen/dlclose; publishes the allocator's statistics and,
 * with an overhead budget, chooses the sampling interval about once a
 * second (outside every runtime lock but cmd_lock).
 *
 * In a single-threaded program on glibc's malloc it leaves the module list
 * and the statistics to the program's thread once that thread has set
 * glibc's single-threaded flag back (single.h).
 *
 * It runs with every signal blocked and its recursion guard permanently
 * set (nothing it does is sampled).  It never blocks on the frontend: a
 * shared futex wait on req_seq with a 50 ms timeout.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/allocator.h"
#include "runtime/budget.h"
#include "runtime/runtime.h"
#include "runtime/single.h"
#include "runtime/util.h"

static void futex_wait(uint32_t *word, uint32_t val, long ns)
{
	struct timespec ts = { 0, ns };

	syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, 64, NULL, NULL, 0);
}

static int execute(struct ht_seg_control *ctl)
{
	uint32_t cmd = __atomic_load_n(&ctl->cmd, __ATOMIC_ACQUIRE);
	char path[sizeof ctl->path + 1];
	uint64_t arg;

	switch (cmd) {
	case HT_CMD_PING:
		return 0;
	case HT_CMD_RESET:
		return ht_cmd_reset();
	case HT_CMD_DUMP:
		memcpy(path, ctl->path, sizeof ctl->path);
		path[sizeof ctl->path] = '\0';
		if (path[0] != '/')
			return -EINVAL;
		return ht_cmd_dump(path);
	case HT_CMD_LIVE:
		memcpy(path, ctl->path, sizeof ctl->path);
		path[sizeof ctl->path] = '\0';
		if (path[0] != '/')
			return -EINVAL;
		return ht_cmd_live(path);
	case HT_CMD_SET_RATE:
		arg = __atomic_load_n(&ctl->arg, __ATOMIC_RELAXED);
		return ht_cmd_set_rate(arg);
	default:
		return -EINVAL;
	}
}

/* The budget's last observations (budget.h). */
struct budget_mark {
	uint64_t samples, cost_ns, timed, cpu_ns;
};

static void budget_take(struct ht_seg_header *h, struct budget_mark *m)
{
	uint64_t frees;

	(void)h;
	ht_stacks_totals(&ht_rt.stacks, &m->samples, &frees);
	m->cost_ns = __atomic_load_n(&ht_rt.cost_ns, __ATOMIC_RELAXED);
	m->timed = __atomic_load_n(&ht_rt.cost_timed, __ATOMIC_RELAXED);
	m->cpu_ns = ht_now_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* About once a second with a budget: choose the next interval from the
 * last period and publish it with the estimated overhead.  Not with
 * jemalloc's profiler as the source (it changes its rate only with a
 * reset). */
static void budget_step(struct ht_seg_header *h, struct budget_mark *last)
{
	struct budget_mark now;
	struct ht_budget_obs o;
	struct ht_budget_next nx;

	if (!ht_rt.budget_ppm || ht_allocator_bridge())
		return;
	budget_take(h, &now);
	o.rate = __atomic_load_n(&ht_rt.rate, __ATOMIC_RELAXED);
	o.budget_ppm = ht_rt.budget_ppm;
	o.samples = now.samples - last->samples;
	o.cost_ns = now.cost_ns - last->cost_ns;
	o.timed = now.timed - last->timed;
	o.cpu_ns = now.cpu_ns - last->cpu_ns;
	ht_budget_next(&o, &nx);
	if (nx.rate != o.rate && ht_cmd_set_rate(nx.rate) != 0)
		return;
	if (nx.overhead_ppm || o.samples < HT_BUDGET_MIN_SAMPLES)
		__atomic_store_n(&h->overhead_ppm, nx.overhead_ppm, __ATOMIC_RELAXED);
	if (now.timed)
		__atomic_store_n(&h->sample_ns, now.cost_ns / now.timed, __ATOMIC_RELAXED);
	*last = now;
}

static void *control_main(void *unused)
{
	struct ht_seg_view *v = &ht_rt.seg;
	struct ht_seg_control *ctl = v->ctl;
	struct ht_seg_header *h = v->hdr;
	unsigned tick = 0;
	uint64_t astat_last = 0;
	struct budget_mark mark;

	(void)unused;
	ht_guard_enter(&ht_tls); /* for the thread's life: no exit */
	prctl(PR_SET_NAME, "heaptop-ctl", 0, 0, 0);
	/* here, not in the constructor: it may start the program's own
	 * allocator (jemalloc initialises on its first call) */
	ht_allocator_detect(h);
	/* its last call that may allocate: from here on it leaves glibc's
	 * malloc to the program's thread (single.h) */
	ht_single_arm(ht_allocator_stats_glibc());
	budget_take(h, &mark);
	for (;;) {
		uint32_t req = __atomic_load_n(&ctl->req_seq, __ATOMIC_ACQUIRE);
		uint64_t now;
		int single;

		if (req != __atomic_load_n(&ctl->ack_seq, __ATOMIC_ACQUIRE)) {
			int r = execute(ctl);
			__atomic_store_n(&ctl->result, r, __ATOMIC_RELAXED);
			__atomic_store_n(&ctl->ack_seq, req, __ATOMIC_RELEASE);
			futex_wake(&ctl->ack_seq);
		}
		now = ht_now_ns(CLOCK_MONOTONIC);
		__atomic_store_n(&h->heartbeat_ns, now, __ATOMIC_RELAXED);
		if ((tick++ & 3) == 0 && !ht_single_quiet())
			ht_modules_refresh(0);
		/* statistics the program's thread publishes (single.h) are
		 * looked at every wake, so an idle program's are read once
		 * due; otherwise, and the budget, about once a second,
		 * outside every runtime lock */
		single = ht_single_ctl_stats(h, now);
		if (now - astat_last >= 1000000000ull) {
			astat_last = now;
			if (!single)
				ht_allocator_stats(h);
			budget_step(h, &mark);
		}
		if (req == __atomic_load_n(&ctl->req_seq, __ATOMIC_ACQUIRE))
			futex_wait(&ctl->req_seq, req, 50 * 1000 * 1000L);
	}
	return NULL;
}

int ht_control_start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t th;
	int r;

	if (!ht_rt.have_seg)
		return -ENOSYS;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	/* its TLS vector from the runtime's arena, not the program's heap;
	 * glibc's main arena stays the program's */
	ht_interpose_own_begin();
	ht_allocator_init_libc();
	ht_single_note();
	r = pthread_create(&th, &attr, control_main, NULL);
	ht_interpose_own_end();
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}
