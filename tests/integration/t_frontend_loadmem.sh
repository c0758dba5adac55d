#!/bin/sh
# The frontend's peak memory on a large dump stays under the bound the
# README states (Limits): `heaptop --load FILE --batch` on generated
# jemalloc dumps of 100,000 distinct stacks (addresses in heaptop's own
# code, so they symbolize), grouped by stack (a site per stack, the
# worst case) and by line, its peak RSS (the child's ru_maxrss) against
#   16 MiB + stacks x (1 KiB + 24 B x depth) + sites x 1 KiB
#   + 3 x the debug info of the binary.
# Before the histories were sized to what they hold, every stack cost
# 2 KB of history at the first update: 367 MiB and 267 MiB here, over the
# bounds (263 and 129 MiB).
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/gendump_lib.sh"

grep -q '^HT_SAN_CFLAGS = -fsanitize' "$HT_BUILDDIR/Makefile" &&
	skip "sanitizers: ASan's shadow memory is not the frontend's"
for t in nm readelf; do
	command -v $t >/dev/null || skip "needs $t (binutils)"
done
cd "$WORK"
bin=$(cd "$(dirname "$HEAPTOP")" && pwd)/$(basename "$HEAPTOP")
# the debug info of the binary, bytes
dbg=$(debug_bytes "$bin")
note "debug info: $dbg bytes"

# run_case STACKS DEPTH GROUP
run_case() {
	n=$1 d=$2 g=$3
	gen_dump "$bin" "$n" "$d" > big.heap || fail "cannot generate the dump"
	rc=0
	"$T/maxrss" "$HEAPTOP" --load big.heap --batch --group "$g" \
		> out.txt 2> err.txt || rc=$?
	cat err.txt
	[ "$rc" -eq 0 ] || fail "heaptop --load --batch --group $g exited $rc"
	grep -q '^heaptop - .* loaded' out.txt || fail "no update printed"
	grep -q 'ht_model_update\|main\|ht_' out.txt ||
		fail "the stacks did not symbolize"
	rss=$(sed -n 's/^maxrss_kib=//p' err.txt)
	[ -n "$rss" ] || fail "no peak RSS"
	sites=$n
	[ "$g" = stack ] || sites=$(nm --defined-only "$bin" | grep -c ' [tT] ')
	bound=$(rss_bound "$n" "$d" "$sites" "$dbg")
	note "$n stacks of $d frames, --group $g: peak RSS $rss KiB, bound $bound KiB"
	[ "$rss" -le "$bound" ] ||
		fail "peak RSS $rss KiB over the bound $bound KiB ($n stacks, depth $d, --group $g)"
}

run_case 100000 16 stack
run_case 100000 4 line
