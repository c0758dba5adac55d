/*
 * Runtime utilities: logging with write(2), integer formatting, parsing of
 * configuration values, clocks and a tiny spinlock.
 *
 * Runs inside the target's malloc: nothing here may allocate, use stdio,
 * abort, or block on anything but a lock held by code that never blocks.
 */
#ifndef HT_RUNTIME_UTIL_H
#define HT_RUNTIME_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define HT_EXPORT __attribute__((visibility("default")))
#define HT_LIKELY(x) __builtin_expect(!!(x), 1)
#define HT_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Write "heaptop: <a><b><c>\n" to stderr with write(2); NULL parts are
 * skipped.  Never fails visibly. */
void ht_log3(const char *a, const char *b, const char *c);

/* Format v in base 10 or 16 (lowercase, no prefix) into buf, which must hold
 * at least 21 bytes; NUL terminates.  Returns the length. */
size_t ht_fmt_u64(char *buf, uint64_t v, unsigned base);

/* Parse a size: decimal digits with an optional K, M or G suffix (powers of
 * 1024, case-insensitive, optionally followed by "B" or "iB").  Stores the
 * value in *out.  Returns 0, or -EINVAL for anything else, for 0, and on
 * overflow. */
int ht_parse_size(const char *s, uint64_t *out);

/* Parse plain decimal digits into *out.  Returns 0 or -EINVAL. */
int ht_parse_u64(const char *s, uint64_t *out);

/* True when name is a valid segment name: 1..HT_SEG_NAME_MAX bytes of
 * [A-Za-z0-9._-], not "." or "..". */
int ht_name_valid(const char *name);

/* Bounded string copy that always NUL terminates dst (size > 0).  Returns
 * the length copied. */
size_t ht_strlcpy(char *dst, const char *src, size_t size);

/* True when pattern contains the %p conversion (a "%%" is not one). */
int ht_has_pid_conv(const char *pattern);

/* Expand pattern into dst (size > 0): "%p" becomes pid in decimal, "%%" a
 * single '%'; any other '%' is kept as it is.  Returns 0, or -ENAMETOOLONG
 * when the result does not fit (dst then holds "" ). */
int ht_expand_pid(char *dst, size_t size, const char *pattern, uint64_t pid);

/* Nanoseconds of the given clock. */
uint64_t ht_now_ns(clockid_t clk);

/* The calling thread's kernel id (a raw syscall, no libc cache). */
uint32_t ht_gettid(void);

/* A small file (/proc) read into buf (size > 0), NUL-terminated, at most
 * size - 1 bytes: its length (0 when empty), or -1 when it cannot be
 * opened or read (buf then holds ""). */
ssize_t ht_read_small(const char *path, char *buf, size_t size);

/* Spinlock for short critical sections.  Runtime rule: a lock is only ever
 * held while the thread's recursion guard is set, so a signal handler on
 * the same thread never tries to take it (its hooks see the guard and pass
 * straight through). */
void ht_spin_lock_slow(int *lock);
static inline void ht_spin_lock(int *lock)
{
	if (HT_UNLIKELY(__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)))
		ht_spin_lock_slow(lock);
}
static inline void ht_spin_unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

#endif /* HT_RUNTIME_UTIL_H */
