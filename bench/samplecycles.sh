#!/bin/sh
# samplecycles.sh: where a sample's time goes, in processor cycles.
#
# Callgrind (samplecost.sh) counts a sample's instructions; most of its
# time is cache misses, which it does not count, and a virtual machine
# often has no performance counters.  This script builds the runtime with
# HT_SAMPLE_TIMING (src/runtime/phase.h: time-stamp counter marks between
# the sampled path's steps, printed at exit), runs malloc_bench (built
# with frame pointers: the walker's path) under it, and prints the median
# over the runs of each step's cycles per sample, for each interval and
# thread count, side by side.
#
# -b REV also builds the runtime at git revision REV (a worktree; it must
# have src/runtime/phase.h) and runs it in the same rounds, alternating.
#
# Usage: sh bench/samplecycles.sh [-r "64K 512K"] [-t "1 2"] [-n OPS]
#                                 [-k RUNS] [-b REV]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
CC=${CC:-cc}
rates="64K"
threads="1 2"
n=3000000
k=5
base=
while [ $# -gt 0 ]; do
	case $1 in
	-r) rates=$2; shift 2 ;;
	-t) threads=$2; shift 2 ;;
	-n) n=$2; shift 2 ;;
	-k) k=$2; shift 2 ;;
	-b) base=$2; shift 2 ;;
	*) echo "usage: samplecycles.sh [-r RATES] [-t THREADS] [-n OPS] [-k RUNS] [-b REV]" >&2
	   exit 2 ;;
	esac
done
out=$(mktemp -d "${TMPDIR:-/tmp}/ht-samplecycles.XXXXXX")
wt=
cleanup() {
	[ -z "$wt" ] || git -C "$top" worktree remove --force "$wt" 2>/dev/null || true
	rm -f /dev/shm/ht-samplecycles.$$.*
}
trap cleanup EXIT INT TERM

# build NAME SRCDIR: the timing runtime at $out/NAME/.libs/libheaptop.so
build() {
	mkdir -p "$out/$1"
	[ -x "$2/configure" ] || (cd "$2" && autoreconf -fi >/dev/null 2>&1)
	(cd "$out/$1" && "$2/configure" -q CPPFLAGS=-DHT_SAMPLE_TIMING >/dev/null &&
	 make -s -j2 libheaptop.la >/dev/null 2>&1) ||
		{ echo "samplecycles: building $1 from $2 failed" >&2; exit 1; }
}
build tree "$top"
libs=tree
if [ -n "$base" ]; then
	wt="$out/src-base"
	git -C "$top" worktree add -q --detach "$wt" "$base"
	[ -f "$wt/src/runtime/phase.h" ] ||
		{ echo "samplecycles: $base has no src/runtime/phase.h" >&2; exit 1; }
	build base "$wt"
	libs="base tree"
fi
$CC -std=gnu11 -O2 -g -fno-omit-frame-pointer -pthread -o "$out/mbfp" "$here/malloc_bench.c"

printf 'malloc_bench -n %s (frame pointers), %s runs each, median cycles per sample\n' "$n" "$k"
printf 'machine: %s, load average %s\n\n' \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
cols=
for r in $rates; do
	for t in $threads; do
		for l in $libs; do
			cols="$cols $l:$r:$t"
		done
	done
done
i=0
while [ $i -lt "$k" ]; do
	for c in $cols; do
		l=${c%%:*}; rt=${c#*:}; r=${rt%%:*}; t=${rt#*:}
		HEAPTOP_SHM="ht-samplecycles.$$.$i" HEAPTOP_RATE=$r \
			LD_PRELOAD="$out/$l/.libs/libheaptop.so" \
			"$out/mbfp" -t "$t" -n "$n" 2>"$out/err.$c.$i" >"$out/out.$c.$i"
		rm -f /dev/shm/ht-samplecycles.$$.$i*
		grep -q '^heaptop sample timing' "$out/err.$c.$i" ||
			{ echo "samplecycles: no timing from $c (see $out/err.$c.$i)" >&2; exit 1; }
	done
	i=$((i + 1))
done

# median of column c's step s over the runs
med() {
	for f in "$out"/err."$1".*; do
		awk -v s="$2" 'index($0, "  " s " ") == 1 { print $NF }' "$f"
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf '| step |'
for c in $cols; do printf ' %s |' "$(echo "$c" | awk -F: '{ printf "%s %s, %s thr", $1, $2, $3 }')"; done
printf '\n| --- |'
for c in $cols; do printf ' --- |'; done
printf '\n'
for s in "weight" "clock" "stack (memo, or walk and intern)" "address map" "counters" "event and accounting" \
	 "record (all of the above)" "sample (record and stack switch)" \
	 "free: map removal" "free: settle"; do
	printf '| %s |' "$s"
	for c in $cols; do printf ' %s |' "$(med "$c" "$s")"; done
	printf '\n'
done
printf '| malloc_bench seconds |'
for c in $cols; do
	printf ' %s |' "$(for f in "$out"/out."$c".*; do sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$f"; done |
		sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
done
printf '\n\nruns: %s\n' "$out"
