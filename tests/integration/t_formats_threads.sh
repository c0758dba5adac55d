#!/bin/sh
# The per-thread breakdown of a jemalloc dump.  fmt_jethreads runs under
# jemalloc's own profiler (libjemalloc preloaded, prof:true, prof_final);
# its four workers, named jt-worker-1..4 through thread.prof.name, leak
# 1x, 2x, 3x, 4x the same amount at one site (thread_site) and free a
# third of what they allocate.  `heaptop --load DUMP --json` must show
# each worker under that site with in-use and allocated bytes and objects
# matching the truth the program printed (tolerance below), the workers'
# sum must equal the site total, and the numbers must agree with
# `jeprof --thread=N` on the same dump.  The text output (--batch) shows
# the same threads under the site and in the per-thread table, and
# --threads / --no-threads change what is shown.
#
# Tolerance.  Objects of size z = 512 sampled at a mean interval
# R = 512 (lg_prof_sample:9) are each sampled with probability
# p = 1 - e^(-z/R) = 0.632; an estimate from N objects has a relative
# standard error sqrt((1 - p) / (N p)): 1.7% for worker 1's 2000 objects in
# use, 0.85% for worker 4's 8000.  jemalloc's sampler spreads a little
# wider than that Poisson model: over 40 runs the measured standard
# deviations were 2.0% and 0.99% (about 1.2 times the model).  A worker
# passes within 6 of the model's standard errors (5 measured ones; 10% for
# worker 1, far from worker 2's double), the site total likewise with its
# 20000 objects.  jemalloc 5.3 also keeps each sample's unbiased object
# count in fixed point with 3 fractional bits (its prof_do_unbias reads
# counts shifted by SC_LG_TINY_MIN = 3): a sample counts round(8/p)/8 =
# 13/8 objects instead of 1/p = 1.582, 2.7% more, so the object counts
# jemalloc writes are that much high whatever reads them (jeprof too);
# the expected objects are scaled by that factor.  Bytes are not affected.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JEPROF=${JEPROF:-$(command -v jeprof || true)}
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

SIZE=512
LG=9
ITER=3000
LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:$LG,prof_final:true,prof_prefix:$WORK/je" \
	"$T/fmt_jethreads" -t 4 -n $ITER -s $SIZE >"$WORK/truth" \
	|| fail "fmt_jethreads under jemalloc failed"
dump=$(ls "$WORK"/je.*.f.heap 2>/dev/null | head -n 1)
[ -n "$dump" ] || fail "jemalloc wrote no final dump (built without --enable-prof?)"
note "dump: $(head -n 1 "$dump"), $(grep -c '^@' "$dump") stacks, $(grep -c '^  t[0-9]' "$dump") per-thread lines"
cat "$WORK/truth"
grep -q '^  t[0-9][0-9]*: .* jt-worker-4$' "$dump" \
	|| fail "the dump has no named per-thread lines"

"$HEAPTOP" --load "$dump" --json --group function --filter thread_site -n 1 \
	>"$WORK/ht.json" 2>"$WORK/ht.err" || { cat "$WORK/ht.err"; fail "heaptop --load --json failed"; }

# One line per thread object of the JSON: "SCOPE THREAD NAME inuse_bytes
# inuse_objects alloc_bytes alloc_objects", SCOPE "site" (under the one
# site shown) or "all" (the top-level per-thread totals, last in the line).
awk '
	function val(r, k,   s) {
		if (!match(r, "\"" k "\":-?[0-9.e+]+")) return "?"
		s = substr(r, RSTART, RLENGTH); sub(/.*:/, "", s); return s
	}
	{
		n = split($0, part, /"threads":\[/)
		for (i = 2; i <= n; i++) {
			m = split(part[i], rec, /[{]"thread":/)
			for (j = 2; j <= m; j++) {
				r = rec[j]; num = r; sub(/,.*/, "", num)
				name = "-"
				if (match(r, /"name":"[^"]*"/))
					name = substr(r, RSTART + 8, RLENGTH - 9)
				print (i == n ? "all" : "site"), num, name,
				    val(r, "inuse_bytes"), val(r, "inuse_objects"),
				    val(r, "alloc_bytes"), val(r, "alloc_objects")
			}
		}
	}' "$WORK/ht.json" >"$WORK/threads"
cat "$WORK/threads"
[ "$(grep -c '^site ' "$WORK/threads")" -eq 4 ] \
	|| fail "thread_site should show exactly the 4 workers"

# site_value KEY: the site's own value (its counts come before frames and
# threads in the object)
site_value() {
	sed 's/.*"sites":\[//' "$WORK/ht.json" | grep -o "\"$1\":-*[0-9.e+]*" \
		| head -n 1 | sed 's/.*://'
}
s_ib=$(site_value inuse_bytes)
s_io=$(site_value inuse_objects)
s_ab=$(site_value alloc_bytes)
s_ao=$(site_value alloc_objects)
note "thread_site: inuse $s_ib B / $s_io objects, alloc $s_ab B / $s_ao objects"

# jemalloc's fixed-point object count (see the top), and the tolerance
q=$(awk -v z=$SIZE -v lg=$LG 'BEGIN { R = 2 ^ lg; p = 1 - exp(-z / R)
	c = int(8 / p + 0.5) / 8; printf "%.6f", c * p }')
note "jemalloc object-count factor $q"

# jeprof's reading of every thread's lines (--thread='*': one profile per
# thread, each headed "Total (tN): ..."); je_site FILE N: thread_site's
# value for thread N; je_total FILE N: thread N's total
for v in inuse_space:--show_bytes alloc_space:--show_bytes inuse_objects:; do
	"$JEPROF" --text --"${v%%:*}" ${v#*:} --thread='*' "$T/fmt_jethreads" "$dump" \
		>"$WORK/je_${v%%:*}.txt" 2>/dev/null || fail "jeprof --thread='*' --${v%%:*} failed"
done
je_site() {
	awk -v t="$2" '/^Total \(t/ { on = ($2 == "(t" t "):") ; next }
		on && $6 == "thread_site" { print $1; exit }' "$1"
}
je_total() {
	sed -n "s/^Total (t$2): \([0-9]*\) .*/\1/p" "$1"
}

# each worker: in the site and in the top-level table, against the truth
prev_ib=0
for k in 4 3 2 1; do
	name=jt-worker-$k
	set -- $(sed -n "s/^truth thread $name //p" "$WORK/truth" | tr '=' ' ')
	t_io=$2 t_ib=$4 t_ao=$6 t_ab=$8
	[ -n "$t_ab" ] || fail "no truth for $name"
	line=$(awk -v n="$name" '$1 == "site" && $3 == n' "$WORK/threads")
	[ -n "$line" ] || fail "$name missing under thread_site"
	set -- $line
	num=$2 ib=$4 io=$5 ab=$6 ao=$7
	# the dump's own header names the same thread number
	grep -q "^  t$num: .* $name\$" "$dump" || fail "$name is not t$num in the dump"
	tol_in=$(awk -v z=$SIZE -v lg=$LG -v n="$t_io" 'BEGIN { R = 2 ^ lg
		p = 1 - exp(-z / R); printf "%.4f", 6 * sqrt((1 - p) / (n * p)) }')
	tol_al=$(awk -v z=$SIZE -v lg=$LG -v n="$t_ao" 'BEGIN { R = 2 ^ lg
		p = 1 - exp(-z / R); printf "%.4f", 6 * sqrt((1 - p) / (n * p)) }')
	e_io=$(awk -v t="$t_io" -v q="$q" 'BEGIN { printf "%.1f", t * q }')
	e_ao=$(awk -v t="$t_ao" -v q="$q" 'BEGIN { printf "%.1f", t * q }')
	note "$name (t$num): inuse $ib B (truth $t_ib), $io objects (expected $e_io)," \
		"alloc $ab B (truth $t_ab), $ao objects (expected $e_ao); tolerance" \
		"$tol_in / $tol_al"
	within "$ib" "$t_ib" "$tol_in" || fail "$name in-use bytes $ib, truth $t_ib"
	within "$ab" "$t_ab" "$tol_al" || fail "$name allocated bytes $ab, truth $t_ab"
	within "$io" "$e_io" "$tol_in" || fail "$name in-use objects $io, expected $e_io"
	within "$ao" "$e_ao" "$tol_al" || fail "$name allocated objects $ao, expected $e_ao"
	# sorted by in-use bytes, largest first: worker 4 leads
	[ "$prev_ib" = 0 ] || awk -v a="$ib" -v b="$prev_ib" 'BEGIN { exit !(a < b) }' \
		|| fail "$name out of order"
	prev_ib=$ib
	# jeprof reads the same dump's per-thread lines
	jb=$(je_site "$WORK/je_inuse_space.txt" "$num")
	jab=$(je_site "$WORK/je_alloc_space.txt" "$num")
	jo=$(je_site "$WORK/je_inuse_objects.txt" "$num")
	note "  jeprof, thread $num: inuse $jb B, $jo objects, alloc $jab B"
	[ -n "$jb" ] && [ -n "$jab" ] && [ -n "$jo" ] || fail "jeprof shows no thread_site for t$num"
	within "$ib" "$jb" 0.01 || fail "$name in-use bytes: heaptop $ib, jeprof $jb"
	within "$ab" "$jab" 0.01 || fail "$name allocated bytes: heaptop $ab, jeprof $jab"
	within "$io" "$jo" 0.01 || fail "$name in-use objects: heaptop $io, jeprof $jo"
	# the top-level table has the worker's whole profile, as jeprof's
	# per-thread total
	all=$(awk -v n="$name" '$1 == "all" && $3 == n { print $4 }' "$WORK/threads")
	jall=$(je_total "$WORK/je_inuse_space.txt" "$num")
	note "  thread total: heaptop $all B, jeprof $jall B"
	[ -n "$all" ] || fail "$name missing from the per-thread totals"
	within "$all" "$jall" 0.01 || fail "$name total: heaptop $all, jeprof $jall"
done

# the workers add up to the site (jemalloc writes integer counts per line,
# so each line's unsampling factor differs in the 5th digit: 0.1%)
for col in 4:inuse_bytes 5:inuse_objects 6:alloc_bytes 7:alloc_objects; do
	c=${col%%:*} key=${col#*:}
	sum=$(awk -v c="$c" '$1 == "site" { s += $c } END { printf "%.3f", s }' "$WORK/threads")
	site=$(site_value "$key")
	note "sum of the workers' $key $sum, site $site"
	within "$sum" "$site" 0.001 || fail "workers' $key do not add up to the site"
done
# and the site matches the truth (bytes) and jeprof
set -- $(sed -n 's/^truth site thread_site //p' "$WORK/truth" | tr '=' ' ')
tol_in=$(awk -v z=$SIZE -v lg=$LG -v n="$2" 'BEGIN { R = 2 ^ lg
	p = 1 - exp(-z / R); printf "%.4f", 6 * sqrt((1 - p) / (n * p)) }')
tol_al=$(awk -v z=$SIZE -v lg=$LG -v n="$6" 'BEGIN { R = 2 ^ lg
	p = 1 - exp(-z / R); printf "%.4f", 6 * sqrt((1 - p) / (n * p)) }')
note "thread_site: truth inuse $4 B, alloc $8 B; tolerance $tol_in / $tol_al"
within "$s_ib" "$4" "$tol_in" || fail "thread_site in-use bytes $s_ib, truth $4"
within "$s_ab" "$8" "$tol_al" || fail "thread_site allocated bytes $s_ab, truth $8"
"$JEPROF" --text --show_bytes "$T/fmt_jethreads" "$dump" >"$WORK/jeprof.txt" 2>/dev/null \
	|| fail "jeprof --text failed"
jb=$(awk '$6 == "thread_site" { print $1 }' "$WORK/jeprof.txt")
jt=$(sed -n 's/^Total: \([0-9]*\) B$/\1/p' "$WORK/jeprof.txt")
ht=$(sed 's/.*"totals":{"inuse_bytes":\([-0-9.e+]*\).*/\1/' "$WORK/ht.json")
note "jeprof: thread_site $jb B, total $jt B; heaptop: site $s_ib B, total $ht B"
within "$s_ib" "$jb" 0.01 || fail "thread_site: heaptop $s_ib, jeprof $jb"
within "$ht" "$jt" 0.01 || fail "total: heaptop $ht, jeprof $jt"
# the per-thread totals add up to the profile's total
tsum=$(awk '$1 == "all" { s += $4 } END { printf "%.3f", s }' "$WORK/threads")
within "$tsum" "$ht" 0.001 || fail "per-thread totals $tsum, profile total $ht"

# text: the site's top three threads (default --threads 3), then a line for
# the rest, and the per-thread table with every worker
"$HEAPTOP" --load "$dump" --batch --group function --top 0 -n 1 >"$WORK/ht.txt" 2>&1 \
	|| fail "heaptop --batch failed"
cat "$WORK/ht.txt"
awk '/ thread_site \(fmt_jethreads\.c\)/ { on = 1; next }
     on && / thread [0-9]+ \(jt-worker-[0-9]\)$/ { sub(/.*\(/, ""); sub(/\)$/, ""); print; next }
     on { print; exit }' "$WORK/ht.txt" >"$WORK/site_rows"
[ "$(sed -n 1,3p "$WORK/site_rows" | tr '\n' ' ')" = "jt-worker-4 jt-worker-3 jt-worker-2 " ] \
	|| fail "text: thread_site's threads are not jt-worker-4, 3, 2"
sed -n 4p "$WORK/site_rows" | grep -q '\.\.\. 1 more threads$' \
	|| fail "text: no '... 1 more threads' line under thread_site"
grep -q '  THREAD$' "$WORK/ht.txt" || fail "text: no per-thread table"
for k in 1 2 3 4; do
	num=$(awk -v n="jt-worker-$k" '$1 == "all" && $3 == n { print $2 }' "$WORK/threads")
	# INUSE in the table, in K/M, against the JSON value within display
	# rounding (one decimal)
	row=$(grep "^ .*[0-9]  thread $num (jt-worker-$k)\$" "$WORK/ht.txt" | tail -n 1)
	[ -n "$row" ] || fail "text: jt-worker-$k missing from the per-thread table"
	all=$(awk -v n="jt-worker-$k" '$1 == "all" && $3 == n { print $4 }' "$WORK/threads")
	echo "$row" | awk -v j="$all" '{ v = $1; m = 1
		if (v ~ /K$/) m = 1024; else if (v ~ /M$/) m = 1048576
		sub(/[KM]$/, "", v); d = v * m - j; if (d < 0) d = -d
		exit !(d <= 0.05 * m + 0.5) }' || fail "text: jt-worker-$k row '$row' differs from JSON $all"
done
"$HEAPTOP" --load "$dump" --batch --group function --top 0 --threads 0 -n 1 \
	>"$WORK/ht_all.txt" 2>&1 || fail "heaptop --threads 0 failed"
[ "$(awk '/ thread_site \(/ { on = 1; next } on && / thread [0-9]+ \(/ { n++; next } on { exit }
     END { print n + 0 }' "$WORK/ht_all.txt")" -eq 4 ] || fail "--threads 0 does not show all 4 workers"
"$HEAPTOP" --load "$dump" --batch --group function --top 0 --no-threads -n 1 \
	>"$WORK/ht_none.txt" 2>&1 || fail "heaptop --no-threads failed"
! grep -q 'thread [0-9]\|THREAD' "$WORK/ht_none.txt" || fail "--no-threads still shows threads"
"$HEAPTOP" --load "$dump" --json --no-threads -n 1 >"$WORK/none.json" 2>&1 \
	|| fail "heaptop --json --no-threads failed"
! grep -q '"threads"' "$WORK/none.json" || fail "--no-threads still writes threads in JSON"
"$HEAPTOP" --load "$dump" --batch --threads x >/dev/null 2>&1
[ $? -eq 2 ] || fail "--threads x is not a usage error"

# documented: --help and the man page (options and the JSON schema)
MAN="$HT_SRCDIR/share/man/heaptop.1"
"$HEAPTOP" --help >"$WORK/help.txt" || fail "--help failed"
for opt in --threads --no-threads; do
	grep -q -- "$opt" "$WORK/help.txt" || fail "--help does not document $opt"
	m=$(echo "$opt" | sed 's/-/\\\\-/g')
	grep -q -- "$m" "$MAN" || fail "the man page does not document $opt"
done
grep -q '"threads": \[' "$MAN" || fail "the man page's JSON schema has no threads"
exit 0
