#!/bin/sh
# What following the event ring costs the program: callgrind instruction
# counts of bench/ringloop at rate 1 (every malloc and free sampled) for
# N and 2N iterations, without a consumer and with heaptop attached as the
# ring's consumer (each sampled malloc+free then pushes two events).  The
# per-iteration cost is the difference of the two totals over N (start-up
# cancels).  Needs valgrind.
#   HT_BUILDDIR=build sh bench/ring.sh [N]
set -eu
B=${HT_BUILDDIR:?set HT_BUILDDIR to the build directory}
N=${1:-20000}
RT="$B/.libs/libheaptop.so"
W=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-ring.XXXXXX")
trap 'rm -rf "$W"; rm -f /dev/shm/htring.$$' EXIT
${CC:-cc} -O1 -g -o "$W/ringloop" "$(dirname "$0")/ringloop.c"

total() { # iterations consumer(0|1)
	rm -f /dev/shm/htring.$$
	LD_PRELOAD="$RT" HEAPTOP_SHM=htring.$$ HEAPTOP_RATE=1 \
		valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" \
		"$W/ringloop" "$1" 6 >/dev/null 2>"$W/vg.err" &
	vp=$!
	hp=""
	if [ "$2" = 1 ]; then
		sleep 4
		"$B/heaptop" --attach-shm htring.$$ --batch -n 1000 -d 0.5 \
			>"$W/ht.out" 2>&1 &
		hp=$!
	fi
	wait $vp
	[ -n "$hp" ] && kill $hp 2>/dev/null
	sed -n 's/^summary: //p' "$W/cg.out"
}

a1=$(total "$N" 0); a2=$(total $((2 * N)) 0)
b1=$(total "$N" 1); b2=$(total $((2 * N)) 1)
awk -v a1="$a1" -v a2="$a2" -v b1="$b1" -v b2="$b2" -v n="$N" 'BEGIN {
	a = (a2 - a1) / n; b = (b2 - b1) / n
	printf "sampled malloc+free, no consumer:   %.0f instructions\n", a
	printf "sampled malloc+free, heaptop reads: %.0f instructions\n", b
	printf "the two events:                     %+.0f (%.2fx)\n", b - a, b / a
}'
