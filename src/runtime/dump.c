/*
 * heap_v2 writer (see dump.h and share/doc/internals.md, "Dumps").  No
 * malloc, no stdio: a stack buffer flushed with write(2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h> /* rename(2) only: no streams */
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include "runtime/addrmap.h"
#include "runtime/dump.h"
#include "runtime/util.h"

struct wbuf {
	int fd;
	int err;
	size_t len;
	char buf[16384];
};

static void wflush(struct wbuf *w)
{
	size_t off = 0;

	while (off < w->len && !w->err) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	w->len = 0;
}

static void wmem(struct wbuf *w, const char *s, size_t n)
{
	while (n > 0) {
		size_t k = sizeof w->buf - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
		if (w->len == sizeof w->buf)
			wflush(w);
	}
}

static void wstr(struct wbuf *w, const char *s)
{
	wmem(w, s, strlen(s));
}

static void wnum(struct wbuf *w, uint64_t v, unsigned base)
{
	char tmp[24];

	wmem(w, tmp, ht_fmt_u64(tmp, v, base));
}

static void wcounts(struct wbuf *w, const uint64_t c[4])
{
	wstr(w, "  t*: ");
	wnum(w, c[0], 10);
	wstr(w, ": ");
	wnum(w, c[1], 10);
	wstr(w, " [");
	wnum(w, c[2], 10);
	wstr(w, ": ");
	wnum(w, c[3], 10);
	wstr(w, "]\n");
}

/* A standard error as "<integer>.<3 digits>" (the reader's format). */
static void wse(struct wbuf *w, double var)
{
	double se = var > 0 ? sqrt(var) : 0;
	uint64_t milli;

	if (!(se < 1.8e16))
		se = 1.8e16;
	milli = (uint64_t)llround(se * 1000);
	wstr(w, " ");
	wnum(w, milli / 1000, 10);
	wstr(w, ".");
	wnum(w, milli / 100 % 10, 10);
	wnum(w, milli / 10 % 10, 10);
	wnum(w, milli % 10, 10);
}

/* "  # se: ..." after a stack's counts: the standard errors of its
 * estimates, which the pre-adjusted counts cannot carry for a stack of
 * mixed sizes (share/doc/formats.md, "Standard errors"). */
static void wstderr(struct wbuf *w, const struct ht_seg_counts *e)
{
	const double vb = (double)(UINT64_C(1) << HT_VAR_BYTES_SHIFT);

	wstr(w, "  # se:");
	wse(w, (double)e->var_cur_objs / (double)HT_EST_ONE);
	wse(w, (double)e->var_cur_bytes * vb);
	wse(w, (double)e->var_cum_bytes * vb);
	wstr(w, "\n");
}

void ht_dump_adjust(uint64_t est_objs, uint64_t est_bytes, uint64_t rate,
		    uint64_t *c, uint64_t *s)
{
	double o = (double)est_objs / HT_EST_ONE, b = (double)est_bytes / HT_EST_ONE;
	double p = 1.0, cv;

	if (est_objs == 0) {
		*c = *s = 0;
		return;
	}
	if (rate > 1)
		p = -expm1(-(b / o) / (double)rate);
	cv = round(o * p);
	*c = cv < 1.0 ? 1 : (uint64_t)cv;
	*s = (uint64_t)llround(b * p);
}

/* The four written counts of stack i: cur objs, cur bytes, cum objs, cum
 * bytes, from its counters summed over the stripes (*sum).  Returns 0 when
 * all are zero or the stack is not dumpable. */
static int stack_counts(const struct ht_dump_src *src, uint32_t i, struct ht_seg_counts *sum,
			uint64_t c[4])
{
	const struct ht_stack_table *t = src->stacks;
	const struct ht_seg_stack *e = &t->entries[i];

	if (!__atomic_load_n(&e->hash, __ATOMIC_ACQUIRE) || e->depth == 0 ||
	    e->frames_idx > t->frames_cap || e->depth > t->frames_cap - e->frames_idx)
		return 0;
	ht_stacks_counts(t, i, sum);
	ht_dump_adjust(sum->est_cur_objs, sum->est_cur_bytes, src->rate, &c[0], &c[1]);
	ht_dump_adjust(sum->est_cum_objs, sum->est_cum_bytes, src->rate, &c[2], &c[3]);
	return (c[0] | c[1] | c[2] | c[3]) != 0;
}

static void copy_file(struct wbuf *w, const char *path)
{
	char tmp[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		w->err = -errno;
		return;
	}
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			w->err = -errno;
		if (n <= 0)
			break;
		wmem(w, tmp, (size_t)n);
	}
	close(fd);
}

/* "<path>.tmp.<pid>" into tmp (1100 bytes).  0 or -errno. */
static int tmp_name(char *tmp, size_t size, const char *path)
{
	size_t n;

	if (!path || !*path)
		return -EINVAL;
	if (strlen(path) > size - 40)
		return -ENAMETOOLONG;
	n = ht_strlcpy(tmp, path, size);
	n += ht_strlcpy(tmp + n, ".tmp.", size - n);
	ht_fmt_u64(tmp + n, (uint64_t)getpid(), 10);
	return 0;
}

/* Flush and close w, rename tmp to path (or remove tmp on error). */
static int finish(struct wbuf *w, const char *tmp, const char *path)
{
	int err;

	wflush(w);
	err = w->err;
	if (close(w->fd) != 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) != 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int ht_dump_write(const struct ht_dump_src *src, const char *path)
{
	char tmp[1100];
	uint64_t tot[4] = { 0, 0, 0, 0 }, c[4];
	struct ht_seg_counts sum;
	struct wbuf w;
	int err;

	err = tmp_name(tmp, sizeof tmp, path);
	if (err)
		return err;
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0)
		return -errno;
	w.err = 0;
	w.len = 0;

	for (uint32_t i = 0; i < src->stacks->cap; i++) {
		if (!stack_counts(src, i, &sum, c))
			continue;
		for (int k = 0; k < 4; k++)
			tot[k] += c[k];
	}
	wstr(&w, "heap_v2/");
	wnum(&w, src->rate ? src->rate : 1, 10);
	wstr(&w, "\n");
	wcounts(&w, tot);
	for (uint32_t i = 0; i < src->stacks->cap; i++) {
		const struct ht_seg_stack *e = &src->stacks->entries[i];

		if (!stack_counts(src, i, &sum, c))
			continue;
		wstr(&w, "@");
		for (uint32_t d = 0; d < e->depth; d++) {
			wstr(&w, " 0x");
			wnum(&w, src->stacks->frames[e->frames_idx + d], 16);
		}
		wstr(&w, "\n");
		wcounts(&w, c);
		wstderr(&w, &sum);
	}
	wstr(&w, "\nMAPPED_LIBRARIES:\n");
	copy_file(&w, src->maps_path);
	return finish(&w, tmp, path);
}

/* ---- HT_CMD_LIVE ---------------------------------------------------- */

#define COUNT_DIGITS 20

int ht_live_write(struct ht_addrmap *map, uint32_t gen, uint64_t now_ns,
		  uint64_t rate, const char *path)
{
	char tmp[1100], digits[24], padded[COUNT_DIGITS];
	struct ht_addr_rec *recs = NULL;
	size_t recs_size = 0, count_off, k;
	uint64_t count = 0;
	struct wbuf w;
	int err;

	err = tmp_name(tmp, sizeof tmp, path);
	if (err)
		return err;
	if (map) {
		recs_size = (size_t)ht_addrmap_shard_max(map) * sizeof *recs;
		recs = mmap(NULL, recs_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (recs == MAP_FAILED)
			return -ENOMEM;
	}
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w.fd < 0) {
		err = -errno;
		if (recs)
			munmap(recs, recs_size);
		return err;
	}
	w.err = 0;
	w.len = 0;
	/* the count is only known at the end: zero-padded, written in place */
	wstr(&w, HT_LIVE_MAGIC " now_ns=");
	wnum(&w, now_ns, 10);
	wstr(&w, " rate=");
	wnum(&w, rate ? rate : 1, 10);
	wstr(&w, " count=");
	count_off = w.len;
	memset(padded, '0', sizeof padded);
	wmem(&w, padded, sizeof padded);
	wstr(&w, "\n");
	for (unsigned s = 0; map && s < HT_ADDRMAP_SHARDS && !w.err; s++) {
		uint32_t n = ht_addrmap_copy_shard(map, s, gen, recs,
						   ht_addrmap_shard_max(map));

		/* the shard's lock is released: from here on only our copy */
		for (uint32_t i = 0; i < n; i++) {
			const struct ht_addr_rec *r = &recs[i];

			if (r->born_ns > now_ns)
				continue; /* born after the listing began */
			wnum(&w, r->addr, 16);
			wstr(&w, " ");
			wnum(&w, r->stack, 10);
			wstr(&w, " ");
			wnum(&w, r->size, 10);
			wstr(&w, " ");
			wnum(&w, r->w.est_bytes, 10);
			wstr(&w, " ");
			wnum(&w, r->born_ns, 10);
			wstr(&w, "\n");
			count++;
		}
	}
	if (recs)
		munmap(recs, recs_size);
	wflush(&w);
	k = ht_fmt_u64(digits, count, 10);
	memset(padded, '0', sizeof padded);
	memcpy(padded + sizeof padded - k, digits, k);
	while (!w.err) {
		ssize_t r = pwrite(w.fd, padded, sizeof padded, (off_t)count_off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof padded)
			w.err = r < 0 ? -errno : -EIO;
		break;
	}
	return finish(&w, tmp, path);
}
