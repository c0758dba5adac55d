#!/bin/sh
# Screen: the callers tree and the top-down tree show the site at the line
# of the allocating statement (fe_lines.c's LINES_ALLOC), as the table
# does; the next line's inlined lines_after is no frame of them.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

want=$(grep -n 'LINES_ALLOC' "$HT_SRCDIR/tests/targets/fe_lines.c" | cut -d: -f1)
[ -n "$want" ] || fail "marker not found"
tui_launch 120 40 -r 1 -d 0.5 -- "$T/fe_lines" 100 hold
pid=$(tui_target_pid) || fail "target did not start"
first_row_is_site() { tui_rows | head -n 1 | grep -Eq "lines_site +fe_lines\.c:$want"; }
check "table: lines_site at fe_lines.c:$want" tui_wait_fn 30 first_row_is_site

tui_keys Home Enter
check "callers tree of lines_site:$want" tui_wait 10 "Callers of lines_site +fe_lines\.c:$want"
check "callers tree reaches main" tui_wait 10 '[^_]main +fe_lines\.c:[0-9]+'
tui_keys Escape
check "back to the table" tui_wait 5 'Top sites'

tui_keys t
check "top-down tree" tui_wait 10 'Top-down call tree'
check "top-down: lines_site at fe_lines.c:$want" tui_wait 10 "lines_site +fe_lines\.c:$want"
tui_screen
grep -q 'lines_after' "$TUI_SCREEN" && { tui_show; fail "lines_after in the tree"; }
tui_keys Escape
check "quit" tui_quit_kill
exit 0
