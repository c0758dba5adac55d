#!/bin/sh
# samplemiss.sh: a sample's cache footprint, counted deterministically.
#
# Most of a sample's time is cache misses: between samples the program's
# own work evicts the runtime's lines, and a sample's lines in turn evict
# the program's.  Performance counters are often missing on a virtual
# machine and wall time is noisy; cachegrind simulates the caches and
# counts the same misses for the same work (to within ~0.01% run to
# run).  --LL=2 MiB makes the simulated last
# level the size of a core's own L2: the question is what stays near the
# core between samples.
#
# The script builds malloc_bench with frame pointers (the walker's path)
# and runs it, 1 thread, -n operations, under cachegrind with no profiler
# and with each runtime preloaded at -r (HEAPTOP_RATE).  malloc_bench
# issues the same calls every run (fixed seed), so the run without a
# profiler gives the program's own misses.  cg_annotate's per-function
# misses (file:function) are split into:
#   - the runtime's: files under src/runtime/, ht_* functions without a
#     file (its assembly), libm's exp, expm1 and log, libunwind's named
#     functions (these two listed apart as well); its control thread
#     included, and a sample's free with the sample;
#   - the filter test (addrmap.h:free and addrmap.h:realloc: the address
#     filter read inline in the free and realloc hooks on every call):
#     per operation, not per sample;
#   - unnamed code (???:???: libraries without symbols, libunwind's own
#     here), the increase over no profiler;
#   - the program's: everything else (glibc's malloc, the benchmark; and
#     glibc code that only the runtime calls, such as mallinfo2 and
#     dladdr, shown apart as code the run without a profiler never
#     executes), the increase over no profiler.
# Total = runtime + program gained + unnamed gained + filter tests.
# What happens once is in the figures too, spread over the samples: the
# segment's creation, the first reading of the modules, libunwind's
# set-up, dladdr (~5 D1 misses per sample at the defaults; a larger -n
# dilutes it).
#
# Samples are counted exactly, in the same run: the runtime draws its
# sampling points from the clock, so another run (callgrind's, say) takes
# a different number of samples (3,250 to 3,450 at 64K and 400,000
# operations).  The script reads the segment the run leaves in /dev/shm:
# the sampled allocations and sampled frees summed over its stripes
# (include/heaptop/segment.h; the reader is built against each revision's
# own header).  The reader is checked on every invocation: one more run
# of each runtime under callgrind, whose calls of ht_record_alloc and
# ht_settle_free must equal the counts in that run's segment.
#
# HT_BUILDDIR (default build) names the tree's build directory, its
# runtime at .libs/libheaptop.so; HEAPTOP_LIB=path measures that file
# instead (its segment read with this tree's header).  -b REV also builds
# the runtime at git revision REV (a worktree, configure with no flags;
# its segment.h must have the per-stripe counts) and reports it beside
# the tree.  -n: operations (default 400,000: ~3,300 samples at 64K, a
# few seconds a run).  -r: the sampling interval (default 64K).
#
# Usage: sh bench/samplemiss.sh [-n OPS] [-r RATE] [-b REV]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
CC=${CC:-cc}
n=400000
rate=64K
base=
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	-r) rate=$2; shift 2 ;;
	-b) base=$2; shift 2 ;;
	*) echo "usage: samplemiss.sh [-n OPS] [-r RATE] [-b REV]" >&2
	   exit 2 ;;
	esac
done
fail() {
	echo "samplemiss: $*" >&2
	exit 1
}
for tool in valgrind cg_annotate callgrind_annotate; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool not found (Debian package valgrind)"
done
if [ -n "${HEAPTOP_LIB:-}" ]; then
	lib=$HEAPTOP_LIB
elif [ -n "${HT_BUILDDIR:-}" ]; then
	lib=$HT_BUILDDIR/.libs/libheaptop.so
else
	lib=$top/build/.libs/libheaptop.so
fi
[ -f "$lib" ] || fail "no runtime at $lib (make libheaptop.la there, or set HT_BUILDDIR or HEAPTOP_LIB)"
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
out=$(mktemp -d "${TMPDIR:-/tmp}/ht-samplemiss.XXXXXX")
out=$(cd "$out" && pwd -P) # the reader compares it with /proc/self/exe
shm=ht-samplemiss.$$
wt=
cleanup() {
	[ -z "$wt" ] || git -C "$top" worktree remove --force "$wt" 2>/dev/null || true
	rm -f /dev/shm/"$shm".*
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# the annotators name files relative to the working directory: away from
# the sources, their output has one form
cd "$out"

# The segment reader: the sampled allocations and sampled frees of the
# segments (files given) of the process whose executable is argv[1].
cat >"$out/segcount.c" <<'EOF'
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "heaptop/segment.h"

int main(int argc, char **argv)
{
	unsigned long long samples = 0, frees = 0;
	int found = 0;

	for (int i = 2; i < argc; i++) {
		struct stat st;
		const unsigned char *m;
		const struct ht_seg_header *h;
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof *h)
			continue;
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			continue;
		h = (const void *)m;
		if (h->magic != HT_SEG_MAGIC || h->header_size < sizeof *h ||
		    h->state != HT_STATE_EXITED || strcmp(h->exe, argv[1]) != 0)
			continue;
		uint64_t used = ht_seg_stripes_to_sum(h->stripes_used, h->counts_stripes);
		for (uint32_t s = 0; used; s++, used >>= 1) {
			const struct ht_seg_stripe *sp;

			if (!(used & 1))
				continue;
			if (h->counts_off + (uint64_t)(s + 1) * h->counts_stride > (uint64_t)st.st_size)
				return 1;
			sp = (const void *)(m + h->counts_off + (uint64_t)s * h->counts_stride);
			samples += sp->samples;
			frees += sp->sampled_frees;
		}
		found++;
	}
	if (found != 1)
		return 1;
	printf("%llu %llu\n", samples, frees);
	return 0;
}
EOF
# reader NAME SRCDIR: $out/segcount.NAME, built against SRCDIR's header
reader() {
	$CC -std=gnu11 -O2 -I"$2/include" -o "$out/segcount.$1" "$out/segcount.c" \
		>"$out/segcount.$1.log" 2>&1 ||
		fail "$1: no per-stripe sample counts in $2/include/heaptop/segment.h (see $out/segcount.$1.log)"
}

# build NAME SRCDIR: the runtime at $out/NAME/.libs/libheaptop.so
build() {
	mkdir -p "$out/$1"
	[ -x "$2/configure" ] || (cd "$2" && autoreconf -fi >/dev/null 2>&1)
	(cd "$out/$1" && "$2/configure" -q >/dev/null &&
	 make -s -j2 libheaptop.la >/dev/null 2>&1) ||
		fail "building $1 from $2 failed"
}
reader tree "$top"
libs=tree
if [ -n "$base" ]; then
	rev=$(git -C "$top" rev-parse --short "$base^{commit}") || fail "no revision $base"
	wt="$out/src-base"
	git -C "$top" worktree add -q --detach "$wt" "$rev" || fail "git worktree add $base failed"
	reader base "$wt"
	build base "$wt"
	libs="tree base"
fi
$CC -std=gnu11 -O2 -g -fno-omit-frame-pointer -pthread -o "$out/mbfp" "$here/malloc_bench.c" ||
	fail "building malloc_bench failed"

libof() {
	case $1 in
	tree) echo "$lib" ;;
	*) echo "$out/$1/.libs/libheaptop.so" ;;
	esac
}

# cg NAME: malloc_bench under cachegrind with runtime NAME preloaded
# (none: no profiler); leaves cg.NAME, cg.NAME.log, and for a runtime
# count.NAME (samples, sampled frees)
cg() {
	set -- "$1" "$out/cg.$1"
	if [ "$1" = none ]; then
		valgrind --tool=cachegrind --cache-sim=yes --LL=2097152,16,64 \
			--cachegrind-out-file="$2" "$out/mbfp" -t 1 -n "$n" >"$2.log" 2>&1 || return 0
	else
		HEAPTOP_RATE=$rate HEAPTOP_SHM="$shm.cg.$1" LD_PRELOAD=$(libof "$1") \
			valgrind --tool=cachegrind --cache-sim=yes --LL=2097152,16,64 \
			--cachegrind-out-file="$2" "$out/mbfp" -t 1 -n "$n" >"$2.log" 2>&1 || return 0
		"$out/segcount.$1" "$out/mbfp" /dev/shm/"$shm.cg.$1"* >"$out/count.$1" ||
			{ echo "samplemiss: no segment of $out/mbfp among /dev/shm/$shm.cg.$1*" >>"$2.log"; return 0; }
		rm -f /dev/shm/"$shm.cg.$1"*
	fi
	: >"$2.ok"
}

# cl NAME: the same under callgrind (the reader's check); leaves
# cl.NAME.count (the segment's counts) and cl.NAME.calls (callgrind's)
cl() {
	set -- "$1" "$out/cl.$1"
	HEAPTOP_RATE=$rate HEAPTOP_SHM="$shm.cl.$1" LD_PRELOAD=$(libof "$1") \
		valgrind --tool=callgrind --callgrind-out-file="$2" \
		"$out/mbfp" -t 1 -n "$n" >"$2.log" 2>&1 || return 0
	"$out/segcount.$1" "$out/mbfp" /dev/shm/"$shm.cl.$1"* >"$2.count" ||
		{ echo "samplemiss: no segment of $out/mbfp among /dev/shm/$shm.cl.$1*" >>"$2.log"; return 0; }
	rm -f /dev/shm/"$shm.cl.$1"*
	# calls of f: the callers' counts summed in each block of --tree=caller
	# whose function is f (inlining names it after several files), the
	# largest block's sum
	callgrind_annotate --inclusive=yes --tree=caller --auto=no --threshold=100 "$2" 2>/dev/null | awk '
	function flush() {
		if (fn != "" && sum > max[fn]) max[fn] = sum
		sum = 0; fn = ""
	}
	/^[ \t]*$/ { flush(); next }
	index($0, "< ") {
		c = $0; sub(/x\).*/, "", c); sub(/.*\(/, "", c); gsub(",", "", c)
		sum += c; next
	}
	index($0, "*  ") {
		if ($0 ~ /:ht_record_alloc( |$)/) fn = "a"
		else if ($0 ~ /:ht_settle_free( |$)/) fn = "f"
	}
	END { flush(); printf "%d %d\n", max["a"], max["f"] }' >"$2.calls"
	: >"$2.ok"
}

# Two at a time (2 CPUs are common); each writes its .ok on success.
runs="cg:none"
for l in $libs; do runs="$runs cg:$l cl:$l"; done
running=0
for r in $runs; do
	${r%%:*} "${r#*:}" &
	running=$((running + 1))
	[ $running -lt 2 ] || { wait; running=0; }
done
wait
for r in $runs; do
	f="$out/${r%%:*}.${r#*:}"
	[ -f "$f.ok" ] || fail "the ${r%%:*} run of ${r#*:} failed (see $f.log)"
done

# The program's work must be the same in every run.
checked=
sum0=$(sed -n 's/.* checksum=\([0-9]*\).*/\1/p' "$out/cg.none.log")
[ -n "$sum0" ] || fail "no malloc_bench output in $out/cg.none.log"
for l in $libs; do
	for f in "$out/cg.$l.log" "$out/cl.$l.log"; do
		grep -q " checksum=$sum0\$" "$f" || fail "malloc_bench did other work in $f"
	done
	read -r cs cf <"$out/cl.$l.count"
	read -r ca caf <"$out/cl.$l.calls"
	[ "$cs $cf" = "$ca $caf" ] ||
		fail "$l: the segment counts $cs samples and $cf sampled frees, callgrind $ca calls of ht_record_alloc and $caf of ht_settle_free (see $out/cl.$l)"
	checked="$checked${checked:+; }$l $cs samples, $cf sampled frees"
	read -r s f <"$out/count.$l"
	[ "$s" -gt 0 ] || fail "$l took no samples"
done

# fns NAME: per function "D1mr D1mw DLmr DLmw<TAB>file:function" of
# cg.NAME, checked against the program totals
fns() {
	cg_annotate --show=D1mr,D1mw,DLmr,DLmw --threshold=0 --auto=no "$out/cg.$1" 2>"$out/fn.$1.err" |
	awk -v f="$out/cg.$1" '
	function strip(s) { gsub(/\( *[0-9.]+%\)/, "", s); gsub(",", "", s); return s }
	/PROGRAM TOTALS/ { $0 = strip($0); for (i = 1; i <= 4; i++) tot[i] = $i; next }
	/file:function$/ { body = 1; next }
	body && /^ *[0-9,]+ / {
		$0 = strip($0)
		name = $0
		sub(/^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +/, "", name)
		printf "%s %s %s %s\t%s\n", $1, $2, $3, $4, name
		for (i = 1; i <= 4; i++) got[i] += $i
		rows++
	}
	END {
		for (i = 1; i <= 4; i++)
			if (tot[i] == "" || got[i] != tot[i]) {
				printf "samplemiss: cg_annotate of %s: functions sum to %s, totals %s (event %d)\n",
					f, got[i], tot[i], i > "/dev/stderr"
				exit 1
			}
		if (!rows) exit 1
	}' >"$out/fn.$1" || fail "cannot read cg_annotate's output for $out/cg.$1"
}
fns none
for l in $libs; do fns "$l"; done

# The groups, as awk code shared by the sums and the list of functions.
groups='
function grp(name,   i, file, fn) {
	i = index(name, ":"); file = substr(name, 1, i - 1); fn = substr(name, i + 1)
	sub(/ .*/, "", fn)
	if (file ~ /(^|\/)src\/runtime\/addrmap\.h$/ && fn ~ /^(free|realloc)$/) return "filter"
	if (file ~ /(^|\/)src\/runtime\// || fn ~ /^ht_/) return "runtime"
	if (file ~ /(^|\/)math\/|ieee754/ || fn ~ /^_*(ieee754_)?(exp|expm1|log)(_fma|_fma4|_avx2|_sse2|_finite)?$/)
		return "libm"
	if (file ~ /libunwind/ || fn ~ /^(_U|_UL|_Ux86_64_|_ULx86_64_|unw_)/) return "libunwind"
	if (name == "???:???") return "unnamed"
	return "program"
}'

# sums NAME: "group d1 dl" per group of fn.NAME, with "new" the program
# group's functions that fn.none does not list
sums() {
	awk -F '\t' "$groups"'
	NR == FNR { seen[$2] = 1; next }
	{
		split($1, v, " ")
		g = grp($2)
		d1[g] += v[1] + v[2]; dl[g] += v[3] + v[4]
		if (g == "program" && !($2 in seen)) { d1["new"] += v[1] + v[2]; dl["new"] += v[3] + v[4] }
	}
	END {
		split("runtime libm libunwind filter unnamed program new", gs, " ")
		for (i = 1; i <= 7; i++) printf "%s %d %d\n", gs[i], d1[gs[i]], dl[gs[i]]
	}' "$out/fn.none" "$out/fn.$1" >"$out/sums.$1"
}
sums none
for l in $libs; do sums "$l"; done

# row TITLE EXPR: one cell per runtime; EXPR is awk over r (the runtime's
# sums: r[group, 2 or 3]), z (no profiler's), s (samples), fr (sampled
# frees) and n (operations)
row() {
	printf '| %s |' "$1"
	for l in $libs; do
		read -r s f <"$out/count.$l"
		printf ' %s |' "$(awk -v s="$s" -v fr="$f" -v n="$n" '
		NR == FNR { z[$1, 2] = $2; z[$1, 3] = $3; next }
		{ r[$1, 2] = $2; r[$1, 3] = $3 }
		END { '"$2"' }' "$out/sums.none" "$out/sums.$l")"
	done
	printf '\n'
}
own='(r["runtime", K] + r["libm", K] + r["libunwind", K])'
tot='(r["runtime", K] + r["libm", K] + r["libunwind", K] + r["filter", K] + r["unnamed", K] + r["program", K])'
ztot='(z["runtime", K] + z["libm", K] + z["libunwind", K] + z["filter", K] + z["unnamed", K] + z["program", K])'
per() { # per EXPR K: EXPR per sample for field K, one decimal
	echo "K = $2; printf \"%.1f\", ($1) / s"
}

printf 'malloc_bench -t 1 -n %s (frame pointers), HEAPTOP_RATE=%s, cachegrind (D1 48 KiB 12-way, LL 2 MiB 16-way)\n' "$n" "$rate"
printf 'machine: %s, load average %s\n' \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'tree: %s' "$lib"
[ -z "$base" ] || printf '; base: %s (%s)' "$base" "$rev"
printf '\nsegment counts checked on a callgrind run (calls of ht_record_alloc, ht_settle_free): %s' "$checked"
printf '\nno profiler: %s\n\n' \
	"$(awk '$1 != "new" { d1 += $2; dl += $3 } END { printf "%d D1 misses, %d L2 misses", d1, dl }' "$out/sums.none")"

printf '| per sample (a sample and its free) |'
for l in $libs; do printf ' %s |' "$l"; done
printf '\n| --- |'
for l in $libs; do printf ' --- |'; done
printf '\n'
row "samples (sampled frees)" 'printf "%d (%d)", s, fr'
row "D1 misses, runtime's own (read + write)" "$(per "$own" 2)"
row "&nbsp;&nbsp;of which libm (exp, expm1, log)" "$(per 'r["libm", K]' 2)"
row "&nbsp;&nbsp;of which libunwind (the functions it names)" "$(per 'r["libunwind", K]' 2)"
row "L2 misses, runtime's own" "$(per "$own" 3)"
row "D1 misses the program gained" "$(per 'r["program", K] - z["program", K]' 2)"
row "&nbsp;&nbsp;of which in glibc code only the runtime runs (mallinfo2, dladdr, ...)" "$(per 'r["new", K]' 2)"
row "L2 misses the program gained" "$(per 'r["program", K] - z["program", K]' 3)"
row "D1 misses gained in unnamed code (???)" "$(per 'r["unnamed", K] - z["unnamed", K]' 2)"
row "D1 misses, whole process, over no profiler" "$(per "$tot - $ztot" 2)"
row "L2 misses, whole process, over no profiler" "$(per "$tot - $ztot" 3)"
row "filter test: D1 misses per operation (per free or realloc)" 'printf "%.3f", r["filter", 2] / n'
row "filter test: L2 misses per operation" 'printf "%.4f", r["filter", 3] / n'

read -r s f <"$out/count.tree"
printf '\nthe runtime'"'"'s functions by D1 misses per sample, tree (%s samples):\n\n' "$s"
printf '| function | D1 misses per sample | L2 misses per sample |\n| --- | --- | --- |\n'
awk -F '\t' -v s="$s" "$groups"'
{
	g = grp($2)
	if (g != "runtime" && g != "libm" && g != "libunwind") next
	split($1, v, " ")
	name = $2; sub(/^.*\/src\/runtime\//, "", name); sub(/^.*\//, "", name)
	printf "%d\t| %s | %.2f | %.2f |\n", v[1] + v[2], name, (v[1] + v[2]) / s, (v[3] + v[4]) / s
}' "$out/fn.tree" | sort -t '	' -k1,1nr | head -n 8 | cut -f2-
printf '\nruns: %s\n' "$out"
