#!/bin/sh
# gperftools' heap profiles from a tcmalloc-linked target: the sampled
# heap ("heap profile: ... @ heap_v2/4096", TCMALLOC_SAMPLE_PARAMETER) is
# read with the same per-function bytes and objects as `jeprof --text`
# (within 1%), and the heap profiler's exact profile ("@ heapprofile",
# never rescaled) gives exactly the truth the target printed.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -x "$T/fmt_tcleak" ] || skip "gperftools (libgoogle-perftools-dev) not installed"
JEPROF=${JEPROF:-$(command -v jeprof || true)}
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"

site_value() { # JSON FUNCTION KEY
	sed 's/"frames":\[[^]]*\]//g' "$1" | awk -v fn="$2" -v key="$3" '
		BEGIN { RS = "[{]\"function\":" }
		index($0, "\"" fn "\"") == 1 {
			if (match($0, "\"" key "\":-?[0-9.e+]+")) {
				s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s)
				print s; exit
			}
		}'
}

TCMALLOC_SAMPLE_PARAMETER=4096 "$T/fmt_tcleak" "$WORK/sample.heap" "$WORK/prof.heap" 20000 \
	>"$WORK/truth" 2>/dev/null || fail "fmt_tcleak failed"
head -n 1 "$WORK/sample.heap"
head -n 1 "$WORK/prof.heap"

# sampled: as jeprof reads it
"$HEAPTOP" --load "$WORK/sample.heap" --json --group function --top 0 -n 1 \
	>"$WORK/s.json" 2>"$WORK/err" || { cat "$WORK/err"; fail "heaptop --load (sample) failed"; }
"$JEPROF" --text --show_bytes "$T/fmt_tcleak" "$WORK/sample.heap" >"$WORK/jb.txt" 2>/dev/null \
	|| fail "jeprof failed"
"$JEPROF" --text --inuse_objects "$T/fmt_tcleak" "$WORK/sample.heap" >"$WORK/jo.txt" 2>/dev/null \
	|| fail "jeprof --inuse_objects failed"
for f in grow_site small_site; do
	hb=$(site_value "$WORK/s.json" "$f" inuse_bytes)
	ho=$(site_value "$WORK/s.json" "$f" inuse_objects)
	jb=$(awk -v f="$f" '$6 == f { print $1 }' "$WORK/jb.txt")
	jo=$(awk -v f="$f" '$6 == f { print $1 }' "$WORK/jo.txt")
	note "sampled $f: bytes heaptop $hb jeprof $jb; objects heaptop $ho jeprof $jo"
	[ -n "$hb" ] && [ -n "$jb" ] && [ -n "$ho" ] && [ -n "$jo" ] || fail "$f missing"
	within "$hb" "$jb" 0.01 || fail "$f bytes differ by more than 1%"
	within "$ho" "$jo" 0.01 || fail "$f objects differ by more than 1%"
done

# exact: the truth, to the object and byte
"$HEAPTOP" --load "$WORK/prof.heap" --json --group function --top 0 -n 1 \
	>"$WORK/p.json" 2>"$WORK/err" || { cat "$WORK/err"; fail "heaptop --load (profile) failed"; }
for f in grow_site small_site; do
	to=$(sed -n "s/^truth $f objects=\([0-9]*\) .*/\1/p" "$WORK/truth")
	tb=$(sed -n "s/^truth $f .* bytes=\([0-9]*\)/\1/p" "$WORK/truth")
	ho=$(site_value "$WORK/p.json" "$f" inuse_objects)
	hb=$(site_value "$WORK/p.json" "$f" inuse_bytes)
	note "exact $f: heaptop $ho objects $hb B; truth $to objects $tb B"
	awk -v a="$ho" -v b="$to" 'BEGIN { exit !(a == b) }' || fail "$f objects $ho != $to"
	awk -v a="$hb" -v b="$tb" 'BEGIN { exit !(a == b) }' || fail "$f bytes $hb != $tb"
done
exit 0
