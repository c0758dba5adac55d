#!/bin/sh
# A segment that another process truncates while heaptop is attached (a
# hostile or broken neighbour of the same user): heaptop stops with a
# clear error naming the segment and exit status 1, never a SIGBUS crash.
# (The program under study writes to that segment too and does not
# survive it: only the same user can truncate it, and the same user could
# kill it anyway.)  The reads caught in the middle of a snapshot are
# covered by tests/unit/test_segread.c (test_truncated_while_reading).
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

[ -f "$HT_RUNTIME" ] || fail "no runtime at $HT_RUNTIME"
cd "$WORK"
NAME=$(seg_name trunc)
PID=""
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	rm -f "/dev/shm/$NAME"
}
at_exit cleanup

start_leaky() {
	rm -f "/dev/shm/$NAME"
	LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$NAME" HEAPTOP_RATE=4K \
		"$T/leaky" -f -s 1000 >app.log 2>&1 &
	PID=$!
	wait_for 10 grep -q ready app.log || fail "leaky did not start"
	wait_for 10 test -e "/dev/shm/$NAME" || fail "no segment /dev/shm/$NAME"
}

for cut in 0 4096 65536; do
	start_leaky
	"$HEAPTOP" --attach-shm "$NAME" --batch -d 0.1 -n 300 >h.out 2>h.err &
	H=$!
	wait_for 10 grep -q '^heaptop - ' h.out || fail "attach produced no update"
	truncate -s $cut "/dev/shm/$NAME"
	rc=0
	wait $H || rc=$?
	cat h.err
	[ "$rc" -eq 1 ] || fail "heaptop exited with $rc after the segment was cut to $cut bytes (expected 1)"
	grep -q "segment '$NAME' was truncated" h.err || fail "no 'truncated' message: $(cat h.err)"
	note "ok: cut to $cut bytes: exit 1 with a clear message"
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=""
done

# a segment cut to nothing is refused at attach time as well
start_leaky
kill -STOP "$PID"
truncate -s 0 "/dev/shm/$NAME"
rc=0
"$HEAPTOP" --attach-shm "$NAME" --batch -n 1 >h.out 2>h.err || rc=$?
cat h.err
[ "$rc" -eq 1 ] || fail "attach to an emptied segment: exit $rc"
grep -q "$NAME" h.err || fail "the refusal does not name the segment"
exit 0
