#!/bin/sh
# samplecost.sh: what one sample costs, in instructions (callgrind, 1
# thread, deterministic), and where they go.
#
# Runs malloc_bench -t 1 -n N under callgrind with heaptop at the default
# rate and with sampling off (HEAPTOP_RATE=1024G: the hooks run, nothing is
# sampled), for the benchmark built with and without frame pointers, and
# with the walker (default) and with HEAPTOP_UNWIND=libunwind.  Per sample
# = (Ir(sampling) - Ir(off)) / samples, counted in the benchmark thread;
# samples = calls of ht_addrmap_insert (once per sample; callgrind names
# it reliably, where the functions that run on the pool stack are named
# after whatever it believes the switch of stacks returned to).  Then the
# self cost per sample of the sampled path's parts.
#
# -n: operations (default 4,000,000, ~5,000 samples): enough that what a
# thread does once (reading its stack's bounds from /proc/self/maps, the
# call frame information of its first return addresses: ~45,000
# instructions) weighs under 1% of the figure; at 1,000,000 it is ~3%.
# -F: only the frame-pointer build with the walker (the headline figure).
# HEAPTOP_LIB=path: measure that build of the runtime instead.
#
# Usage: HT_BUILDDIR=build CC=cc sh bench/samplecost.sh [-n OPS] [-F]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
b=${HT_BUILDDIR:?set HT_BUILDDIR to the build directory}
CC=${CC:-cc}
n=4000000
bins="mb mbfp"
uws="walk libunwind"
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	-F) bins=mbfp; uws=walk; shift ;;
	*) echo "usage: samplecost.sh [-n OPS] [-F]" >&2; exit 2 ;;
	esac
done
lib=${HEAPTOP_LIB:-"$(cd "$b" && pwd)/.libs/libheaptop.so"}
out=$(mktemp -d "${TMPDIR:-/tmp}/ht-samplecost.XXXXXX")
# callgrind_annotate names files relative to the working directory: away
# from the sources, its output has one form
cd "$out"
$CC -std=gnu11 -O2 -g -pthread -o "$out/mb" "$here/malloc_bench.c"
$CC -std=gnu11 -O2 -g -fno-omit-frame-pointer -pthread -o "$out/mbfp" "$here/malloc_bench.c"

# run NAME BINARY RATE UNWIND: prints the benchmark thread's Ir
run() {
	f="$out/cg.$1"
	HEAPTOP_SHM="ht-samplecost.$$.$1" HEAPTOP_RATE=$3 HEAPTOP_UNWIND=$4 LD_PRELOAD="$lib" \
		valgrind --tool=callgrind --callgrind-out-file="$f" --separate-threads=yes \
		"$out/$2" -t 1 -n "$n" >"$f.log" 2>&1
	rm -f /dev/shm/"ht-samplecost.$$.$1"*
	for t in "$f"-[0-9]*; do
		sed -n 's/^totals: *//p' "$t" | awk -v t="$t" '{print $1, t}'
	done | sort -n | tail -n 1 | { read -r ir file && ln -sf "$file" "$f" && echo "$ir"; }
}

# parts FILE SAMPLES: self cost per sample, grouped
parts() {
	callgrind_annotate --auto=no --threshold=100 "$1" 2>/dev/null | awk -v s="$2" '
	/^ *[0-9,]+ +\(/ && !/PROGRAM TOTALS/ {
		x = $1; gsub(",", "", x)
		if ($0 ~ /libunwind|fpwalk\.c|:capture/) g = "unwinding (libunwind, fpwalk.c, capture)"
		else if ($0 ~ /walkmemo/) g = "walk memo (walkmemo.c)"
		else if ($0 ~ /stacks\.c/) g = "stack table (stacks.c: intern, add, sub)"
		else if ($0 ~ /addrmap\.c|:ht_take/) g = "address map (addrmap.c insert/remove, filter)"
		else if ($0 ~ /weights\.c|libm|sampler\.c|ht_sample_decide/) g = "weights and re-arm (weights.c, sampler.c, libm)"
		else if ($0 ~ /push_event|ring\.c|ht_now_ns|clock_gettime/) g = "ring event and clock"
		else if ($0 ~ /ownstack/) g = "own stack switch"
		else if ($0 ~ /_slow|ht_record_alloc|ht_settle_free|record/) g = "slow-path glue (interpose.c, runtime.c)"
		else next
		c[g] += x
	}
	END { for (g in c) printf "  %8.1f  %s\n", c[g] / s, g }' | sort -rn
}

samples() {
	callgrind_annotate --tree=caller --auto=no --threshold=100 "$1" 2>/dev/null | awk '
	/^[ \t]*$/ { n = 0; next }
	index($0, "< ") { m = $0; sub(/x\).*/, "", m); sub(/.*\(/, "", m); gsub(",", "", m); n += m; next }
	index($0, "*  ") && index($0, ":ht_addrmap_insert") { print n; exit }'
}

printf 'malloc_bench -t 1 -n %s, callgrind, benchmark thread only\n\n' "$n"
printf '| build | unwinder | Ir sampling off | Ir at 512K | samples | instructions per sample |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
for bin in $bins; do
	off=$(run "$bin.off" "$bin" 1024G walk)
	for uw in $uws; do
		on=$(run "$bin.$uw" "$bin" 512K "$uw")
		s=$(samples "$out/cg.$bin.$uw")
		per=$(awk -v a="$on" -v b="$off" -v s="$s" 'BEGIN { printf "%.0f", (a - b) / s }')
		fp=$([ "$bin" = mbfp ] && echo "-fno-omit-frame-pointer" || echo "default -O2")
		printf '| %s | %s | %s | %s | %s | %s |\n' "$fp" "$uw" "$off" "$on" "$s" "$per"
	done
done
for bin in $bins; do
	for uw in $uws; do
		s=$(samples "$out/cg.$bin.$uw")
		printf '\nself cost per sample, %s, %s (%s samples):\n' "$bin" "$uw" "$s"
		parts "$out/cg.$bin.$uw" "$s"
	done
done
printf '\ncallgrind files: %s\n' "$out"
