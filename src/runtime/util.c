/*
 * Runtime utilities (see util.h).  Runs inside malloc hooks: no allocation,
 * no stdio, errno left as found by callers that care (they save it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <heaptop/segment.h>

#include "runtime/util.h"

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void ht_log3(const char *a, const char *b, const char *c)
{
	char line[512];
	size_t n = ht_strlcpy(line, "heaptop: ", sizeof line);
	const char *parts[3] = { a, b, c };
	int saved = errno;

	for (int i = 0; i < 3; i++)
		if (parts[i])
			n += ht_strlcpy(line + n, parts[i], sizeof line - n - 1);
	line[n++] = '\n';
	write_all(2, line, n);
	errno = saved;
}

size_t ht_fmt_u64(char *buf, uint64_t v, unsigned base)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		unsigned d = (unsigned)(v % base);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

int ht_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int ht_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K': mul = UINT64_C(1) << 10; p++; break;
	case 'm': case 'M': mul = UINT64_C(1) << 20; p++; break;
	case 'g': case 'G': mul = UINT64_C(1) << 30; p++; break;
	default: break;
	}
	if (mul > 1 && *p == 'i')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0' || v == 0 || v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

int ht_name_valid(const char *name)
{
	size_t n = 0;

	if (!name)
		return 0;
	for (; name[n]; n++) {
		char c = name[n];
		if (n >= HT_SEG_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	return 1;
}

size_t ht_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return 0;
	while (src[n] && n + 1 < size) {
		/* cppcheck reads src as the shortest string passed anywhere */
		// cppcheck-suppress arrayIndexOutOfBoundsCond
		dst[n] = src[n];
		n++;
	}
	dst[n] = '\0';
	return n;
}

int ht_has_pid_conv(const char *pattern)
{
	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] != '%')
			continue;
		if (pattern[i + 1] == 'p')
			return 1;
		if (pattern[i + 1] == '%')
			i++;
	}
	return 0;
}

/* Append n bytes of s at dst[*len]; 0, or -ENAMETOOLONG past size - 1. */
static int append(char *dst, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + n >= size)
		return -ENAMETOOLONG;
	memcpy(dst + *len, s, n);
	*len += n;
	return 0;
}

int ht_expand_pid(char *dst, size_t size, const char *pattern, uint64_t pid)
{
	char num[24];
	size_t len = 0, numlen = ht_fmt_u64(num, pid, 10);
	int err = 0;

	for (size_t i = 0; pattern[i] && err == 0; i++) {
		if (pattern[i] == '%' && pattern[i + 1] == 'p') {
			err = append(dst, size, &len, num, numlen);
			i++;
		} else if (pattern[i] == '%' && pattern[i + 1] == '%') {
			err = append(dst, size, &len, "%", 1);
			i++;
		} else {
			err = append(dst, size, &len, pattern + i, 1);
		}
	}
	if (err) {
		dst[0] = '\0';
		return err;
	}
	dst[len] = '\0';
	return 0;
}

uint64_t ht_now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t ht_gettid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

ssize_t ht_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r = 0;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (r < 0)
		return -1;
	buf[n] = '\0';
	return (ssize_t)n;
}

void ht_spin_lock_slow(int *lock)
{
	unsigned spins = 0;

	for (;;) {
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
				__builtin_ia32_pause();
#endif
			} else
				sched_yield();
		}
		if (!__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
			return;
	}
}
