#!/bin/sh
# A program read through jemalloc's profiler shows its state at exit, not
# the last periodic dump: the runtime writes jemalloc's dump at exit
# (HEAPTOP_FINAL_DUMP, set by heaptop at launch) and the final update
# reads it.  For al_jeleak_static (Debian's libjemalloc.a) and al_rjem
# (Rust on a static _rjem_ jemalloc), launched as a new user would:
#   short  ends within milliseconds, before heaptop's first dump: the
#          final update still has the leaking site, within the sampling
#          error of the truth the program printed (-r 16K, 2000 blocks of
#          4 KiB: about 4.5% relative standard error; tolerance 18%)
#   slow   leaks for about 2 s with updates every second: the final
#          update has all of it (1500 blocks of 16 KiB: about 2.6%; 12%),
#          where the last periodic dump held about half
# and heaptop's private directory ($TMPDIR/heaptop-*) is gone after.
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -x "$T/al_jeleak_static" ] || fail "$T/al_jeleak_static not built"
al_build_rjem "$WORK/al_rjem"
mkdir -p "$WORK/tmp"

# inuse_bytes of the first site whose function ends with $2, in the last
# JSON line of $1 (frames arrays removed)
final_bytes() {
	tail -n 1 "$1" | sed 's/"frames":\[[^]]*\]//g' |
		grep -o "{\"function\":\"[^\"]*$2\",[^{]*\"inuse_bytes\":[0-9.e+]*" |
		head -n 1 | sed 's/.*"inuse_bytes"://'
}

# run NAME BINARY FUNCTION TOLERANCE ARGS...
run() {
	name=$1 bin=$2 fn=$3 tol=$4
	shift 4
	out="$WORK/$name.json" app="$WORK/$name.app"
	TMPDIR="$WORK/tmp" "$HEAPTOP" --batch --json -d 1 -r 16K --top 0 \
		--app-output "$app" -- "$bin" "$@" >"$out" 2>"$WORK/$name.err" ||
		{ cat "$WORK/$name.err"; fail "$name: heaptop failed"; }
	grep -qx done "$app" || fail "$name: the program did not finish"
	tail -n 1 "$out" | grep -q '"state":"exited".*"source":"jemalloc-profiler"' ||
		{ tail -n 1 "$out" | cut -c1-600; fail "$name: the last update is not the exited program read through jemalloc's profiler"; }
	hb=$(final_bytes "$out" "$fn")
	tb=$(al_truth "$app" "$fn" bytes)
	note "$name: $(wc -l <"$out") updates; $fn at exit: heaptop ${hb:-none} B, truth $tb B"
	[ -n "$tb" ] || fail "$name: no truth"
	[ -n "$hb" ] || fail "$name: $fn missing from the final update"
	within "$hb" "$tb" "$tol" || fail "$name: the final update is not within $tol of the truth at exit"
	left=$(ls -A "$WORK/tmp")
	[ -z "$left" ] || fail "$name: heaptop left $left in TMPDIR"
}

run static_short "$T/al_jeleak_static" leak_here 0.18 2000 4096
run static_slow "$T/al_jeleak_static" leak_here 0.12 1500 16384 1
run rjem_short "$WORK/al_rjem" myservice::EventLog::record 0.18 2000 4096
run rjem_slow "$WORK/al_rjem" myservice::EventLog::record 0.12 1500 16384 1
exit 0
