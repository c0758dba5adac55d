# Ages and allocator statistics, the runtime's side of "tell a leak from
# a cache" (HT_CMD_LIVE, born_ns in the ring, astat in the header), read
# through the segment reader by tests/targets/rt_liveread:
#  - rt_live (glibc, every allocation sampled: -r 1) keeps N objects of
#    S1 bytes, waits for the frontend, sleeps T, keeps M objects of S2
#    bytes.  The frontend, started after the first batch, consumes the
#    ring: exactly M ALLOC events of S2 bytes whose born_ns is their
#    time_ns, inside the target's own clock readings around the batch
#    (from its coarse clock before: stamps may be the kernel's tick).
#    The live listing: exactly N and M objects, births inside the
#    target's clock readings, the early ones at least T old, weights
#    exact; mallinfo2's in-use bytes close to what the target holds.
#  - the static _rjem_ jemalloc of t_alloc_bridge.sh (built like
#    tikv-jemallocator's, --disable-stats): no statistics (kind NONE),
#    and, jemalloc's profiler being the source, a live listing of 0.
#  - al_jeleak_static (Debian's libjemalloc.a, with statistics): kind
#    JEMALLOC, stats.allocated above what the program holds, and
#    allocated <= active <= resident.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

READER="$T/rt_liveread"
[ -x "$READER" ] || fail "rt_liveread not built"
N=1000 S1=1000 M=500 S2=2000 TMS=1500

pids=""
# the background jobs are subshells running the targets: kill both
kill_all() {
	for p in $pids; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	return 0
}
at_exit kill_all

# field FILE PREFIX KEY: KEY=value on the first line starting with PREFIX
field() {
	awk -v p="$2" -v k="$3" 'index($0, p) == 1 {
		for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$1"
}
# ge A B: A >= B as integers (awk: 2^53 is far above CLOCK_MONOTONIC ns)
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && a + 0 >= b + 0) }'; }
expect_ge() { ge "$2" "$3" || fail "$1: $2 < $3"; note "ok: $1: $2 >= $3"; }

# ---- glibc, rate 1 ------------------------------------------------------
n=$(seg_name live)
mkdir -m 700 "$WORK/priv"
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_live" $N $S1 $TMS $M $S2 "$WORK/go" "$WORK/stop" \
	>"$WORK/target.out" 2>&1 &
pids="$pids $!"
wait_for 10 grep -q ready1 "$WORK/target.out" || fail "rt_live did not start"
"$READER" "$n" "$WORK/priv" $S1 $S2 $M "$WORK/go" >"$WORK/reader.out" 2>&1 ||
	{ cat "$WORK/reader.out"; fail "rt_liveread failed"; }
touch "$WORK/stop"
wait_for 10 grep -q ready2 "$WORK/target.out" || fail "rt_live did not finish"
cat "$WORK/target.out" "$WORK/reader.out"
[ -z "$(ls -A "$WORK/priv")" ] || fail "the live file (or its temporary) was left behind"

c0=$(field "$WORK/target.out" t0= c0) t1=$(field "$WORK/target.out" t0= t1)
c2=$(field "$WORK/target.out" t2= c2) t3=$(field "$WORK/target.out" t2= t3)
R="$WORK/reader.out"

expect_eq "ring: ALLOC events of the second batch" "$(field "$R" "ring " allocs)" $M
expect_eq "ring: born_ns == time_ns on every ALLOC" "$(field "$R" "ring " born_is_time)" 1
expect_eq "ring: invalid events" "$(field "$R" "ring " invalid)" 0
expect_ge "ring: first event after the target's c2" "$(field "$R" "ring " min_time)" "$c2"
expect_ge "ring: last event before the target's t3" "$t3" "$(field "$R" "ring " max_time)"

expect_eq "live: ABI minor" "$(field "$R" "live now" minor)" 4
expect_eq "live: objects of the first batch" "$(field "$R" "live size=$S1" n)" $N
expect_eq "live: objects of the second batch" "$(field "$R" "live size=$S2" n)" $M
expect_eq "live: weight of the first batch (rate 1: exact)" "$(field "$R" "live size=$S1" weight)" $((N * S1))
expect_ge "live: first batch born after c0" "$(field "$R" "live size=$S1" min_born)" "$c0"
expect_ge "live: first batch born before t1" "$t1" "$(field "$R" "live size=$S1" max_born)"
expect_ge "live: second batch born after c2" "$(field "$R" "live size=$S2" min_born)" "$c2"
expect_ge "live: second batch born before t3" "$t3" "$(field "$R" "live size=$S2" max_born)"
expect_ge "live: age of the first batch >= T" "$(field "$R" "live size=$S1" min_age)" $((TMS * 1000000))
expect_ge "live: listed after the second batch" "$(field "$R" "live now" now)" "$t3"

held=$((N * S1 + M * S2))
expect_eq "astat: glibc" "$(field "$R" astat kind)" 1
inuse=$(field "$R" astat v1)
expect_ge "astat: mallinfo2 in use >= held" "$inuse" $held
expect_ge "astat: mallinfo2 in use <= held + 512 KiB" $((held + 524288)) "$inuse"
expect_ge "astat: arena >= in use" "$(field "$R" astat v0)" "$inuse"

# ---- static jemalloc without statistics (the _rjem_ build) -------------
al_build_rjem "$WORK/al_rjem"
n=$(seg_name live-rjem)
rt_preload "$n" "$WORK/al_rjem" 300 4096 0 300 20000 >"$WORK/rjem.out" 2>&1 &
pids="$pids $!"
wait_for 10 grep -q "^truth myservice::EventLog::record" "$WORK/rjem.out" || fail "al_rjem did not start"
"$READER" --stats "$n" "$WORK/priv" >"$WORK/rjem.reader" 2>&1 ||
	{ cat "$WORK/rjem.reader"; fail "rt_liveread --stats failed on al_rjem"; }
cat "$WORK/rjem.out" "$WORK/rjem.reader"
expect_eq "astat: jemalloc --disable-stats: none" "$(field "$WORK/rjem.reader" astat kind)" 0
expect_eq "live: bridge (jemalloc's profiler): no objects" "$(field "$WORK/rjem.reader" "live now" count)" 0

# ---- static jemalloc with statistics -----------------------------------
[ -x "$T/al_jeleak_static" ] || fail "$T/al_jeleak_static not built"
n=$(seg_name live-je)
MALLOC_CONF=prof:true rt_preload "$n" "$T/al_jeleak_static" 300 4096 0 300 20000 \
	>"$WORK/je.out" 2>&1 &
pids="$pids $!"
wait_for 10 grep -q "^truth small_here" "$WORK/je.out" || fail "al_jeleak_static did not start"
"$READER" --stats "$n" "$WORK/priv" >"$WORK/je.reader" 2>&1 ||
	{ cat "$WORK/je.reader"; fail "rt_liveread --stats failed on al_jeleak_static"; }
cat "$WORK/je.out" "$WORK/je.reader"
J="$WORK/je.reader"
held=$(( $(al_truth "$WORK/je.out" leak_here bytes) + $(al_truth "$WORK/je.out" small_here bytes) ))
expect_eq "astat: jemalloc" "$(field "$J" astat kind)" 2
expect_ge "astat: stats.allocated > held" "$(field "$J" astat v0)" $((held + 1))
expect_ge "astat: active >= allocated" "$(field "$J" astat v1)" "$(field "$J" astat v0)"
expect_ge "astat: resident >= active" "$(field "$J" astat v2)" "$(field "$J" astat v1)"
exit 0
