#!/bin/sh
# Screen: the program's output goes to the log, never to the screen; `o`
# shows it (the target's "ready pid=N" line); pause (space) stops updates
# while the program keeps running; `/` filters sites by function name; `g`
# changes the grouping; `s` the sort column.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 50000
pid=$(tui_target_pid) || fail "target did not start"
check "table up" tui_wait 20 '^ +1 .*leak_'
tui_screen
grep -q "ready pid" "$TUI_SCREEN" && { tui_show; fail "program output on the screen"; }

tui_keys o
check "output view" tui_wait 5 "Program output: $WORK/app.log"
check "output view shows the program's line" tui_wait 5 "^ready pid=$pid"
tui_keys Escape
check "back" tui_wait 5 'Top sites'

tui_keys Space
check "paused" tui_wait 5 'PAUSED'
sleep 1   # a refresh already under way when the key came may still land
tui_screen
a=$(grep -o 'in use [^ ]* ([^)]*)' "$TUI_SCREEN" | head -n 1)
sleep 1.5
tui_screen
b=$(grep -o 'in use [^ ]* ([^)]*)' "$TUI_SCREEN" | head -n 1)
[ "$a" = "$b" ] || fail "paused screen changed: '$a' -> '$b'"
check "program keeps running while paused" kill -0 "$pid"
tui_keys Space
check "resumed" tui_wait 5 'updates resumed'
changed() { c=$(grep -o 'in use [^ ]* ([^)]*)' "$TUI_SCREEN" | head -n 1); [ "$c" != "$b" ]; }
check "updates again" tui_wait_fn 10 changed

tui_keys /
check "filter prompt" tui_wait 5 'Filter \('
tui_keys c h u r n Enter
only_churn() {
	r=$(tui_rows); [ -n "$r" ] && ! echo "$r" | grep -qv churn_site
}
check "filter keeps only churn_site" tui_wait_fn 10 only_churn
check "filter shown in the title" tui_wait 5 'filter: churn'
tui_keys / C-u Enter
check "filter cleared" tui_wait 10 '^ +1 .*leak_site'

tui_keys g
check "g changes the grouping" tui_wait 5 'group: (stack|function|line)'
g1=$(grep -o 'group: [a-z]*' "$TUI_SCREEN")
tui_keys g
changed_group() { g2=$(grep -o 'group: [a-z]*' "$TUI_SCREEN"); [ -n "$g2" ] && [ "$g2" != "$g1" ]; }
check "g again: another grouping" tui_wait_fn 5 changed_group
tui_keys s
check "s changes the sort column" tui_wait 5 'sort: in-use objects'
tui_keys '<'
check "< goes back" tui_wait 5 'sort: in-use bytes'

check "quit" tui_quit_kill
exit 0
