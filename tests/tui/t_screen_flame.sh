#!/bin/sh
# Screen: `f` shows the whole program as an icicle graph.  On a target that
# knows its proportions (leaky -l 8000: leak_mixed keeps 24,341 bytes per
# iteration, leak_site 8,000, churn_site allocates 2,000 and frees them),
# main spans the width with the allocating functions under it, each as wide
# as its share of the bytes (in use; allocated after `a`, where churn_site
# appears); the arrows move between frames, Enter zooms into one (it spans
# the width) and Backspace zooms out; `/` marks the matching frames and
# gives the share they hold, each byte counted once; after `b` the frames
# that grew are drawn in the growth colour; at 80x24 the graph still reads.
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

W=120
tui_launch $W 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 8000
pid=$(tui_target_pid) || fail "target did not start"
# a few MB before measuring: the sampled estimates are then within a few
# percent
big() { v=$(sed -n 's/.*in use \([0-9.]*[KMG]*\) (.*/\1/p' "$TUI_SCREEN" | head -n 1)
	[ -n "$v" ] && [ "$(bytes "$v")" -gt 6000000 ]; }
check "table up, 6 MB in use" tui_wait_fn 40 big

# The truth per iteration: (24 + 3000 + 70000) / 3 kept by leak_mixed,
# 8000 by leak_site, 2000 allocated (and freed) by churn_site.
MIXED=24341.33 SITE=8000 CHURN=2000

# The plain capture with single-byte separators and ellipses.
flat() { sed 's/\xe2\x94\x82/|/g; s/\xe2\x80\xa6/~/g; s/\xc2\xb7/./g' "$TUI_SCREEN"; }

# cell NAME: "x width" of the graph cell whose name starts with NAME (the
# name starts the cell, a '|' ends it).
cell() {
	flat | LC_ALL=C awk -v n="$1" '{
		p = index($0, n); if (!p) next
		c = p > 1 ? substr($0, p - 1, 1) : "|"
		if (c != "|" && c != " ") next
		q = index(substr($0, p), "|"); if (!q) next
		print p - 1, q; exit }'
}
width() { cell "$1" | awk '{ print $2 }'; }
col() { cell "$1" | awk '{ print $1 }'; }

# bg TEXT: the background colour where TEXT first starts on the screen with
# its escapes ("203": colour 203 of 256; "1": red of 8; "-": default).
bg() {
	tmux -L "$TUI_SOCK" capture-pane -p -e |
	sed 's/\xe2\x94\x82/|/g; s/\xe2\x80\xa6/~/g; s/\xc2\xb7/./g' |
	LC_ALL=C awk -v n="$1" '
	function sgr(s,   a, m, i) {
		m = split(s, a, ";")
		if (m == 0) bg = "-"
		for (i = 1; i <= m; i++) {
			if (a[i] == "" || a[i] == "0" || a[i] == "49") bg = "-"
			else if ((a[i] == "48" || a[i] == "38") && a[i + 1] == "5") {
				if (a[i] == "48") bg = a[i + 2]
				i += 2
			} else if (a[i] >= 40 && a[i] <= 47) bg = a[i] - 40
		}
	}
	BEGIN { bg = "-"; esc = sprintf("%c[", 27) }
	{
		line = $0
		while (1) {
			e = index(line, esc)
			text = e ? substr(line, 1, e - 1) : line
			p = index(text, n)
			if (p && (p == 1 || substr(text, p - 1, 1) == "|" ||
			          substr(text, p - 1, 1) == " ")) { print bg; exit }
			if (!e) break
			line = substr(line, e + 2)
			match(line, /^[0-9;]*[A-Za-z]/)
			code = substr(line, 1, RLENGTH)
			line = substr(line, RLENGTH + 1)
			if (code ~ /m$/) sgr(substr(code, 1, length(code) - 1))
		}
	}'
}

# near MEASURED EXPECTED: within 2 columns and 4% of the width (the
# sampled estimate's error at a few MB, and rounding at both edges).
near() { awk -v m="$1" -v e="$2" -v w="$W" 'BEGIN { d = m - e; if (d < 0) d = -d
	exit !(m != "" && d <= 2 + 0.04 * w) }'; }

tui_keys f
check "flame view" tui_wait 10 'Flame graph . width: in-use'
has_cells() { [ -n "$(width main)" ] && [ -n "$(width leak_mixed)" ] && [ -n "$(width leak_site)" ]; }
check "main and the allocating functions on the graph" tui_wait_fn 10 has_cells
# the icicle: the root on top, main below it, the leaks under main
root_row=$(flat | grep -n '^all  ' | head -n 1 | cut -d: -f1)
main_row=$(flat | grep -n '^main ' | head -n 1 | cut -d: -f1)
mixed_row=$(flat | grep -n 'leak_mixed' | head -n 1 | cut -d: -f1)
site_row=$(flat | grep -n '|leak_site\|^leak_site' | head -n 1 | cut -d: -f1)
note "rows: all=$root_row main=$main_row leak_mixed=$mixed_row leak_site=$site_row"
[ -n "$root_row" ] && [ -n "$main_row" ] && [ "$root_row" -lt "$main_row" ] &&
	[ "$mixed_row" = $((main_row + 1)) ] && [ "$site_row" = "$mixed_row" ] ||
	{ tui_show; fail "not an icicle: all, then main, then the leaks under main"; }
[ "$(width main)" = $W ] || { tui_show; fail "main does not span the width"; }

# widths in proportion to the bytes each keeps
wm=$(width leak_mixed) ws=$(width leak_site)
em=$(awk -v a=$MIXED -v b=$SITE -v w=$W 'BEGIN { printf "%.1f", w * a / (a + b) }')
es=$(awk -v a=$MIXED -v b=$SITE -v w=$W 'BEGIN { printf "%.1f", w * b / (a + b) }')
note "in use: leak_mixed $wm columns (truth $em), leak_site $ws (truth $es)"
near "$wm" "$em" || { tui_show; fail "leak_mixed is $wm columns, not about $em"; }
near "$ws" "$es" || { tui_show; fail "leak_site is $ws columns, not about $es"; }
[ "$(col leak_site)" = "$wm" ] || { tui_show; fail "leak_site does not start where leak_mixed ends"; }
[ -z "$(width chur)" ] || { tui_show; fail "churn_site (nothing in use) has a cell"; }
# no growth colour without a baseline
[ "$(bg leak_mixed)" != 203 ] && [ "$(bg leak_mixed)" != 1 ] ||
	{ tui_show; fail "growth colour without a baseline"; }

# allocated: churn_site shows, 2000 of 34341 bytes per iteration
tui_keys a
check "allocated mode" tui_wait 5 'Flame graph . width: allocated'
has_churn() { [ -n "$(width chur)" ]; }
check "churn_site has a cell when allocated" tui_wait_fn 10 has_churn
ec=$(awk -v a=$MIXED -v b=$SITE -v c=$CHURN -v w=$W 'BEGIN { printf "%.1f", w * c / (a + b + c) }')
em=$(awk -v a=$MIXED -v b=$SITE -v c=$CHURN -v w=$W 'BEGIN { printf "%.1f", w * a / (a + b + c) }')
wc=$(width chur) wm=$(width leak_mixed)
note "allocated: churn_site $wc columns (truth $ec), leak_mixed $wm (truth $em)"
near "$wc" "$ec" || { tui_show; fail "churn_site is $wc columns, not about $ec"; }
near "$wm" "$em" || { tui_show; fail "leak_mixed is $wm columns, not about $em"; }
tui_keys i
check "back to in-use" tui_wait 5 'Flame graph . width: in-use'
no_churn() { [ -z "$(width chur)" ]; }
check "churn_site gone in use" tui_wait_fn 10 no_churn

# Down from the root reaches main (through the C library's start frames),
# then its largest callee; Right the next one.
detail() { flat | grep -E "^$1 +leaky\.c:[0-9]+ +[0-9.]+[KMG]? in use"; }
on_main() { detail main >/dev/null; }
i=0
tui_screen
while ! on_main && [ $i -lt 8 ]; do
	tui_keys Down; i=$((i + 1)); sleep 0.2; tui_screen
done
check "Down reaches main (the line under the graph names it)" tui_wait_fn 5 on_main
tui_keys Down
on_mixed() { detail leak_mixed >/dev/null; }
check "Down: main's largest callee, leak_mixed" tui_wait_fn 5 on_mixed
tui_keys Right
on_site() { detail leak_site >/dev/null; }
check "Right: leak_site" tui_wait_fn 5 on_site
share=$(detail leak_site | sed -n 's/.* \([0-9.]*\)% of all.*/\1/p')
note "leak_site's share on the line under the graph: $share%"
within "$share" "$(awk -v a=$MIXED -v b=$SITE 'BEGIN { print 100 * b / (a + b) }')" 0.12 ||
	{ tui_show; fail "leak_site's share $share% is not its truth"; }

# Enter zooms: leak_site spans the width on the top row
tui_keys Enter
check "zoomed (title)" tui_wait 5 'zoom: leak_site'
# the graph's first row: the line under the title
top_row() { flat | awk 't { print; exit } /^Flame graph/ { t = 1 }'; }
zoomed() { top_row | grep -q '^leak_site ' && [ "$(width leak_site)" = $W ]; }
check "leak_site spans the width on the top row" tui_wait_fn 5 zoomed
top_row
tui_keys BSpace
check "Backspace zooms out" tui_wait 5 '^all  '
tui_screen
grep -q 'zoom:' "$TUI_SCREEN" && { tui_show; fail "still zoomed after Backspace"; }
check "the selection stays on leak_site" tui_wait_fn 5 on_site

# search: leak_mixed's share, and frames under a match counted once
tui_keys /
check "search prompt" tui_wait 5 'Search frames'
tui_keys mixed Enter
check "search line" tui_wait 5 'match "mixed": [0-9.]+% of all'
m=$(flat | sed -n 's/.*match "mixed": \([0-9.]*\)% of all.*/\1/p')
note "matched share of leak_mixed: $m%"
within "$m" "$(awk -v a=$MIXED -v b=$SITE 'BEGIN { print 100 * a / (a + b) }')" 0.05 ||
	{ tui_show; fail "matched share $m% is not leak_mixed's"; }
c=$(bg leak_mixed)
note "leak_mixed's background when matched: $c"
[ "$c" = 177 ] || [ "$c" = 5 ] || { tui_show; fail "leak_mixed not highlighted ($c)"; }
[ "$(bg main)" != "$c" ] || { tui_show; fail "main highlighted too"; }
tui_keys / C-u main Enter
# __libc_start_main_impl, __libc_start_call_main and main nest: 100%, not 300%
check "nested matches counted once" tui_wait 5 'match "main": 100\.0% of all'
tui_keys / C-u Enter
check "empty search clears" tui_wait 5 'search cleared'
tui_screen
grep -q 'match "' "$TUI_SCREEN" && { tui_show; fail "search line still shown"; }

# f again returns to the table; f opens the graph from the tree too
tui_keys f
check "f returns to the table" tui_wait 5 'Top sites'
tui_keys t
check "top-down tree" tui_wait 10 'Top-down call tree'
tui_keys f
check "f from the tree" tui_wait 10 "^main +$(printf '\342\224\202')"
tui_keys Escape
check "Esc returns to the table" tui_wait 5 'Top sites'

# baseline: the leaks keep growing, drawn in the growth colour
tui_keys b
check "baseline set" tui_wait 10 'sort: growth'
tui_keys f
check "flame with the baseline legend" tui_wait 10 'red grew, green shrank'
red() { c=$(bg leak_mixed); [ "$c" = 203 ] || [ "$c" = 1 ]; }
check "leak_mixed in the growth colour" tui_wait_fn 10 red
c=$(bg leak_site)
note "leak_site's background: $c"
[ "$c" = 203 ] || [ "$c" = 1 ] || { tui_show; fail "leak_site not in the growth colour"; }
check "the line under the graph gives the growth" tui_wait 5 "$(printf '\316\224')\\+[0-9.]+[KMG]? in use"

# 80x24: main, the leaks and the line under the graph still show
tui_resize 80 24
W=80
readable() {
	[ "$(width main)" = 80 ] && [ -n "$(width leak_mixed)" ] &&
	flat | grep -q 'Flame graph' && flat | grep -Eq '[0-9.]+% of all' &&
	flat | grep -q 'Esc Back'
}
check "readable at 80x24" tui_wait_fn 10 readable
tui_show

tui_keys Escape
check "back to the table" tui_wait 5 'Top sites'
check "quit" tui_quit_kill
exit 0
