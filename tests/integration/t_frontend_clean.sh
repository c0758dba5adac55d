#!/bin/sh
# heaptop --list and --clean: a segment outlives its process (the data stays
# explorable) and is listed as exited; --clean removes it and keeps the
# segment of a process that still runs.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
done_name=$(seg_name done)
live_name=$(seg_name live)

LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$done_name" HEAPTOP_RATE=4096 \
	"$T/leaky" -n 200 >done.out 2>&1 || fail "leaky failed"
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$live_name" HEAPTOP_RATE=1 \
	"$T/leaky" -f -s 20000 >live.out 2>&1 &
lpid=$!
stop_live() { kill "$lpid" 2>/dev/null; rm -f "/dev/shm/$live_name"; return 0; }
at_exit stop_live
wait_for 10 grep -q ready live.out || fail "live leaky did not start"
wait_for 10 test -e "/dev/shm/$live_name" || fail "no segment for the live target"

"$HEAPTOP" --list >list.txt || fail "--list failed"
cat list.txt
grep -E "^$done_name +[0-9]+ +exited\(0\) +no " list.txt >/dev/null ||
	fail "ended target not listed as exited(0)"
grep -E "^$live_name +$lpid +running +yes " list.txt >/dev/null ||
	fail "live target not listed as running"

"$HEAPTOP" --clean >clean.txt || fail "--clean failed"
cat clean.txt
grep -q "^removed $done_name " clean.txt || fail "--clean did not report $done_name"
[ -e "/dev/shm/$done_name" ] && fail "--clean left $done_name"
[ -e "/dev/shm/$live_name" ] || fail "--clean removed the running target's segment"
grep -q "removed $live_name" clean.txt && fail "--clean reported the running target"

# the live program is untouched and still answers through its segment
# (rate 1: every allocation is recorded, so leak_site is there at once)
attach_shows_leak() {
	"$HEAPTOP" --attach-shm "$live_name" --batch -n 1 -d 0.2 >attach.txt ||
		fail "attach after --clean failed"
	grep -q leak_site attach.txt
}
wait_for 10 attach_shows_leak || { cat attach.txt; fail "live target's sites missing after --clean"; }
kill -0 "$lpid" || fail "live target died"
exit 0
