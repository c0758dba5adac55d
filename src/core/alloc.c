/*
 * The program's allocator, from the frontend's side (see alloc.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cause.h"

enum ht_alloc_source ht_alloc_source(const struct ht_alloc_desc *a)
{
	if (!(a->flags & HT_ALLOC_F_DONE))
		return HT_ASRC_PENDING;
	if (a->flags & HT_ALLOC_F_BRIDGE)
		return HT_ASRC_JEMALLOC;
	if (a->flags & HT_ALLOC_F_HOOKED)
		return HT_ASRC_HOOKS;
	return HT_ASRC_NONE;
}

const char *ht_alloc_source_name(enum ht_alloc_source src)
{
	switch (src) {
	case HT_ASRC_HOOKS: return "hooks";
	case HT_ASRC_JEMALLOC: return "jemalloc-profiler";
	case HT_ASRC_NONE: return "none";
	default: return "pending";
	}
}

const char *ht_alloc_linkage(const struct ht_alloc_desc *a)
{
	return (a->flags & HT_ALLOC_F_STATIC) ? "static" : "shared";
}

double ht_alloc_dump_interval(const struct ht_alloc_desc *a)
{
	return a->dump_seconds / HT_ALLOC_DUMP_BUDGET;
}

const char *ht_alloc_describe(const struct ht_alloc_desc *a, char *buf,
                              size_t n)
{
	enum ht_alloc_source src = ht_alloc_source(a);
	char pre[48] = "", prof[32] = "";

	if (src == HT_ASRC_PENDING) {
		snprintf(buf, n, "not known yet");
		return buf;
	}
	if (a->prefix[0])
		snprintf(pre, sizeof pre, ", prefix %s", a->prefix);
	if (a->kind == HT_ALLOC_JEMALLOC)
		snprintf(prof, sizeof prof, ", profiler %s",
		         (a->flags & HT_ALLOC_F_PROF_ON) ? "on" :
		         (a->flags & HT_ALLOC_F_PROF_BUILT) ? "off" : "not built");
	snprintf(buf, n, "%s (%s%s%s), %s", ht_alloc_kind_name(a->kind),
	         (a->flags & HT_ALLOC_F_STATIC) ? "linked in" : "shared library",
	         pre, prof,
	         src == HT_ASRC_HOOKS ? "read by heaptop's hooks" :
	         src == HT_ASRC_JEMALLOC ? "read from jemalloc's profiler" :
	         "heaptop cannot see its allocations");
	return buf;
}

const char *ht_alloc_advice(const struct ht_alloc_desc *a, char *buf,
                            size_t n)
{
	char var[HT_ALLOC_VAR_MAX];

	if (ht_alloc_source(a) != HT_ASRC_NONE)
		return NULL;
	switch (a->kind) {
	case HT_ALLOC_JEMALLOC:
		ht_alloc_conf_var(a->prefix, var, sizeof var);
		if (!(a->flags & HT_ALLOC_F_PROF_BUILT))
			snprintf(buf, n, "the program's jemalloc was built without "
			         "its profiler: build it with --enable-prof "
			         "(tikv-jemallocator: the \"profiling\" feature) or "
			         "link jemalloc as a shared library (-ljemalloc)");
		else
			snprintf(buf, n, "jemalloc's profiler is off (it can only be "
			         "turned on at start): start the program with "
			         "%s=prof:true, or launch it with heaptop", var);
		return buf;
	case HT_ALLOC_TCMALLOC:
		snprintf(buf, n, "tcmalloc is linked into the program: link it as "
		         "a shared library (-ltcmalloc_minimal) so heaptop's hooks "
		         "see it, or use its heap profiler (HEAPPROFILE=prefix, "
		         "with -ltcmalloc) and heaptop --load the result");
		return buf;
	case HT_ALLOC_MIMALLOC:
		snprintf(buf, n, "mimalloc is linked into the program: link it as "
		         "a shared library (-lmimalloc) so heaptop's hooks see it");
		return buf;
	default:
		snprintf(buf, n, "the program's allocations do not go through "
		         "malloc's dynamic symbol (an allocator linked into the "
		         "program?): link the allocator as a shared library");
		return buf;
	}
}

int ht_alloc_probe_file(const char *path, struct ht_alloc_scan *sc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	struct stat st;
	void *img;

	memset(sc, 0, sizeof *sc);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return -errno;
	if (ht_alloc_scan(img, (size_t)st.st_size, sc) < 0)
		err = -ENOEXEC;
	munmap(img, (size_t)st.st_size);
	return err;
}

bool ht_alloc_launch_plan(const struct ht_alloc_scan *sc, const char *prog,
                          char *var, char **notice)
{
	*notice = NULL;
	var[0] = '\0';
	/* jemalloc linked in: prefixed (the program calls it by its own
	 * names) or replacing malloc itself */
	if (sc->jemalloc && (sc->je_prefix[0] || sc->defines_malloc)) {
		if (sc->je_prof_built == 0) {
			ht_cause_set(notice, "%s: jemalloc is linked in without its "
			          "profiler; heaptop cannot see its allocations "
			          "(build jemalloc with --enable-prof, or link it "
			          "as a shared library)", prog);
			return false;
		}
		ht_alloc_conf_var(sc->je_prefix, var, HT_ALLOC_VAR_MAX);
		return true;
	}
	if (sc->defines_malloc && sc->tcmalloc)
		ht_cause_set(notice, "%s: tcmalloc is linked in; heaptop cannot "
		          "see its allocations (link it as a shared library, or "
		          "use its heap profiler and heaptop --load)", prog);
	else if (sc->defines_malloc && sc->mimalloc)
		ht_cause_set(notice, "%s: mimalloc is linked in; heaptop cannot "
		          "see its allocations (link it as a shared library)", prog);
	return false;
}

/* Does the comma-separated conf string set key? Stores its value's
 * start in *val when so (the last setting wins, as in jemalloc). */
static bool conf_has(const char *conf, const char *key, const char **val)
{
	size_t kl = strlen(key);
	bool found = false;

	for (const char *p = conf; p && *p;) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			found = true;
			*val = p + kl + 1;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return found;
}

static int val_len(const char *v)
{
	return (int)strcspn(v, ",");
}

char *ht_alloc_je_conf(const char *var, const char *user, uint64_t rate,
                       bool rate_explicit, char **note)
{
	static const char *const ours[] = {
		"prof:true", "prof_active:true", "prof_accum:true",
	};
	unsigned lg = ht_alloc_lg_sample(rate ? rate : 512 * 1024);
	char *out = NULL;
	const char *v;
	size_t len = 0;
	FILE *f;

	*note = NULL;
	if (user && !*user)
		user = NULL;
	f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++) {
		char key[32];

		snprintf(key, sizeof key, "%.*s", (int)strcspn(ours[i], ":"),
		         ours[i]);
		if (!user || !conf_has(user, key, &v))
			fprintf(f, "%s,", ours[i]);
	}
	if (!user || !conf_has(user, "lg_prof_sample", &v))
		fprintf(f, "lg_prof_sample:%u,", lg);
	if (user)
		fprintf(f, "%s,", user);
	if (user && rate_explicit && conf_has(user, "lg_prof_sample", &v)) {
		fprintf(f, "lg_prof_sample:%u,", lg);
		ht_cause_set(note, "%s sets lg_prof_sample:%.*s; heaptop's -r "
		          "overrides it with lg_prof_sample:%u", var, val_len(v),
		          v, lg);
	}
	if (user && conf_has(user, "prof", &v) && strncmp(v, "true", 4) != 0)
		ht_cause_set(note, "%s sets prof:%.*s: jemalloc's profiler stays "
		          "off and heaptop cannot see the heap", var, val_len(v), v);
	else if (user && conf_has(user, "prof_active", &v) &&
	         strncmp(v, "true", 4) != 0)
		ht_cause_set(note, "%s sets prof_active:%.*s: jemalloc records "
		          "nothing until the program turns it on", var,
		          val_len(v), v);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	/* drop the trailing comma */
	if (len > 0 && out[len - 1] == ',')
		out[len - 1] = '\0';
	return out;
}
