/*
 * librt_early: a library preloaded beside the runtime whose constructor
 * (at the highest priority) allocates, reallocates and frees before the
 * runtime may be initialised, keeps some blocks, and frees them in its
 * destructor, after the runtime's exit handler.  Prints
 * "early: ok N" from the constructor when every block checked out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 64

static void *blocks[N];

__attribute__((constructor(101))) static void early_init(void)
{
	char msg[64];
	int ok = 0, len;

	for (int i = 0; i < N; i++) {
		char *p = malloc(32 + (size_t)i);
		if (!p)
			continue;
		memset(p, i, 32 + (size_t)i);
		p = realloc(p, 4096 + (size_t)i);
		if (!p)
			continue;
		if (i % 2) {
			free(p);
			ok++;
			continue;
		}
		blocks[i] = p;
		ok += ((unsigned char *)p)[31] == (unsigned char)i;
	}
	free(calloc(3, 5));
	len = snprintf(msg, sizeof msg, "early: ok %d\n", ok);
	if (write(2, msg, (size_t)len) < 0)
		_exit(3);
}

__attribute__((destructor)) static void early_fini(void)
{
	for (int i = 0; i < N; i++)
		free(blocks[i]);
}
