/*
 * Symbolizer driver for bench/symbolize.sh and the comparison of the
 * per-unit index with the per-address libdw walk it replaced.  One ELF
 * file is loaded as the only module of a profile (at its link-time
 * addresses), then:
 *
 *   symbench addrs FILE N [SEED]   print N distinct addresses of FILE's
 *                                  code, one "0x..." a line (the input
 *                                  of llvm-symbolizer and addr2line)
 *   symbench time new|old FILE LIST  symbolize LIST's addresses cold,
 *                                  then again warm (cached); prints
 *                                  seconds, addresses per second, peak RSS
 *   symbench cmp FILE [STRIDE]     every STRIDE-th byte of FILE's code
 *                                  (1: every address) through both; prints
 *                                  each difference and a count; exits 1
 *                                  when any
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/profile.h"
#include "core/sym_priv.h"

struct span {
	uint64_t lo, hi;
};

/* The executable sections of path, into sp (at most 64); their count. */
static size_t code_spans(const char *path, struct span *sp, uint64_t *lo,
                         uint64_t *hi)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t n = 0, shstr;

	elf_version(EV_CURRENT);
	if (fd < 0 || !(elf = elf_begin(fd, ELF_C_READ, NULL)) ||
	    elf_getshdrstrndx(elf, &shstr) != 0) {
		fprintf(stderr, "symbench: %s: not an ELF file\n", path);
		exit(2);
	}
	*lo = UINT64_MAX;
	*hi = 0;
	while ((scn = elf_nextscn(elf, scn)) != NULL && n < 64) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || !sh.sh_size)
			continue;
		sp[n++] = (struct span){ sh.sh_addr, sh.sh_addr + sh.sh_size };
		if (sh.sh_addr < *lo)
			*lo = sh.sh_addr;
		if (sh.sh_addr + sh.sh_size > *hi)
			*hi = sh.sh_addr + sh.sh_size;
	}
	elf_end(elf);
	close(fd);
	return n;
}

static struct ht_symbolizer *open_sym(const char *path, bool walk)
{
	struct span sp[64];
	struct ht_module m = { 0 };
	struct ht_profile p = { 0 };
	struct ht_symbolizer *s;
	char *cause = NULL;

	code_spans(path, sp, &m.start, &m.end);
	m.path = realpath(path, NULL);     /* modules have absolute paths */
	m.base = 0;
	p.modules = &m;
	p.nmodules = 1;
	if (ht_symbolizer_new(&p, NULL, &s, &cause) < 0) {
		fprintf(stderr, "symbench: %s\n", cause ? cause : "error");
		exit(2);
	}
	free(m.path);
	ht_symbolizer_set_walk(s, walk);
	return s;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_addrs(const char *path, size_t want, unsigned seed)
{
	struct span sp[64];
	uint64_t lo, hi, total = 0;
	size_t n = code_spans(path, sp, &lo, &hi);
	uint8_t *seen;

	for (size_t i = 0; i < n; i++)
		total += sp[i].hi - sp[i].lo;
	if (total < want || !(seen = calloc(total, 1)))
		return 2;
	srandom(seed);
	for (size_t got = 0; got < want;) {
		uint64_t r = (((uint64_t)random() << 31) ^ (uint64_t)random()) %
		             total;

		if (seen[r])
			continue;
		seen[r] = 1;
		got++;
		for (size_t i = 0; i < n; i++) {
			if (r < sp[i].hi - sp[i].lo) {
				printf("0x%" PRIx64 "\n", sp[i].lo + r);
				break;
			}
			r -= sp[i].hi - sp[i].lo;
		}
	}
	free(seen);
	return 0;
}

/* Addresses are looked up as given: ht_symbolize looks up pc - 1. */
static int cmd_time(const char *how, const char *path, const char *list)
{
	FILE *f = fopen(list, "r");
	uint64_t *a = NULL;
	size_t n = 0, cap = 0, frames = 0;
	unsigned long long x;
	struct ht_symbolizer *s;
	struct rusage ru;
	double t0, t1, t2;

	if (!f)
		return 2;
	while (fscanf(f, "%llx", &x) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (!(a = realloc(a, cap * sizeof *a)))
				return 2;
		}
		a[n++] = x + 1;
	}
	fclose(f);
	t0 = now();
	s = open_sym(path, !strcmp(how, "old"));
	for (size_t i = 0; i < n; i++) {
		const struct ht_frame *fr;
		size_t k;

		ht_symbolize(s, a[i], &fr, &k);
		frames += k;
	}
	t1 = now();
	for (size_t i = 0; i < n; i++) {
		const struct ht_frame *fr;
		size_t k;

		ht_symbolize(s, a[i], &fr, &k);
	}
	t2 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("%s %zu %zu %.3f %.0f %.6f %.0f %ld\n", how, n, frames,
	       t1 - t0, (double)n / (t1 - t0), t2 - t1,
	       (double)n / (t2 - t1), ru.ru_maxrss);
	ht_symbolizer_free(s);
	free(a);
	return 0;
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

static void print_frames(const char *tag, const struct ht_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("  %s %s at %s:%d%s\n", tag, f[i].function,
		       f[i].file ? f[i].file : "??", f[i].line,
		       f[i].inlined ? " (inlined)" : "");
}

/* The walk found no scope where the index finds a chain: libdw's
 * dwarf_getscopes prunes DW_TAG_namespace DIEs (they have no address), so
 * it never reaches a function defined inside one, as rustc emits them;
 * the walk then falls back to the symbol table's name and the line
 * table's line, and loses the inlined frames (eu-addr2line -i too).  The
 * index keeps them, as llvm-symbolizer --inlining and addr2line -i do. */
static bool namespace_miss(const struct ht_frame *fo, size_t no,
                           const struct ht_frame *fn, size_t nn)
{
	return no == 1 && nn > 1 &&
	       same_str(fo[0].function, fn[nn - 1].function) &&
	       same_str(fo[0].file, fn[0].file) && fo[0].line == fn[0].line;
}

static int cmd_cmp(const char *path, uint64_t stride)
{
	struct span sp[64];
	uint64_t lo, hi, diffs = 0, total = 0, lines = 0, inl = 0, ns = 0;
	size_t n = code_spans(path, sp, &lo, &hi);
	struct ht_symbolizer *old = open_sym(path, true);
	struct ht_symbolizer *new = open_sym(path, false);

	for (size_t i = 0; i < n; i++) {
		for (uint64_t a = sp[i].lo; a < sp[i].hi; a += stride) {
			const struct ht_frame *fo, *fn;
			size_t no, nn;
			bool same;

			ht_symbolize(old, a + 1, &fo, &no);
			ht_symbolize(new, a + 1, &fn, &nn);
			same = no == nn;
			for (size_t k = 0; same && k < no; k++)
				same = same_str(fo[k].function, fn[k].function) &&
				       same_str(fo[k].file, fn[k].file) &&
				       fo[k].line == fn[k].line &&
				       fo[k].inlined == fn[k].inlined &&
				       fo[k].allocator == fn[k].allocator &&
				       fo[k].library == fn[k].library;
			total++;
			lines += nn > 0 && fn[0].line > 0;
			inl += nn > 1;
			if (same)
				continue;
			if (namespace_miss(fo, no, fn, nn)) {
				ns++;
				continue;
			}
			if (diffs++ < 20) {
				printf("0x%" PRIx64 ":\n", a);
				print_frames("old", fo, no);
				print_frames("new", fn, nn);
			}
		}
	}
	printf("%s: %" PRIu64 " addresses (%" PRIu64 " with a line, %" PRIu64
	       " inlined), %" PRIu64 " inline chains the walk misses (functions"
	       " in namespaces), %" PRIu64 " other differences\n", path, total,
	       lines, inl, ns, diffs);
	ht_symbolizer_free(old);
	ht_symbolizer_free(new);
	return diffs ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "addrs"))
		return cmd_addrs(argv[2], strtoul(argv[3], NULL, 0),
		                 argc > 4 ? (unsigned)atoi(argv[4]) : 1);
	if (argc == 5 && !strcmp(argv[1], "time"))
		return cmd_time(argv[2], argv[3], argv[4]);
	if (argc >= 3 && !strcmp(argv[1], "cmp"))
		return cmd_cmp(argv[2], argc > 3 ? strtoull(argv[3], NULL, 0) : 1);
	fprintf(stderr, "usage: symbench addrs FILE N [SEED] | "
	        "time new|old FILE LIST | cmp FILE [STRIDE]\n");
	return 2;
}
