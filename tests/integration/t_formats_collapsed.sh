#!/bin/sh
# `heaptop --load DUMP --format collapsed -o FILE [--value V]`: symbolized
# "root;...;leaf value" lines in flamegraph.pl's input format (integer
# values, no zero stacks), the leaking function as a leaf under main, and
# values summing to the batch totals.  When flamegraph.pl is installed it
# must render the file.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:12,prof_final:true,prof_prefix:$WORK/je" \
	"$T/fmt_jeleak" -n 10000 >/dev/null || fail "fmt_jeleak failed"
dump=$(ls "$WORK"/je.*.f.heap | head -n 1)
"$HEAPTOP" --load "$dump" --json -n 1 >"$WORK/ht.json" || fail "heaptop --json failed"
tot() { grep -o '"totals":{[^}]*}' "$WORK/ht.json" | grep -o "\"$1\":[-0-9.e+]*" | sed 's/.*://'; }

for v in inuse:inuse_bytes alloc:alloc_bytes inuse-objects:inuse_objects alloc-objects:alloc_objects; do
	opt=${v%%:*} key=${v#*:}
	out="$WORK/$opt.folded"
	"$HEAPTOP" --load "$dump" --format collapsed --value "$opt" -o "$out" >/dev/null 2>"$WORK/err" \
		|| { cat "$WORK/err"; fail "collapsed ($opt) failed"; }
	[ -s "$out" ] || fail "empty collapsed output ($opt)"
	bad=$(grep -v -E '^[^ ;][^;]*(;[^;]+)* [1-9][0-9]*$' "$out" | head -n 1)
	[ -z "$bad" ] || fail "malformed line ($opt): $bad"
	sum=$(awk '{ s += $NF } END { printf "%d", s }' "$out")
	lines=$(wc -l <"$out")
	t=$(tot "$key")
	note "$opt: $lines lines, sum $sum, batch $t"
	awk -v a="$sum" -v b="$t" -v n="$lines" 'BEGIN { d = a - b; if (d < 0) d = -d;
		exit !(d <= n * 0.5 + 1) }' || fail "$opt: sum $sum != total $t"
done
grep -q ';main;grow_site [0-9]*$' "$WORK/inuse.folded" || fail "no main;grow_site leaf"
! grep -q ';churn_site [0-9]*$' "$WORK/inuse.folded" || fail "churn_site in use"
grep -q ';churn_site [0-9]*$' "$WORK/alloc.folded" || fail "churn_site not allocated"
head -n 3 "$WORK/inuse.folded"

if command -v flamegraph.pl >/dev/null 2>&1; then
	flamegraph.pl "$WORK/inuse.folded" >"$WORK/fg.svg" || fail "flamegraph.pl failed"
	grep -q grow_site "$WORK/fg.svg" || fail "flamegraph lacks grow_site"
else
	note "flamegraph.pl not installed: format checked by pattern only"
fi
exit 0
