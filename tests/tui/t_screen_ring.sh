#!/bin/sh
# Screen: the event ring overflows (ring_flood at rate 1: 2 million
# malloc/free pairs, into a ring of 1024 events: HEAPTOP_RING).  The header counts the drops and says the ages are
# approximate while the counters stay exact; after the churn, the live
# objects are reloaded and the note goes away; flood_keep's 1000 blocks of
# 1000 bytes show exactly; the header shows glibc's own view (malloc in
# use, free).
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

TUI_ENV="HEAPTOP_RING=1024" tui_launch 120 40 -r 1 -d 1 -- "$T/ring_flood" 30
check "the header shows glibc's own view" tui_wait 20 'malloc +[0-9.]+[KM]? used [0-9.]+[KM]? free'
check "the overflow is said" tui_wait 30 'ring overflow \([0-9]+ events lost\): ages approximate, counters exact'
check "drops counted" tui_wait 5 'drops +[1-9][0-9]*'
exact() { tui_rows | grep 'flood_keep' | grep -q ' 977K .* 1.0k '; }
check "flood_keep: 1.0k blocks, 977K" tui_wait_fn 10 exact
repaired() { tui_screen; ! grep -q 'ring overflow' "$TUI_SCREEN"; }
check "repaired after the reload" tui_wait_fn 20 repaired
check "quit" tui_quit_kill
exit 0
