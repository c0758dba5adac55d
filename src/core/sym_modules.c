/*
 * Symbolizer modules: each profile module found on disk (by path under
 * --sysroot, by path or build-id under --debug-dir, or as recorded), its
 * build-id checked when the profile carries one, its load bias taken
 * from the profile or computed from the ELF program headers and the
 * mapping offset, reported to libdw, and found again by address.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <gelf.h>

#include "core/grow.h"
#include "core/sym_priv.h"


/* Open `path` as ELF; check the build-id when `want_len`.  Returns the fd
 * (caller closes) and sets *elfp (caller elf_end's), or -1. */
static int open_elf(const char *path, const uint8_t *want, uint32_t want_len,
                    Elf **elfp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;

	*elfp = NULL;
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -1;
	}
	if (want_len) {
		const void *id = NULL;
		ssize_t n = dwelf_elf_gnu_build_id(elf, &id);

		if (n != (ssize_t)want_len || memcmp(id, want, want_len) != 0) {
			elf_end(elf);
			close(fd);
			return -1;
		}
	}
	*elfp = elf;
	return fd;
}

/* The load bias of a module known only by a mapping (start, offset):
 * the PT_LOAD segment whose page-aligned file offset is `offset` sits at
 * `start`. */
static bool compute_bias(Elf *elf, const struct sym_module *m, uint64_t *bias)
{
	GElf_Ehdr eh;
	size_t phnum;

	if (!gelf_getehdr(elf, &eh))
		return false;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		return true;
	}
	if (m->base != HT_BASE_UNKNOWN) {
		*bias = m->base;
		return true;
	}
	if (elf_getphdrnum(elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~(uint64_t)0xfff) == m->offset) {
			*bias = m->start - (ph.p_vaddr & ~(uint64_t)0xfff);
			return true;
		}
	}
	return false;
}

static int hex_path(char *buf, size_t size, const char *dir,
                    const uint8_t *id, uint32_t n, const char *suffix)
{
	size_t k;
	int w = snprintf(buf, size, "%s/.build-id/%02x/", dir, id[0]);

	if (w < 0 || (size_t)w >= size)
		return -1;
	k = (size_t)w;
	for (uint32_t i = 1; i < n && k + 3 < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%02x", id[i]);
	w = snprintf(buf + k, size - k, "%s", suffix);
	return w < 0 || (size_t)w >= size - k ? -1 : 0;
}

/* A module already reported under the same name and bias.  libdw keys
 * its modules by name and address range, which follow from the file and
 * the bias: reporting that pair again (the same library seen through two
 * paths, or before and after an exec) makes libdw discard the module
 * already reported, which another sym_module still holds. */
static const struct sym_module *reported_twin(const struct ht_symbolizer *s,
                                              const struct sym_module *m,
                                              uint64_t bias)
{
	for (size_t i = 0; i < s->nmods; i++) {
		const struct sym_module *o = &s->mods[i];

		if (o != m && o->mod && o->bias == bias && !strcmp(o->name, m->name))
			return o;
	}
	return NULL;
}

/* Find and report one module to libdw.  Never fails hard: a module not
 * found keeps mod == NULL and shows as module+0xoffset. */
static void report_module(struct ht_symbolizer *s, struct sym_module *m)
{
	char *cands[6];
	char idpath[PATH_MAX];
	size_t nc = 0;

	if (s->sysroot)
		cands[nc++] = sym_path_join(s->sysroot, m->path);
	if (s->debug_dir) {
		cands[nc++] = sym_path_join(s->debug_dir, m->path);
		cands[nc++] = sym_path_join(s->debug_dir, sym_base_name(m->path));
		if (m->build_id_len > 1 &&
		    hex_path(idpath, sizeof idpath, s->debug_dir, m->build_id,
		             m->build_id_len, "") == 0)
			cands[nc++] = strdup(idpath);
	}
	cands[nc++] = strdup(m->path);
	for (size_t i = 0; i < nc; i++) {
		Elf *elf = NULL;
		uint64_t bias = 0;
		int fd;

		if (m->mod || !cands[i])
			continue;
		fd = open_elf(cands[i], m->build_id, m->build_id_len, &elf);
		if (fd < 0)
			continue;
		if (compute_bias(elf, m, &bias)) {
			GElf_Ehdr eh;
			bool exec = gelf_getehdr(elf, &eh) && eh.e_type == ET_EXEC;
			const struct sym_module *twin = reported_twin(s, m, bias);
			struct stat st;

			elf_end(elf);
			elf = NULL;
			if (fstat(fd, &st) != 0) {
				close(fd);
				continue;
			}
			if (twin) {
				/* the same file: share its module; another file
				 * under that name and bias: leave this one out */
				if (twin->dev == st.st_dev && twin->ino == st.st_ino &&
				    (m->found = strdup(twin->found)) != NULL) {
					m->mod = twin->mod;
					m->bias = bias;
					m->have_bias = true;
					m->dev = st.st_dev;
					m->ino = st.st_ino;
				}
				close(fd);
				continue;
			}
			/* libdw consumes fd on success */
			m->mod = dwfl_report_elf(s->dwfl, m->name, cands[i], fd,
			                         exec ? 0 : bias, true);
			if (m->mod) {
				m->bias = bias;
				m->have_bias = true;
				m->dev = st.st_dev;
				m->ino = st.st_ino;
				m->found = cands[i];
				cands[i] = NULL;
				continue;
			}
		}
		if (elf)
			elf_end(elf);
		close(fd);
	}
	for (size_t i = 0; i < nc; i++)
		free(cands[i]);
}

static bool same_module(const struct sym_module *a, const struct ht_module *b)
{
	return a->start == b->start && a->end == b->end &&
	       !strcmp(a->path, b->path);
}

static int sort_modules(struct ht_symbolizer *s);

/* Whether pm is among the first `nsorted` modules (those in s->order). */
static bool find_known(const struct ht_symbolizer *s, size_t nsorted,
                       const struct ht_module *pm)
{
	size_t lo = 0, hi = nsorted;

	if (!s->order)
		return false;
	while (lo < hi) {               /* first with start >= pm->start */
		size_t mid = lo + (hi - lo) / 2;

		if (s->mods[s->order[mid]].start < pm->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nsorted && s->mods[s->order[lo]].start == pm->start; lo++)
		if (same_module(&s->mods[s->order[lo]], pm))
			return true;
	return false;
}

/* Add the profile's modules not yet known and report them. */
int sym_add_modules(struct ht_symbolizer *s, const struct ht_profile *p)
{
	size_t first = s->nmods;

	dwfl_report_begin_add(s->dwfl);
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct ht_module *pm = &p->modules[i];
		struct sym_module *m;
		bool known = false;

		if (!pm->path || pm->path[0] != '/' || pm->end <= pm->start)
			continue;
		known = find_known(s, first, pm);
		if (known)
			continue;
		if (ht_grow(&s->mods, &s->capmods, s->nmods + 1,
		            sizeof *s->mods) < 0) {
			dwfl_report_end(s->dwfl, NULL, NULL);
			return -ENOMEM;
		}
		m = &s->mods[s->nmods];
		memset(m, 0, sizeof *m);
		m->path = strdup(pm->path);
		m->name = sym_intern(s, sym_base_name(pm->path));
		if (!m->path || !m->name) {
			free(m->path);
			dwfl_report_end(s->dwfl, NULL, NULL);
			return -ENOMEM;
		}
		m->start = pm->start;
		m->end = pm->end;
		m->offset = pm->offset;
		m->base = pm->base;
		m->build_id_len = pm->build_id_len <= sizeof m->build_id ?
		                  pm->build_id_len : 0;
		memcpy(m->build_id, pm->build_id, m->build_id_len);
		s->nmods++;
	}
	for (size_t i = first; i < s->nmods; i++)
		report_module(s, &s->mods[i]);
	if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		return -EINVAL;
	if (sort_modules(s) < 0)
		return -ENOMEM;
	free(s->missing);
	s->missing = NULL;
	return 0;
}

/* The module holding a: binary search over the modules sorted by start,
 * then a few neighbours to the left (overlaps are rare: a dlclose'd range
 * reused); one with a usable file wins. */
struct sym_module *sym_module_of(struct ht_symbolizer *s, uint64_t a)
{
	struct sym_module *found = NULL;
	size_t lo = 0, hi = s->nmods, steps = 0;

	if (!s->order)
		return NULL;
	while (lo < hi) {               /* first with start > a */
		size_t mid = lo + (hi - lo) / 2;

		if (s->mods[s->order[mid]].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0 && steps++ < 16) {
		struct sym_module *m = &s->mods[s->order[lo]];

		if (a >= m->end)
			continue;
		if (m->mod)
			return m;
		if (!found)
			found = m;
	}
	return found;
}

static int cmp_start(const void *x, const void *y, void *ctx)
{
	const struct ht_symbolizer *s = ctx;
	uint64_t a = s->mods[*(const size_t *)x].start;
	uint64_t b = s->mods[*(const size_t *)y].start;

	return a < b ? -1 : a > b;
}

static int sort_modules(struct ht_symbolizer *s)
{
	size_t *o = realloc(s->order, (s->nmods ? s->nmods : 1) * sizeof *o);

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < s->nmods; i++)
		o[i] = i;
	s->order = o;
	qsort_r(o, s->nmods, sizeof *o, cmp_start, s);
	return 0;
}

