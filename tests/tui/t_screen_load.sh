#!/bin/sh
# Screen: a saved profile (--load) opens in the same screen: the header
# says it is a saved profile, the leaking site heads the table, Enter shows
# its callers out to main (symbolized from the dump's MAPPED_LIBRARIES),
# `r` explains that a saved profile cannot be reset, and q quits at once.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

dump="$WORK/leaky.heap"
HEAPTOP_RATE=4096 HEAPTOP_DUMP_AT_EXIT="$dump" HEAPTOP_SHM="$(seg_name load)" \
	LD_PRELOAD="$HT_RUNTIME" "$T/leaky" -n 300 -l 50000 >"$WORK/leaky.out" \
	|| fail "leaky failed"
rm -f "/dev/shm/$(seg_name load)"
[ -s "$dump" ] || fail "no dump written"

tui_launch 120 40 --load "$dump"
check "saved profile in the header" tui_wait 20 'saved profile'
first_row_is_leak() { tui_rows | head -n 1 | grep -Eq 'leak_site +leaky\.c'; }
check "leak_site heads the table" tui_wait_fn 10 first_row_is_leak
tui_keys Enter
check "callers of leak_site" tui_wait 10 'Callers of leak_site'
check "the chain reaches main" tui_wait 10 '[^_]main +leaky\.c:[0-9]+'
tui_keys Escape
check "back" tui_wait 5 'Top sites'
tui_keys r
check "no reset on a saved profile" tui_wait 5 'not possible on a saved profile'
tui_keys q
check "q quits at once" wait_for 10 test -f "$WORK/rc"
check "exit status 0" test "$(cat "$WORK/rc")" = 0
check "terminal restored" tui_terminal_restored
exit 0
