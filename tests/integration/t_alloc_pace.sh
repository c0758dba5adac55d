#!/bin/sh
# jemalloc's dumps are paced: a program with 2^15 distinct sampled stacks
# in a static jemalloc (al_manystacks, with the user's own
# MALLOC_CONF=lg_prof_sample:8, which heaptop keeps) makes each dump take
# tens of milliseconds; heaptop reads one only every 100 times as long as
# the last took (1% of the time), says so in JSON (dump_seconds,
# dump_interval) and in the text, and repeats the last dump's numbers in
# the updates in between (same snapshot time) instead of dumping at every
# -d.
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -x "$T/al_manystacks" ] || fail "al_manystacks not built"

MALLOC_CONF=lg_prof_sample:8 "$HEAPTOP" --batch --json -n 14 -d 0.3 --top 3 \
	--app-output "$WORK/app.log" -- "$T/al_manystacks" -D 15 -n 100000000 \
	>"$WORK/out.json" 2>"$WORK/err" || { cat "$WORK/err"; fail "heaptop failed"; }
[ "$(wc -l <"$WORK/out.json")" -eq 14 ] || fail "not 14 updates"

field() { # line key
	sed -n "${1}p" "$WORK/out.json" | grep -o "\"$2\":[0-9.e+-]*" | head -n 1 | sed 's/.*://'
}
grep -q '"lg_prof_sample' "$WORK/err" && fail "heaptop overrode the user's lg_prof_sample"
# the first update whose dump took 20 ms or more (the program builds its
# 2^15 stacks after it starts: the first dumps are small)
big=""
for k in $(seq 1 10); do
	ds=$(field $k dump_seconds) di=$(field $k dump_interval)
	[ -n "$ds" ] && [ -n "$di" ] || { head -c 800 "$WORK/out.json"; fail "update $k: no dump_seconds/dump_interval"; }
	awk -v s="$ds" -v i="$di" 'BEGIN { d = i - 100 * s; exit !(i > 0 && d * d <= (0.001 * i + 0.0002) ^ 2) }' ||
		fail "update $k: dump_interval $di is not 100 x dump_seconds $ds (both printed to 1 us)"
	if awk -v s="$ds" 'BEGIN { exit !(s >= 0.02) }'; then big=$k; break; fi
done
[ -n "$big" ] || fail "no dump took 20 ms in 10 updates: too fast for the test"
note "update $big: a dump took $ds s, the next one in $di s"
# the next three updates (0.9 s) repeat that dump
t1=$(field $big time)
for k in $((big + 1)) $((big + 2)) $((big + 3)); do
	tk=$(field $k time)
	[ "$tk" = "$t1" ] || fail "update $k has time $tk, not $t1: dumped again within $di s"
done
note "ok: updates $((big + 1))-$((big + 3)) repeat the dump of update $big (time $t1)"
# the rate in force is the user's 2^8
[ "$(field 1 rate)" = 256 ] || fail "rate $(field 1 rate), expected 256 (the user's lg_prof_sample:8)"
MALLOC_CONF=lg_prof_sample:8 "$HEAPTOP" --batch -n 8 -d 0.3 --app-output "$WORK/app2.log" \
	-- "$T/al_manystacks" -D 15 -n 100000000 >"$WORK/out.txt" 2>&1 ||
	{ cat "$WORK/out.txt"; fail "heaptop (text) failed"; }
grep -q '^allocator: jemalloc (linked in, profiler on), read from jemalloc' "$WORK/out.txt" ||
	{ cat "$WORK/out.txt"; fail "allocator line"; }
grep -Eq '^note: a jemalloc dump takes [0-9.]+ s: one every [0-9]+ s, to keep them under 1% of the time' \
	"$WORK/out.txt" || { cat "$WORK/out.txt"; fail "no pacing note in the text"; }
exit 0
