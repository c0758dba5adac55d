/*
 * The program's allocator (see allocator.h and share/doc/allocators.md).
 *
 * Detection reads the executable's symbol tables (allocscan.c on
 * /proc/self/exe, mapped read-only) and asks the dynamic linker where
 * `malloc` resolves: to the runtime's hooks (then the allocator behind
 * them is the one dlsym(RTLD_NEXT) found) or to an allocator linked into
 * the executable.  jemalloc's control entry point is looked up in the
 * dynamic symbols first, then in the executable's .symtab (Rust binaries
 * keep it), and only called after both `<prefix>mallctl` and
 * `<prefix>mallocx` were found in the same image.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/allocator.h"
#include "runtime/allocscan.h"
#include "runtime/util.h"
#include "runtime/runtime.h"

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static mallctl_fn je_mallctl;
static int bridge;

/* glibc's struct mallinfo2 (2.33), declared here: older headers lack it */
struct ht_mallinfo2 {
	size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks,
	       uordblks, fordblks, keepcost;
};
typedef struct ht_mallinfo2 (*mallinfo2_fn)(void);

/* Where the statistics come from (chosen by ht_allocator_detect). */
static uint32_t astat_src;            /* enum ht_astat_kind */
static mallinfo2_fn glibc_mallinfo2;
static struct ht_alloc_scan exe_scan;  /* ht_allocator_prepare's */
static int exe_scanned;

int ht_allocator_bridge(void)
{
	return __atomic_load_n(&bridge, __ATOMIC_ACQUIRE);
}

static int scan_exe(struct ht_alloc_scan *sc)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *img;
	int r = -1;

	memset(sc, 0, sizeof *sc);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (img != MAP_FAILED) {
			r = ht_alloc_scan(img, (size_t)st.st_size, sc);
			munmap(img, (size_t)st.st_size);
		}
	}
	close(fd);
	return r;
}

/* Addresses in the main executable: link_addr plus its load bias, and
 * whether that (or `addr`, when given) lies in one of its PT_LOAD
 * segments (executable ones for link_addr). */
struct exe_arg {
	uint64_t link_addr, addr;
	const void *probe;
	int found, probe_in;
};

static int exe_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct exe_arg *a = data;
	uintptr_t probe = (uintptr_t)a->probe;

	(void)size;
	/* the first object is the main program */
	a->addr = info->dlpi_addr + a->link_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if ((ph->p_flags & PF_X) && a->link_addr &&
		    a->link_addr >= ph->p_vaddr &&
		    a->link_addr < ph->p_vaddr + ph->p_memsz)
			a->found = 1;
		if (probe && probe >= info->dlpi_addr + ph->p_vaddr &&
		    probe < info->dlpi_addr + ph->p_vaddr + ph->p_memsz)
			a->probe_in = 1;
	}
	return 1;
}

static void *exe_function(uint64_t link_addr)
{
	struct exe_arg a = { link_addr, 0, NULL, 0, 0 };

	if (!link_addr)
		return NULL;
	dl_iterate_phdr(exe_cb, &a);
	return a.found ? (void *)(uintptr_t)a.addr : NULL;
}

static int in_exe(const void *addr)
{
	struct exe_arg a = { 0, 0, addr, 0, 0 };

	if (!addr)
		return 0;
	dl_iterate_phdr(exe_cb, &a);
	return a.probe_in;
}

/* The file name of the object defining addr, or "". */
static const char *object_of(const void *addr, void **base)
{
	Dl_info di;

	*base = NULL;
	if (!addr || !dladdr(addr, &di) || !di.dli_fname)
		return "";
	*base = di.dli_fbase;
	return di.dli_fname;
}

/* The shared objects in load order (the executable excluded): their
 * names, collected first (dlopen must not run under dl_iterate_phdr). */
#define MAX_OBJECTS 64
struct objects {
	const char *name[MAX_OBJECTS];
	int n, seen_exe;
};

static int objects_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct objects *o = arg;

	(void)size;
	if (!o->seen_exe) {
		o->seen_exe = 1; /* the executable comes first */
		return 0;
	}
	if (info->dlpi_name && info->dlpi_name[0])
		o->name[o->n++] = info->dlpi_name;
	return o->n == MAX_OBJECTS;
}

/*
 * The malloc the program's calls bind to when dlsym names the
 * executable's own PLT entry for it (a non-PIE executable that takes
 * malloc's address: Debian's python3): the first shared object, in load
 * order, that defines malloc itself.  NULL when none is found.
 */
static void *first_malloc(void)
{
	struct objects o = { { NULL }, 0, 0 };

	dl_iterate_phdr(objects_cb, &o);
	for (int i = 0; i < o.n; i++) {
		void *h = dlopen(o.name[i], RTLD_LAZY | RTLD_NOLOAD);
		void *f = h ? dlsym(h, "malloc") : NULL;
		void *base;

		if (h)
			dlclose(h);
		if (f && !strcmp(object_of(f, &base), o.name[i]))
			return f;
	}
	return NULL;
}

static int ctl_bool(const char *name)
{
	unsigned char v = 0; /* jemalloc's bool */
	size_t sz = sizeof v;

	if (je_mallctl(name, &v, &sz, NULL, 0) != 0 || sz != sizeof v)
		return -1;
	return v != 0;
}

void ht_allocator_prepare(uint64_t rate)
{
	const struct ht_alloc_scan *sc = &exe_scan;
	char var[HT_ALLOC_PREFIX_MAX + 16], conf[96];
	size_t n;

	exe_scanned = scan_exe(&exe_scan) == 0;
	if (!exe_scanned || !sc->jemalloc || !sc->je_prefix[0] ||
	    sc->je_prof_built != 1)
		return;
	ht_alloc_conf_var(sc->je_prefix, var, sizeof var);
	if (getenv(var))
		return;
	n = ht_strlcpy(conf, "prof:true,prof_active:true,prof_accum:true,"
		       "lg_prof_sample:", sizeof conf);
	ht_fmt_u64(conf + n, ht_alloc_lg_sample(rate), 10);
	setenv(var, conf, 0);
}

void ht_allocator_init_libc(void)
{
	mallinfo2_fn f = (mallinfo2_fn)dlsym(RTLD_NEXT, "mallinfo2");

	if (f)
		f();
}

void ht_allocator_detect(struct ht_seg_header *h)
{
	struct ht_alloc_scan sc;
	uint32_t kind = HT_ALLOC_UNKNOWN, flags = 0;
	char prefix[sizeof h->alloc_prefix] = "";
	void *self_base, *def_base, *def;
	int hooked, je_here = 0, scanned = exe_scanned;

	if (exe_scanned)
		sc = exe_scan;
	else
		scanned = scan_exe(&sc) == 0;
	object_of((const void *)&ht_allocator_detect, &self_base);
	def = dlsym(RTLD_DEFAULT, "malloc");
	if (def && scanned && !sc.defines_malloc && in_exe(def))
		def = first_malloc(); /* the executable's PLT entry */
	object_of(def, &def_base);
	hooked = def && def_base == self_base;
	if (sc.jemalloc && sc.je_prefix[0]) {
		/* a prefixed jemalloc linked in (Rust's tikv-jemallocator): the
		 * program allocates through it whatever malloc does */
		kind = HT_ALLOC_JEMALLOC;
		flags |= HT_ALLOC_F_STATIC;
		ht_strlcpy(prefix, sc.je_prefix, sizeof prefix);
		je_here = 1;
	} else if (sc.defines_malloc || (def && in_exe(def))) {
		/* an allocator linked into the executable: its own calls bind
		 * to it at link time, exported or not */
		flags |= HT_ALLOC_F_STATIC;
		kind = sc.jemalloc ? HT_ALLOC_JEMALLOC :
		       sc.tcmalloc ? HT_ALLOC_TCMALLOC :
		       sc.mimalloc ? HT_ALLOC_MIMALLOC : HT_ALLOC_UNKNOWN;
		je_here = sc.jemalloc;
	} else if (hooked) {
		const char *lib = object_of(ht_interpose_real_malloc(), &def_base);

		flags |= HT_ALLOC_F_HOOKED;
		kind = ht_alloc_kind_of_library(lib);
	} else if (def) {
		/* another preloaded library ahead of the runtime */
		kind = ht_alloc_kind_of_library(object_of(def, &def_base));
	}
	if (kind == HT_ALLOC_JEMALLOC) {
		char name[HT_ALLOC_PREFIX_MAX + 16];
		size_t n = ht_strlcpy(name, prefix, sizeof name);

		ht_strlcpy(name + n, "mallctl", sizeof name - n);
		je_mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, name);
		if (!je_mallctl && je_here)
			je_mallctl = (mallctl_fn)exe_function(sc.je_mallctl);
	}
	if (je_mallctl) {
		size_t lg = 0, sz = sizeof lg;

		if (ctl_bool("config.prof") == 1)
			flags |= HT_ALLOC_F_PROF_BUILT;
		if ((flags & HT_ALLOC_F_PROF_BUILT) && ctl_bool("opt.prof") == 1)
			flags |= HT_ALLOC_F_PROF_ON;
		if ((flags & HT_ALLOC_F_PROF_ON) && !(flags & HT_ALLOC_F_HOOKED) &&
		    je_mallctl("prof.lg_sample", &lg, &sz, NULL, 0) == 0 && lg < 63) {
			/* the header's rate is jemalloc's from now on */
			flags |= HT_ALLOC_F_BRIDGE;
			__atomic_store_n(&h->rate, UINT64_C(1) << lg, __ATOMIC_RELAXED);
			__atomic_store_n(&bridge, 1, __ATOMIC_RELEASE);
		}
	}
	if (kind == HT_ALLOC_GLIBC && !(flags & HT_ALLOC_F_STATIC)) {
		/* glibc >= 2.33; not interposed by the runtime */
		glibc_mallinfo2 = (mallinfo2_fn)dlsym(RTLD_NEXT, "mallinfo2");
		if (glibc_mallinfo2)
			astat_src = HT_ASTAT_GLIBC;
	} else if (je_mallctl && ctl_bool("config.stats") == 1) {
		astat_src = HT_ASTAT_JEMALLOC;
	}
	memcpy(h->alloc_prefix, prefix, sizeof h->alloc_prefix);
	h->alloc_kind = kind;
	__atomic_store_n(&h->alloc_flags, flags | HT_ALLOC_F_DONE, __ATOMIC_RELEASE);
}

int ht_allocator_stats_glibc(void)
{
	return astat_src == HT_ASTAT_GLIBC;
}

/* The six jemalloc statistics after an epoch refresh; 0 or -1. */
static int je_stats(uint64_t v[HT_ASTAT_N])
{
	static const char *const names[HT_ASTAT_N] = {
		"stats.allocated", "stats.active", "stats.resident",
		"stats.retained", "stats.mapped", "stats.metadata",
	};
	uint64_t epoch = 1;
	size_t sz = sizeof epoch;

	if (je_mallctl("epoch", &epoch, &sz, &epoch, sizeof epoch) != 0)
		return -1;
	for (int i = 0; i < HT_ASTAT_N; i++) {
		size_t x = 0;

		sz = sizeof x;
		if (je_mallctl(names[i], &x, &sz, NULL, 0) != 0 || sz != sizeof x)
			return -1;
		v[i] = x;
	}
	return 0;
}

void ht_allocator_stats(struct ht_seg_header *h)
{
	uint64_t v[HT_ASTAT_N] = { 0, 0, 0, 0, 0, 0 };
	uint32_t kind = astat_src, seq;

	if (kind == HT_ASTAT_GLIBC) {
		struct ht_mallinfo2 mi = glibc_mallinfo2();

		v[0] = mi.arena;
		v[1] = mi.uordblks;
		v[2] = mi.fordblks;
		v[3] = mi.hblkhd;
	} else if (kind == HT_ASTAT_JEMALLOC) {
		if (je_stats(v) != 0) {
			memset(v, 0, sizeof v);
			kind = HT_ASTAT_NONE;
		}
	} else {
		return; /* nothing to publish: the header stays zero */
	}
	/* seqlock: odd, fields, even (one writer: see allocator.h) */
	seq = __atomic_load_n(&h->astat_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&h->astat_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&h->astat_kind, kind, __ATOMIC_RELAXED);
	for (int i = 0; i < HT_ASTAT_N; i++)
		__atomic_store_n(&h->astat[i], v[i], __ATOMIC_RELAXED);
	__atomic_store_n(&h->astat_time_ns, ht_now_ns(CLOCK_MONOTONIC), __ATOMIC_RELAXED);
	__atomic_store_n(&h->astat_seq, seq + 2, __ATOMIC_RELEASE);
}

int ht_allocator_dump(const char *path)
{
	const char *p = path;

	if (!ht_allocator_bridge())
		return -ENOSYS;
	return -je_mallctl("prof.dump", NULL, NULL, (void *)&p, sizeof p);
}

int ht_allocator_reset(uint64_t rate, uint64_t *new_rate)
{
	size_t lg = 0;
	int r;

	if (!ht_allocator_bridge())
		return -ENOSYS;
	if (rate == 0)
		return -je_mallctl("prof.reset", NULL, NULL, NULL, 0);
	lg = ht_alloc_lg_sample(rate);
	r = je_mallctl("prof.reset", NULL, NULL, &lg, sizeof lg);
	if (r == 0 && new_rate)
		*new_rate = UINT64_C(1) << lg;
	return -r;
}
