#!/bin/sh
# Screen: a large cold profile (100,000 stacks of six addresses spread
# over heaptop's own code, nearly all distinct) shows its first rows
# while it is still being symbolized, the header counting the stacks
# done; a key is answered meanwhile; the rows fill in slice by slice and,
# once every stack is symbolized, are the ones --batch prints for the
# same file (which symbolizes everything before printing).
# timeout: 180
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"
. "$HT_SRCDIR/tests/tui/coldprof.sh"
cold_setup
"$HEAPTOP" --load "$prof" --batch >"$WORK/batch.txt" 2>"$WORK/batch.err" \
	|| fail "--batch failed: $(cat "$WORK/batch.err")"
# the batch's rows (in-use, site function) and its number of sites
awk '$1 ~ /^[0-9.]+[KMG]?$/ && NF >= 6 { print $1, $6 }' \
	"$WORK/batch.txt" >"$WORK/batch.rows"
nsites=$(awk '/^\.\.\. [0-9]+ more sites/ { n = $2 } END { print n + 0 }' \
	"$WORK/batch.txt")
nsites=$((nsites + $(wc -l <"$WORK/batch.rows")))
[ "$(wc -l <"$WORK/batch.rows")" -ge 20 ] || fail "batch printed too few rows"

tui_launch 150 45 --load "$prof"
progress='symbolizing [0-9,]+/100,000'
check "rows shown while symbolizing" tui_wait_fn 60 cold_rows_shown
check "the pending stacks' row" tui_wait 5 '\[symbolizing\]'
done1=$(sed -n 's/.*symbolizing \([0-9,]*\)\/.*/\1/p' "$TUI_SCREEN" | tr -d ,)
note "first rows at $done1 of 100,000 stacks"

# a key while symbolizing: the help, at once (the worker keeps going)
t0=$(date +%s%N)
tui_keys '?'
check "help while symbolizing" tui_wait 10 'heaptop help: keys'
t1=$(date +%s%N)
note "? answered within $(( (t1 - t0) / 1000000 )) ms (tmux polling included)"
tui_keys Escape
check "back to the table" tui_wait 5 'Top sites'
tui_screen
grep -Eq "$progress" "$TUI_SCREEN" ||
	note "symbolization ended before the key's answer was checked"
[ "$(( (t1 - t0) / 1000000 ))" -lt 2000 ] || fail "? took over 2 s"

# progress moves on, then ends: no pending row, the batch's rows
more_done() {
	d=$(sed -n 's/.*symbolizing \([0-9,]*\)\/.*/\1/p' "$TUI_SCREEN" | tr -d ,)
	[ -z "$d" ] || [ "$d" -gt "$done1" ]
}
check "progress advances" tui_wait_fn 60 more_done
finished() {
	! grep -Eq 'symbolizing' "$TUI_SCREEN" && [ -n "$(tui_rows)" ]
}
check "symbolization ends" tui_wait_fn 120 finished
check "every site listed, as --batch" tui_wait 10 "· $nsites sites"
# the first 20 rows: the batch's sites in the batch's order, the same
# in-use bytes (within the screen's rounding)
tui_rows | head -n 20 >"$WORK/screen.rows"
same_rows() {
	awk 'NR == FNR { b[NR] = $1; f[NR] = $2; n = NR; next }
	     function unit(v) {
		u = substr(v, length(v))
		return u == "K" ? 1024 : u == "M" ? 1048576 : \
		       u == "G" ? 1073741824 : 1 }
	     function bytes(v,  m) {
		m = unit(v); if (m > 1) v = substr(v, 1, length(v) - 1)
		return v * m }
	     # half the last digit shown, on the screen and in the batch
	     function slack(v) { return (index(v, ".") ? 0.05 : 0.5) * unit(v) }
	     { k = FNR
	       if (index($0, " " f[k] " ") == 0) {
		print "row " k ": want " f[k] ": " $0; bad = 1; next }
	       x = bytes($2); y = bytes(b[k]); d = x - y; if (d < 0) d = -d
	       if (d > slack($2) + slack(b[k])) {
		print "row " k ": in use " $2 " vs " b[k]; bad = 1 } }
	     END { if (FNR != 20) { print FNR " rows"; bad = 1 } exit bad }' \
		"$WORK/batch.rows" "$WORK/screen.rows"
}
check "the rows are the batch's" same_rows
tui_keys q
check "q quits" wait_for 10 test -f "$WORK/rc"
check "exit status 0" test "$(cat "$WORK/rc")" = 0
exit 0
