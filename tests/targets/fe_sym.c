/*
 * fe_sym: a symbolization target for the frontend tests, built with -O2.
 * Leaks from three kinds of code: an ordinary C function (fe_c_site), a
 * function forced inline into another (fe_inlined_alloc inside
 * fe_inline_host), and a function in a library loaded late with dlopen
 * (fe_dl_alloc in libfe_dl.so, path in argv[1]).  At the end it prints
 * "done" and its own /proc/self/maps so a test can turn runtime addresses
 * into file addresses for eu-addr2line.
 *
 * Usage: fe_sym LIBFE_DL_SO [ITERATIONS]
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 10000

static void *kept_c[MAXN], *kept_i[MAXN], *kept_d[MAXN];

__attribute__((noinline)) void fe_c_site(int i);
__attribute__((noinline)) void fe_inline_host(int i);

void fe_c_site(int i)
{
	kept_c[i] = malloc(5000);
	memset(kept_c[i], 1, 16);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void fe_inlined_alloc(int i)
{
	kept_i[i] = malloc(7000);
	memset(kept_i[i], 2, 16);
}

void fe_inline_host(int i)
{
	fe_inlined_alloc(i);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	void *(*dl_alloc)(int);
	void *h;
	int n = argc > 2 ? atoi(argv[2]) : 200;
	FILE *maps;
	char line[4096];

	if (argc < 2 || n < 1 || n > MAXN) {
		fprintf(stderr, "usage: fe_sym LIBFE_DL_SO [ITERATIONS]\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "fe_sym: %s\n", dlerror());
		return 2;
	}
	*(void **)&dl_alloc = dlsym(h, "fe_dl_alloc");
	if (!dl_alloc) {
		fprintf(stderr, "fe_sym: %s\n", dlerror());
		return 2;
	}
	for (int i = 0; i < n; i++) {
		fe_c_site(i);
		fe_inline_host(i);
		kept_d[i] = dl_alloc(i);
	}
	printf("done\n");
	maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof line, maps))
		printf("map %s", line);
	if (maps)
		fclose(maps);
	return 0;
}
