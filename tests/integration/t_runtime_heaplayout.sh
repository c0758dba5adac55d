#!/bin/sh
# The runtime leaves the program's heap as it finds it: the program's
# first block sits in glibc's main heap at the same offset with the
# runtime preloaded as without it (the runtime's control thread takes
# its thread-local block from the runtime's own arena, and glibc's main
# arena stays the program's, not the control thread's).  A shifted heap
# makes glibc's malloc choose differently; a program measured 4.6% more
# instructions in glibc's malloc for one 300-byte block ahead of its own.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

# A sanitizer build links the runtime with libubsan, which brings
# libstdc++, whose start-up allocates its exception emergency pool
# (~72 KB) from the heap before the program runs: not the runtime's doing.
grep -q '^HT_SAN_CFLAGS = -fsanitize' "$HT_BUILDDIR/Makefile" &&
	skip "sanitizers: libubsan's libstdc++ allocates ahead of the program"

cd "$WORK"
cat >first.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* "heap+OFFSET": the first block's place in the [heap] mapping (glibc's
 * main arena), or "elsewhere".  The first allocation comes after the
 * runtime's control thread has started its work. */
int main(void)
{
	char *p, line[512];
	unsigned long lo, hi, a;
	FILE *f;
	const char *where = "elsewhere";

	usleep(300 * 1000);
	p = malloc(24);
	a = (unsigned long)p;
	f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    a >= lo && a < hi) {
			printf("heap+%#lx\n", a - lo);
			where = NULL;
		}
	if (where)
		printf("%s\n", where);
	return 0;
}
C
"${CC:-cc}" -O0 -o first first.c || fail "cannot build the target"
plain=$(./first) || fail "the target failed"
note "without the runtime: first block at $plain"
case $plain in heap+*) ;; *) skip "the C library's malloc does not use a [heap] mapping here" ;; esac
for rate in 1024G 512K 1; do
	got=$(HEAPTOP_RATE=$rate rt_preload "$(seg_name "$rate")" ./first) || fail "the target failed under the runtime"
	note "with the runtime, HEAPTOP_RATE=$rate: first block at $got"
	[ "$got" = "$plain" ] || fail "the runtime moved the program's first block (rate $rate): $got, not $plain"
done
exit 0
