/*
 * Following a jemalloc program's own dumps (see follow.h).
 *
 * jemalloc writes a dump in place (open, buffered writes, close; no
 * temporary file), so a file seen in a directory listing may be half
 * written.  A dump is taken only when
 *   - it is settled: its size and mtime did not change since the previous
 *     poll, or it is older than HT_FOLLOW_SETTLE_NS, or its process is gone;
 *   - it holds the MAPPED_LIBRARIES section, which jemalloc writes last;
 *   - the heap_v2 reader accepts it.
 * A settled file that fails the last two checks is skipped with a notice
 * and not tried again until its size or mtime changes; the previous dump
 * stays current.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/grow.h"
#include "core/cause.h"
#include "core/fmt.h"
#include "core/follow.h"
#include "core/model.h"

#define MAX_DUMP_SIZE (1024ull * 1024 * 1024)
#define MAX_NOTICES 32

struct entry {
	char *name;            /* file name in the directory */
	int pid;
	uint64_t seq;
	char kind;
	int64_t kseq;
	uint64_t size, mtime_ns;
};

struct mark {                  /* a file as seen at some poll */
	char *name;
	uint64_t size, mtime_ns;
};

struct ht_follow {
	char *prefix;
	char *dir;             /* PREFIX's directory ("." when none) */
	char *base;            /* PREFIX after the last '/' */
	struct ht_profile *cur;
	struct entry cur_e;    /* cur_e.name owned */
	char cur_path[PATH_MAX];
	bool have;
	struct mark *prev;     /* the previous poll's listing */
	size_t nprev;
	struct mark *bad;      /* files skipped, by size and mtime */
	size_t nbad;
	uint64_t *seen;        /* seqs of the followed pid found so far */
	size_t nseen;
	uint64_t loaded;
	unsigned npids;
	bool told_dead;        /* the notice about ended processes */
	char *notices[MAX_NOTICES];
	size_t nnotices;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void notice(struct ht_follow *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(struct ht_follow *f, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	if (f->nnotices == MAX_NOTICES) {   /* nobody reads them: drop old */
		free(f->notices[0]);
		memmove(f->notices, f->notices + 1,
		        (MAX_NOTICES - 1) * sizeof *f->notices);
		f->nnotices--;
	}
	f->notices[f->nnotices++] = s;
}

const char *ht_follow_kind_name(char kind)
{
	switch (kind) {
	case 'i': return "interval";
	case 'u': return "gdump";
	case 'm': return "manual";
	case 'f': return "final";
	default: return "unknown";
	}
}

bool ht_follow_pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

int ht_follow_open(const char *prefix, struct ht_follow **out, char **cause)
{
	struct ht_follow *f;
	const char *slash;
	DIR *d;
	int err;

	*out = NULL;
	if (!prefix || !*prefix) {
		ht_cause_set(cause, "--follow needs a PREFIX (jemalloc's "
		             "prof_prefix)");
		return -EINVAL;
	}
	slash = strrchr(prefix, '/');
	if ((slash ? slash[1] : prefix[0]) == '\0') {
		ht_cause_set(cause, "--follow %s: PREFIX names files, not a "
		             "directory (e.g. %sjeprof)", prefix, prefix);
		return -EINVAL;
	}
	f = calloc(1, sizeof *f);
	if (!f || !(f->prefix = strdup(prefix)))
		goto nomem;
	if (slash == prefix)
		f->dir = strdup("/");
	else if (slash)
		f->dir = strndup(prefix, (size_t)(slash - prefix));
	else
		f->dir = strdup(".");
	f->base = strdup(slash ? slash + 1 : prefix);
	if (!f->dir || !f->base)
		goto nomem;
	d = opendir(f->dir);
	if (!d) {
		err = -errno;
		if (err == -ENOENT)
			ht_cause_set(cause, "--follow %s: the directory %s does "
			             "not exist", prefix, f->dir);
		else
			ht_cause_set(cause, "--follow %s: cannot read the "
			             "directory %s: %s", prefix, f->dir,
			             strerror(-err));
		ht_follow_free(f);
		return err;
	}
	closedir(d);
	*out = f;
	return 0;
nomem:
	ht_follow_free(f);
	ht_cause_set(cause, "out of memory");
	return -ENOMEM;
}

static void free_marks(struct mark *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}

void ht_follow_free(struct ht_follow *f)
{
	if (!f)
		return;
	ht_profile_free(f->cur);
	free(f->cur_e.name);
	free_marks(f->prev, f->nprev);
	free_marks(f->bad, f->nbad);
	free(f->seen);
	for (size_t i = 0; i < f->nnotices; i++)
		free(f->notices[i]);
	free(f->prefix);
	free(f->dir);
	free(f->base);
	free(f);
}

/* Digits at *p into *v, advancing *p; false when there are none. */
static bool digits(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s++ - '0');
	}
	*v = n;
	*p = s;
	return true;
}

/* "<base>.<pid>.<seq>.<kind>[<kseq>].heap" (jemalloc's prof_dump_filename
 * in src/prof_sys.c). */
static bool parse_name(const char *base, const char *name, struct entry *e)
{
	size_t bl = strlen(base);
	const char *p = name;
	uint64_t pid, seq, kseq;

	if (strncmp(p, base, bl) != 0 || p[bl] != '.')
		return false;
	p += bl + 1;
	if (!digits(&p, &pid) || pid == 0 || pid > INT32_MAX || *p++ != '.' ||
	    !digits(&p, &seq) || *p++ != '.')
		return false;
	if (!strchr("iumf", *p) || !*p)
		return false;
	e->kind = *p++;
	e->kseq = digits(&p, &kseq) ? (int64_t)(kseq & INT64_MAX) : -1;
	if (strcmp(p, ".heap") != 0)
		return false;
	e->pid = (int)pid;
	e->seq = seq;
	return true;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	/* by pid, then each pid's dumps by seq, newest first */
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->seq > y->seq ? -1 : x->seq < y->seq ? 1 : 0;
}

static void free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* The directory's dumps matching the prefix.  0 or -errno with *cause. */
static int scan(struct ht_follow *f, struct entry **out, size_t *nout,
                char **cause)
{
	DIR *d = opendir(f->dir);
	struct dirent *de;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	int err;

	*out = NULL;
	*nout = 0;
	if (!d) {
		err = -errno;
		ht_cause_set(cause, "--follow %s: cannot read the directory "
		             "%s: %s", f->prefix, f->dir, strerror(-err));
		return err;
	}
	while ((de = readdir(d))) {
		struct entry e;
		struct stat st;

		memset(&e, 0, sizeof e);
		if (!parse_name(f->base, de->d_name, &e))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (ht_grow(&v, &cap, n + 1, sizeof *v) < 0)
			goto nomem;
		e.name = strdup(de->d_name);
		if (!e.name)
			goto nomem;
		e.size = (uint64_t)st.st_size;
		e.mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
		             (uint64_t)st.st_mtim.tv_nsec;
		v[n++] = e;
	}
	closedir(d);
	*out = v;
	*nout = n;
	return 0;
nomem:
	closedir(d);
	free_entries(v, n);
	ht_cause_set(cause, "out of memory");
	return -ENOMEM;
}

static const struct mark *find_mark(const struct mark *m, size_t n,
                                    const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

static bool same_mark(const struct mark *m, const struct entry *e)
{
	return m && m->size == e->size && m->mtime_ns == e->mtime_ns;
}

static void add_bad(struct ht_follow *f, const struct entry *e)
{
	struct mark *nb;

	for (size_t i = 0; i < f->nbad; i++) {
		if (!strcmp(f->bad[i].name, e->name)) {
			f->bad[i].size = e->size;
			f->bad[i].mtime_ns = e->mtime_ns;
			return;
		}
	}
	nb = realloc(f->bad, (f->nbad + 1) * sizeof *nb);
	if (!nb)
		return;
	f->bad = nb;
	nb[f->nbad].name = strdup(e->name);
	if (!nb[f->nbad].name)
		return;
	nb[f->nbad].size = e->size;
	nb[f->nbad].mtime_ns = e->mtime_ns;
	f->nbad++;
}

/* Read and parse one dump.  0 with *out, or -errno with *cause. */
static int load(const char *path, uint64_t mtime_ns, struct ht_profile **out,
                char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	if (fd < 0) {
		rc = -errno;
		ht_cause_set(cause, "%s", strerror(-rc));
		return rc;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nd;

			if (cap >= MAX_DUMP_SIZE) {
				free(data);
				close(fd);
				ht_cause_set(cause, "larger than 1 GiB");
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 65536;
			nd = realloc(data, cap + 1);
			if (!nd) {
				free(data);
				close(fd);
				ht_cause_set(cause, "out of memory");
				return -ENOMEM;
			}
			data = nd;
		}
		r = read(fd, data + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			free(data);
			close(fd);
			ht_cause_set(cause, "%s", strerror(-rc));
			return rc;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	data[len] = '\0';
	/* jemalloc writes the maps last: without them the dump is cut */
	if (!strstr(data, "\nMAPPED_LIBRARIES:\n")) {
		free(data);
		ht_cause_set(cause, "no MAPPED_LIBRARIES section (incomplete "
		             "or not a jemalloc dump)");
		return -EINVAL;
	}
	rc = ht_fmt_heap_v2.read(data, len, path, out, cause);
	free(data);
	if (rc == 0 && (*out)->snapshot_time_ns == 0)
		(*out)->snapshot_time_ns = mtime_ns;
	return rc;
}

static bool seen(const struct ht_follow *f, uint64_t seq)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (f->seen[i] == seq)
			return true;
	return false;
}

static void count_seen(struct ht_follow *f, const struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t *ns;

		if (v[i].pid != f->cur_e.pid || v[i].seq > f->cur_e.seq ||
		    seen(f, v[i].seq))
			continue;
		ns = realloc(f->seen, (f->nseen + 1) * sizeof *ns);
		if (!ns)
			return;
		f->seen = ns;
		f->seen[f->nseen++] = v[i].seq;
	}
}

/* Make e (loaded as p) the current dump. */
static int install(struct ht_follow *f, const struct entry *e,
                   struct ht_profile *p, unsigned npids)
{
	int ret = HT_FOLLOW_NEW;
	char *name = strdup(e->name);

	if (!name) {
		ht_profile_free(p);
		return HT_FOLLOW_NONE;
	}
	if (!f->have && npids > 1)
		notice(f, "dumps of %u processes match %s: following pid %d, "
		       "the last to start", npids, f->prefix, e->pid);
	else if (f->have && e->pid != f->cur_e.pid) {
		notice(f, "pid %d writes dumps now (restarted?): following it "
		       "instead of pid %d", e->pid, f->cur_e.pid);
		ret = HT_FOLLOW_NEW_PID;
	}
	if (!f->have || e->pid != f->cur_e.pid) {
		f->nseen = 0;
		f->loaded = 0;
	}
	if (!f->have)
		ret = HT_FOLLOW_NEW_PID;
	p->pid = e->pid;
	ht_profile_free(f->cur);
	f->cur = p;
	free(f->cur_e.name);
	f->cur_e = *e;
	f->cur_e.name = name;
	snprintf(f->cur_path, sizeof f->cur_path, "%s/%s",
	         strcmp(f->dir, "/") ? f->dir : "", name);
	f->have = true;
	f->loaded++;
	return ret;
}

int ht_follow_poll(struct ht_follow *f, char **cause)
{
	struct entry *v = NULL;
	size_t n = 0;
	struct mark *marks;
	uint64_t now = now_ns(), newest = 0;
	int ret = HT_FOLLOW_NONE, target = 0, err;
	unsigned npids = 0, ndead = 0;

	err = scan(f, &v, &n, cause);
	if (err < 0)
		return err;
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_entry);
	/* The process whose dumps started last (the oldest dump of each pid
	 * is compared): a restart wins over the process before it, and two
	 * processes writing at once do not take turns. */
	for (size_t i = 0; i < n; ) {
		uint64_t first = v[i].mtime_ns;
		size_t j = i;

		for (; j < n && v[j].pid == v[i].pid; j++)
			if (v[j].mtime_ns < first)
				first = v[j].mtime_ns;
		npids++;
		/* a process that ended before it was followed is history:
		 * --load opens its dumps */
		if ((!f->have || v[i].pid != f->cur_e.pid) &&
		    !ht_follow_pid_alive(v[i].pid)) {
			ndead++;
			i = j;
			continue;
		}
		if (!target || first > newest) {
			newest = first;
			target = v[i].pid;
		}
		i = j;
	}
	f->npids = npids;
	if (!f->have && ndead && !f->told_dead) {
		notice(f, "ignoring the dumps of %u process%s that ended "
		       "(open one with --load FILE)", ndead,
		       ndead == 1 ? "" : "es");
		f->told_dead = true;
	}
	for (size_t i = 0; i < n && target; i++) {
		const struct entry *e = &v[i];
		struct ht_profile *p = NULL;
		char path[PATH_MAX], *why = NULL;
		bool settled;

		if (e->pid != target)
			continue;
		if (f->have && e->pid == f->cur_e.pid && e->seq <= f->cur_e.seq)
			break;      /* nothing newer than what is shown */
		if (same_mark(find_mark(f->bad, f->nbad, e->name), e))
			continue;
		settled = same_mark(find_mark(f->prev, f->nprev, e->name), e) ||
		          now >= e->mtime_ns + HT_FOLLOW_SETTLE_NS ||
		          !ht_follow_pid_alive(e->pid);
		if (!settled)
			continue;   /* maybe still being written: an older one */
		snprintf(path, sizeof path, "%s/%s",
		         strcmp(f->dir, "/") ? f->dir : "", e->name);
		if (load(path, e->mtime_ns, &p, &why) < 0) {
			notice(f, "skipped %s: %s", path, why ? why : "unreadable");
			free(why);
			add_bad(f, e);
			continue;
		}
		free(why);
		ret = install(f, e, p, npids - ndead);
		break;
	}
	if (f->have)
		count_seen(f, v, n);
	/* remember this listing for the next poll's settled check */
	marks = calloc(n ? n : 1, sizeof *marks);
	if (marks) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			marks[k].name = v[i].name;
			v[i].name = NULL;
			marks[k].size = v[i].size;
			marks[k].mtime_ns = v[i].mtime_ns;
			k++;
		}
		free_marks(f->prev, f->nprev);
		f->prev = marks;
		f->nprev = k;
	}
	free_entries(v, n);
	return ret;
}

const struct ht_profile *ht_follow_profile(const struct ht_follow *f)
{
	return f->have ? f->cur : NULL;
}

int ht_follow_pid(const struct ht_follow *f)
{
	return f->have ? f->cur_e.pid : 0;
}

void ht_follow_info(const struct ht_follow *f, struct ht_follow_info *out)
{
	memset(out, 0, sizeof *out);
	out->prefix = f->prefix;
	out->npids = f->npids;
	out->kind_seq = -1;
	if (!f->have)
		return;
	out->have_dump = true;
	out->pid = f->cur_e.pid;
	out->alive = ht_follow_pid_alive(f->cur_e.pid);
	snprintf(out->file, sizeof out->file, "%s", f->cur_path);
	out->seq = f->cur_e.seq;
	out->kind = f->cur_e.kind;
	out->kind_seq = f->cur_e.kseq;
	out->mtime_ns = f->cur_e.mtime_ns;
	out->dumps_seen = f->nseen;
	out->dumps_loaded = f->loaded;
}

char *ht_follow_take_notice(struct ht_follow *f)
{
	char *s;

	if (!f->nnotices)
		return NULL;
	s = f->notices[0];
	memmove(f->notices, f->notices + 1,
	        (f->nnotices - 1) * sizeof *f->notices);
	f->nnotices--;
	return s;
}

void ht_follow_describe(const struct ht_follow_info *i, double now,
                        char *buf, size_t n)
{
	const char *file;
	double age;

	if (!i->have_dump) {
		snprintf(buf, n, "following %s: waiting for %s.*.heap",
		         i->prefix, i->prefix);
		return;
	}
	file = strrchr(i->file, '/');
	file = file ? file + 1 : i->file;
	age = now - (double)i->mtime_ns / 1e9;
	snprintf(buf, n, "following %s: pid %d%s, dump %s (seq %llu, kind %s), "
	         "age %.0fs, %llu dump%s seen", i->prefix, i->pid,
	         i->alive ? "" : " (exited)", file,
	         (unsigned long long)i->seq, ht_follow_kind_name(i->kind),
	         age > 0 ? age : 0, (unsigned long long)i->dumps_seen,
	         i->dumps_seen == 1 ? "" : "s");
}

int ht_follow_update_model(struct ht_model *m, struct ht_profile *p,
                           int poll_result, bool pinned)
{
	if (poll_result == HT_FOLLOW_NEW_PID) {
		if (!pinned)
			ht_model_clear_baseline(m);
		ht_model_clear_history(m);
	} else if (!pinned && ht_model_profile(m)) {
		/* the dump shown until now becomes the baseline */
		int err = ht_model_set_baseline(m);

		if (err < 0) {
			ht_profile_free(p);
			return err;
		}
	}
	return ht_model_update(m, p);
}
