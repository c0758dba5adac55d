/*
 * rt_dlopen: dlopen a plugin (argv[1]), keep N objects of 555 bytes
 * allocated inside it, dlclose it, sleep MS milliseconds (default 300:
 * the runtime's periodic refresh notices the unload too), exit 0.
 *
 *   rt_dlopen PLUGIN [N [MS]]
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	void *h, *(*fn)(size_t);
	int n = argc > 2 ? atoi(argv[2]) : 30;
	int ms = argc > 3 ? atoi(argv[3]) : 300;

	if (argc < 2)
		return 2;
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	*(void **)&fn = dlsym(h, "plugin_alloc");
	if (!fn)
		return 2;
	for (int i = 0; i < n; i++)
		if (!fn(555))
			return 2;
	if (dlclose(h) != 0)
		return 2;
	if (ms > 0)
		usleep((useconds_t)ms * 1000);
	printf("truth plugin_leak_site objects=%d bytes=%d\n", n, n * 555);
	return 0;
}
