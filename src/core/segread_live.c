/*
 * The live-objects file (HT_CMD_LIVE, see segread.h): asked of the runtime,
 * read back and parsed without trusting a byte of it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/segread_priv.h"

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
