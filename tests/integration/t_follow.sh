#!/bin/sh
# --follow: a leaking program started outside heaptop under Debian's
# jemalloc (prof_prefix, lg_prof_interval) writes interval dumps while it
# runs; `heaptop --follow PREFIX --batch --json` shows one update per new
# dump: the leaking function on top, in use growing from update to update,
# close to the truth the program printed when the dump was written, the
# growth since the previous dump, and where the dump came from.  heaptop
# started before the program waits for it (the dumps of an ended run are
# ignored); a restart is followed and reported; a corrupt or cut dump is
# skipped with a message; a missing
# directory and no dump at all are clear errors.
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

# Leak 64 KiB per 100 ms step; a dump every 256 KiB allocated (about
# every 4 steps); every ~1 KiB sampled.
JE_CONF="prof:true,lg_prof_interval:18,lg_prof_sample:10"
STEP_BYTES=65536
pids=""
kill_targets() { for p in $pids; do kill "$p" 2>/dev/null; done; return 0; }
at_exit kill_targets

# start_target PREFIX OUT STEPS: follow_leak in the background, its pid in
# $tpid once it printed "ready".
start_target() {
	LD_PRELOAD=$JE_SO MALLOC_CONF="$JE_CONF,prof_prefix:$1" \
		"$T/follow_leak" -t "$3" >"$2" 2>&1 &
	tpid=$!
	pids="$pids $tpid"
	wait_for 10 grep -q '^ready' "$2" || fail "follow_leak did not start"
}

# json_field LINE KEY: the first "KEY":value (number or string) of LINE
json_field() {
	printf '%s\n' "$1" | sed 's/"frames":\[[^]]*\]//g' |
		grep -o "\"$2\":\(\"[^\"]*\"\|[-0-9.e+a-z]*\)" | head -n 1 |
		sed 's/^"[^"]*"://; s/^"//; s/"$//'
}
# follow_field LINE KEY: KEY of the "follow" object
follow_field() {
	json_field "$(printf '%s\n' "$1" | sed 's/.*"follow":{\([^}]*\)}.*/{\1}/')" "$2"
}
# top_site LINE: the first site's function
top_site() { printf '%s\n' "$1" | sed 's/.*"sites":\[{"function":"\([^"]*\)".*/\1/'; }
# site_field LINE FUNCTION KEY: KEY of that site (its own counts, not delta)
site_field() {
	printf '%s\n' "$1" | sed 's/"frames":\[[^]]*\]//g' | awk -v fn="$2" -v key="$3" '
		BEGIN { RS = "[{]\"function\":" }
		index($0, "\"" fn "\"") == 1 {
			if (match($0, "\"" key "\":-?[0-9.e+]+")) {
				s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s)
				print s; exit
			}
		}'
}
# truth_at OUT TIME: the bytes the program had leaked at TIME (its last
# truth line at or before TIME; 0 before the first)
truth_at() {
	awk -v t="$2" '$1 == "truth" { split($2, a, "="); split($4, b, "=")
		if (a[2] + 0 <= t + 0) v = b[2] } END { print v + 0 }' "$1"
}

# ---- 1: three updates from a running program ----
start_target "$WORK/p" "$WORK/truth1" 60
"$HEAPTOP" --follow "$WORK/p" --batch --json -n 3 -d 1 >"$WORK/f.json" \
	2>"$WORK/f.err" || { cat "$WORK/f.err"; fail "heaptop --follow failed"; }
cat "$WORK/f.err"
[ "$(wc -l <"$WORK/f.json")" -eq 3 ] || { cat "$WORK/f.json"; fail "not 3 updates"; }
prev_bytes=0 prev_seq=-1 i=0
while IFS= read -r line; do
	i=$((i + 1))
	fn=$(top_site "$line")
	b=$(site_field "$line" follow_leak_site inuse_bytes)
	seq=$(follow_field "$line" seq)
	pid=$(follow_field "$line" pid)
	file=$(follow_field "$line" file)
	kind=$(follow_field "$line" kind)
	mtime=$(follow_field "$line" mtime)
	lo=$(truth_at "$WORK/truth1" "$mtime")
	note "update $i: $fn $b bytes, truth $lo..$((lo + STEP_BYTES)); $file seq $seq $kind"
	[ "$fn" = follow_leak_site ] || fail "update $i: top site is $fn"
	[ "$pid" = "$tpid" ] || fail "update $i: pid $pid, the program is $tpid"
	[ "$(json_field "$line" pid)" = "$tpid" ] || fail "update $i: top-level pid"
	[ "$(json_field "$line" state)" = running ] || fail "update $i: state"
	[ "$kind" = interval ] || fail "update $i: kind $kind"
	case "$file" in
	"$WORK/p.$tpid.$seq.i"*.heap) ;;
	*) fail "update $i: file $file is not PREFIX.pid.seq.iN.heap" ;;
	esac
	[ -f "$file" ] || fail "update $i: $file does not exist"
	[ "$seq" -gt "$prev_seq" ] || fail "update $i: seq $seq not after $prev_seq"
	awk -v a="$b" -v p="$prev_bytes" 'BEGIN { exit !(a > p) }' \
		|| fail "update $i: in use $b did not grow from $prev_bytes"
	# sampling (about 1 KiB mean interval): within 10% of the truth
	# between the step before the dump and the step after it
	awk -v a="$b" -v lo="$lo" -v hi="$((lo + STEP_BYTES))" \
		'BEGIN { exit !(lo > 0 && a >= 0.9 * lo && a <= 1.1 * hi) }' \
		|| fail "update $i: $b bytes far from the truth $lo..$((lo + STEP_BYTES))"
	if [ $i -gt 1 ]; then
		# growth since the previous dump: the delta of the site
		d=$(printf '%s\n' "$line" | sed 's/"frames":\[[^]]*\]//g' |
			sed 's/.*"function":"follow_leak_site"[^{]*"delta":{"inuse_bytes":\([-0-9.e+]*\).*/\1/')
		want=$(awk -v a="$b" -v p="$prev_bytes" 'BEGIN { print a - p }')
		within "$d" "$want" 0.01 || fail "update $i: growth $d, not $want (this minus the previous dump)"
		printf '%s\n' "$line" | grep -q '"totals_delta":' || fail "update $i: no totals_delta"
	fi
	[ "$(json_field "$line" final)" = "$([ $i -eq 3 ] && echo true || echo false)" ] \
		|| fail "update $i: final flag"
	prev_bytes=$b prev_seq=$seq
done <"$WORK/f.json"
seen=$(follow_field "$(tail -n 1 "$WORK/f.json")" dumps_seen)
[ "$seen" -ge 3 ] || fail "dumps_seen $seen"

# the text header says where the dump comes from
"$HEAPTOP" --follow "$WORK/p" --batch -n 1 -d 0.5 >"$WORK/f.txt" 2>&1 \
	|| { cat "$WORK/f.txt"; fail "heaptop --follow --batch failed"; }
cat "$WORK/f.txt" | head -n 5
grep -Eq "^following $WORK/p: pid $tpid, dump p\.$tpid\.[0-9]+\.i[0-9]+\.heap \(seq [0-9]+, kind interval\), age [0-9]+s, [0-9]+ dumps seen$" \
	"$WORK/f.txt" || fail "no 'following' line in the text header"
grep -q 'follow_leak_site (follow_leak.c:' "$WORK/f.txt" || fail "no site with file:line"

# ---- 2: a corrupt dump and a cut one (newest seq) are skipped ----
last=$(ls -t "$WORK"/p."$tpid".*.heap | head -n 1)
printf 'heap_v2/1024\n  t*: garbage\n\nMAPPED_LIBRARIES:\n' \
	>"$WORK/p.$tpid.900000.i900000.heap"
head -c 300 "$last" >"$WORK/p.$tpid.900001.i900001.heap"
touch -d '10 seconds ago' "$WORK/p.$tpid.900000.i900000.heap" \
	"$WORK/p.$tpid.900001.i900001.heap"
"$HEAPTOP" --follow "$WORK/p" --batch --json -n 2 -d 0.5 >"$WORK/c.json" \
	2>"$WORK/c.err" || { cat "$WORK/c.err"; fail "heaptop with corrupt dumps failed"; }
cat "$WORK/c.err"
grep -q "skipped $WORK/p.$tpid.900001.i900001.heap: no MAPPED_LIBRARIES" "$WORK/c.err" \
	|| fail "the cut dump was not reported"
grep "skipped $WORK/p.$tpid.900000.i900000.heap: " "$WORK/c.err" | grep -qv MAPPED \
	|| fail "the corrupt dump was not reported with the reader's error"
[ "$(grep -c skipped "$WORK/c.err")" -eq 2 ] || fail "skipped reported more than once"
[ "$(wc -l <"$WORK/c.json")" -eq 2 ] || fail "not 2 updates with corrupt dumps around"
while IFS= read -r line; do
	[ "$(top_site "$line")" = follow_leak_site ] || fail "corrupt: top site"
	case "$(follow_field "$line" file)" in
	*.9000*) fail "a skipped dump was shown" ;;
	esac
done <"$WORK/c.json"
rm -f "$WORK"/p.*.9000*.heap

# ---- 3: heaptop first, then the program (an ended run's dumps stay) ----
wait_for 20 grep -q '^done' "$WORK/truth1" || fail "follow_leak did not end"
wait_for 5 sh -c "! kill -0 $tpid" || fail "follow_leak did not exit"
old=$tpid
"$HEAPTOP" --follow "$WORK/p" --batch --json -n 2 -d 0.5 >"$WORK/w.json" \
	2>"$WORK/w.err" &
hpid=$!
pids="$pids $hpid"
sleep 2
kill -0 "$hpid" 2>/dev/null || { cat "$WORK/w.err"; fail "heaptop did not wait for the program"; }
[ ! -s "$WORK/w.json" ] || fail "heaptop showed the ended run's dumps"
start_target "$WORK/p" "$WORK/truth2" 40
wait "$hpid" || { cat "$WORK/w.err"; fail "heaptop started first failed"; }
cat "$WORK/w.err"
grep -q "ignoring the dumps of 1 process that ended" "$WORK/w.err" \
	|| fail "no notice about the ended run"
[ "$(wc -l <"$WORK/w.json")" -eq 2 ] || fail "not 2 updates after waiting"
[ "$(follow_field "$(head -n 1 "$WORK/w.json")" pid)" = "$tpid" ] \
	|| fail "heaptop did not follow the new process $tpid (old $old)"
[ "$(top_site "$(tail -n 1 "$WORK/w.json")")" = follow_leak_site ] \
	|| fail "waited: top site"

# ---- 4: a restart is followed and reported ----
wait_for 20 grep -q '^done' "$WORK/truth2" || fail "second follow_leak did not end"
# 8 steps: at most 2 dumps, so -n 4 needs the restart
start_target "$WORK/r" "$WORK/truth3" 8
a_pid=$tpid
"$HEAPTOP" --follow "$WORK/r" --batch --json -n 4 -d 0.3 --follow-wait 30 \
	>"$WORK/r.json" 2>"$WORK/r.err" &
hpid=$!
pids="$pids $hpid"
wait_for 20 grep -q '^done' "$WORK/truth3" || fail "first run did not end"
wait_for 5 sh -c "! kill -0 $a_pid" || fail "first run did not exit"
sleep 1
kill -0 "$hpid" 2>/dev/null || { cat "$WORK/r.err"; fail "heaptop ended with the first run"; }
start_target "$WORK/r" "$WORK/truth4" 40
b_pid=$tpid
wait "$hpid" || { cat "$WORK/r.err"; fail "heaptop across a restart failed"; }
cat "$WORK/r.err"
grep -q "pid $b_pid writes dumps now (restarted?): following it instead of pid $a_pid" \
	"$WORK/r.err" || fail "the restart was not reported"
[ "$(wc -l <"$WORK/r.json")" -eq 4 ] || fail "not 4 updates across the restart"
awk -v a="$a_pid" -v b="$b_pid" '
	{ p = $0; sub(/.*"follow":[{]"prefix":"[^"]*","pid":/, "", p); sub(/,.*/, "", p) }
	p == a && !seen_b { na++; next }
	p == b { if (!seen_b) { first_b = NR; nob = index($0, "\"totals_delta\"") == 0 }
	         seen_b = 1; next }
	{ bad = 1 }
	END { exit !(na >= 1 && seen_b && nob && !bad) }' "$WORK/r.json" \
	|| { cat "$WORK/r.json" | cut -c1-300; fail "updates are not pid $a_pid then pid $b_pid (growth restarting)"; }

# ---- 5: clear errors ----
"$HEAPTOP" --follow "$WORK/nodir/p" --batch -n 1 >"$WORK/e1" 2>&1 && fail "missing directory accepted"
grep -q "the directory $WORK/nodir does not exist" "$WORK/e1" || { cat "$WORK/e1"; fail "missing directory message"; }
start=$(date +%s)
"$HEAPTOP" --follow "$WORK/none" --batch -n 1 --follow-wait 2 -d 0.2 >"$WORK/e2" 2>&1 \
	&& fail "no dump accepted"
grep -q "no dump matching $WORK/none.\*.heap from a running process within 2 s" "$WORK/e2" \
	|| { cat "$WORK/e2"; fail "no-dump message"; }
[ $(( $(date +%s) - start )) -lt 10 ] || fail "--follow-wait 2 took too long"
exit 0
