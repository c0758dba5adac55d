#!/bin/sh
# A dump written by heaptop's runtime (HEAPTOP_DUMP_AT_EXIT) on the leaky
# target: `jeprof --text` and `heaptop --load` read the same totals
# (within 1%) and both rank the leaking function first.  Then heaptop
# converts it (--format heap -o) and jeprof reads the copy the same way.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -f "$HT_RUNTIME" ] || fail "runtime not built: $HT_RUNTIME"
JEPROF=${JEPROF:-$(command -v jeprof || true)}
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"

json_total() { # JSON KEY
	grep -o "\"totals\":{[^}]*}" "$1" | head -n 1 | grep -o "\"$2\":[-0-9.e+]*" | sed 's/.*://'
}
jeprof_total() { # TEXTFILE
	sed -n 's/^Total: \([0-9.]*\).*/\1/p' "$1" | head -n 1
}

HEAPTOP_DUMP_AT_EXIT="$WORK/run.heap" HEAPTOP_RATE=64K LD_PRELOAD="$HT_RUNTIME" \
	"$T/leaky" -n 3000 >"$WORK/truth" || fail "leaky under the runtime failed"
[ -s "$WORK/run.heap" ] || fail "the runtime wrote no dump"
head -n 2 "$WORK/run.heap"

"$HEAPTOP" --load "$WORK/run.heap" --json --group function --top 0 -n 1 \
	>"$WORK/ht.json" 2>"$WORK/err" || { cat "$WORK/err"; fail "heaptop --load failed"; }
"$JEPROF" --text --show_bytes "$T/leaky" "$WORK/run.heap" >"$WORK/jb.txt" 2>/dev/null \
	|| fail "jeprof cannot read the dump"
"$JEPROF" --text --inuse_objects "$T/leaky" "$WORK/run.heap" >"$WORK/jo.txt" 2>/dev/null \
	|| fail "jeprof --inuse_objects failed"
sed -n 1,5p "$WORK/jb.txt"

hb=$(json_total "$WORK/ht.json" inuse_bytes)
ho=$(json_total "$WORK/ht.json" inuse_objects)
jb=$(jeprof_total "$WORK/jb.txt")
jo=$(jeprof_total "$WORK/jo.txt")
note "totals: heaptop $hb B $ho objects; jeprof $jb B $jo objects"
within "$hb" "$jb" 0.01 || fail "in-use bytes differ by more than 1%"
within "$ho" "$jo" 0.01 || fail "in-use objects differ by more than 1%"

# the leaking function first in both (leak_site: 3000 x the leak size)
top_ht=$(grep -o '"sites":\[{"function":"[^"]*"' "$WORK/ht.json" | sed 's/.*:"//; s/"$//')
top_je=$(awk 'NR == 2 { print $6 }' "$WORK/jb.txt")
note "top: heaptop $top_ht, jeprof $top_je"
[ "$top_ht" = "$top_je" ] || fail "different top functions"
case "$top_ht" in leak_site|leak_mixed) ;; *) fail "top is $top_ht, not a leak" ;; esac

# heaptop's own heap_v2 writer: convert and read back with jeprof
"$HEAPTOP" --load "$WORK/run.heap" --format heap -o "$WORK/copy.heap" >/dev/null 2>"$WORK/err" \
	|| { cat "$WORK/err"; fail "conversion to heap_v2 failed"; }
"$JEPROF" --text --show_bytes "$T/leaky" "$WORK/copy.heap" >"$WORK/jc.txt" 2>/dev/null \
	|| fail "jeprof cannot read heaptop's conversion"
jc=$(jeprof_total "$WORK/jc.txt")
note "converted copy: jeprof $jc B"
within "$jc" "$jb" 0.01 || fail "converted dump total differs"
exit 0
