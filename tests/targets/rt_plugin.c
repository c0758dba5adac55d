/*
 * A plugin for rt_dlopen: allocations made from a library loaded with
 * dlopen and unloaded before the process exits.
 */
#include <stdlib.h>

void *plugin_alloc(size_t size);

__attribute__((noinline)) static void *plugin_leak_site(size_t size)
{
	char *p = malloc(size);
	if (p)
		p[0] = 1;
	return p;
}

void *plugin_alloc(size_t size)
{
	return plugin_leak_site(size);
}
