#!/bin/sh
# Screen: the per-thread breakdown (T).  fmt_jethreads runs under
# jemalloc's own profiler (libjemalloc preloaded, prof:true, prof_final);
# its four workers, named jt-worker-1..4 with thread.prof.name, leak 1x,
# 2x, 3x, 4x the same amount at thread_site.  `heaptop --load DUMP` opens
# the screen; T on the selected site (thread_site, the top row) lists the
# four workers by name, the largest (jt-worker-4) first and in order, with
# the in-use and allocated bytes `heaptop --batch` prints for them on the
# same dump, shares of the site adding up to 100%; T again shows the whole
# profile by thread (the main thread unnamed), Esc goes back.  On a live
# session under heaptop's own runtime (no per-thread data), T says so in
# the status line and stays on the sites table.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:9,prof_final:true,prof_prefix:$WORK/je" \
	"$T/fmt_jethreads" -t 4 -n 3000 -s 512 >"$WORK/truth" \
	|| fail "fmt_jethreads under jemalloc failed"
dump=$(ls "$WORK"/je.*.f.heap 2>/dev/null | head -n 1)
[ -n "$dump" ] || fail "jemalloc wrote no final dump (built without --enable-prof?)"
grep -q '^  t[0-9][0-9]*: .* jt-worker-4$' "$dump" \
	|| fail "the dump has no named per-thread lines"

# What batch mode says about the same dump: thread_site's threads and the
# per-thread table ("INUSE OBJS ALLOC ALLOCOBJS thread N (NAME)").
"$HEAPTOP" --load "$dump" --batch -n 1 --top 0 --threads 0 >"$WORK/batch.txt" \
	2>&1 || { cat "$WORK/batch.txt"; fail "heaptop --batch failed"; }
# batch_site NAME / batch_all NAME: "INUSE ALLOC" of the thread's line
# under thread_site / in the per-thread table
batch_site() {
	awk -v n="($1)" '/ thread_site \(/ { on = 1; next }
		on && $NF == n { print $1, $3; exit }
		on && $5 != "thread" { exit }' "$WORK/batch.txt"
}
batch_all() {
	awk -v n="($1)" '$NF == "THREAD" { on = 1; next }
		on && $NF == n { print $1, $3; exit }' "$WORK/batch.txt"
}

tui_launch 120 40 --load "$dump"
check "saved profile in the header" tui_wait 20 'saved profile'
first_row_is_site() { tui_rows | head -n 1 | grep -Eq 'thread_site +fmt_jethreads\.c'; }
check "thread_site heads the table" tui_wait_fn 10 first_row_is_site

tui_keys T
check "threads view of thread_site" \
	tui_wait 10 'Threads of thread_site +fmt_jethreads\.c:[0-9]+'
# The thread rows: lines after the column header (first field THREAD)
# whose first field is a thread number.
thread_rows() {
	awk 'hdr && $1 ~ /^[0-9]+$/ { print; next }
	     $1 == "THREAD" { hdr = 1; next }
	     hdr { exit }' "$TUI_SCREEN"
}
four_workers() { [ "$(thread_rows | grep -c 'jt-worker-[1-4]$')" -eq 4 ]; }
check "the four workers are listed by name" tui_wait_fn 10 four_workers
tui_show
thread_rows >"$WORK/site_rows"
[ "$(wc -l <"$WORK/site_rows")" -eq 4 ] || fail "thread_site has other threads than the workers"
[ "$(awk '{ print $NF }' "$WORK/site_rows" | tr '\n' ' ')" = \
	"jt-worker-4 jt-worker-3 jt-worker-2 jt-worker-1 " ] \
	|| fail "workers not listed largest first (jt-worker-4, 3, 2, 1)"
note "jt-worker-4, the largest, is listed first"

# half_ulp VALUE: half the last displayed digit of a screen value, in
# bytes ("997K" -> 512, "1.5M" -> 52428.8, "997.4K" -> 51.2)
half_ulp() {
	echo "$1" | awk '{ v = $1; gsub(/[^0-9.KMG]/, "", v); m = 1
		u = substr(v, length(v))
		if (u == "K") m = 1024; else if (u == "M") m = 1048576
		else if (u == "G") m = 1073741824
		d = index(v, ".") ? 0.1 : 1; print d * m / 2 }'
}
# near A B: screen value A equals batch value B within both displays'
# rounding
near() {
	awk -v a="$(bytes "$1")" -v b="$(bytes "$2")" -v ua="$(half_ulp "$1")" \
		-v ub="$(half_ulp "$2")" 'BEGIN { d = a - b; if (d < 0) d = -d
		exit !(d <= ua + ub + 1) }'
}
# Each worker: thread number as the dump names it, in-use and allocated
# bytes as batch mode prints them; the shares add up to the site.
for k in 1 2 3 4; do
	row=$(awk -v n="jt-worker-$k" '$NF == n' "$WORK/site_rows")
	set -- $row
	num=$1 ib=$2 ab=$4
	grep -q "^  t$num: .* jt-worker-$k\$" "$dump" \
		|| fail "jt-worker-$k shown as thread $num, not the dump's number"
	set -- $(batch_site "jt-worker-$k")
	[ -n "$1" ] || { cat "$WORK/batch.txt"; fail "batch shows no jt-worker-$k under thread_site"; }
	note "jt-worker-$k (thread $num): screen in-use $ib alloc $ab; batch $1 / $2"
	near "$ib" "$1" || fail "jt-worker-$k in-use on screen $ib, batch $1"
	near "$ab" "$2" || fail "jt-worker-$k allocated on screen $ab, batch $2"
done
share=$(awk '{ s += $5 } END { printf "%.1f", s }' "$WORK/site_rows")
note "shares of thread_site add up to $share%"
awk -v s="$share" 'BEGIN { exit !(s >= 99.5 && s <= 100.5) }' \
	|| fail "the workers' shares of the site add up to $share%"
# worker 4 has twice worker 2's share (4x vs 2x the objects; sampling
# error is about 1-2% each)
awk '$NF == "jt-worker-4" { a = $5 } $NF == "jt-worker-2" { b = $5 }
     END { r = a / b; exit !(r > 1.8 && r < 2.2) }' "$WORK/site_rows" \
	|| fail "jt-worker-4's share is not about twice jt-worker-2's"

# a: the allocated mode re-sorts by allocated bytes; same order here
tui_keys a
check "allocated mode" tui_wait 10 'Threads of thread_site .*mode: allocated'

# T again: the whole profile by thread
tui_keys T
check "threads of the whole profile" tui_wait 10 'Threads of the whole profile'
first_all_is_4() { thread_rows | head -n 1 | grep -q 'jt-worker-4$'; }
check "whole profile: jt-worker-4 first" tui_wait_fn 10 first_all_is_4
thread_rows >"$WORK/all_rows"
tui_show
grep -q '(unnamed)$' "$WORK/all_rows" || fail "the unnamed main thread is missing"
for k in 1 2 3 4; do
	set -- $(awk -v n="jt-worker-$k" '$NF == n' "$WORK/all_rows")
	ib=$2 ab=$4
	set -- $(batch_all "jt-worker-$k")
	[ -n "$1" ] || fail "batch's per-thread table has no jt-worker-$k"
	near "$ib" "$1" || fail "whole profile: jt-worker-$k in-use $ib, batch $1"
	near "$ab" "$2" || fail "whole profile: jt-worker-$k allocated $ab, batch $2"
done

tui_keys Escape
check "Esc goes back to the sites table" tui_wait 5 'Top sites'
tui_keys q
check "q quits" wait_for 10 test -f "$WORK/rc"
check "exit status 0" test "$(cat "$WORK/rc")" = 0
check "terminal restored" tui_terminal_restored
tui_stop
rm -f "$WORK/rc" "$WORK/stty.before" "$WORK/stty.after"

# A live session under heaptop's runtime: no per-thread data.
tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 1000
pid=$(tui_target_pid) || { tui_screen; tui_show; cat "$WORK/app.log"; fail "target did not start"; }
has_rows() { [ -n "$(tui_rows | head -n 1)" ]; }
check "live: the table has rows" tui_wait_fn 30 has_rows
tui_keys T
check "live: T says there is no per-thread data" \
	tui_wait 5 'no per-thread data in this profile'
check "live: still on the sites table" tui_wait 5 'Top sites'
check "q then kill ends heaptop" tui_quit_kill
kill -0 "$pid" 2>/dev/null && fail "the target still runs"
exit 0
