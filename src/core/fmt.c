/*
 * Format registry and file I/O: find a format by name, load a profile file
 * (detecting its format from the first line), write one atomically
 * through a temporary file and rename.  Also the helpers the format files
 * share (fmt_priv.h).  Never trusts a file: size is bounded (1 GiB),
 * every parse error names the line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cause.h"
#include "core/fmt.h"
#include "core/fmt_priv.h"

#define HT_FMT_MAX_FILE (1024ull * 1024 * 1024)

/* See fmt_priv.h. */
int ht_fmt_errorf(char **cause, const char *filename, size_t line,
                  const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!cause)
		return -EINVAL;
	va_start(ap, fmt);
	ht_cause_vset(&msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		ht_cause_set(cause, "%s:%zu: %s", filename ? filename : "<input>",
		             line, msg ? msg : "out of memory");
	else
		ht_cause_set(cause, "%s: %s", filename ? filename : "<input>",
		             msg ? msg : "out of memory");
	free(msg);
	return -EINVAL;
}

/* See fmt_priv.h. */
int ht_fmt_fail(char **cause, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ht_cause_vset(cause, fmt, ap);
	va_end(ap);
	return err;
}

static int parse_hex(const char **sp, const char *end, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;
	int nd = 0;

	while (s < end) {
		int d;
		char c = *s;

		if (c >= '0' && c <= '9') d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else break;
		if (v >> 60)
			return -1;
		v = v << 4 | (uint64_t)d;
		nd++;
		s++;
	}
	if (!nd)
		return -1;
	*sp = s;
	*out = v;
	return 0;
}

static const char *skip_blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *skip_field(const char *s, const char *end)
{
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	return s;
}

/* One maps line: start-end perms offset dev inode [path]. */
static int parse_maps_line(const char *s, const char *end, uint64_t *start,
                           uint64_t *stop, uint64_t *offset,
                           const char **path, size_t *pathlen)
{
	const char *pe;

	if (parse_hex(&s, end, start) < 0 || s >= end || *s != '-')
		return -1;
	s++;
	if (parse_hex(&s, end, stop) < 0 || *stop < *start)
		return -1;
	s = skip_blank(s, end);
	s = skip_field(s, end);                 /* perms */
	s = skip_blank(s, end);
	if (parse_hex(&s, end, offset) < 0)
		return -1;
	s = skip_blank(s, end);
	s = skip_field(s, end);                 /* dev */
	s = skip_blank(s, end);
	s = skip_field(s, end);                 /* inode */
	s = skip_blank(s, end);
	pe = end;
	while (pe > s && (pe[-1] == ' ' || pe[-1] == '\t' || pe[-1] == '\r'))
		pe--;
	static const char deleted[] = " (deleted)";
	if ((size_t)(pe - s) > sizeof deleted - 1 &&
	    memcmp(pe - (sizeof deleted - 1), deleted, sizeof deleted - 1) == 0)
		pe -= sizeof deleted - 1;
	*path = s;
	*pathlen = (size_t)(pe - s);
	return 0;
}

/* See fmt_priv.h. */
int ht_fmt_modules_from_maps(const char *maps, size_t len,
                             struct ht_module **out, size_t *n)
{
	struct ht_module *mods = NULL;
	size_t nmods = 0, cap = 0;
	const char *s = maps, *end = maps ? maps + len : NULL;

	*out = NULL;
	*n = 0;
	while (s && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		uint64_t start, stop, offset;
		const char *path;
		size_t plen;

		if (parse_maps_line(s, le, &start, &stop, &offset, &path,
		                    &plen) == 0 && plen > 0 && path[0] == '/' &&
		    plen < PATH_MAX && !memchr(path, '\0', plen)) {
			struct ht_module *last = nmods ? &mods[nmods - 1] : NULL;

			if (last && strlen(last->path) == plen &&
			    memcmp(last->path, path, plen) == 0 &&
			    start >= last->start) {
				if (stop > last->end)
					last->end = stop;
			} else {
				struct ht_module *m;

				if (ht_fmt_grow(&mods, &cap, nmods + 1,
				                sizeof *mods) < 0)
					goto nomem;
				m = &mods[nmods];
				memset(m, 0, sizeof *m);
				m->path = strndup(path, plen);
				if (!m->path)
					goto nomem;
				m->start = start;
				m->end = stop;
				m->offset = offset;
				m->base = HT_BASE_UNKNOWN;
				m->main = nmods == 0;
				nmods++;
			}
		}
		s = nl ? nl + 1 : end;
	}
	*out = mods;
	*n = nmods;
	return 0;
nomem:
	for (size_t i = 0; i < nmods; i++)
		free(mods[i].path);
	free(mods);
	return -ENOMEM;
}

/* See fmt_priv.h. */
char *ht_fmt_maps_from_modules(const struct ht_module *mods, size_t n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct ht_module *m = &mods[i];
		uint64_t off = m->offset;

		if (m->unloaded || !m->path || m->path[0] != '/')
			continue;
		if (m->base != HT_BASE_UNKNOWN && m->start >= m->base)
			off = m->start - m->base;
		fprintf(f, "%012" PRIx64 "-%012" PRIx64 " r-xp %08" PRIx64
		        " 00:00 0                          %s\n",
		        m->start, m->end, off, m->path);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

const struct ht_fmt *ht_fmt_of(enum ht_dump_format fmt)
{
	return fmt == HT_FMT_HEAP_V2 ? &ht_fmt_heap_v2 :
	       fmt == HT_FMT_COLLAPSED ? &ht_fmt_collapsed :
	       fmt == HT_FMT_SVG ? &ht_fmt_svg : &ht_fmt_pprof;
}

int ht_fmt_write_as(enum ht_dump_format fmt, const char *path,
                    const struct ht_profile *p, enum ht_fmt_value value,
                    struct ht_symbolizer *sym, const struct ht_sym_options *so,
                    char **cause)
{
	const struct ht_fmt *f = ht_fmt_of(fmt);
	struct ht_fmt_write_options wo = { value, NULL };
	struct ht_symbolizer *own = NULL;
	int err;

	if (fmt != HT_FMT_HEAP_V2) {
		if (sym && ht_symbolizer_update(sym, p) == 0) {
			wo.sym = sym;
		} else {
			err = ht_symbolizer_new(p, so, &own, cause);
			if (err < 0)
				return err;
			wo.sym = own;
		}
	}
	if (!strcmp(path, "-")) {
		err = f->write(stdout, p, &wo, cause);
		fflush(stdout);
	} else {
		err = ht_fmt_write_file(f, path, p, &wo, cause);
	}
	ht_symbolizer_free(own);
	return err;
}

/*
 * Read `path` whole (at most 1 GiB) and parse it with the heap_v2 reader,
 * which recognises heaptop's and jemalloc's heap_v2 and the gperftools
 * "heap profile:" text from the first line.  Returns 0 and *out (caller
 * frees with ht_profile_free), or -errno with *cause (caller frees).
 */
int ht_fmt_load_file(const char *path, struct ht_profile **out, char **cause)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return ht_fmt_fail(cause, rc, "%s: %s", path, strerror(-rc));
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return ht_fmt_fail(cause, rc, "%s: %s", path, strerror(-rc));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ht_fmt_fail(cause, -EISDIR, "%s: is a directory", path);
	}
	if ((uint64_t)st.st_size > HT_FMT_MAX_FILE) {
		close(fd);
		return ht_fmt_fail(cause, -EFBIG,
		                   "%s: file too large (%lld bytes, limit 1 GiB)",
		                   path, (long long)st.st_size);
	}
	/* Read to EOF (the size of a pipe or /proc file is not known). */
	for (;;) {
		ssize_t r;

		if (len == cap) {
			if (cap >= HT_FMT_MAX_FILE) {
				free(data);
				close(fd);
				return ht_fmt_fail(cause, -EFBIG,
				    "%s: file too large (limit 1 GiB)", path);
			}
			size_t want = S_ISREG(st.st_mode) && cap == 0 ?
			              (size_t)st.st_size + 1 : cap * 2 + 65536;
			if (want > HT_FMT_MAX_FILE + 1)
				want = HT_FMT_MAX_FILE + 1;
			char *n = realloc(data, want);
			if (!n) {
				free(data);
				close(fd);
				return ht_fmt_fail(cause, -ENOMEM,
				                   "%s: out of memory", path);
			}
			data = n;
			cap = want;
		}
		r = read(fd, data + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			free(data);
			close(fd);
			return ht_fmt_fail(cause, rc, "%s: %s", path,
			                   strerror(-rc));
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > HT_FMT_MAX_FILE) {
			free(data);
			close(fd);
			return ht_fmt_fail(cause, -EFBIG,
			                   "%s: file too large (limit 1 GiB)", path);
		}
	}
	close(fd);
	rc = ht_fmt_heap_v2.read(data ? data : "", len, path, out, cause);
	free(data);
	if (rc == 0 && (*out)->snapshot_time_ns == 0)
		(*out)->snapshot_time_ns =
			(uint64_t)st.st_mtim.tv_sec * 1000000000ull +
			(uint64_t)st.st_mtim.tv_nsec;
	return rc;
}

/*
 * Write p with fmt to `path` atomically: a temporary file in the same
 * directory, flushed and fsync'd, renamed into place.  The temporary is
 * removed on any failure.  0 or -errno with *cause (caller frees).
 */
int ht_fmt_write_file(const struct ht_fmt *fmt, const char *path,
                      const struct ht_profile *p,
                      const struct ht_fmt_write_options *o, char **cause)
{
	char *tmp = NULL;
	FILE *f;
	int fd, rc;

	if (cause)
		*cause = NULL;
	if (!fmt || !fmt->write)
		return ht_fmt_fail(cause, -ENOTSUP, "%s: format cannot be written",
		                   fmt ? fmt->name : "(null)");
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return ht_fmt_fail(cause, -ENOMEM, "out of memory");
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		ht_fmt_fail(cause, rc, "%s: cannot create temporary file: %s",
		            path, strerror(-rc));
		free(tmp);
		return rc;
	}
	(void)fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto fail_msg;
	}
	rc = fmt->write(f, p, o, cause);
	if (rc < 0) {
		fclose(f);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		rc = errno ? -errno : -EIO;
		fclose(f);
		goto fail_msg;
	}
	if (fclose(f) != 0) {
		rc = -errno;
		goto fail_msg;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto fail_msg;
	}
	free(tmp);
	return 0;
fail_msg:
	unlink(tmp);
	free(tmp);
	return ht_fmt_fail(cause, rc, "%s: %s", path, strerror(-rc));
}

int ht_fmt_symbolizer(const struct ht_profile *p,
                      const struct ht_fmt_write_options *o,
                      struct ht_symbolizer **sym, struct ht_symbolizer **own,
                      char **cause)
{
	int rc;

	*own = NULL;
	*sym = o ? o->sym : NULL;
	if (*sym)
		return 0;
	rc = ht_symbolizer_new(p, NULL, own, cause);
	*sym = *own;
	return rc;
}
