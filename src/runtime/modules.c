/*
 * Module publication (see modules.h).  Runs on the sampled path (a new
 * stack with an unknown pc), on the control thread and at start-up, with
 * the recursion guard set; a spinlock serialises writers.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/modules.h"
#include "runtime/util.h"

struct cur_mod {
	uint64_t base, start, end;
	const char *name;
	uint32_t build_id_len;
	uint8_t build_id[40];
	uint32_t flags;
};

static struct {
	struct cur_mod *cur;
	uint32_t cap, n;
	unsigned long long adds, subs;
	int seen;
	int lock;
	char exe[4096];
} st;

int ht_modules_init(uint32_t cap)
{
	void *p = mmap(NULL, (size_t)cap * sizeof(struct cur_mod), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ssize_t n;

	if (p == MAP_FAILED)
		return -ENOMEM;
	st.cur = p;
	st.cap = cap;
	n = readlink("/proc/self/exe", st.exe, sizeof st.exe - 1);
	st.exe[n > 0 ? n : 0] = '\0';
	return 0;
}

void ht_modules_forget(void)
{
	st.seen = 0;
	st.lock = 0;
}

struct range_arg {
	uintptr_t addr, lo, hi;
	int found;
};

static void load_range(const struct dl_phdr_info *info, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a, b;

		if (ph->p_type != PT_LOAD)
			continue;
		a = info->dlpi_addr + ph->p_vaddr;
		b = a + ph->p_memsz;
		if (a < *lo)
			*lo = a;
		if (b > *hi)
			*hi = b;
	}
	if (*lo == UINT64_MAX)
		*lo = *hi = 0;
}

static int range_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct range_arg *a = data;
	uint64_t lo, hi;

	(void)size;
	load_range(info, &lo, &hi);
	if (a->addr >= lo && a->addr < hi) {
		a->lo = (uintptr_t)lo;
		a->hi = (uintptr_t)hi;
		a->found = 1;
		return 1;
	}
	return 0;
}

int ht_modules_range_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	struct range_arg a = { addr, 0, 0, 0 };

	dl_iterate_phdr(range_cb, &a);
	if (!a.found)
		return -ENOENT;
	*lo = a.lo;
	*hi = a.hi;
	return 0;
}

static void build_id(const struct dl_phdr_info *info, struct cur_mod *m)
{
	m->build_id_len = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t nsz = (nh->n_namesz + 3u) & ~3u;
			size_t dsz = (nh->n_descsz + 3u) & ~3u;
			const char *name = p + sizeof *nh, *desc = name + nsz;

			if (desc + dsz > end || desc < name)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && nh->n_descsz > 0) {
				uint32_t len = nh->n_descsz;
				if (len > sizeof m->build_id)
					len = sizeof m->build_id;
				memcpy(m->build_id, desc, len);
				m->build_id_len = len;
				return;
			}
			p = desc + dsz;
		}
	}
}

static int collect_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct cur_mod *m;
	int first = st.n == 0;

	(void)data;
	if (first && size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		st.adds = info->dlpi_adds;
		st.subs = info->dlpi_subs;
	}
	if (st.n >= st.cap)
		return 1;
	m = &st.cur[st.n];
	load_range(info, &m->start, &m->end);
	if (m->start == m->end)
		return 0;
	m->base = info->dlpi_addr;
	m->flags = 0;
	m->name = info->dlpi_name ? info->dlpi_name : "";
	if (first && m->name[0] == '\0') {
		m->name = st.exe;
		m->flags |= HT_MOD_F_MAIN;
	}
	build_id(info, m);
	st.n++;
	return 0;
}

static int same(const struct ht_seg_view *v, const struct ht_seg_module *pm,
		const struct cur_mod *m)
{
	size_t len = strlen(m->name);

	return pm->base == m->base && pm->start == m->start && pm->end == m->end &&
	       pm->path_len == len && pm->path_off + len < v->hdr->strings_size &&
	       memcmp(v->strings + pm->path_off, m->name, len) == 0;
}

static uint32_t strings_used(const struct ht_seg_view *v, uint32_t count)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i < count; i++) {
		uint32_t e = v->modules[i].path_off + v->modules[i].path_len + 1;
		if (e > used)
			used = e;
	}
	return used;
}

int ht_modules_publish(struct ht_seg_view *v, uintptr_t self)
{
	struct ht_seg_header *h = v->hdr;
	uint32_t count, sused, seq;
	int changed = 0, err = 0;

	if (!st.cur)
		return -ENOMEM;
	ht_spin_lock(&st.lock);
	st.n = 0;
	dl_iterate_phdr(collect_cb, NULL);
	st.seen = 1;

	count = __atomic_load_n(&h->modules_count, __ATOMIC_RELAXED);
	sused = strings_used(v, count);
	seq = __atomic_load_n(&h->modules_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&h->modules_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);

	/* flag listed modules that are gone */
	for (uint32_t i = 0; i < count; i++) {
		struct ht_seg_module *pm = &v->modules[i];
		int present = 0;

		if (pm->flags & HT_MOD_F_UNLOADED)
			continue;
		for (uint32_t j = 0; j < st.n && !present; j++)
			present = same(v, pm, &st.cur[j]);
		if (!present) {
			pm->flags |= HT_MOD_F_UNLOADED;
			changed = 1;
		}
	}
	/* append new ones */
	for (uint32_t j = 0; j < st.n; j++) {
		struct cur_mod *m = &st.cur[j];
		struct ht_seg_module *pm;
		int listed = 0;
		size_t len = strlen(m->name);

		for (uint32_t i = 0; i < count && !listed; i++)
			listed = !(v->modules[i].flags & HT_MOD_F_UNLOADED) &&
				 same(v, &v->modules[i], m);
		if (listed)
			continue;
		if (count >= h->modules_cap || sused + len + 1 > h->strings_size) {
			err = -ENOSPC;
			break;
		}
		pm = &v->modules[count];
		memcpy(v->strings + sused, m->name, len + 1);
		pm->path_off = sused;
		pm->path_len = (uint32_t)len;
		sused += (uint32_t)len + 1;
		pm->base = m->base;
		pm->start = m->start;
		pm->end = m->end;
		pm->build_id_len = m->build_id_len;
		memset(pm->build_id, 0, sizeof pm->build_id);
		memcpy(pm->build_id, m->build_id, m->build_id_len);
		pm->flags = m->flags;
		if (self >= m->start && self < m->end)
			pm->flags |= HT_MOD_F_RUNTIME;
		count++;
		changed = 1;
	}
	__atomic_store_n(&h->modules_count, count, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&h->modules_seq, seq + 2, __ATOMIC_RELEASE);
	ht_spin_unlock(&st.lock);
	return err ? err : changed;
}

static int counters_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long long *c = data;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		c[0] = info->dlpi_adds;
		c[1] = info->dlpi_subs;
	}
	return 1;
}

int ht_modules_changed(void)
{
	unsigned long long c[2] = { 0, 0 };

	if (!st.seen)
		return 1;
	dl_iterate_phdr(counters_cb, c);
	return c[0] != st.adds || c[1] != st.subs;
}

int ht_modules_cover(const struct ht_seg_view *v, const uint64_t *pc, uint32_t n)
{
	uint32_t count = __atomic_load_n(&v->hdr->modules_count, __ATOMIC_ACQUIRE);

	for (uint32_t k = 0; k < n; k++) {
		int in = 0;

		for (uint32_t i = 0; i < count && !in; i++) {
			const struct ht_seg_module *pm = &v->modules[i];
			in = !(pm->flags & HT_MOD_F_UNLOADED) &&
			     pc[k] >= pm->start && pc[k] < pm->end;
		}
		if (!in)
			return 0;
	}
	return 1;
}
