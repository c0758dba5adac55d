/*
 * /proc/PID/smaps(_rollup) summarised by kind (see procmem.h).  The
 * parsers only read the text they are given; the reader reads the files
 * into a temporary buffer it frees.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cause.h"
#include "core/procmem.h"

/* One mapping's header and its Rss. */
struct mapping {
	uint64_t start, end, rss;
	char perms[5];
	uint64_t inode;
	char path[256];
	bool valid;
};

/* The next line of [*p, end): returns its length, advances *p. */
static size_t next_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);

	*line = *p;
	*p = nl ? nl + 1 : end;
	return n;
}

/* "start-end perms offset dev inode [path]"; false when not a header. */
static bool parse_header(const char *s, size_t n, struct mapping *m)
{
	char buf[512], path[256] = "";
	unsigned long long a, b, off, ino;
	char perms[5], dev[16];
	int k;

	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	k = sscanf(buf, "%llx-%llx %4s %llx %15s %llu %255[^\n]", &a, &b, perms,
	           &off, dev, &ino, path);
	if (k < 6 || b < a)
		return false;
	memset(m, 0, sizeof *m);
	m->start = a;
	m->end = b;
	memcpy(m->perms, perms, sizeof m->perms);
	m->inode = ino;
	snprintf(m->path, sizeof m->path, "%s", path);
	m->valid = true;
	return true;
}

/* "Key:   N kB" -> bytes, when the line starts with key. */
static bool parse_kb(const char *s, size_t n, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	char buf[64];
	unsigned long long v;

	if (n <= kl || memcmp(s, key, kl) != 0 || n - kl >= sizeof buf)
		return false;
	memcpy(buf, s + kl, n - kl);
	buf[n - kl] = '\0';
	if (sscanf(buf, "%llu", &v) != 1)
		return false;
	*out = (uint64_t)v * 1024;
	return true;
}

static bool is_anon(const struct mapping *m)
{
	return m->inode == 0 && m->path[0] == '\0';
}

static bool is_shmem(const struct mapping *m)
{
	return !strncmp(m->path, "/dev/shm/", 9) ||
	       !strncmp(m->path, "/SYSV", 5) ||
	       !strncmp(m->path, "/memfd:", 7) ||
	       !strncmp(m->path, "/dev/zero", 9) ||
	       (is_anon(m) && m->perms[3] == 's');
}

/* An anonymous private rw mapping right above a small ---p guard. */
static bool is_thread_stack(const struct mapping *m,
                            const struct mapping *prev)
{
	return prev->valid && is_anon(m) && !strcmp(m->perms, "rw-p") &&
	       is_anon(prev) && !strcmp(prev->perms, "---p") &&
	       prev->end == m->start &&
	       prev->end - prev->start <= HT_PROCMEM_GUARD_MAX;
}

static void account(const struct mapping *m, const struct mapping *prev,
                    struct ht_procmem *pm)
{
	pm->nmaps++;
	if (!strncmp(m->path, HT_PROCMEM_OWN_PREFIX,
	             strlen(HT_PROCMEM_OWN_PREFIX))) {
		pm->own_shm += m->rss;
		return;
	}
	pm->rss += m->rss;
	if (!strcmp(m->path, "[heap]")) {
		pm->heap += m->rss;
	} else if (!strncmp(m->path, "[stack", 6) ||
	           is_thread_stack(m, prev)) {
		pm->stacks += m->rss;
		pm->nstacks++;
	} else if (is_shmem(m)) {
		pm->shmem += m->rss;
	} else if (is_anon(m)) {
		pm->anon += m->rss;
	} else if (m->path[0] == '[') {
		pm->other += m->rss;
	} else {
		pm->file += m->rss;
	}
}

int ht_procmem_parse_smaps(const char *text, size_t len,
                           struct ht_procmem *pm)
{
	const char *p = text, *end = text + len, *line;
	struct mapping cur = { 0 }, prev = { 0 };

	memset(pm, 0, sizeof *pm);
	while (p < end) {
		size_t n = next_line(&p, end, &line);
		struct mapping next;

		if (parse_header(line, n, &next)) {
			if (cur.valid) {
				account(&cur, &prev, pm);
				prev = cur;
			}
			cur = next;
		} else if (cur.valid) {
			parse_kb(line, n, "Rss:", &cur.rss);
		}
	}
	if (cur.valid)
		account(&cur, &prev, pm);
	return pm->nmaps ? 0 : -EINVAL;
}

int ht_procmem_parse_rollup(const char *text, size_t len,
                            struct ht_procmem *pm)
{
	const char *p = text, *end = text + len, *line;
	uint64_t rss = 0;
	bool have_rss = false;

	while (p < end) {
		size_t n = next_line(&p, end, &line);

		if (parse_kb(line, n, "Rss:", &rss))
			have_rss = true;
		parse_kb(line, n, "Anonymous:", &pm->anonymous);
		parse_kb(line, n, "Swap:", &pm->swap);
	}
	if (!have_rss)
		return -EINVAL;
	pm->rss = rss > pm->own_shm ? rss - pm->own_shm : 0;
	return 0;
}

/* The whole of a /proc file (its size is unknown in advance).  0 or
 * -errno; *out malloc'd. */
static int slurp(const char *path, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

int ht_procmem_read(int pid, struct ht_procmem *pm, char **cause)
{
	char path[64], *text = NULL;
	size_t len = 0;
	int err;

	memset(pm, 0, sizeof *pm);
	if (pid <= 0) {
		ht_cause_set(cause, "no process id");
		return -EINVAL;
	}
	snprintf(path, sizeof path, "/proc/%d/smaps", pid);
	err = slurp(path, &text, &len);
	if (!err && len == 0)
		err = -ESRCH;   /* a zombie or a kernel thread: no mappings */
	if (!err)
		err = ht_procmem_parse_smaps(text, len, pm);
	free(text);
	if (err) {
		ht_cause_set(cause, "%s: %s", path, strerror(-err));
		return err;
	}
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	if (slurp(path, &text, &len) == 0) {
		struct ht_procmem copy = *pm;

		if (ht_procmem_parse_rollup(text, len, pm) < 0)
			*pm = copy;
		free(text);
	}
	return 0;
}
