#!/bin/sh
# bench/bridge.sh: what heaptop's jemalloc bridge costs on top of
# jemalloc's own profiler.
#
# A program whose allocator is a jemalloc linked into the executable is
# read through jemalloc's profiler: heaptop sets <PREFIX>MALLOC_CONF to
# prof:true,prof_active:true,prof_accum:true,lg_prof_sample:19 and at every
# refresh the runtime's control thread calls prof.dump into a private file
# that the frontend parses.  Three configurations per workload, in
# interleaved rounds (each round runs every configuration once, in an
# order rotated by one each round), ratios to the baseline of the same
# round:
#   je       the program alone (jemalloc, no profiling)
#   jeprof   the same with exactly the MALLOC_CONF heaptop sets (jemalloc's
#            profiler alone); compared with je
#   preload  jeprof with libheaptop.so preloaded and no frontend (the
#            runtime's presence alone); compared with jeprof
#   selfdump (many only) jeprof, and a thread of manystacks calls prof.dump
#            every DELAY (the dumps' cost in the program, locks included,
#            without a frontend competing for the CPUs); compared with jeprof
#   bridge   heaptop --batch -d DELAY ./program (jemalloc's profiler plus a
#            prof.dump and a parse per refresh); compared with jeprof
# Workloads:
#   malloc   bench/malloc_bench.c linked with a static libjemalloc.a
#   many     bench/manystacks.c, static libjemalloc.a: 2^17 distinct live
#            sampled stacks (lg_prof_sample:8 in jeprof and bridge), then
#            churn through the same stacks
#   rust     bench/rjem_bench.rs on a static _rjem_-prefixed jemalloc, only
#            with RJEM_LIB=path/to/libjemalloc_pic.a (a jemalloc configured
#            --with-jemalloc-prefix=_rjem_ --enable-prof)
# Every run goes through bench/cpusplit.c, which separates the command's own
# CPU time (for bridge: heaptop's frontend) from that of the children it
# reaped (the program).  After the rounds, a probe: manystacks calls
# prof.dump itself (time and size of one dump with 2^17 stacks), and
# `heaptop --load` of that dump and of the other workloads' dumps (the
# frontend's parse and model time per refresh).
#
# Never gates on absolute times; not part of `make check`.  Cleans up what
# it creates in /dev/shm; never touches other processes.
#
# Usage: bench/bridge.sh [options]
#   -r ROUNDS   rounds (default 5; 0: only the dump probe)
#   -w LIST     workloads (default "malloc many rust"; rust needs RJEM_LIB)
#   -n OPS      malloc_bench operations per thread (default 100000000)
#   -t THREADS  malloc_bench threads (default 1)
#   -m OPS      manystacks churn operations (default 300000)
#   -D DEPTH    manystacks depth: 2^DEPTH stacks (default 17)
#   -R OPS      rjem_bench operations (default 20000000)
#   -d SECS     heaptop's refresh interval (default 1)
#   -o DIR      output directory (default: a new directory under /tmp)
#   -A          only print the tables again from DIR/bridge.tsv (needs -o)
#   -P          skip the dump probe
# Environment: HT_BUILDDIR (default cwd), HEAPTOP_BIN (default
#   $HT_BUILDDIR/heaptop), HEAPTOP_LIB (default
#   $HT_BUILDDIR/.libs/libheaptop.so), JEMALLOC_A (default: $CC
#   -print-file-name=libjemalloc.a), RJEM_LIB (default: none), CC, RUSTC.
set -u

here=$(cd "$(dirname "$0")" && pwd)
rounds=5
workloads="malloc many rust"
mb_ops=100000000
mb_threads=1
ms_ops=300000
ms_depth=17
rj_ops=20000000
delay=1
out=""
analyze=0
probe=1

while getopts r:w:n:t:m:D:R:d:o:AP opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	w) workloads=$OPTARG ;;
	n) mb_ops=$OPTARG ;;
	t) mb_threads=$OPTARG ;;
	m) ms_ops=$OPTARG ;;
	D) ms_depth=$OPTARG ;;
	R) rj_ops=$OPTARG ;;
	d) delay=$OPTARG ;;
	o) out=$OPTARG ;;
	A) analyze=1 probe=0 ;;
	P) probe=0 ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d' >&2; exit 2 ;;
	esac
done

delay_ms=$(awk -v d="$delay" 'BEGIN { printf "%d", d * 1000 }')

if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/heaptop-bridge.XXXXXX) || exit 1
fi
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)

CC=${CC:-cc}
RUSTC=${RUSTC:-rustc}
builddir=${HT_BUILDDIR:-$(pwd)}
heaptop_bin=${HEAPTOP_BIN:-$builddir/heaptop}
heaptop_lib=${HEAPTOP_LIB:-$builddir/.libs/libheaptop.so}
je_a=${JEMALLOC_A:-$($CC -print-file-name=libjemalloc.a 2>/dev/null)}
rjem_lib=${RJEM_LIB:-}
shm_prefix="htbridge.$$"
# exactly what heaptop sets for a launch at the default rate
conf19="prof:true,prof_active:true,prof_accum:true,lg_prof_sample:19"
# manystacks: a 2 KiB block is sampled with probability 1 - e^-8
conf8="prof:true,prof_active:true,prof_accum:true,lg_prof_sample:8"

say() { printf '%s\n' "$*"; }
note() { printf 'bridge.sh: %s\n' "$*" >&2; }

cleanup() {
	for f in /dev/shm/"$shm_prefix".*; do
		[ -e "$f" ] && rm -f "$f"
	done
	rm -f "$out"/*.heap 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

raw="$out/bridge.tsv"

# --- build -----------------------------------------------------------------
if [ "$analyze" -eq 0 ]; then
	[ -x "$heaptop_bin" ] || { note "no heaptop at $heaptop_bin (set HT_BUILDDIR or HEAPTOP_BIN)"; exit 1; }
	[ -f "$heaptop_lib" ] || { note "no runtime at $heaptop_lib (set HT_BUILDDIR or HEAPTOP_LIB)"; exit 1; }
	case $je_a in
	/*) [ -f "$je_a" ] || je_a="" ;;
	*) je_a="" ;;
	esac
	[ -n "$je_a" ] || { note "no static libjemalloc.a (Debian: libjemalloc-dev; or set JEMALLOC_A)"; exit 1; }
	warn="-Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla"
	$CC -std=gnu11 -O2 -g $warn -o "$out/cpusplit" "$here/cpusplit.c" ||
		{ note "cannot build cpusplit"; exit 1; }
	avail=""
	for w in $workloads; do
		case $w in
		malloc)
			$CC -std=gnu11 -O2 -g $warn -pthread -o "$out/malloc_bench_static" \
				"$here/malloc_bench.c" "$je_a" -lpthread -ldl -lm &&
				avail="$avail malloc" || note "cannot build malloc_bench_static: left out" ;;
		many)
			$CC -std=gnu11 -O2 -g $warn -pthread -o "$out/manystacks" \
				"$here/manystacks.c" "$je_a" -lpthread -ldl -lm &&
				avail="$avail many" || note "cannot build manystacks: left out" ;;
		rust)
			if [ -z "$rjem_lib" ]; then
				note "no RJEM_LIB (a libjemalloc_pic.a built with --with-jemalloc-prefix=_rjem_ --enable-prof): the Rust workload is left out"
			elif ! command -v "$RUSTC" >/dev/null 2>&1; then
				note "no rustc: the Rust workload is left out"
			elif "$RUSTC" -C opt-level=2 -g -o "$out/rjem_bench" "$here/rjem_bench.rs" \
				-C link-arg="$rjem_lib" -C link-arg=-lpthread -C link-arg=-ldl \
				-C link-arg=-lm >"$out/rustc.log" 2>&1; then
				avail="$avail rust"
			else
				note "cannot build rjem_bench with $rjem_lib: left out"
				sed 's/^/    /' "$out/rustc.log" >&2
			fi ;;
		*) note "unknown workload $w" ;;
		esac
	done
	# Does each jemalloc profile?  prof_final must leave a heap_v2 dump,
	# which the probe below also parses.
	works=""
	for w in $avail; do
		case $w in
		malloc) var=MALLOC_CONF; cmd="$out/malloc_bench_static -n 1000000" ;;
		many) var=MALLOC_CONF; cmd="$out/manystacks -D 10 -n 1000" ;;
		rust) var=_RJEM_MALLOC_CONF; cmd="$out/rjem_bench -n 1000000" ;;
		esac
		rm -f "$out/final.$w".*
		env "$var=$conf19,prof_final:true,prof_prefix:$out/final.$w" $cmd >"$out/check.$w" 2>&1
		dump=$(ls "$out/final.$w".*.heap 2>/dev/null | head -n 1)
		if [ -n "$dump" ] && head -n 1 "$dump" | grep -q '^heap_v2/'; then
			works="$works $w"
		else
			note "$w: its jemalloc does not profile (built without --enable-prof?): left out"
			sed 's/^/    /' "$out/check.$w" >&2
		fi
	done
	workloads=$works
	[ -n "$workloads" ] || { note "nothing to measure"; exit 1; }
fi

# --- one run -----------------------------------------------------------------
# run_one WORKLOAD CONFIG TAG: prints "inner target_cpu outer self_cpu
# children_cpu dumps max_pause_ms" (self_cpu: the command's own process:
# the program for je/jeprof, heaptop's frontend for bridge).
run_one() {
	w=$1 cfg=$2 tag=$3
	log="$out/last.log" cpu="$out/last.cpu" hto="$out/last.heaptop"
	case $w in
	malloc) var=MALLOC_CONF conf=$conf19 user=""
		set -- "$out/malloc_bench_static" -t "$mb_threads" -n "$mb_ops" ;;
	many) var=MALLOC_CONF conf=$conf8 user=$conf8
		set -- "$out/manystacks" -D "$ms_depth" -n "$ms_ops" ;;
	rust) var=_RJEM_MALLOC_CONF conf=$conf19 user=""
		set -- "$out/rjem_bench" -n "$rj_ops" ;;
	esac
	rm -f "$log" "$cpu" "$hto"
	case $cfg in
	je)
		"$out/cpusplit" "$cpu" "$@" >"$log" 2>&1 ;;
	jeprof)
		env "$var=$conf" "$out/cpusplit" "$cpu" "$@" >"$log" 2>&1 ;;
	preload)
		"$out/cpusplit" "$cpu" env "$var=$conf" HEAPTOP_SHM="$shm_prefix.$tag" \
			LD_PRELOAD="$heaptop_lib" "$@" >"$log" 2>&1 ;;
	selfdump)
		env "$var=$conf" "$out/cpusplit" "$cpu" "$@" -T "$delay_ms" -o "$out/selfdump" \
			>"$log" 2>&1 ;;
	bridge)
		# heaptop merges the user's setting (manystacks: its sampling
		# rate) after its own; the result is jeprof's configuration
		if [ -n "$user" ]; then
			env "$var=$user" HEAPTOP_SHM="$shm_prefix.$tag" "$out/cpusplit" "$cpu" \
				"$heaptop_bin" --runtime "$heaptop_lib" --batch -d "$delay" -n 1000000 \
				--top 1 --no-threads --app-output "$log" "$@" >"$hto" 2>"$out/last.err"
		else
			HEAPTOP_SHM="$shm_prefix.$tag" "$out/cpusplit" "$cpu" \
				"$heaptop_bin" --runtime "$heaptop_lib" --batch -d "$delay" -n 1000000 \
				--top 1 --no-threads --app-output "$log" "$@" >"$hto" 2>"$out/last.err"
		fi ;;
	esac
	rc=$?
	rm -f /dev/shm/"$shm_prefix.$tag" /dev/shm/"$shm_prefix.$tag".* 2>/dev/null
	line=$(grep -E '^(threads|stacks)=' "$log" 2>/dev/null | tail -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$line" ] || [ ! -s "$cpu" ]; then
		note "$w $cfg failed (exit $rc):"
		sed 's/^/    /' "$log" "$out/last.err" >&2 2>/dev/null
		return 1
	fi
	dumps=0 dump_ms=-
	if [ "$cfg" = selfdump ]; then
		dumps=$(sed -n 's/^background_dumps=\([0-9]*\) mean_ms=\([0-9.]*\).*/\1/p' "$log")
		dump_ms=$(sed -n 's/^background_dumps=\([0-9]*\) mean_ms=\([0-9.]*\).*/\2/p' "$log")
		rm -f "$out/selfdump.bg.heap"
	fi
	if [ "$cfg" = bridge ]; then
		# every update but the final one is a prof.dump in the program
		dumps=$(grep '^heaptop - ' "$hto" | grep -vc '^heaptop - [0-9:]* final')
		grep -q 'read from jemalloc.s profiler' "$hto" ||
			{ note "$w bridge: heaptop did not read jemalloc's profiler:"; head -n 3 "$hto" >&2; return 1; }
	fi
	printf '%s %s\n' "$line" "$(cat "$cpu")" | awk -v dumps="${dumps:-0}" -v dms="${dump_ms:--}" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s %s %s %s %s %s %s %s\n", v["seconds"], v["cpu_seconds"], v["outer_seconds"],
			v["self_cpu"], v["children_cpu"], dumps,
			(v["max_pause_ms"] == "" ? "-" : v["max_pause_ms"]), dms }'
}

median_awk='
function median(a, n,   i, j, x) {
	for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'

# --- rounds ----------------------------------------------------------------
if [ "$analyze" -eq 0 ]; then
	say "# heaptop bridge bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	say "# rounds=$rounds workloads=[$workloads] delay=$delay malloc: -t $mb_threads -n $mb_ops; many: -D $ms_depth -n $ms_ops; rust: -n $rj_ops"
	say "# jemalloc: $je_a${rjem_lib:+; rust: $rjem_lib}"
	say "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'round\tworkload\tconfig\tseconds\ttarget_cpu\touter_seconds\tself_cpu\tchildren_cpu\tdumps\tmax_pause_ms\tdump_ms\n' >"$raw"
	r=1
	while [ "$r" -le "$rounds" ]; do
		for w in $workloads; do
			case $w in
			many) set -- je jeprof preload selfdump bridge ;;
			*) set -- je jeprof preload bridge ;;
			esac
			k=$(( (r - 1) % $# ))
			while [ "$k" -gt 0 ]; do first=$1; shift; set -- "$@" "$first"; k=$((k - 1)); done
			for c in "$@"; do
				res=$(run_one "$w" "$c" "$r.$w.$c") || continue
				printf '%s\t%s\t%s\t%s\n' "$r" "$w" "$c" "$(printf '%s' "$res" | tr ' ' '\t')" >>"$raw"
			done
		done
		say "# round $r done ($(cut -d' ' -f1 /proc/loadavg))"
		r=$((r + 1))
	done
	say "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	say ""
fi

# --- tables ----------------------------------------------------------------
if [ -s "$raw" ] && [ "$(wc -l <"$raw")" -gt 1 ]; then
	nr=$(awk -F '\t' 'NR > 1 { print $1 }' "$raw" | sort -nu | wc -l)
	say "Over $nr rounds; paired = median of the per-round ratios to the baseline"
	say "run of the same round, [min..max] of them.  inner = the program's timed"
	say "region; target cpu = the program's CPU over it (its control thread,"
	say "which runs prof.dump, included); outer = whole command (for bridge:"
	say "heaptop from launch to exit); all cpu = user+sys of every process the"
	say "command ran (program + heaptop's frontend)."
	say ""
	say "| workload | config | over | paired inner wall | [min..max] | target cpu | outer wall | all cpu |"
	say "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for w in malloc many rust; do
		for c in jeprof preload selfdump bridge; do
			case $c in jeprof) base=je ;; *) base=jeprof ;; esac
			awk -F '\t' -v w="$w" -v c="$c" -v b="$base" "$median_awk"'
			NR > 1 && $2 == w && $3 == c { xin[$1] = $4; xcpu[$1] = $5; xout[$1] = $6; xall[$1] = $7 + $8 }
			NR > 1 && $2 == w && $3 == b { yin[$1] = $4; ycpu[$1] = $5; yout[$1] = $6; yall[$1] = $7 + $8 }
			END {
				lo = 1e30; hi = 0; n = 0
				for (r in xin) if (r in yin) {
					n++; p[n] = xin[r] / yin[r]; pc[n] = xcpu[r] / ycpu[r]; po[n] = xout[r] / yout[r]
					pa[n] = (yall[r] > 0) ? xall[r] / yall[r] : 0
					if (p[n] < lo) lo = p[n]; if (p[n] > hi) hi = p[n]
				}
				if (n == 0) exit
				# CPU times of short baselines can be below the 10 ms tick
				all = median(pa, n)
				printf "| %s | %s | %s | **%.3fx** | [%.3f..%.3f] | %.3fx | %.3fx | %s |\n", w, c, b,
					median(p, n), lo, hi, median(pc, n), median(po, n),
					(all > 0 ? sprintf("%.3fx", all) : "n/a")
			}' "$raw"
		done
	done
	say ""
	say "The bridge per run (medians): prof.dumps = non-final updates; frontend ="
	say "heaptop's own CPU (start-up, reading the dumps, the model, the text);"
	say "target extra = bridge's program CPU minus jeprof's in the same round, per"
	say "dump.  Longest pause of manystacks (the longest batch of 256 operations)"
	say "under jeprof, selfdump (prof.dump every DELAY from a thread of the"
	say "program, no frontend) and bridge."
	say ""
	say "| workload | dumps per run | frontend cpu s | frontend per dump ms | target extra cpu per dump ms | frontend / program cpu | max pause ms jeprof / selfdump / bridge |"
	say "| --- | --- | --- | --- | --- | --- | --- |"
	for w in malloc many rust; do
		awk -F '\t' -v w="$w" "$median_awk"'
		NR > 1 && $2 == w && $3 == "bridge" { n++; d[n] = $9; f[n] = $7; fd[n] = ($9 > 0) ? $7 / $9 * 1000 : 0
			fp[n] = ($8 > 0) ? $7 / $8 : 0; bc[$1] = $5; bd[$1] = $9; mp[n] = $10 }
		NR > 1 && $2 == w && $3 == "jeprof" { pc[$1] = $5; m++; jp[m] = $10 }
		NR > 1 && $2 == w && $3 == "selfdump" { q++; sp[q] = $10 }
		END {
			if (n == 0) exit
			k = 0
			for (r in bc) if ((r in pc) && bd[r] > 0) { k++; x[k] = (bc[r] - pc[r]) / bd[r] * 1000 }
			pause = (mp[1] == "-") ? "-" : sprintf("%.1f / %s / %.1f", median(jp, m),
				(q ? sprintf("%.1f", median(sp, q)) : "-"), median(mp, n))
			printf "| %s | %.0f | %.2f | %.1f | %s | %.2f%% | %s |\n", w, median(d, n), median(f, n),
				median(fd, n), (k ? sprintf("%.1f", median(x, k)) : "n/a"), median(fp, n) * 100, pause
		}' "$raw"
	done
	say ""
	awk -F '\t' "$median_awk"'
	NR > 1 && $3 == "selfdump" { q++; sn[q] = $9; sm[q] = $11; w = $2 }
	END { if (q) printf "selfdump (%s): %.0f prof.dumps per run from a thread of the program, %.1f ms each (medians)\n\n",
		w, median(sn, q), median(sm, q) }' "$raw"
	say "Medians (for reading the ratios): inner wall, target cpu, outer wall,"
	say "self cpu (program, or heaptop's frontend for bridge):"
	awk -F '\t' "$median_awk"'
	NR > 1 { k = $2 "\t" $3; n[k]++; a1[k, n[k]] = $4; a2[k, n[k]] = $5; a3[k, n[k]] = $6; a4[k, n[k]] = $7 }
	END {
		for (k in n) {
			m = n[k]
			for (i = 1; i <= m; i++) { a[i] = a1[k, i]; b[i] = a2[k, i]; c[i] = a3[k, i]; d[i] = a4[k, i] }
			split(k, x, "\t")
			printf "  %-7s %-7s inner=%.3f cpu=%.3f outer=%.3f self=%.2f (n=%d)\n",
				x[1], x[2], median(a, m), median(b, m), median(c, m), median(d, m), m
		}
	}' "$raw" | sort
	say ""
fi

# --- dump probe --------------------------------------------------------------
# The size of one dump and what it costs each side: manystacks times its own
# prof.dump calls (the same mallctl the runtime makes, here with the
# program otherwise idle); heaptop --load parses a dump (read, symbolize,
# model, one text update): an upper bound on the frontend's work per
# refresh, since a live session keeps its symbol tables between refreshes.
load_cost() {
	for i in 1 2 3; do
		"$out/cpusplit" "$out/load.cpu" "$heaptop_bin" --load "$1" --batch -n 1 --top 1 \
			--no-threads >/dev/null 2>"$out/load.err" || { sed 's/^/    /' "$out/load.err" >&2; return 1; }
		cat "$out/load.cpu"
	done | awk "$median_awk"'{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n++; w[n] = v["outer_seconds"]; c[n] = v["self_cpu"] }
		END { printf "wall %.0f ms, cpu %.0f ms (median of %d)", median(w, n) * 1000, median(c, n) * 1000, n }'
}
if [ "$probe" -eq 1 ]; then
	say "Dump probe:"
	for w in $workloads; do
		[ "$w" = many ] && continue
		dump=$(ls "$out/final.$w".*.heap 2>/dev/null | head -n 1)
		[ -n "$dump" ] || continue
		say "  $w: a dump at exit (prof_final, lg_prof_sample:19, short run): $(wc -c <"$dump") bytes, $(grep -c '^@' "$dump") stacks; heaptop --load: $(load_cost "$dump")"
	done
	case " $workloads " in
	*" many "*)
		# the dump's cost against the number of stacks: 2^8, 2^11, 2^14
		# and 2^DEPTH (medians of 5 dumps each, the program otherwise idle)
		for d in 8 11 14 "$ms_depth"; do
			[ "$d" -le "$ms_depth" ] || continue
			rm -f "$out"/probe.*.heap
			if ! env MALLOC_CONF="$conf8" "$out/manystacks" -D "$d" -n 0 -P 5 -o "$out/probe" \
				>"$out/probe.log" 2>&1; then
				note "manystacks probe failed:"; sed 's/^/    /' "$out/probe.log" >&2
				continue
			fi
			f="$out/probe.1.heap"
			ms=$(awk "$median_awk"'/^dump=/ { split($2, kv, "="); n++; x[n] = kv[2] }
				END { if (n) printf "%.1f", median(x, n) }' "$out/probe.log")
			say "  many -D $d: $(grep -c '^@' "$f") stacks of $(awk '/^@/ && NF - 1 > m { m = NF - 1 } END { print m + 0 }' "$f") frames (the deepest), $(wc -c <"$f") bytes; prof.dump in the program: $ms ms (median of 5); heaptop --load: $(load_cost "$f")"
			[ "$d" = "$ms_depth" ] && break
		done
		rm -f "$out"/probe.*.heap ;;
	esac
	say ""
fi
say "raw data: $raw"
