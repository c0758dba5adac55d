#!/bin/sh
# --budget on the screen: the header's third line shows the interval the
# runtime chose (off the 512K default for rt_ratechange, which allocates
# as fast as it can) and the budget with the cost estimated at it; without
# --budget the header has no budget item.  A program read through
# jemalloc's own profiler (Rust on a static _rjem_ jemalloc) keeps
# jemalloc's fixed interval: the item says the budget does not apply.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -x "$T/rt_ratechange" ] || fail "rt_ratechange not built"
tui_launch 120 30 -d 0.5 --budget 1 -- "$T/rt_ratechange" -s 20 -z 1000
check "the table" tui_wait 20 "Top sites"
check "budget and its cost" tui_wait 15 "budget 1% \(costs [0-9]\.[0-9][0-9]%\)"
rate_moved() {
	grep -Eo 'rate [0-9.]+[KMG]?' "$TUI_SCREEN" | head -n 1 | grep -vq 'rate 512K$'
}
check "the interval moved off 512K" tui_wait_fn 15 rate_moved
grep -Eo 'rate [0-9.]+[KMG]?  budget 1% \(costs [0-9.]+%\)' "$TUI_SCREEN"
tui_quit_kill
tui_stop
rm -f "$WORK/rc"

tui_launch 120 30 -d 0.5 -- "$T/rt_ratechange" -s 20 -z 1000
check "the table (no budget)" tui_wait 20 "Top sites"
check "rate 512K" tui_wait 10 "rate 512K"
grep -q "budget" "$TUI_SCREEN" && { tui_show; fail "a budget item without --budget"; }
tui_quit_kill
tui_stop
rm -f "$WORK/rc"

al_build_rjem "$WORK/al_rjem"
tui_launch 160 30 -d 0.5 -r 100K --budget 1 -- "$WORK/al_rjem" 20000 4096 1 0 0
check "the table (jemalloc's profiler)" tui_wait 20 "Top sites"
check "jemalloc's interval, the budget not applied" \
	tui_wait 10 "rate 128K  budget 1% does not apply \\(jemalloc's profiler\\)"
grep -q "costs" "$TUI_SCREEN" && { tui_show; fail "a cost shown for jemalloc's profiler"; }
tui_quit_kill
exit 0
