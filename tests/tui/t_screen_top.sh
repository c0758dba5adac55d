#!/bin/sh
# Screen: the sites table on a leaking target.  The biggest leak
# (leak_mixed, about 24 KB kept per iteration) reaches the top row; `a`
# changes the mode label and the order (churn_site, nothing in use but
# 2 KB allocated per iteration, climbs above leak_site, 1 KB kept per
# iteration); `?` shows the help
# generated from the key table; resizing to 70x20 still draws the table and
# 50x10 says the terminal is too small; `q` then kill ends heaptop and the
# program, and the terminal is left as it was.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

# leak_mixed keeps about 24 KB per iteration, leak_site 1 KB, churn_site
# allocates and frees 2 KB: about 50 iterations a second.
tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 1000
pid=$(tui_target_pid) || { tui_screen; tui_show; cat "$WORK/app.log"; fail "target did not start"; }
note "target pid $pid"

first_row_is_leak() { tui_rows | head -n 1 | grep -q 'leak_mixed'; }
check "the biggest leak reaches the top row" tui_wait_fn 30 first_row_is_leak
check "site shows file:line" tui_wait 5 'leak_mixed +leaky\.c:[0-9]+'
check "in-use mode label" tui_wait 5 'mode: in-use'
check "header shows state and pid" tui_wait 5 "pid $pid +running"
check "header shows where the output goes" tui_wait 5 "output $WORK/app.log"
check "footer shows the main keys" tui_wait 5 '\? Help .*q Quit'
# the program's output never lands on the screen
tui_screen
grep -q 'ready pid' "$TUI_SCREEN" && { tui_show; fail "program output on the screen"; }
# a trend sparkline (block characters) is drawn once there is history
check "trend sparkline" tui_wait 10 'leak_mixed'
grep -q "$(printf '\342\226')" "$TUI_SCREEN" || { tui_show; fail "no sparkline blocks"; }

# In-use order: churn_site (nothing in use) ranks below leak_site.
churn_below() {
	l=$(tui_rank leak_site); c=$(tui_rank churn_site)
	[ -n "$l" ] && [ -n "$c" ] && [ "$l" -lt "$c" ]
}
check "in use: leak_site above churn_site" tui_wait_fn 20 churn_below
note "in-use ranks: leak_site=$(tui_rank leak_site) churn_site=$(tui_rank churn_site)"

tui_keys a
check "allocated mode label" tui_wait 5 'mode: allocated'
check "allocated column heads the table" tui_wait 5 '^ +# +ALLOC +SHARE'
churn_above() {
	l=$(tui_rank leak_site); c=$(tui_rank churn_site)
	[ -n "$l" ] && [ -n "$c" ] && [ "$c" -lt "$l" ]
}
check "a changes the order: churn_site above leak_site" tui_wait_fn 20 churn_above
note "allocated ranks: leak_site=$(tui_rank leak_site) churn_site=$(tui_rank churn_site)"
# and the rows are in decreasing allocated bytes
sorted_desc() {
	tui_rows | head -n 8 | while read -r rank val rest; do bytes "$val"; done |
		awk 'NR > 1 && $1 > prev * 1.05 + 1024 { bad = 1 } { prev = $1 }
		     END { exit bad }'
}
check "allocated mode sorted by allocated bytes" sorted_desc
tui_keys Tab
check "Tab toggles back to in-use" tui_wait 5 'mode: in-use'

tui_keys '?'
check "help view" tui_wait 5 'heaptop help: keys'
check "help lists the keys from the table" tui_wait 5 'reset all counters'
tui_keys Escape
check "back to the table" tui_wait 5 'Top sites'

tui_resize 70 20
check "70x20 still draws the table" tui_wait 10 '^ +1 .*leak_mixed'
tui_screen
grep -q 'too small' "$TUI_SCREEN" && { tui_show; fail "70x20 reported too small"; }
check "70x20 keeps the footer" tui_wait 5 'q Quit'
tui_resize 50 10
check "50x10 says too small" tui_wait 10 'terminal too small'
tui_resize 120 40
check "back at 120x40" tui_wait 10 '^ +1 .*leak_mixed'

check "q asks, k kills" tui_quit_kill
check "heaptop exit status 0" test "$(cat "$WORK/rc")" = 0
gone() { ! kill -0 "$pid" 2>/dev/null; }
check "the program is gone" wait_for 10 gone
check "terminal restored" tui_terminal_restored
exit 0
