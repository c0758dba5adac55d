/*
 * Helpers for the symbolization and format unit tests: locate the build
 * and source trees (HT_BUILDDIR / HT_SRCDIR, set by the test runner), run
 * real programs (targets, jemalloc's profiler, jeprof, eu-addr2line) and
 * collect their output, read files.  Test code only: aborts on setup
 * failures through cmocka's fail_msg.
 */
#ifndef HT_TEST_FMT_UTIL_H
#define HT_TEST_FMT_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static inline const char *tu_builddir(void)
{
	const char *d = getenv("HT_BUILDDIR");

	return d && *d ? d : ".";
}

static inline const char *tu_srcdir(void)
{
	const char *d = getenv("HT_SRCDIR");

	return d && *d ? d : "..";
}

static inline char *tu_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline char *tu_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		abort();
	return s;
}

/* A private temporary directory (removed by tu_rmtree). */
static inline char *tu_tmpdir(void)
{
	char *t = tu_printf("%s/heaptop-fmt.XXXXXX",
	                    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	if (!mkdtemp(t))
		abort();
	return t;
}

static inline void tu_rmtree(const char *dir)
{
	char *cmd = tu_printf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

/* Read a whole file (NUL-terminated); NULL when it cannot be read. */
static inline char *tu_slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (len + 65536 + 1 > cap) {
			cap = (len + 65536 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + len, 1, cap - len - 1, f);
		len += r;
	} while (r > 0);
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static inline bool tu_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * Run argv (argv[0] a path or a name on PATH) with extra environment
 * entries (NULL-terminated "K=V" list, may be NULL), stdout to out_path
 * (NULL: inherit), stderr to /dev/null unless keep_stderr.  Returns the
 * exit status, or -1 when it could not run or was killed.
 */
static inline int tu_run(char *const argv[], char *const env[], const char *out_path,
                  bool keep_stderr)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
		}
		if (!keep_stderr) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0)
				dup2(fd, 2);
		}
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The path of jemalloc's shared library (for LD_PRELOAD), or NULL. */
static inline const char *tu_jemalloc_so(void)
{
	static const char *const cands[] = {
		"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
		"/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
		"/usr/lib64/libjemalloc.so.2",
		"/usr/lib/libjemalloc.so.2",
		"/usr/local/lib/libjemalloc.so.2",
	};
	const char *e = getenv("HT_JEMALLOC_SO");

	if (e && tu_exists(e))
		return e;
	for (size_t i = 0; i < sizeof cands / sizeof *cands; i++)
		if (tu_exists(cands[i]))
			return cands[i];
	return NULL;
}

static inline const char *tu_jeprof(void)
{
	const char *e = getenv("JEPROF");

	if (e && *e && tu_exists(e))
		return e;
	return tu_exists("/usr/bin/jeprof") ? "/usr/bin/jeprof" : NULL;
}

/* Find the single file in dir whose name ends with suffix; malloc'd path
 * or NULL. */
static inline char *tu_find_suffix(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *found = NULL;
	size_t sl = strlen(suffix);

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);

		if (nl >= sl && !strcmp(e->d_name + nl - sl, suffix)) {
			free(found);
			found = tu_printf("%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	return found;
}

/*
 * Run tests/targets/fmt_jeleak under jemalloc's profiler with final dump
 * into dir; returns the dump's path (malloc'd) or NULL (reason on
 * stderr).  `args` extra arguments (NULL-terminated, may be NULL).
 */
static inline char *tu_jemalloc_dump(const char *dir, const char *lg_sample,
                              char *const extra[])
{
	const char *so = tu_jemalloc_so();
	char *bin = tu_printf("%s/tests/targets/fmt_jeleak", tu_builddir());
	char *pre = so ? tu_printf("LD_PRELOAD=%s", so) : NULL;
	char *conf = tu_printf("MALLOC_CONF=prof:true,prof_final:true,prof_accum:true,"
	                       "lg_prof_sample:%s,prof_prefix:%s/je",
	                       lg_sample, dir);
	char *env[] = { pre, conf, NULL };
	char *argv[8] = { bin, NULL };
	char *out = tu_printf("%s/stdout", dir);
	int rc, k = 1;

	for (size_t i = 0; extra && extra[i] && k < 7; i++)
		argv[k++] = extra[i];
	argv[k] = NULL;
	if (!so) {
		fprintf(stderr, "libjemalloc.so.2 not found\n");
		return NULL;
	}
	rc = tu_run(argv, env, out, true);
	free(bin);
	free(pre);
	free(conf);
	free(out);
	if (rc != 0) {
		fprintf(stderr, "fmt_jeleak under jemalloc: exit %d\n", rc);
		return NULL;
	}
	return tu_find_suffix(dir, ".f.heap");
}


#ifdef HT_CORE_FMT_PRIV_H
/*
 * Run tests/targets/fmt_sym into dir and build a profile over its maps
 * with three stacks whose innermost addresses are the recorded return
 * addresses minus one (so they resolve as the call sites do):
 *   0: inlined_leaf (inlined into inline_host), called from c_function:
 *      in use 300.4 B / 3.2 objects, allocated 1000 B / 10 objects
 *   1: cxx_method: in use 0.3 B (rounds to 0), allocated 5000 B / 50
 *   2: an allocator frame (a module named libjemalloc.so.2) under
 *      dl_function: in use 777 B / 7 objects, allocated 777 B / 7
 * The fake library has build-id 01 02 ... 14.  NULL on failure.
 */
static inline struct ht_profile *tu_sym_profile(const char *dir)
{
	char *bin = tu_printf("%s/tests/targets/fmt_sym", tu_builddir());
	char *lib = tu_printf("%s/tests/targets/.libs/libfmtdl.so",
	                      tu_builddir());
	char *out = tu_printf("%s/sym.out", dir);
	char *argv[] = { bin, out, lib, NULL };
	char *txt, *maps, *l;
	uint64_t inl = 0, cfn = 0, cxx = 0, dl = 0;
	struct ht_profile *p;
	struct ht_module *m;
	int rc = tu_run(argv, NULL, NULL, true);

	free(bin);
	free(lib);
	txt = rc == 0 ? tu_slurp(out, NULL) : NULL;
	free(out);
	if (!txt || !(maps = strstr(txt, "maps\n"))) {
		free(txt);
		return NULL;
	}
	*maps = '\0';
	maps += 5;
	for (l = txt; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char label[64];
		unsigned long long a;

		if (sscanf(l, "pc %63s %llx", label, &a) != 2)
			continue;
		if (!strcmp(label, "inlined_leaf")) inl = a;
		if (!strcmp(label, "c_function")) cfn = a;
		if (!strcmp(label, "cxx_method")) cxx = a;
		if (!strcmp(label, "dl_function")) dl = a;
	}
	p = ht_profile_new();
	if (!p || !inl || !cfn || !cxx || !dl ||
	    ht_fmt_modules_from_maps(maps, strlen(maps), &p->modules,
	                             &p->nmodules) < 0) {
		free(txt);
		ht_profile_free(p);
		return NULL;
	}
	p->maps = strdup(maps);
	free(txt);
	/* a fake allocator library, never on disk */
	p->modules = realloc(p->modules, (p->nmodules + 1) * sizeof *p->modules);
	m = &p->modules[p->nmodules++];
	memset(m, 0, sizeof *m);
	m->build_id_len = 20;
	for (int k = 0; k < 20; k++)
		m->build_id[k] = (uint8_t)(k + 1);
	m->path = strdup("/nonexistent/libjemalloc.so.2");
	m->start = 0x10000;
	m->end = 0x20000;
	m->base = HT_BASE_UNKNOWN;
	p->rate = 4096;
	p->nstacks = 3;
	p->stacks = calloc(3, sizeof *p->stacks);
	p->stacks[0].depth = 2;
	p->stacks[0].pcs = calloc(2, sizeof(uint64_t));
	p->stacks[0].pcs[0] = inl - 1;
	p->stacks[0].pcs[1] = cfn;
	p->stacks[0].counts.cur_bytes = 300.4;
	p->stacks[0].counts.cur_objs = 3.2;
	p->stacks[0].counts.cum_bytes = 1000;
	p->stacks[0].counts.cum_objs = 10;
	p->stacks[1].depth = 1;
	p->stacks[1].pcs = calloc(1, sizeof(uint64_t));
	p->stacks[1].pcs[0] = cxx - 1;
	p->stacks[1].counts.cur_bytes = 0.3;
	p->stacks[1].counts.cur_objs = 0.001;
	p->stacks[1].counts.cum_bytes = 5000;
	p->stacks[1].counts.cum_objs = 50;
	p->stacks[2].depth = 2;
	p->stacks[2].pcs = calloc(2, sizeof(uint64_t));
	p->stacks[2].pcs[0] = 0x10100;
	p->stacks[2].pcs[1] = dl;
	p->stacks[2].counts.cur_bytes = 777;
	p->stacks[2].counts.cur_objs = 7;
	p->stacks[2].counts.cum_bytes = 777;
	p->stacks[2].counts.cum_objs = 7;
	ht_profile_sum(p);
	return p;
}
#endif

#endif /* HT_TEST_FMT_UTIL_H */
