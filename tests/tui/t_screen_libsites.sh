#!/bin/sh
# Screen: sites are the program's methods "via" the std container they
# called (fe_libcc); `F` shows the library frames as sites (std::
# functions in the table, "library sites" in the title), `L` again folds
# them back.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

line=$(grep -n 'CC_VECTOR' "$HT_SRCDIR/tests/targets/fe_libcc.cc" | cut -d: -f1)
tui_launch 200 40 -r 1 -d 0.5 -- "$T/fe_libcc" 300 hold
pid=$(tui_target_pid) || fail "target did not start"
check "record at its line, via push_back" tui_wait 20 \
	"shop::Ledger::record\(…\) +fe_libcc\.cc:$line +via std::vector<…>::push_back\(…\)"
tui_screen
# a std:: site: a row naming std:: before any "via"
std_site() { tui_rows | sed 's/ via .*//' | grep -Eq ' (void )?std::'; }
std_site && { tui_show; fail "a std:: site while folded"; }

tui_keys F
check "F: title says library sites" tui_wait 10 'library sites'
check "F: std:: sites" tui_wait_fn 10 std_site
tui_screen
grep -q "shop::Ledger::record(…) .*via" "$TUI_SCREEN" && { tui_show; fail "still folded"; }

tui_keys F
check "F again: folded" tui_wait 10 "shop::Ledger::record\(…\) +fe_libcc\.cc:$line +via std::vector<…>"
check "quit" tui_quit_kill
exit 0
