#!/bin/sh
# realprog.sh: what heaptop's runtime costs real programs nobody here
# wrote (sqlite3, python3, gcc's cc1, a Rust program), and whether the
# malloc benchmark's overhead stays flat from 1 to 16 threads.
#
# Every workload runs with no profiler and with libheaptop.so preloaded at
# 512K, 64K and 4K and with HEAPTOP_BUDGET=1 (the runtime chooses), side
# by side in one invocation: callgrind instruction counts (whole program,
# all threads, and the program's threads alone: without the runtime's
# control thread, whose periodic work callgrind's ~50x slowdown inflates;
# deterministic; also with sampling off, HEAPTOP_RATE=1024G:
# the hooks' fast path alone, and with an idle thread alone, preloaded
# from bench/idle_thread.c: what any second thread costs the program in
# glibc's multi-threaded malloc and mutex paths, the floor under the
# runtime's control thread), then paired wall ratios (rounds in rotated
# order, the median of each round's ratio to that round's run without a
# profiler).  Callgrind runs a smaller size of each workload than the wall
# runs (it is ~50x slower).  The budget runs report the interval the
# runtime settled on (read from the segment after the program exits).
# Then malloc_bench at 1-16 threads (MB_OPS operations in all, 8000000),
# wall and CPU-time ratios at 512K and 64K.
#
# Usage: HT_BUILDDIR=build sh bench/realprog.sh [-r ROUNDS] [-R MB_ROUNDS]
#          [-w "sqlite python cc1 rust"] [-t "1 2 4 8 16"] [-W] [-G] [-M]
#   -r  wall rounds per real program (3)     -R  malloc_bench rounds (5)
#   -w  workloads                            -t  malloc_bench thread counts
#   -W  skip wall time   -G  skip callgrind  -M  skip malloc_bench
set -eu
here=$(cd "$(dirname "$0")" && pwd)
b=$(cd "${HT_BUILDDIR:?set HT_BUILDDIR to the build directory}" && pwd)
lib=$b/.libs/libheaptop.so
ht=$b/heaptop
CC=${CC:-cc}
rounds=3 mbrounds=5 works="sqlite python cc1 rust" threads="1 2 4 8 16"
wall=1 cg=1 mb=1
while getopts r:R:w:t:WGM o; do
	case $o in
	r) rounds=$OPTARG ;; R) mbrounds=$OPTARG ;; w) works=$OPTARG ;;
	t) threads=$OPTARG ;; W) wall=0 ;; G) cg=0 ;; M) mb=0 ;;
	*) exit 2 ;;
	esac
done
[ -f "$lib" ] || { echo "no $lib: build first" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/ht-realprog.XXXXXX")
configs="none 512K 64K 4K budget"
cgconfigs="none thread off 512K 64K 4K budget"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
# a pyenv-style shim is a shell script: preload and callgrind must reach
# the interpreter itself
[ -n "$PY" ] && PY=$("$PY" -c 'import sys; print(sys.executable)')
CC1=$(gcc -print-prog-name=cc1 2>/dev/null || true)

# ---- inputs: two sizes, "cg" (callgrind) and "wall" ----
gen_sql() { # ROWS
	awk -v n="$1" 'BEGIN {
		print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL, note TEXT);"
		print "BEGIN;"
		x = 12345
		for (i = 1; i <= n; i++) {
			x = (x * 1103515245 + 12345) % 2147483648
			printf "INSERT INTO t VALUES(%d,%c%s%d%c,%d,%.3f,%cnote %d %x%c);\n", i, 39, "name", x % 50000, 39, x % 997, x / 1000.0, 39, i, x, 39
		}
		print "COMMIT;"
		print "CREATE INDEX t_grp ON t(grp);"
		print "CREATE INDEX t_name ON t(name);"
		print "SELECT grp, count(*), sum(v), max(name) FROM t GROUP BY grp ORDER BY 2 DESC LIMIT 5;"
		print "SELECT name, count(*) FROM t GROUP BY name HAVING count(*) > 8 ORDER BY name LIMIT 5;"
		print "SELECT count(DISTINCT note), avg(length(note)) FROM t;"
		print "SELECT a.grp, count(*) FROM t a JOIN t b ON a.id = b.id + 1 AND a.grp = b.grp GROUP BY a.grp LIMIT 3;"
	}'
}
gen_py() { # ROUNDS
	cat <<PYEOF
import sys
total = 0
for r in range($1):
    d = {}
    for i in range(20000):
        k = "key%d_%d" % (i, r)
        d[k] = [i, str(i) * (i % 7 + 1), (i, k), {"a": i}]
    ks = sorted(d, key=lambda s: (len(s), s[::-1]))
    s = " ".join(ks[:5000])
    total += len(s) + len(d) + sum(len(v[1]) for v in d.values())
    del d, ks, s
print(total)
PYEOF
}
gen_c() { # FUNCTIONS
	awk -v n="$1" 'BEGIN {
		print "struct s { int a, b; long c[4]; };"
		print "int g0(int a, int b) { return a ^ b; }"
		for (i = 1; i <= n; i++) {
			printf "int g%d(int a, int b) {\n  struct s v = { a, b, { a, b, %d, %d } };\n  int s = 0;\n", i, i, i * 3
			printf "  for (int j = 0; j < a; j++) { s += (j * %d) ^ b; if (s > %d) s -= v.c[j & 3]; }\n", i, i * 7
			printf "  switch (a & 7) {\n"
			for (c = 0; c < 8; c++) printf "  case %d: s += %d * b - v.a; break;\n", c, (i * c) % 101
			printf "  }\n  return s + g%d(a - 1, b + s);\n}\n", i - 1
		}
	}'
}
prepare() { # WORK SIZE: writes $out/WORK.SIZE.* and the command into $out/WORK.SIZE.cmd
	w=$1 s=$2 f=$out/$1.$2
	case $w.$s in
	sqlite.cg) gen_sql 40000 >"$f.sql" ;; sqlite.wall) gen_sql 200000 >"$f.sql" ;;
	python.cg) gen_py 3 >"$f.py" ;; python.wall) gen_py 40 >"$f.py" ;;
	cc1.cg) gen_c 40 >"$f.c" ;; cc1.wall) gen_c 250 >"$f.c" ;;
	rust.cg) echo "100000 2" >"$f.args" ;; rust.wall) echo "400000 6" >"$f.args" ;;
	esac
}
# argv_of WORK SIZE: the program's command words (run() sets
# PYTHONMALLOC=malloc, and PYTHONHASHSEED=0 for the same work in every
# run, for every program: valgrind runs the program itself, not env(1))
argv_of() {
	f=$out/$1.$2
	case $1 in
	sqlite) echo "sqlite3 :memory: .read\\ $f.sql" ;;
	python) echo "$PY $f.py" ;;
	cc1) echo "$CC1 -quiet -O1 $f.c -o $f.s" ;;
	rust) echo "$out/realprog $(cat "$f.args")" ;;
	esac
}
have_work() {
	case $1 in
	sqlite) command -v sqlite3 >/dev/null || { echo "skipped sqlite: no sqlite3 (Debian package sqlite3)" >&2; return 1; } ;;
	python) [ -n "$PY" ] || { echo "skipped python: no python3" >&2; return 1; } ;;
	cc1) [ -x "$CC1" ] || { echo "skipped cc1: gcc -print-prog-name=cc1 gives no program" >&2; return 1; } ;;
	rust) { command -v rustc >/dev/null && rustc -O -o "$out/realprog" "$here/realprog.rs"; } ||
		{ echo "skipped rust: no rustc" >&2; return 1; } ;;
	esac
}
# run CONFIG SEG CMD...: CMD under a configuration, output to $out/last.*;
# the segment is left for settled() and rmseg()
run() {
	c=$1 seg=$2
	shift 2
	(
		export PYTHONMALLOC=malloc PYTHONHASHSEED=0
		case $c in
		none) ;;
		thread) export LD_PRELOAD="$out/idle_thread.so" ;;
		off) export LD_PRELOAD="$lib" HEAPTOP_SHM="$seg" HEAPTOP_RATE=1024G ;;
		budget) export LD_PRELOAD="$lib" HEAPTOP_SHM="$seg" HEAPTOP_BUDGET=1 ;;
		*) export LD_PRELOAD="$lib" HEAPTOP_SHM="$seg" HEAPTOP_RATE="$c" ;;
		esac
		exec "$@"
	) >"$out/last.out" 2>"$out/last.err"
}
# settled SEG: "interval overhead_pct" from a segment (the program exited;
# "none-yet" when the budget has published no estimate)
settled() {
	"$ht" --attach-shm "$1" --batch --json -n 1 2>/dev/null | head -c 600 |
		sed -n 's/.*"rate":\([0-9]*\),"budget_pct":[^,]*,"overhead_pct":\([^,]*\),.*/\1 \2/p' |
		sed 's/ null$/ none-yet/'
}
rmseg() { rm -f /dev/shm/"$1" /dev/shm/"$1".* 2>/dev/null || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
kib() { awk -v r="$1" 'BEGIN { if (r >= 1048576) printf "%.1fM", r / 1048576; else printf "%.0fK", r / 1024 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s%N; }
# totals FILES: the summed Ir of callgrind files
totals() { cat "$@" | sed -n 's/^totals: *//p' | awk '{ s += $1 } END { printf "%.0f", s }'; }
# calls FILES: calls of the allocation functions recorded in callgrind
# files (glibc's own internal calls included)
calls() {
	for f in "$@"; do awk '
	/^c?fn=\(/ {
		id = $1; sub(/^c?fn=/, "", id); sub(/\).*/, ")", id)
		if (NF > 1) { nm = $0; sub(/^[^ ]* /, "", nm); name[id] = nm }
		if ($0 ~ /^cfn=/) cur = id
		next
	}
	/^calls=/ { n = $1; sub(/calls=/, "", n); cnt[cur] += n }
	END {
		for (i in cnt)
			if (name[i] ~ /^(malloc|free|realloc|calloc|posix_memalign|aligned_alloc|memalign)$/)
				s += cnt[i]
		printf "%.0f\n", s
	}' "$f"; done | awk '{ s += $1 } END { printf "%.0f", s }'
}
# rotate N WORDS...: the words rotated left by N
rotate() {
	n=$1
	shift
	k=$((n % $#))
	while [ "$k" -gt 0 ]; do
		x=$1
		shift
		set -- "$@" "$x"
		k=$((k - 1))
	done
	echo "$@"
}

$CC -O2 -shared -fPIC -pthread -o "$out/idle_thread.so" "$here/idle_thread.c"
ok=
for w in $works; do
	have_work "$w" || continue
	ok="$ok $w"
	prepare "$w" cg
	prepare "$w" wall
done
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: sqlite3 $(sqlite3 --version 2>/dev/null | cut -d' ' -f1); $("$PY" -V 2>&1) ($PY); $(gcc --version | head -n 1); $(rustc --version 2>/dev/null); $(valgrind --version)"
echo "heaptop: $(cd "$here" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "raw results: $out"

# ---- callgrind: instructions, whole program, all threads ----
if [ "$cg" = 1 ] && [ -n "$ok" ]; then
	echo
	echo "Instructions (callgrind, the smaller size): ratio to no profiler, whole program (program threads alone, the control thread left out)"
	echo
	echo "| program | Ir, no profiler | allocation calls | idle thread alone | sampling off | 512K | 64K | 4K | budget 1% | budget: interval (est. overhead) | fast path, Ir per call (of which the thread) |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for w in $ok; do
		row="| $w" base='' offp='' thr=''
		for c in $cgconfigs; do
			seg=ht-realprog.$$.cg.$w.$c
			# shellcheck disable=SC2046
			eval "set -- $(argv_of "$w" cg)"
			run "$c" "$seg" valgrind --tool=callgrind --separate-threads=yes \
				--callgrind-out-file="$out/cg.$w.$c" "$@" ||
				echo "$w under callgrind ($c) failed: $out/last.err" >&2
			ir=$(totals "$out/cg.$w.$c"-*)
			irp=$(totals $(grep -L control_main "$out/cg.$w.$c"-*))
			if [ -z "$base" ]; then
				base=$ir
				row="$row | $ir | $(calls "$out/cg.$w.$c"-*)"
			else
				row="$row | $(ratio "$ir" "$base") ($(ratio "$irp" "$base"))"
			fi
			[ "$c" = off ] && offp=$irp
			[ "$c" = thread ] && thr=$irp
			[ "$c" = budget ] && set -- $(settled "$seg") &&
				row="$row | $(kib "${1:-0}") ($(echo "${2:-?}" | sed 's/^[0-9.]*$/&%/; s/-/ /'))"
			rmseg "$seg"
		done
		echo "$row | $(awk -v a="$offp" -v b="$base" -v t="$thr" -v n="$(calls "$out/cg.$w.none"-*)" 'BEGIN { printf "%.1f (%.1f)", (a - b) / n, (t - b) / n }') |"
	done
fi

# ---- wall: paired ratios, rotated order ----
if [ "$wall" = 1 ] && [ -n "$ok" ]; then
	: >"$out/wall.tsv"
	for r in $(seq 1 "$rounds"); do
		for w in $ok; do
			eval "set -- $(argv_of "$w" wall)"
			for c in $(rotate "$r" $configs); do
				seg=ht-realprog.$$.wall.$w.$c.$r
				t0=$(now)
				run "$c" "$seg" "$@" || echo "$w ($c) failed: $out/last.err" >&2
				t1=$(now)
				iv=-
				[ "$c" = budget ] && iv=$(settled "$seg" | cut -d' ' -f1)
				rmseg "$seg"
				printf '%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$r" $(((t1 - t0) / 1000)) "${iv:--}" >>"$out/wall.tsv"
			done
		done
	done
	echo
	echo "Wall time (the larger size, $rounds rounds): median of the per-round ratio to no profiler [min-max]"
	echo
	echo "| program | no profiler, s (median) | 512K | 64K | 4K | budget 1% | budget: intervals settled |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	for w in $ok; do
		b0=$(awk -F'\t' -v w="$w" '$1 == w && $2 == "none" { print $4 / 1e6 }' "$out/wall.tsv" | median)
		row="| $w | $b0"
		for c in $configs; do
			[ "$c" = none ] && continue
			rs=$(awk -F'\t' -v w="$w" -v c="$c" '
				$1 == w && $2 == "none" { b[$3] = $4 }
				$1 == w && $2 == c { x[$3] = $4 }
				END { for (r in x) printf "%.3f\n", x[r] / b[r] }' "$out/wall.tsv" | sort -g)
			row="$row | $(echo "$rs" | median) [$(echo "$rs" | head -n 1)-$(echo "$rs" | tail -n 1)]"
		done
		ivs=$(awk -F'\t' -v w="$w" '$1 == w && $2 == "budget" { print $5 }' "$out/wall.tsv" |
			while read -r v; do kib "$v"; echo; done | tr '\n' ' ')
		echo "$row | $ivs|"
	done
fi

# ---- malloc_bench: wall ratio against threads ----
if [ "$mb" = 1 ]; then
	$CC -std=gnu11 -O2 -g -pthread -o "$out/malloc_bench" "$here/malloc_bench.c"
	total=${MB_OPS:-8000000}
	: >"$out/mb.tsv"
	for r in $(seq 1 "$mbrounds"); do
		for t in $threads; do
			for c in $(rotate "$r" none 512K 64K); do
				seg=ht-realprog.$$.mb.$t.$c.$r
				run "$c" "$seg" "$out/malloc_bench" -t "$t" -n $((total / t))
				rmseg "$seg"
				s=$(sed -n 's/.* seconds=\([0-9.]*\) cpu_seconds=\([0-9.]*\).*/\1\t\2/p' "$out/last.out" | head -n 1)
				printf '%s\t%s\t%s\t%s\n' "$t" "$c" "$r" "$s" >>"$out/mb.tsv"
			done
		done
	done
	echo
	echo "malloc_bench, $total operations in all split over the threads ($(nproc) CPUs: more threads are oversubscribed), $mbrounds rounds: median per-round wall ratio to no profiler [min-max]"
	echo
	echo "| threads | no profiler, s (median) | 512K wall | 64K wall | 512K CPU time | 64K CPU time |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for t in $threads; do
		b0=$(awk -F'\t' -v t="$t" '$1 == t && $2 == "none" { print $4 }' "$out/mb.tsv" | median)
		row="| $t | $b0"
		for cf in 512K:4 64K:4 512K:5 64K:5; do
			c=${cf%:*} k=${cf#*:}
			rs=$(awk -F'\t' -v t="$t" -v c="$c" -v k="$k" '
				$1 == t && $2 == "none" { b[$3] = $k }
				$1 == t && $2 == c { x[$3] = $k }
				END { for (r in x) printf "%.3f\n", x[r] / b[r] }' "$out/mb.tsv" | sort -g)
			row="$row | $(echo "$rs" | median) [$(echo "$rs" | head -n 1)-$(echo "$rs" | tail -n 1)]"
		done
		echo "$row |"
	done
fi
