/*
 * fmt_sym: a target for the symbolization test.  It records return
 * addresses inside functions of every kind the symbolizer must name (a C
 * function, a function inlined into another at -O2, a namespaced C++
 * method, a function in a dlopen'd library), then copies its own
 * /proc/self/maps, and exits: the test symbolizes the addresses after
 * the process is gone and compares with eu-addr2line.
 *
 * Usage: fmt_sym OUTFILE DLOPEN_LIB
 * Output: "pc LABEL 0xADDR" lines (ADDR is a return address), "maps",
 * then the maps text.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

FILE *fmt_sym_out;

/* Writes the caller's return address: a pc inside the calling function. */
__attribute__((noinline)) void fmt_sym_record(const char *label)
{
	fprintf(fmt_sym_out, "pc %s %p\n", label, __builtin_return_address(0));
}

__attribute__((noinline)) int c_function(int x)
{
	fmt_sym_record("c_function");
	return x + 1;
}

static inline __attribute__((always_inline)) int inlined_leaf(int x)
{
	fmt_sym_record("inlined_leaf");
	return x * 3;
}

__attribute__((noinline)) int inline_host(int x)
{
	int r = inlined_leaf(x);

	return r + 1;
}

int cxx_entry(int x);

int main(int argc, char **argv)
{
	int (*dlf)(void (*)(const char *), int);
	void *h;
	FILE *maps;
	char buf[4096];
	size_t n;
	int v = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: fmt_sym OUTFILE LIB\n");
		return 2;
	}
	fmt_sym_out = fopen(argv[1], "w");
	if (!fmt_sym_out)
		return 2;
	v += c_function(argc);
	v += inline_host(argc);
	v += cxx_entry(argc);
	h = dlopen(argv[2], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 3;
	}
	*(void **)&dlf = dlsym(h, "dl_function");
	if (!dlf)
		return 3;
	v += dlf(fmt_sym_record, argc);
	fprintf(fmt_sym_out, "maps\n");
	maps = fopen("/proc/self/maps", "r");
	if (!maps)
		return 2;
	while ((n = fread(buf, 1, sizeof buf, maps)) > 0)
		fwrite(buf, 1, n, fmt_sym_out);
	fclose(maps);
	fclose(fmt_sym_out);
	return v == 0 ? 1 : 0;
}
