/*
 * Commands to the runtime through the segment's control page (see
 * segread.h): reset, dump, live objects, set rate, ping, one at a time per
 * process, each waited for with a timeout; and the name of the segment an
 * exec'd program continues in.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/segread_priv.h"

#define CMD_TIMEOUT_NS 2000000000ull

static long futex_wake(uint32_t *addr)
{
	return syscall(SYS_futex, addr, FUTEX_WAKE, 1, NULL, NULL, 0);
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
		/* a process that ended (its runtime says so before it exits;
		 * a zombie still answers kill(pid, 0)) will not answer */
		ht_segread_status(r, &st);
		if (!st.alive || st.state != HT_PROC_RUNNING) {
			__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
			ht_cause_set(cause, "cannot %s: process %d ended before "
			          "answering", cmd_name(cmd), st.pid);
			return -ESRCH;
		}
		if (mono_ns() > deadline) {
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
