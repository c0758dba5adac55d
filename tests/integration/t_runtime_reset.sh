# jemalloc's prof.reset example (Jason Evans, jemalloc-discuss, November
# 2015) through the public API of a program linked with -lheaptop (not
# preloaded): a loop allocates and frees a large block N times; at N/2,
# with the block allocated, dump A, reset, dump B; after the loop, dump C.
#   A: current 1 block, cumulative N/2 + 1 blocks
#   B: nothing (the live block is forgotten)
#   C: current 0 (the forgotten block's free is not subtracted: never
#      negative), cumulative N/2 - 1 blocks
# The block is 8 MiB against the 512 KiB rate: p = 1 - e^-16, so every
# block is sampled (miss probability 1e-7 each) and weighs 1.0000001.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

N=1000
B=8388608
n=$(seg_name reset)
rt_names="$rt_names $n"
# linked, not preloaded
HEAPTOP_SHM="$n" "$T/rt_reset" $N $B "$WORK/A.heap" "$WORK/B.heap" "$WORK/C.heap" \
	>"$WORK/out" || { cat "$WORK/out"; fail "rt_reset failed"; }
cat "$WORK/out"
grep -q "^rate=524288 segment=$n\$" "$WORK/out" || fail "public API: rate or segment name wrong"
ldd "$T/rt_reset" | grep -q libheaptop || fail "rt_reset is not linked with libheaptop"

# The block stack's line of a dump: "cur_objs cur_bytes cum_objs cum_bytes",
# found by its mean allocated size.  Each sample weighs z/p = z + 0.94 bytes
# and the counts are rounded to integers, so bytes are compared within one
# byte per object.
block_line() {
	awk -v B=$B '/^@/ { getline c; gsub(/[^0-9 ]/, " ", c); split(c, v, " ");
		if (v[3] > 0 && v[4] / v[3] > B - 1 && v[4] / v[3] < B + 1) print v[1], v[2], v[3], v[4] }' "$1"
}
near() { # DESC GOT EXPECTED OBJECTS
	awk -v g="$2" -v e="$3" -v n="$4" 'BEGIN { d = g - e; exit !(d <= n && d >= -n) }' ||
		fail "$1: got $2, expected $3 (within $4)"
	note "ok: $1 = $2"
}
for f in A B C; do
	[ -f "$WORK/$f.heap" ] || fail "dump $f missing"
	echo "--- $f"; sed -n '1,2p' "$WORK/$f.heap"
done
set -- $(block_line "$WORK/A.heap")
[ $# -eq 4 ] || fail "A: block stack not found"
expect_eq "A current objects" "$1" 1
near "A current bytes" "$2" $B 1
expect_eq "A cumulative objects" "$3" $((N / 2 + 1))
near "A cumulative bytes" "$4" $(((N / 2 + 1) * B)) $((N / 2 + 1))

[ "$(sed -n 2p "$WORK/B.heap")" = "  t*: 0: 0 [0: 0]" ] || fail "B: totals not zero"
grep -q '^@' "$WORK/B.heap" && fail "B: stacks present after reset"
grep -q '^MAPPED_LIBRARIES:' "$WORK/B.heap" || fail "B: no MAPPED_LIBRARIES"

set -- $(block_line "$WORK/C.heap")
[ $# -eq 4 ] || fail "C: block stack not found"
expect_eq "C current objects" "$1" 0
expect_eq "C current bytes" "$2" 0
expect_eq "C cumulative objects" "$3" $((N / 2 - 1))
near "C cumulative bytes" "$4" $(((N / 2 - 1) * B)) $((N / 2 - 1))

rt_seg "$n" "$WORK/seg"
expect_eq "reset generation" "$(rt_field "$WORK/seg" reset_generation)" 1
expect_eq "state exited" "$(rt_field "$WORK/seg" state)" 2
exit 0
