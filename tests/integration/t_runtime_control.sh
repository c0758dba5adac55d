# The control page: ping, dump, set rate and reset are carried out within
# 100 ms while the program sleeps; the heartbeat advances; the sample
# counts are exact after a ping; the event ring carries the samples;
# after SIGTERM the segment says "exited 0".
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

n=$(seg_name ctl)
rt_names="$rt_names $n"
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$n" HEAPTOP_RATE=1 "$T/leaky" -f -s 20000 >"$WORK/out" 2>&1 &
lpid=$!
kill_leaky() { kill "$lpid" 2>/dev/null; return 0; }
at_exit kill_leaky
wait_for 10 grep -q ready "$WORK/out" || fail "leaky did not start"
wait_for 10 sh -c "'$SEGDUMP' '$n' | grep -qx 'state 1'" || fail "segment not running"

cmd() { # expect result 0 within 100 ms
	"$SEGDUMP" -c "$@" "$n" >"$WORK/cmd" || fail "command $* failed"
	set -- $(cat "$WORK/cmd")
	[ "$2" = 0 ] || fail "command result $2"
	[ "$4" -lt 100000 ] || fail "command took $4 us"
	note "command answered in $4 us"
}
cmd ping
# the sample counts are exact in a snapshot taken between two of the
# program's iterations (it allocates every 20 ms: a snapshot read while
# one runs may see a stack's count and not yet the header's)
for i in 1 2 3 4 5 6 7 8; do
	"$SEGDUMP" "$n" >"$WORK/s1"
	counts_exact "$WORK/s1" && break
	note "snapshot $i during an iteration: $(cat "$WORK/s1.counts")"
	[ "$i" = 8 ] && fail "running, after a ping: $(cat "$WORK/s1.counts")"
	sleep 0.007
done
sleep 0.3
"$SEGDUMP" "$n" >"$WORK/s2"
hb1=$(rt_field "$WORK/s1" heartbeat_ns)
hb2=$(rt_field "$WORK/s2" heartbeat_ns)
[ "$hb2" -gt "$hb1" ] || fail "heartbeat does not advance"

cmd dump -a "$WORK/live.heap"
head -n 1 "$WORK/live.heap" | grep -qx 'heap_v2/1' || fail "live dump header"
grep -q '^MAPPED_LIBRARIES:' "$WORK/live.heap" || fail "live dump incomplete"
"$SEGDUMP" -c dump -a relative.heap "$n" | grep -q '^result -22 ' || fail "relative path accepted"

"$SEGDUMP" -r "$n" >"$WORK/ring"
cat "$WORK/ring"
awk '{ split($2, a, "="); exit !(a[2] > 0) }' "$WORK/ring" || fail "no alloc events in the ring"

cmd rate -a 4096
"$SEGDUMP" "$n" >"$WORK/s3"
expect_eq "rate after SET_RATE" "$(rt_field "$WORK/s3" rate)" 4096
"$SEGDUMP" -c rate -a 0 "$n" | grep -q '^result -22 ' || fail "rate 0 accepted"
cmd reset
"$SEGDUMP" "$n" >"$WORK/s4"
expect_eq "reset generation" "$(rt_field "$WORK/s4" reset_generation)" 1

kill -TERM "$lpid"
wait "$lpid"
rc=$?
[ $rc -eq 0 ] || fail "leaky exited $rc after SIGTERM"
"$SEGDUMP" "$n" >"$WORK/s5"
expect_eq "state after exit" "$(rt_field "$WORK/s5" state)" 2
expect_eq "exit status" "$(rt_field "$WORK/s5" exit_status)" 0
exit 0
