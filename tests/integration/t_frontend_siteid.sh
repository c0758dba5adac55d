#!/bin/sh
# Sites and their ids.  fe_twoline allocates on two lines of one function
# called from one place (2% and 98% of the bytes): --group stack and
# --group line give two sites, each at its own line with its own bytes
# (the truth fe_twoline prints); --group function gives one site with
# all the bytes and no line (0 in JSON, none in the text).  Each JSON
# site has an "id" that stays the same across the updates of one
# session, across two --attach-shm sessions on one program, and across
# --load of two dumps of it; --base with a live --attach-shm --json run
# shows, on the big line, a delta equal to what the program allocated
# since the base dump.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -f "$HT_RUNTIME" ] || fail "no runtime at $HT_RUNTIME"
cd "$WORK"
src="$HT_SRCDIR/tests/targets/fe_twoline.c"
small=$(grep -n 'TWOLINE_SMALL' "$src" | cut -d: -f1)
big=$(grep -n 'TWOLINE_BIG' "$src" | cut -d: -f1)
[ -n "$small" ] && [ -n "$big" ] || fail "markers not found in fe_twoline.c"

# twoline_site sites of the last JSON object: line|inuse_bytes|id|delta
sites() {
	tail -n 1 "$1" | sed 's/.*"sites":\[//; s/"frames":\[[^]]*\]//g; s/},{"function"/}\n{"function"/g' |
	grep '"function":"twoline_site"' |
	perl -ne '/"line":(\d+)/; my $l = $1; /"inuse_bytes":([0-9.]+)/; my $b = $1;
		my $id = /"id":"([0-9a-f]{16})"/ ? $1 : "none";
		my $d = /"delta":\{"inuse_bytes":(-?[0-9.]+)/ ? $1 : "none";
		print "$l|$b|$id|$d\n"' | sort
}

# --- grouping: the truth of a run to its end
for g in stack line function; do
	HEAPTOP_RATE=1 "$HEAPTOP" --json -r 1 --top 0 -d 0.5 --group $g \
		--app-output $g.log "$T/fe_twoline" 100 >$g.json 2>$g.err ||
		{ cat $g.err; fail "--group $g failed"; }
	grep -q '^done' $g.log || fail "--group $g: the target did not finish"
	truth=$(sed -n 's/^small=\([0-9]*\) big=\([0-9]*\)$/\1 \2/p' $g.log)
	ts=${truth% *}
	tb=${truth#* }
	sites $g.json >$g.sites
	if [ $g = function ]; then
		[ "$(cut -d'|' -f1,2 $g.sites)" = "0|$((ts + tb))" ] ||
			{ cat $g.sites; fail "--group function: not one site, no line, $((ts + tb)) bytes"; }
	else
		[ "$(cut -d'|' -f1,2 $g.sites | tr '\n' ' ')" = "$small|$ts $big|$tb " ] ||
			{ cat $g.sites; fail "--group $g: not $small|$ts and $big|$tb"; }
	fi
	note "ok: --group $g: $(cut -d'|' -f1,2 $g.sites | tr '\n' ' ')"
done
"$HEAPTOP" --batch -r 1 --top 0 -d 0.5 --group function --app-output f.log \
	"$T/fe_twoline" 100 >f.txt 2>f.err || { cat f.err; fail "--batch --group function failed"; }
grep -q ' twoline_site (fe_twoline\.c)$' f.txt ||
	{ cat f.txt; fail "--batch --group function: twoline_site not shown without a line"; }
"$HEAPTOP" --batch -r 1 --top 0 -d 0.5 --group stack --app-output s.log \
	"$T/fe_twoline" 100 >s.txt 2>s.err || { cat s.err; fail "--batch --group stack failed"; }
grep -q " twoline_site (fe_twoline\.c:$small)\$" s.txt && grep -q " twoline_site (fe_twoline\.c:$big)\$" s.txt ||
	{ cat s.txt; fail "--batch --group stack: not both lines"; }
note "ok: --batch: function without a line, stack with both"

# --- ids and --base on a live program
NAME=$(seg_name siteid)
PID=""
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	rm -f "/dev/shm/$NAME"
}
at_exit cleanup
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$NAME" HEAPTOP_RATE=1 \
	"$T/fe_twoline" 100 go >app.log 2>&1 &
PID=$!
wait_for 10 grep -q ready app.log || fail "fe_twoline did not start"
"$HEAPTOP" --attach-shm "$NAME" --json -n 3 -d 0.3 --top 0 -o base.heap \
	>a1.json 2>a1.err || { cat a1.err; fail "first attach failed"; }
[ -s base.heap ] || fail "no base dump"
# the same ids in every update of the session
for k in 1 2 3; do
	sed -n "${k}p" a1.json >u$k.json
	sites u$k.json | cut -d'|' -f1,3 >ids$k.txt
done
[ "$(wc -l <ids1.txt)" -eq 2 ] || { cat ids1.txt; fail "not two twoline_site sites"; }
grep -q '|none$' ids1.txt && fail "a site without an id"
cmp -s ids1.txt ids2.txt && cmp -s ids1.txt ids3.txt ||
	{ cat ids1.txt ids2.txt ids3.txt; fail "ids change across updates"; }
[ "$(cut -d'|' -f2 ids1.txt | sort -u | wc -l)" -eq 2 ] || fail "the two sites share an id"
note "ok: ids across updates: $(tr '\n' ' ' <ids1.txt)"

touch go
wait_for 10 grep -q '^phase2' app.log || fail "fe_twoline did not allocate again"
grew=$(sed -n 's/^phase2 big=\([0-9]*\)$/\1/p' app.log)
"$HEAPTOP" --attach-shm "$NAME" --json -n 2 -d 0.3 --top 0 --base base.heap \
	-o after.heap >a2.json 2>a2.err || { cat a2.err; fail "attach with --base failed"; }
sites a2.json >a2.sites
cut -d'|' -f1,3 a2.sites >ids_a2.txt
cmp -s ids1.txt ids_a2.txt || { cat ids1.txt ids_a2.txt; fail "ids differ across attach sessions"; }
note "ok: the same ids in a second attach session"
[ "$(grep "^$big|" a2.sites | cut -d'|' -f4)" = "$grew" ] ||
	{ cat a2.sites; fail "--base live: the big line's delta is not $grew"; }
[ "$(grep "^$small|" a2.sites | cut -d'|' -f4)" = 0 ] ||
	{ cat a2.sites; fail "--base live: the small line's delta is not 0"; }
note "ok: --base on a live session: delta +$grew on line $big, 0 on line $small"

for d in base after; do
	"$HEAPTOP" --load $d.heap --json --top 0 >l_$d.json 2>l_$d.err ||
		{ cat l_$d.err; fail "--load $d.heap failed"; }
	sites l_$d.json | cut -d'|' -f1,3 >ids_l_$d.txt
	cmp -s ids1.txt ids_l_$d.txt ||
		{ cat ids1.txt ids_l_$d.txt; fail "--load $d.heap: other ids"; }
done
note "ok: the same ids from --load of two dumps"
exit 0
