#!/bin/sh
# Screen: Enter on the leaking site shows its callers, a chain that reaches
# main; `t` shows the whole program top-down with main and the site below
# it, and ←/→ (and -/+) collapse and expand nodes.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 50000
pid=$(tui_target_pid) || fail "target did not start"
first_row_is_leak() { tui_rows | head -n 1 | grep -q 'leak_site'; }
check "leaking site on top" tui_wait_fn 30 first_row_is_leak

tui_keys Home Enter
check "callers view of leak_site" tui_wait 10 'Callers of leak_site +leaky\.c:[0-9]+'
# The chain: the site first, then main one level deeper, as tree rows.
chain_reaches_main() {
	awk '/CALLERS/ { t = 1; next }
	     t && /leak_site/ && !site { site = index($0, "leak_site") }
	     t && site && /[^_]main +leaky\.c/ { if (index($0, "main") > site) ok = 1 }
	     END { exit !ok }' "$TUI_SCREEN"
}
check "caller chain reaches main (indented under the site)" tui_wait_fn 10 chain_reaches_main

tui_keys Escape
check "back to the table" tui_wait 5 'Top sites'

tui_keys t
check "top-down tree" tui_wait 10 'Top-down call tree'
check "top-down shows main" tui_wait 10 '[^_]main +leaky\.c:[0-9]+'
# main's line: collapse it with Left, then expand again with Right.
main_row() {
	awk '/CALL TREE/ { t = 1; next } t { n++ } t && /[^_]main +leaky\.c/ { print n; exit }' "$TUI_SCREEN"
}
tui_screen
n=$(main_row)
[ -n "$n" ] || { tui_show; fail "no main row"; }
tui_keys Home
i=1
while [ "$i" -lt "$n" ]; do tui_keys Down; i=$((i + 1)); done
check "leak_site below main (expanded)" tui_wait 10 'leak_site +leaky\.c'
tui_keys Left
# collapsed: main's row is still there, leak_site's below it is gone
collapsed() { grep -Eq '[^_]main +leaky\.c' "$TUI_SCREEN" && ! grep -Eq 'leak_site +leaky\.c' "$TUI_SCREEN"; }
check "Left collapses main" tui_wait_fn 10 collapsed
tui_keys Right
check "Right expands main" tui_wait 10 'leak_site +leaky\.c'
tui_keys -
check "- collapses" tui_wait_fn 10 collapsed
tui_keys +
check "+ expands" tui_wait 10 'leak_site +leaky\.c'

tui_keys Escape
check "back to the table" tui_wait 5 'Top sites'
check "quit" tui_quit_kill
exit 0
