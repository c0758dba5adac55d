#!/bin/sh
# Small terminals: at 60x15 help lines that do not fit end with a "…"
# marker; at 50x12 (below the minimum) the screen says it is too small
# and how to quit, and q asks the quit question there, which k answers.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

tui_launch 60 15 -r 1 -d 0.5 -- "$T/fe_libcc" 300 hold
pid=$(tui_target_pid) || fail "target did not start"
check "the table" tui_wait 20 "Top sites"
tui_keys '?'
check "help" tui_wait 10 "heaptop help"
# a cut help line ends with the marker at the last column
cut_line() { grep '…$' "$TUI_SCREEN" | sed 's/…$/./' |
	awk 'length($0) == 60 { f = 1 } END { exit !f }'; }
check "60x15: cut help lines end with …" tui_wait_fn 10 cut_line
tui_keys Escape
check "back to the table" tui_wait 10 "Top sites"

tui_resize 50 12
check "50x12: too small" tui_wait 10 "terminal too small \(50x12\)"
check "50x12: says how to quit" tui_wait 10 "q quits"
tui_keys q
check "50x12: the quit question" tui_wait 10 "Quit: k = kill the program"
check "50x12: its answers" tui_wait 10 "l = leave it running"
tui_keys k
check "k quits" wait_for 20 test -f "$WORK/rc"
[ "$(cat "$WORK/rc")" = 0 ] || fail "exit status $(cat "$WORK/rc")"
check "the program was killed" wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
exit 0
