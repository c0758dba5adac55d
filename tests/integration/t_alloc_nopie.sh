#!/bin/sh
# A non-PIE executable that takes malloc's address (as Debian's python3
# does) has a canonical PLT entry for malloc, and dlsym(RTLD_DEFAULT,
# "malloc") names that entry in the executable: heaptop must still see
# that its hooks serve the program (glibc through heaptop's hooks, no
# advice about a linked-in allocator) and count the program's leak
# exactly at rate 1.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
cd "$WORK"
cat >nopie.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
void *(*volatile alloc_fn)(size_t);
static void *leak_here(size_t n) { return alloc_fn(n); }
int main(void)
{
	static void *keep[1000];

	alloc_fn = malloc; /* the address taken in code: a canonical PLT entry */
	for (int i = 0; i < 1000; i++)
		keep[i] = leak_here(3000);
	printf("truth leak_here bytes=%d\n", 1000 * 3000);
	fflush(stdout);
	sleep(3);
	return keep[0] == NULL;
}
C
"${CC:-cc}" -O0 -g -fno-pie -no-pie -o nopie nopie.c || fail "cannot build a non-PIE program"
readelf --dyn-syms -W nopie | awk '$8 ~ /^malloc/ && $7 == "UND" && $2 !~ /^0+$/ { f = 1 } END { exit !f }' ||
	skip "the toolchain gave malloc no canonical PLT entry in the executable"
"$HEAPTOP" --batch --json -n 2 -d 1 -r 1 --top 0 --app-output app.log ./nopie >out.json 2>err.txt ||
	{ cat err.txt; fail "heaptop failed"; }
tail -n 1 out.json | grep -o '"allocator":{[^}]*}'
check "allocator: glibc through the hooks" grep -q \
	'"allocator":{"name":"glibc","prefix":"","linkage":"shared","profiling":false,"source":"hooks","advice":null' out.json
tru=$(sed -n 's/^truth leak_here bytes=//p' app.log)
got=$(tail -n 1 out.json | grep -o '{"function":"leak_here",[^{]*"inuse_bytes":[0-9.e+]*' |
	sed 's/.*"inuse_bytes"://')
note "leak_here: heaptop $got bytes, truth $tru"
[ -n "$tru" ] && [ "$got" = "$tru" ] || fail "leak_here $got bytes, truth $tru"
exit 0
