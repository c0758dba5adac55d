#!/bin/sh
# bench/run.sh: what an allocation profiler costs, side by side.
#
# Builds bench/malloc_bench.c and the pass-through interposer
# bench/passthrough.c, then in one invocation runs malloc_bench under every
# configuration, in interleaved rounds (each round runs every configuration
# once, in a rotating order, so slow drifts of the machine hit all of them
# alike), at each thread count, and reports the median over the rounds of
# each configuration's ratio to the baseline run of the same round (plus
# spread, ratio of the fastest runs, whole-process and CPU-time ratios,
# page faults).  Then counts instructions with
# callgrind (1 thread, deterministic) and reports instructions per
# operation (one free + one allocation) over the baseline.
#
# Configurations:
#   none         malloc_bench alone (glibc malloc)
#   none2        the same again: the A/A comparison shows the noise floor
#   passthrough  LD_PRELOAD=passthrough.so: forward + thread-local countdown
#   heaptop      LD_PRELOAD=libheaptop.so, default rate, own HEAPTOP_SHM
#   heaptop-base the same with HEAPTOP_BASE_LIB (another build of the
#                runtime, e.g. before a change: wall runs only); the
#                tables then also pair heaptop with heaptop-base directly
#   heaptop-live heaptop --batch -d 1 launching it, as a user runs it: the
#                same runtime with the frontend attached, consuming the
#                event ring (a sample and its free push two events) and
#                refreshing every second, its own CPU time competing with
#                the benchmark's on a busy machine (wall runs only; not
#                in the default set, ask with -C)
#   jemalloc     LD_PRELOAD=libjemalloc.so.2, no profiling
#   jeprof       the same with MALLOC_CONF=prof:true (ratio to jemalloc)
#   heaptrack    heaptrack malloc_bench, compared with none-ht: no profiler,
#                same op count (-N), run right after it in the same round
#
# Never gates anything on absolute times; it is not part of `make check`.
# Must clean up what it creates in /dev/shm and never touch other
# processes.
#
# Usage: bench/run.sh [options]
#   -r ROUNDS     wall-time rounds (default 5)
#   -n OPS        operations per thread for wall runs (default 5000000)
#   -N OPS        operations per thread under heaptrack (default OPS)
#   -t "1 2"      thread counts (default "1 2")
#   -c N          callgrind op count N (runs N and 2N; default 500000)
#   -F            build malloc_bench with -fno-omit-frame-pointer (heaptop's
#                 frame-pointer walker then unwinds instead of libunwind)
#   -R RATE       heaptop's sampling interval (HEAPTOP_RATE, e.g. 64K;
#                 default the runtime's own)
#   -C LIST       configurations (default: all available; none is always
#                 measured, and jemalloc with jeprof)
#   -o DIR        output directory (default: a new directory under /tmp)
#   -W            skip wall-time runs        -G  skip callgrind
#   -A            only print the wall-time tables again from DIR/wall.tsv
#                 (needs -o DIR of an earlier run)
# Environment: HEAPTOP_LIB (path of libheaptop.so; default
#   $HT_BUILDDIR/.libs/libheaptop.so), HT_BUILDDIR (default: cwd),
#   JEMALLOC_LIB (default: found with ldconfig), CC (default cc),
#   HEAPTOP_BASE_LIB (heaptop-base's runtime; unset: not measured),
#   HEAPTOP_BIN (heaptop-live's frontend; default $HT_BUILDDIR/heaptop).
set -u

here=$(cd "$(dirname "$0")" && pwd)
rounds=5
ops=5000000
ht_ops=""
threads="1 2"
cg_ops=500000
configs=""
out=""
do_wall=1
do_cg=1
analyze=0
rate=""
fp=""

while getopts r:n:N:t:c:C:o:R:FWGA opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	n) ops=$OPTARG ;;
	N) ht_ops=$OPTARG ;;
	t) threads=$OPTARG ;;
	c) cg_ops=$OPTARG ;;
	C) configs=$OPTARG ;;
	R) rate=$OPTARG ;;
	F) fp="-fno-omit-frame-pointer" ;;
	o) out=$OPTARG ;;
	W) do_wall=0 ;;
	G) do_cg=0 ;;
	A) analyze=1 do_cg=0 ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d' >&2; exit 2 ;;
	esac
done
[ -n "$ht_ops" ] || ht_ops=$ops

if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/heaptop-bench.XXXXXX) || exit 1
fi
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)

CC=${CC:-cc}
builddir=${HT_BUILDDIR:-$(pwd)}
heaptop_lib=${HEAPTOP_LIB:-$builddir/.libs/libheaptop.so}
jemalloc_lib=${JEMALLOC_LIB:-$(ldconfig -p 2>/dev/null | awk '/libjemalloc\.so\.2 .*x86-64|libjemalloc\.so\.2 / {print $NF; exit}')}
shm_prefix="htbench.$$"

say() { printf '%s\n' "$*"; }
note() { printf 'run.sh: %s\n' "$*" >&2; }

cleanup() {
	for f in /dev/shm/"$shm_prefix".*; do
		[ -e "$f" ] && rm -f "$f"
	done
	rm -f "$out"/ht.*.zst "$out"/ht.*.gz "$out"/jeprof.*.heap 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build -----------------------------------------------------------------
warn="-Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla"
$CC -std=gnu11 -O2 -g $fp $warn -pthread -o "$out/malloc_bench" "$here/malloc_bench.c" ||
	{ note "cannot build malloc_bench"; exit 1; }
$CC -std=gnu11 -O2 -g $warn -fPIC -shared -fvisibility=hidden \
	-o "$out/passthrough.so" "$here/passthrough.c" -ldl ||
	{ note "cannot build passthrough.so"; exit 1; }
bench="$out/malloc_bench"

# --- what is available -----------------------------------------------------
avail="none none2 passthrough"
if [ -f "$heaptop_lib" ]; then
	avail="$avail heaptop"
else
	note "no runtime at $heaptop_lib (set HEAPTOP_LIB or HT_BUILDDIR): heaptop not measured"
	heaptop_lib=""
fi
base_lib=${HEAPTOP_BASE_LIB:-}
[ -n "$base_lib" ] && [ -f "$base_lib" ] && avail="$avail heaptop-base"
heaptop_bin=${HEAPTOP_BIN:-$builddir/heaptop}
live_ok=0
[ -n "$heaptop_lib" ] && [ -x "$heaptop_bin" ] && live_ok=1
[ -n "$rate" ] && export HEAPTOP_RATE="$rate"
if [ -n "$jemalloc_lib" ] && [ -f "$jemalloc_lib" ]; then
	avail="$avail jemalloc"
	# Does this jemalloc profile?  prof_final must leave a heap_v2 dump.
	MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$out/jeprof" \
		LD_PRELOAD="$jemalloc_lib" "$bench" -n 1000 >/dev/null 2>"$out/jeprof.check"
	dump=$(ls "$out"/jeprof.*.heap 2>/dev/null | head -n 1)
	if [ -n "$dump" ] && head -n 1 "$dump" | grep -q '^heap_v2/'; then
		avail="$avail jeprof"
	else
		note "$jemalloc_lib does not profile (built without --enable-prof?): jeprof not measured"
		cat "$out/jeprof.check" >&2
	fi
	rm -f "$out"/jeprof.*.heap
else
	note "no libjemalloc.so.2: jemalloc and jeprof not measured"
	jemalloc_lib=""
fi
if command -v heaptrack >/dev/null 2>&1; then
	avail="$avail heaptrack"
else
	note "no heaptrack: not measured"
fi
[ -n "$configs" ] || configs=$avail
case " $configs " in
*" heaptop-live "*) [ "$live_ok" -eq 1 ] || { note "no frontend at $heaptop_bin (set HEAPTOP_BIN): heaptop-live not measured"; configs=$(printf '%s\n' $configs | grep -vx heaptop-live | tr '\n' ' '); } ;;
esac
# jemalloc's profiler is compared with jemalloc alone: measure both
case " $configs " in
*" jeprof "*) case " $configs " in *" jemalloc "*) ;; *) configs="$configs jemalloc" ;; esac ;;
esac

# --- one run ---------------------------------------------------------------
# run_one CONFIG THREADS OPS TAG: prints "seconds cpu_seconds outer_seconds minflt".
now_ns() { date +%s%N; }
run_one() {
	cfg=$1 t=$2 n=$3 tag=$4
	log="$out/last.log"
	t0=$(now_ns)
	case $cfg in
	none|none2|none-ht)
		"$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	passthrough)
		LD_PRELOAD="$out/passthrough.so" "$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	heaptop)
		HEAPTOP_SHM="$shm_prefix.$tag" LD_PRELOAD="$heaptop_lib" \
			"$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	heaptop-base)
		HEAPTOP_SHM="$shm_prefix.$tag" LD_PRELOAD="$base_lib" \
			"$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	heaptop-live)
		# the benchmark's output in the log, the frontend's updates
		# (and its notes) in the log's neighbour
		"$heaptop_bin" --batch -d 1 -n 1000000 --top 1 --runtime "$heaptop_lib" \
			${rate:+-r "$rate"} --app-output "$log" -- "$bench" -t "$t" -n "$n" \
			>"$log.frontend" 2>&1 ;;
	jemalloc)
		LD_PRELOAD="$jemalloc_lib" "$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	jeprof)
		MALLOC_CONF="prof:true,prof_prefix:$out/jeprof" LD_PRELOAD="$jemalloc_lib" \
			"$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	heaptrack)
		heaptrack -o "$out/ht.$tag" "$bench" -t "$t" -n "$n" >"$log" 2>&1 ;;
	esac
	rc=$?
	t1=$(now_ns)
	rm -f /dev/shm/"$shm_prefix.$tag" /dev/shm/"$shm_prefix.$tag".* "$out"/ht."$tag".* 2>/dev/null
	line=$(grep '^threads=' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		note "$cfg t=$t n=$n failed (exit $rc):"
		sed 's/^/    /' "$log" >&2
		return 1
	fi
	printf '%s\n' "$line" | awk -v outer="$(( (t1 - t0) / 1000 ))" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s %s %.6f %s\n", v["seconds"], v["cpu_seconds"], outer / 1e6, v["minflt"] }'
}

# --- wall-time rounds ------------------------------------------------------
# A round runs the quick configurations once each, in an order rotated by
# one every round; then heaptrack immediately followed by its own baseline
# none-ht (no profiler, heaptrack's op count), so that each heaptrack run is
# paired with a baseline run under the same machine load.
raw="$out/wall.tsv"
median_awk='
function median(a, n,   i, j, x) {
	for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'
if [ "$do_wall" -eq 1 ] && [ "$analyze" -eq 0 ]; then
	quick="" with_ht=0
	for c in $configs; do
		case $c in
		heaptrack) with_ht=1 ;;
		none) ;;
		*) quick="$quick $c" ;;
		esac
	done
	quick="none$quick"
	say "# heaptop bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	say "# rounds=$rounds ops/thread=$ops heaptrack ops/thread=$ht_ops threads=[$threads] configs=[$quick$( [ $with_ht -eq 1 ] && printf ' heaptrack none-ht')]"
	say "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)${rate:+, HEAPTOP_RATE=$rate}${fp:+, malloc_bench $fp}"
	printf 'round\tthreads\tconfig\tops_per_thread\tseconds\tcpu_seconds\touter_seconds\tminflt\n' >"$raw"
	r=1
	while [ "$r" -le "$rounds" ]; do
		for t in $threads; do
			set -- $quick
			k=$(( (r - 1) % $# ))
			while [ "$k" -gt 0 ]; do first=$1; shift; set -- "$@" "$first"; k=$((k - 1)); done
			[ "$with_ht" -eq 1 ] && set -- "$@" heaptrack none-ht
			for c in "$@"; do
				n=$ops
				case $c in heaptrack|none-ht) n=$ht_ops ;; esac
				res=$(run_one "$c" "$t" "$n" "$r.$t.$c") || continue
				printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$c" "$n" "$(printf '%s' "$res" | tr ' ' '\t')" >>"$raw"
			done
		done
		say "# round $r done ($(cut -d' ' -f1 /proc/loadavg))"
		r=$((r + 1))
	done
	say "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	say ""
fi
if [ "$do_wall" -eq 1 ] && [ -s "$raw" ]; then
	threads=$(awk -F '\t' 'NR > 1 { print $2 }' "$raw" | sort -nu | tr '\n' ' ')
	rounds=$(awk -F '\t' 'NR > 1 { print $1 }' "$raw" | sort -nu | wc -l)
	say "Wall time over $rounds rounds, as ratios to the baseline run in the same round."
	say "paired = median of the per-round ratios (the result), [min..max] of them;"
	say "best = ratio of the fastest runs (least disturbed by other load); outer ="
	say "whole process (start-up and exit included), cpu = the process's user+sys"
	say "time (both as paired medians)."
	say ""
	say "| threads | config | baseline | paired inner wall | [min..max] | best | outer wall | cpu |"
	say "| --- | --- | --- | --- | --- | --- | --- | --- |"
	# heaptop-base: also heaptop against it directly, paired by round;
	# heaptop-live against heaptop (what the frontend adds)
	pairs=""
	case " $configs " in *" heaptop-base "*) pairs="heaptop:heaptop-base" ;; esac
	case " $configs " in *" heaptop-live "*)
		case " $configs " in *" heaptop "*) pairs="$pairs heaptop-live:heaptop" ;; esac ;;
	esac
	for t in $threads; do
		for c in $configs $pairs; do
			case $c in
			*:*) base=${c#*:}; c=${c%%:*} ;;
			none) continue ;;
			jeprof) base=jemalloc ;;
			heaptrack) base=none-ht ;;
			*) base=none ;;
			esac
			grep -q "	$c	" "$raw" || continue
			awk -F '\t' -v t="$t" -v c="$c" -v b="$base" "$median_awk"'
			NR > 1 && $2 == t && $3 == c { ci++; cin[ci] = $5; xin[$1] = $5; xcpu[$1] = $6; xout[$1] = $7 }
			NR > 1 && $2 == t && $3 == b { bi++; bin[bi] = $5; yin[$1] = $5; ycpu[$1] = $6; yout[$1] = $7 }
			END {
				if (ci == 0 || bi == 0) { printf "| %s | %s | %s | n/a | | | | |\n", t, c, b; exit }
				lo = 1e30; hi = 0; n = 0
				for (r in xin) if (r in yin) {
					n++; p[n] = xin[r] / yin[r]; po[n] = xout[r] / yout[r]; pc[n] = xcpu[r] / ycpu[r]
					if (p[n] < lo) lo = p[n]; if (p[n] > hi) hi = p[n]
				}
				cmin = cin[1]; for (i = 2; i <= ci; i++) if (cin[i] < cmin) cmin = cin[i]
				bmin = bin[1]; for (i = 2; i <= bi; i++) if (bin[i] < bmin) bmin = bin[i]
				printf "| %s | %s | %s | **%.3fx** | [%.3f..%.3f] | %.3fx | %.3fx | %.3fx |\n", t, c, b,
					median(p, n), lo, hi, cmin / bmin, median(po, n), median(pc, n)
			}' "$raw"
		done
	done
	say ""
	say "Medians (for reading the ratios, not a result): inner wall and CPU seconds,"
	say "minor page faults in the timed region:"
	awk -F '\t' "$median_awk"'
	NR > 1 { k = $2 "\t" $3 "\t" $4; n[k]++; v[k, n[k]] = $5; u[k, n[k]] = $6; f[k, n[k]] = ($8 == "" ? 0 : $8) }
	END {
		for (k in n) {
			m = n[k]
			for (i = 1; i <= m; i++) { a[i] = v[k, i]; b[i] = u[k, i]; c[i] = f[k, i] }
			split(k, x, "\t")
			printf "  threads=%s %-12s ops/thread=%-8s inner=%.4f cpu=%.4f minflt=%d (n=%d)\n",
				x[1], x[2], x[3], median(a, m), median(b, m), median(c, m), m
		}
	}' "$raw" | sort
	say ""
fi

# --- callgrind ---------------------------------------------------------------
cg_run() {
	cfg=$1 n=$2
	f="$out/cg.$cfg.$n"
	case $cfg in
	none) pre="" mc="" ;;
	passthrough) pre="$out/passthrough.so" mc="" ;;
	heaptop) pre="$heaptop_lib" mc="" ;;
	jemalloc) pre="$jemalloc_lib" mc="" ;;
	jeprof) pre="$jemalloc_lib" mc="prof:true,prof_prefix:$out/jeprof" ;;
	esac
	if [ -n "$mc" ]; then
		MALLOC_CONF=$mc HEAPTOP_SHM="$shm_prefix.cg.$cfg.$n" LD_PRELOAD="$pre" \
			valgrind --tool=callgrind --callgrind-out-file="$f" \
			--separate-threads=yes "$bench" -t 1 -n "$n" >"$f.log" 2>&1
	else
		HEAPTOP_SHM="$shm_prefix.cg.$cfg.$n" LD_PRELOAD="$pre" \
			valgrind --tool=callgrind --callgrind-out-file="$f" \
			--separate-threads=yes "$bench" -t 1 -n "$n" >"$f.log" 2>&1
	fi
	rc=$?
	rm -f /dev/shm/"$shm_prefix.cg.$cfg.$n" /dev/shm/"$shm_prefix.cg.$cfg.$n".* 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		note "callgrind $cfg n=$n failed (exit $rc), see $f.log"
		return 1
	fi
	# the benchmark thread is the busiest one (the main thread only starts
	# and joins it; heaptop's control thread mostly sleeps); its start-up
	# and exit cancel in the difference of two op counts
	for t in "$f"-[0-9]*; do
		sed -n 's/^totals: *//p' "$t" | awk -v t="$t" '{print $1, t}'
	done | sort -n | tail -n 1 | {
		read -r ir file && ln -sf "$file" "$f" && echo "$ir"
	}
}

if [ "$do_cg" -eq 1 ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		note "no valgrind: instruction counts skipped"
	else
		n1=$cg_ops n2=$((cg_ops * 2))
		say "Instructions (callgrind, 1 thread, counted in the benchmark thread only),"
		say "per operation (one free + one malloc/calloc/realloc), from runs of $n1 and $n2 ops:"
		say "per-op = ((Ir(${n2}) - Ir(${n1})) - (Ir_base(${n2}) - Ir_base(${n1}))) / $n1"
		say ""
		say "| config | baseline | Ir($n1) | Ir($n2) | instructions per op over baseline |"
		say "| --- | --- | --- | --- | --- |"
		cgl="none"
		for c in passthrough heaptop jemalloc jeprof; do
			case " $configs " in *" $c "*) ;; *) continue ;; esac
			case " $avail " in *" $c "*) ;; *) continue ;; esac
			[ "$c" = jeprof ] && case " $cgl " in *" jemalloc "*) ;; *) cgl="$cgl jemalloc" ;; esac
			cgl="$cgl $c"
		done
		for c in $cgl; do
			a=$(cg_run "$c" "$n1") || continue
			b=$(cg_run "$c" "$n2") || continue
			eval "cg1_$c=$a; cg2_$c=$b"
		done
		for c in $cgl; do
			eval "a=\${cg1_$c:-}; b=\${cg2_$c:-}"
			[ -n "$a" ] || continue
			case $c in none) base=none ;; jeprof) base=jemalloc ;; *) base=none ;; esac
			eval "ba=\${cg1_$base:-}; bb=\${cg2_$base:-}"
			if [ -z "$ba" ]; then
				say "| $c | $base | $a | $b | n/a |"
				continue
			fi
			if [ "$c" = none ]; then
				per=$(awk -v a="$a" -v b="$b" -v n="$n1" 'BEGIN { printf "%.1f (absolute: glibc + benchmark)", (b - a) / n }')
			else
				per=$(awk -v a="$a" -v b="$b" -v ba="$ba" -v bb="$bb" -v n="$n1" \
					'BEGIN { printf "%.1f", ((b - a) - (bb - ba)) / n }')
			fi
			say "| $c | $base | $a | $b | $per |"
		done
		say ""
		if [ -n "$heaptop_lib" ] && [ -f "$out/cg.heaptop.$n2" ]; then
			say "heaptop: instructions per op by function in libheaptop.so and its"
			say "dependencies (self cost, run of $n2 ops; includes window fill/drain):"
			callgrind_annotate --threshold=100 "$out/cg.heaptop.$n2" 2>/dev/null |
				awk -v n="$n2" '/^ *[0-9,]+ +\(/ && !/PROGRAM TOTALS/ && !/=>/ && /libheaptop|libunwind/ {
					x = $1; gsub(",", "", x); if (x / n >= 0.05) printf "  %7.2f  %s\n", x / n, $0 }' |
				sed 's/  *[0-9,]* (\([ 0-9.]*%\))  */  /' | head -n 30
			say ""
		fi
		if [ -n "$heaptop_lib" ] && command -v objdump >/dev/null 2>&1; then
			say "heaptop hooks, unsampled path: straight-line instructions from the entry"
			say "to the tail call into the real function (objdump -d $heaptop_lib):"
			for fn in malloc free calloc realloc; do
				objdump -d --no-show-raw-insn "$heaptop_lib" |
					awk -v fn="$fn" '$0 ~ "<" fn ">:$" { on = 1; n = 0; next }
						on && /^$/ { exit }
						on { n++; if ($0 ~ /jmp +\*/) { printf "  %-8s %d\n", fn, n; exit } }'
			done
			say ""
		fi
		say "callgrind files: $out/cg.*"
	fi
fi
say "raw data: $raw"
