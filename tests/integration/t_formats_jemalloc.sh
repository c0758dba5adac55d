#!/bin/sh
# jemalloc's own profiler (libjemalloc preloaded, prof:true) on a target
# that leaks at known sites: `heaptop --load DUMP` ranks the same top
# functions as `jeprof --text` on the same dump, bytes and objects within
# 1%; the worker thread's jemalloc name and per-thread lines survive a
# conversion to heaptop's heap_v2.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JEPROF=${JEPROF:-$(command -v jeprof || true)}
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

# site_value JSON FUNCTION KEY: the first "KEY":number of that site
site_value() {
	sed 's/"frames":\[[^]]*\]//g' "$1" | awk -v fn="$2" -v key="$3" '
		BEGIN { RS = "[{]\"function\":" }
		index($0, "\"" fn "\"") == 1 {
			if (match($0, "\"" key "\":-?[0-9.e+]+")) {
				s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s)
				print s; exit
			}
		}'
}

LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:12,prof_final:true,prof_prefix:$WORK/je" \
	"$T/fmt_jeleak" -n 20000 >"$WORK/truth" || fail "fmt_jeleak under jemalloc failed"
dump=$(ls "$WORK"/je.*.f.heap 2>/dev/null | head -n 1)
[ -n "$dump" ] || fail "jemalloc wrote no final dump (built without --enable-prof?)"
note "dump: $(head -n 1 "$dump"), $(grep -c '^@' "$dump") stacks"

"$HEAPTOP" --load "$dump" --json --group function --top 0 -n 1 \
	>"$WORK/ht.json" 2>"$WORK/ht.err" || { cat "$WORK/ht.err"; fail "heaptop --load failed"; }
"$JEPROF" --text --show_bytes "$T/fmt_jeleak" "$dump" >"$WORK/jeprof.txt" 2>/dev/null \
	|| fail "jeprof --text failed"
"$JEPROF" --text --inuse_objects "$T/fmt_jeleak" "$dump" >"$WORK/jeprof_objs.txt" 2>/dev/null \
	|| fail "jeprof --text --inuse_objects failed"
sed -n 1,8p "$WORK/jeprof.txt"

# the same ranking of the top four functions
ours=$(sed 's/"frames":\[[^]]*\]//g' "$WORK/ht.json" | grep -o '{"function":"[^"]*"' \
	| sed 's/.*:"//; s/"$//' | head -n 4 | tr '\n' ' ')
theirs=$(awk 'NR > 1 && NF >= 6 { print $6 }' "$WORK/jeprof.txt" | head -n 4 | tr '\n' ' ')
note "heaptop: $ours"
note "jeprof:  $theirs"
[ "$ours" = "$theirs" ] || fail "rankings differ"

for f in grow_site stable_site worker_site small_site; do
	hb=$(site_value "$WORK/ht.json" "$f" inuse_bytes)
	ho=$(site_value "$WORK/ht.json" "$f" inuse_objects)
	jb=$(awk -v f="$f" '$6 == f { print $1 }' "$WORK/jeprof.txt")
	jo=$(awk -v f="$f" '$6 == f { print $1 }' "$WORK/jeprof_objs.txt")
	note "$f: bytes heaptop $hb jeprof $jb; objects heaptop $ho jeprof $jo"
	[ -n "$hb" ] && [ -n "$jb" ] || fail "$f missing"
	within "$hb" "$jb" 0.01 || fail "$f bytes differ by more than 1%"
	within "$ho" "$jo" 0.01 || fail "$f objects differ by more than 1%"
done

# and both agree with the truth the program printed (sampling error:
# lg_prof_sample 12 gives ~20000 samples for grow_site, a few % at most)
truth=$(sed -n 's/^truth grow_site .* bytes=//p' "$WORK/truth")
hb=$(site_value "$WORK/ht.json" grow_site inuse_bytes)
within "$hb" "$truth" 0.05 || fail "grow_site $hb far from the truth $truth"

# sites are named with their file (grouped by function: no line)
"$HEAPTOP" --load "$dump" --batch --group function --top 0 -n 1 >"$WORK/ht.txt" 2>&1 \
	|| fail "heaptop --batch failed"
grep -q 'grow_site (fmt_jeleak.c)' "$WORK/ht.txt" || fail "no file (no line: --group function) in batch output"

# per-thread lines and the thread name survive heaptop's heap_v2 writer
"$HEAPTOP" --load "$dump" --format heap -o "$WORK/copy.heap" >/dev/null 2>&1 \
	|| fail "conversion failed"
grep -q '^  t[0-9][0-9]*: .* fmt-worker$' "$WORK/copy.heap" || fail "thread name lost"
[ "$(grep -c '^  t[0-9]' "$WORK/copy.heap")" -ge "$(grep -c '^@' "$WORK/copy.heap")" ] \
	|| fail "per-thread lines lost"
exit 0
