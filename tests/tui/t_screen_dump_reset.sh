#!/bin/sh
# Screen: `d` writes a heap_v2 dump whose path the status line shows, and
# jeprof --text reads it and ranks the leaking function first; `r` asks to
# confirm, `n` keeps the counters, `y` zeroes them (allocated since reset
# drops from megabytes to almost nothing) and counting goes on.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

[ -n "${JEPROF:-}" ] && [ -x "$JEPROF" ] || JEPROF=$(command -v jeprof || true)
[ -n "$JEPROF" ] || skip "jeprof not found (libjemalloc-dev)"

tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 50000
pid=$(tui_target_pid) || fail "target did not start"
first_row_is_leak() { tui_rows | head -n 1 | grep -q 'leak_site'; }
check "leaking site on top" tui_wait_fn 30 first_row_is_leak

tui_keys d
check "status line shows the dump path" tui_wait 15 'dumped to /[^ ]+\.heap'
tui_screen
dump=$(sed -n 's/.*dumped to \(\/[^ ]*\.heap\).*/\1/p' "$TUI_SCREEN" | head -n 1)
note "dump: $dump"
check "dump file exists" test -s "$dump"
check "dump is heap_v2" sh -c "head -n 1 '$dump' | grep -q '^heap_v2/'"
"$JEPROF" --text "$T/leaky" "$dump" >"$WORK/jeprof.txt" 2>"$WORK/jeprof.err" \
	|| { cat "$WORK/jeprof.err"; fail "jeprof --text failed"; }
cat "$WORK/jeprof.txt" | head -n 12
first=$(awk '$1 ~ /^[0-9.]+$/ && $2 ~ /%$/ { print $6; exit }' "$WORK/jeprof.txt")
[ "$first" = leak_site ] || fail "jeprof ranks '$first' first, expected leak_site"
note "ok: jeprof ranks leak_site first"

# totals before the reset
alloc_total() {
	sed -n 's/.*allocated \([0-9.]*[KMG]*\) (.*/\1/p' "$TUI_SCREEN" | head -n 1
}
big_enough() { v=$(alloc_total); [ -n "$v" ] && [ "$(bytes "$v")" -gt 8388608 ]; }
check "several MB allocated" tui_wait_fn 30 big_enough
tui_keys r
check "reset asks to confirm" tui_wait 5 'Reset all counters.*y/n'
tui_keys n
check "n cancels" tui_wait 5 'reset cancelled'
# Pause, so the screen keeps the snapshot taken right after the reset
# (a reset takes one at once, paused or not).
tui_keys Space
check "paused" tui_wait 5 'PAUSED'
tui_screen
before=$(bytes "$(alloc_total)")
tui_keys r
check "reset asks again" tui_wait 5 'Reset all counters.*y/n'
tui_keys y
check "reset done" tui_wait 10 'counters reset'
tui_screen
after=$(bytes "$(alloc_total)")
note "allocated since reset: before=$before after=$after"
# Right after the reset only the moments since it count (the program
# allocates about 3.7 MB a second).
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a * 20 < b) }' \
	|| { tui_show; fail "reset did not zero the totals"; }
note "ok: totals zeroed"
tui_keys Space
grows() { v=$(alloc_total); [ -n "$v" ] && [ "$(bytes "$v")" -gt "$((after + 1048576))" ]; }
check "counting resumes after the reset" tui_wait_fn 20 grows

check "quit" tui_quit_kill
exit 0
