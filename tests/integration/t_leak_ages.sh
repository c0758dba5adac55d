#!/bin/sh
# Ages and the event ring:
#  - objects born before heaptop attached keep their age: trend_leak
#    started by hand with the runtime preloaded, heaptop attached 6 s
#    later sees leak_grow's oldest object about 6 s old at once (the
#    first sampled one may be born a second or so after the start), and
#    the verdict says leak within 12 updates (the trend starts at the
#    attach)
#  - a ring overflow (ring_flood at rate 1: 2 million malloc/free pairs,
#    into a ring of 1024 events, HEAPTOP_RING, that no follower keeps up with):
#    the drops are counted and shown, the time detail says it is degraded
#    and is repaired by a reload of the live objects; the counters stay
#    exact (the 1000 kept blocks of 1000 bytes, nothing of the churn);
#    the kept blocks' ages cover the whole run
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/leak_lib.sh"

[ -f "$HT_RUNTIME" ] || fail "no runtime at $HT_RUNTIME"
[ -x "$T/trend_leak" ] || fail "trend_leak not built"
[ -x "$T/ring_flood" ] || fail "ring_flood not built"
cd "$WORK"
NAME=$(seg_name ages)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -f "/dev/shm/$NAME"
}
at_exit cleanup

# --- born before the attach -------------------------------------------------
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$NAME" "$T/trend_leak" 40 >leak.app 2>&1 &
PID=$!
wait_for 10 test -e "/dev/shm/$NAME" || fail "no segment /dev/shm/$NAME"
sleep 6
"$HEAPTOP" --attach-shm "$NAME" --batch --json -n 12 -d 1 >att.json 2>att.err ||
	{ cat att.err; fail "attach failed"; }
s=$(lk_site att.json 1 leak_grow)
age=$(echo "$s" | lk_field age_oldest_s)
awk -v a="$age" 'BEGIN { exit !(a >= 4 && a <= 9) }' ||
	{ echo "$s"; fail "first update after the attach: oldest leak_grow object $age s old, expected 6 s or so"; }
note "ok: at the attach the oldest object is $age s old"
# the trend starts at the attach: it takes its few seconds again
s=$(lk_site att.json 12 leak_grow)
[ "$(echo "$s" | lk_field verdict)" = leak ] || { echo "$s"; fail "attached: no leak verdict"; }
age=$(echo "$s" | lk_field age_oldest_s)
awk -v a="$age" 'BEGIN { exit !(a >= 14 && a <= 20) }' || fail "11 s later: oldest $age s"
note "ok: 11 s later the oldest is $age s old: $(echo "$s" | lk_field verdict_text)"
kill "$PID"
wait "$PID" 2>/dev/null
PID=""

# --- ring overflow ------------------------------------------------------------
HEAPTOP_RING=1024 "$HEAPTOP" --batch --json -r 1 -n 14 -d 1 --app-output flood.app -- "$T/ring_flood" 10 \
	>flood.json 2>flood.err || { cat flood.err; fail "heaptop on ring_flood"; }
grep -q '^churned' flood.app || fail "ring_flood did not churn"
# the last update: the 14th, or the final one when the program, whose
# churn takes as long as its samples do, ended before heaptop's 14th
last=$(wc -l <flood.json)
[ "$last" -ge 12 ] || fail "ring_flood: $last updates"
ev() { sed -n "${1}p" flood.json | sed 's/.*"events":{//; s/}.*//'; }
drops=$(ev "$last" | lk_field drops)
[ "${drops:-0}" -gt 100000 ] || fail "drops: '$drops'"
grep -q '"degraded":true' flood.json || fail "the ring overflowed, but no update says the ages are degraded"
[ "$(ev "$last" | lk_field degraded)" = false ] || fail "not repaired at the end: $(ev "$last")"
[ "$(ev "$last" | lk_field reloads)" -ge 1 ] || fail "no reload after the overflow"
note "ok: $drops events dropped, degraded, then repaired: $(ev "$last")"
# the header's drops counter too
hd=$(tail -n 1 flood.json | sed 's/"sites":.*//' | lk_field rate)
[ "$hd" = 1 ] || fail "rate $hd"
s=$(lk_site flood.json "$last" flood_keep)
[ "$(echo "$s" | lk_field inuse_bytes)" = 1000000 ] || { echo "$s"; fail "flood_keep bytes not exact"; }
[ "$(echo "$s" | lk_field inuse_objects)" = 1000 ] || { echo "$s"; fail "flood_keep objects not exact"; }
s2=$(lk_site flood.json "$last" flood_churn)
[ -z "$s2" ] || [ "$(echo "$s2" | lk_field inuse_bytes)" = 0 ] || { echo "$s2"; fail "flood_churn holds bytes"; }
# kept at the start: as old as the run, the first update ~1 s in
age=$(echo "$s" | lk_field age_oldest_s)
t1=$(sed -n 1p flood.json | sed 's/^{"time":\([0-9.]*\).*/\1/')
tl=$(sed -n "${last}p" flood.json | sed 's/^{"time":\([0-9.]*\).*/\1/')
awk -v a="$age" -v t1="$t1" -v tl="$tl" 'BEGIN { e = tl - t1 + 1; exit !(a >= e - 2 && a <= e + 2) }' ||
	fail "flood_keep: oldest $age s at update $last, $t1 to $tl"
note "ok: counters exact after the overflow (1000 x 1000 bytes), ages $age s"
# the text says so while degraded
HEAPTOP_RING=1024 "$HEAPTOP" --batch -r 1 -n 4 -d 1 --app-output flood2.app -- "$T/ring_flood" 2 >flood.txt 2>&1 ||
	{ tail -n 5 flood.txt; fail "heaptop --batch on ring_flood"; }
grep -q '^note: the event ring overflowed ([0-9]* events lost): ages and lifetimes are approximate' flood.txt ||
	{ grep -n 'note\|drops' flood.txt; fail "no overflow note in the text"; }
grep -q 'the counters are exact (for the next run: a larger ring, HEAPTOP_RING=4096 (now 1024), or a coarser -r)$' flood.txt ||
	{ grep -n 'note' flood.txt; fail "the overflow note does not say how to avoid it"; }
note "ok: the batch text says the ages are approximate while degraded"
exit 0
