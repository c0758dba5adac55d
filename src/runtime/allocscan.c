/*
 * Which allocator an ELF image carries (see allocscan.h).  Pure: reads the
 * mapped image, never allocates, never trusts an offset.
 */
#include "config.h"

#include <elf.h>
#include <string.h>

#include "runtime/allocscan.h"

#define MAX_CANDIDATES 8

struct scan_state {
	struct ht_alloc_scan *out;
	/* prefixes of defined *mallctl and *mallocx symbols */
	char ctl[MAX_CANDIDATES][HT_ALLOC_PREFIX_MAX + 1];
	uint64_t ctl_value[MAX_CANDIDATES];
	unsigned nctl;
	char mx[MAX_CANDIDATES][HT_ALLOC_PREFIX_MAX + 1];
	unsigned nmx;
	int unw_backtrace;
	int prof_callback;
};

static int in_bounds(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* s[0..n) contains w[0..wn): memmem's setup costs more than a symbol
 * name (a large executable has tens of thousands). */
static int contains(const char *s, size_t n, const char *w, size_t wn)
{
	const char *p = s, *last;

	if (n < wn)
		return 0;
	last = s + (n - wn);
	while (p <= last &&
	       (p = memchr(p, w[0], (size_t)(last - p) + 1)) != NULL) {
		if (!memcmp(p, w, wn))
			return 1;
		p++;
	}
	return 0;
}

/* name ends with suffix (sl bytes) and the rest (the prefix) fits: copy
 * it. */
static int split_suffix(const char *name, size_t len, const char *suffix,
			size_t sl, char *prefix)
{
	if (len < sl || len - sl > HT_ALLOC_PREFIX_MAX ||
	    memcmp(name + len - sl, suffix, sl) != 0)
		return 0;
	memcpy(prefix, name, len - sl);
	prefix[len - sl] = '\0';
	return 1;
}

static void see_symbol(struct scan_state *st, const char *name, size_t len,
		       const Elf64_Sym *sym)
{
	int defined = sym->st_shndx != SHN_UNDEF;
	char pre[HT_ALLOC_PREFIX_MAX + 1];

	if (len == 13 && !memcmp(name, "unw_backtrace", 13))
		st->unw_backtrace = 1;
	if (!defined)
		return;
	if (contains(name, len, "prof_unwind_callback", 20))
		st->prof_callback = 1;
	if (len == 6 && !memcmp(name, "malloc", 6))
		st->out->defines_malloc = 1;
	else if (len == 9 && !memcmp(name, "tc_malloc", 9))
		st->out->tcmalloc = 1;
	else if (len == 9 && !memcmp(name, "mi_malloc", 9))
		st->out->mimalloc = 1;
	if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC)
		return;
	if (st->nctl < MAX_CANDIDATES && split_suffix(name, len, "mallctl", 7, pre)) {
		for (unsigned i = 0; i < st->nctl; i++)
			if (!strcmp(st->ctl[i], pre))
				return;
		memcpy(st->ctl[st->nctl], pre, sizeof pre);
		st->ctl_value[st->nctl++] = sym->st_value;
	} else if (st->nmx < MAX_CANDIDATES &&
		   split_suffix(name, len, "mallocx", 7, pre)) {
		memcpy(st->mx[st->nmx++], pre, sizeof pre);
	}
}

static void scan_symbols(struct scan_state *st, const unsigned char *img,
			 size_t size, const Elf64_Shdr *sh, const Elf64_Shdr *strsh)
{
	const char *strs;
	uint64_t n;

	if (sh->sh_entsize != sizeof(Elf64_Sym) ||
	    !in_bounds(size, sh->sh_offset, sh->sh_size) ||
	    strsh->sh_type != SHT_STRTAB ||
	    !in_bounds(size, strsh->sh_offset, strsh->sh_size))
		return;
	strs = (const char *)img + strsh->sh_offset;
	n = sh->sh_size / sizeof(Elf64_Sym);
	for (uint64_t i = 1; i < n; i++) {
		Elf64_Sym sym;
		const char *name, *end;

		memcpy(&sym, img + sh->sh_offset + i * sizeof sym, sizeof sym);
		if (sym.st_name == 0 || sym.st_name >= strsh->sh_size)
			continue;
		name = strs + sym.st_name;
		end = memchr(name, '\0', strsh->sh_size - sym.st_name);
		if (!end)
			continue;
		see_symbol(st, name, (size_t)(end - name), &sym);
	}
}

int ht_alloc_scan(const void *image, size_t size, struct ht_alloc_scan *out)
{
	const unsigned char *img = image;
	struct scan_state st;
	Elf64_Ehdr eh;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	st.out = out;
	if (size < sizeof eh || memcmp(img, ELFMAG, SELFMAG) != 0 ||
	    img[EI_CLASS] != ELFCLASS64 || img[EI_DATA] != ELFDATA2LSB)
		return -1;
	memcpy(&eh, img, sizeof eh);
	if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_bounds(size, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
		return -1;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, link;

		memcpy(&sh, img + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_link >= eh.e_shnum)
			continue;
		memcpy(&link, img + eh.e_shoff + (uint64_t)sh.sh_link * sizeof link,
		       sizeof link);
		if (sh.sh_type == SHT_SYMTAB)
			out->symtab = 1;
		scan_symbols(&st, img, size, &sh, &link);
	}
	/* jemalloc: a prefix with both mallctl and mallocx; the shortest */
	for (unsigned i = 0; i < st.nctl; i++)
		for (unsigned j = 0; j < st.nmx; j++) {
			if (strcmp(st.ctl[i], st.mx[j]) != 0)
				continue;
			if (!out->jemalloc ||
			    strlen(st.ctl[i]) < strlen(out->je_prefix)) {
				out->jemalloc = 1;
				memcpy(out->je_prefix, st.ctl[i], sizeof out->je_prefix);
				out->je_mallctl = st.ctl_value[i];
			}
		}
	if (out->jemalloc)
		out->je_prof_built = st.prof_callback || st.unw_backtrace ? 1 :
				     out->symtab ? 0 : -1;
	return 0;
}

uint32_t ht_alloc_kind_of_library(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	if (!strncmp(base, "libjemalloc", 11))
		return HT_ALLOC_JEMALLOC;
	if (!strncmp(base, "libtcmalloc", 11))
		return HT_ALLOC_TCMALLOC;
	if (!strncmp(base, "libmimalloc", 11))
		return HT_ALLOC_MIMALLOC;
	if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5))
		return HT_ALLOC_GLIBC;
	return 0;
}

const char *ht_alloc_kind_name(uint32_t kind)
{
	switch (kind) {
	case HT_ALLOC_GLIBC: return "glibc";
	case HT_ALLOC_JEMALLOC: return "jemalloc";
	case HT_ALLOC_TCMALLOC: return "tcmalloc";
	case HT_ALLOC_MIMALLOC: return "mimalloc";
	default: return "unknown";
	}
}

char *ht_alloc_conf_var(const char *prefix, char *buf, size_t cap)
{
	size_t k = 0;

	if (cap == 0)
		return buf;
	for (; *prefix && k + 1 < cap; prefix++, k++)
		buf[k] = (*prefix >= 'a' && *prefix <= 'z') ?
			 (char)(*prefix - 'a' + 'A') : *prefix;
	buf[k] = '\0';
	if (k + sizeof "MALLOC_CONF" <= cap)
		memcpy(buf + k, "MALLOC_CONF", sizeof "MALLOC_CONF");
	return buf;
}

unsigned ht_alloc_lg_sample(uint64_t rate)
{
	unsigned lg;
	uint64_t r;

	if (rate <= 1)
		return 0;
	if (rate >= (UINT64_C(1) << 62))
		return 62;
	lg = 63u - (unsigned)__builtin_clzll(rate);  /* 2^lg <= rate */
	/* round up above 2^lg * sqrt(2): rate^2 > 2^(2 lg + 1), compared on
	 * the top 31 bits so the square cannot overflow */
	r = lg > 30 ? rate >> (lg - 30) : rate;
	return lg + (r * r > (UINT64_C(1) << (2 * (lg > 30 ? 30 : lg) + 1)));
}
