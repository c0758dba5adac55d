#!/bin/sh
# The event ring keeps up with a program that samples fast: ring_paced at
# rate 1 pushes about 300,000 events a second (150 malloc/free pairs every
# millisecond) for 4 s, more than a ring of 4,096 events drained every
# 20 ms carries (~205,000 a second).  The ring's size and the follower's
# pace (it drains sooner when the last drain found the ring filling)
# must carry it: under 2% of the events dropped, and the ages never
# marked degraded for long (the last update is not).  The events the
# follower consumed and those dropped account for every sampled pair.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/leak_lib.sh"

[ -x "$T/ring_paced" ] || fail "ring_paced not built"
cd "$WORK"

"$HEAPTOP" --batch --json -r 1 -n 6 -d 1 --app-output paced.app -- "$T/ring_paced" 150 4 \
	>paced.json 2>paced.err || { cat paced.err; fail "heaptop on ring_paced"; }
pairs=$(sed -n 's/^paced pairs=//p' paced.app)
[ -n "$pairs" ] || fail "ring_paced did not finish"
last=$(wc -l <paced.json)
ev() { sed -n "${1}p" paced.json | sed 's/.*"events":{//; s/}.*//'; }
events=$(ev "$last" | lk_field consumed)
drops=$(ev "$last" | lk_field drops)
note "pairs $pairs, events consumed $events, dropped $drops: $(ev "$last")"
[ -n "$events" ] && [ -n "$drops" ] || fail "no event counts in the last update"
# every pair is two events, consumed or dropped (a few thousand pushed
# before the follower registered are neither: nothing is pushed then)
awk -v p="$pairs" -v e="$events" -v d="$drops" 'BEGIN {
	exit !(e + d <= 2 * p + 100 && e + d >= 2 * p * 0.9) }' ||
	fail "events $events + drops $drops do not account for $pairs pairs"
awk -v e="$events" -v d="$drops" 'BEGIN { exit !(d <= 0.02 * (e + d)) }' ||
	fail "$drops of $((events + drops)) events dropped"
check "the last update is not degraded" test "$(ev "$last" | lk_field degraded)" = false
check "the ring's size" test "$(ev "$last" | lk_field ring_events)" = 16384
