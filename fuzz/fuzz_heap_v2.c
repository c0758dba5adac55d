/*
 * libFuzzer target for the heap_v2 reader (heaptop's, jemalloc's and the
 * gperftools text): any input must yield a profile or -EINVAL with a
 * cause naming a line, never a crash, a hang or a leak.  Built and run by
 * `make fuzz` (clang -fsanitize=fuzzer,address,undefined); not part of
 * `make check`.  The reader is built with the fuzzer's instrumentation,
 * the rest of the core comes from libhtcore.a.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_profile *p = NULL;
	char *cause = NULL;
	int rc = ht_fmt_heap_v2.read((const char *)data, size, "fuzz", &p,
	                             &cause);

	if (rc == 0) {
		if (!p || cause)
			abort();
		/* the result is consistent: every stack has frames */
		for (size_t i = 0; i < p->nstacks; i++)
			if (p->stacks[i].depth == 0 || !p->stacks[i].pcs)
				abort();
		ht_profile_free(p);
	} else {
		if (p || rc != -EINVAL || !cause || !strstr(cause, "fuzz:"))
			abort();
		free(cause);
	}
	return 0;
}
