#!/bin/sh
# Screen: `b` pressed while a large cold profile is still being
# symbolized sets the baseline at once: the header shows the baseline
# while it still counts the stacks to symbolize, the baseline's own
# unresolved stacks among them (more than the profile's 100,000); the
# symbolization then ends with no pending row, and every site's change
# since the baseline (the same snapshot) is zero.
# timeout: 180
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"
. "$HT_SRCDIR/tests/tui/coldprof.sh"
cold_setup

tui_launch 150 45 --load "$prof"
check "rows shown while symbolizing" tui_wait_fn 60 cold_rows_shown

tui_keys b
# the first screen that shows the baseline
base_shown() { grep -Eq 'baseline [0-9]+s ago' "$TUI_SCREEN"; }
check "the baseline in the header" tui_wait_fn 20 base_shown
total=$(sed -n 's/.*symbolizing [0-9,]*\/\([0-9,]*\).*/\1/p' "$TUI_SCREEN" | tr -d ,)
if [ -z "$total" ]; then
	# a machine fast enough to finish first: nothing left to check here
	note "symbolization ended before the baseline was shown"
else
	note "with the baseline: symbolizing .../$total"
	check "the baseline set while symbolizing: its stacks counted ($total > 100000)" \
		test "$total" -gt 100000
fi

finished() {
	! grep -Eq 'symbolizing' "$TUI_SCREEN" && [ -n "$(tui_rows)" ]
}
check "symbolization ends" tui_wait_fn 120 finished
check "delta columns" tui_wait 10 "$(printf '\316\224')IN-USE"
tui_rows >"$WORK/rows"
check "no pending row" test "$(grep -c '\[symbolizing\]' "$WORK/rows")" = 0
check "at least 20 rows" test "$(wc -l <"$WORK/rows")" -ge 20
# column 2 is the change in bytes in use since the baseline
nonzero=$(awk '{ v = $2; gsub(/[+-]/, "", v); if (v + 0 != 0) print }' "$WORK/rows")
[ -z "$nonzero" ] || { tui_show; fail "changes since the baseline: $nonzero"; }
note "ok: every site's change is zero"

tui_keys q
check "q quits" wait_for 10 test -f "$WORK/rc"
check "exit status 0" test "$(cat "$WORK/rc")" = 0
exit 0
