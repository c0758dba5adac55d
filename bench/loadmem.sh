#!/bin/sh
# What `heaptop --load FILE --batch` costs on a large jemalloc dump: wall
# seconds and peak RSS (the child's ru_maxrss), for generated dumps of
# many distinct stacks whose addresses are in a real binary's functions
# (tests/integration/gendump_lib.sh), grouped by line (the default) and
# by stack (a site per stack), with the bound the README states (Limits)
# beside each figure.  One run each; with -b OLD, an older heaptop on the
# same dumps, interleaved.
#
#   bench/loadmem.sh [-e BINARY] [-n "STACKS..."] [-d DEPTH] [-b OLD_HEAPTOP]
#     -e  the binary the addresses come from (default: heaptop itself;
#         bench/symbolize.sh -k leaves a 14 MB Rust program)
#     -n  stack counts (default "100000 300000")
#     -d  frames per stack (24)
#     -b  another heaptop to run on the same dumps (before/after)
#
# Run through `make bench-loadmem` (HT_BUILDDIR: the build directory).
set -eu

b=${HT_BUILDDIR:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
heaptop=$(cd "$b" && pwd)/heaptop
elf=$heaptop
counts="100000 300000"
depth=24
old=
while getopts e:n:d:b: o; do
	case $o in
	e) elf=$OPTARG ;;
	n) counts=$OPTARG ;;
	d) depth=$OPTARG ;;
	b) old=$OPTARG ;;
	*) sed -n '2,16p' "$0"; exit 2 ;;
	esac
done
case $elf in /*) ;; *) elf=$(pwd)/$elf ;; esac
. "$src/tests/integration/gendump_lib.sh"
work=$(mktemp -d -t ht-loadmem.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/maxrss" "$src/tests/targets/maxrss.c"
dbg=$(debug_bytes "$elf")
nfun=$(nm --defined-only "$elf" | grep -c ' [tT] ')

# run HEAPTOP GROUP: "seconds peak_KiB sites"
run() {
	s=$(date +%s.%N)
	"$work/maxrss" "$1" --load "$work/d.heap" --batch --group "$2" \
		> "$work/out" 2> "$work/err"
	e=$(date +%s.%N)
	printf '%.2f %s\n' "$(echo "$e - $s" | bc)" \
		"$(sed -n 's/^maxrss_kib=//p' "$work/err")"
}

echo "binary: $elf ($(wc -c < "$elf") bytes, $dbg of debug info, $nfun functions)"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %5s %8s %-6s %-8s %7s %10s %10s\n' stacks depth dump_MB group \
	heaptop seconds peak_MiB bound_MiB
for n in $counts; do
	gen_dump "$elf" "$n" "$depth" > "$work/d.heap"
	mb=$(($(wc -c < "$work/d.heap") / 1048576))
	for g in line stack; do
		sites=$n
		[ $g = stack ] || sites=$nfun
		bound=$(($(rss_bound "$n" "$depth" "$sites" "$dbg") / 1024))
		for h in "$heaptop" $old; do
			set -- $(run "$h" $g)
			tag=new
			[ "$h" = "$heaptop" ] || tag=old
			printf '%-8s %5s %8s %-6s %-8s %7s %10.1f %10s\n' "$n" \
				"$depth" "$mb" $g $tag "$1" \
				"$(echo "$2 / 1024" | bc -l)" "$bound"
		done
	done
done
