#!/bin/sh
# Screen: --follow started before the program says what it waits for,
# then picks up the dumps a jemalloc program started outside heaptop
# writes: the header names the process, the dump file, its seq and kind;
# the leaking function heads the table with its source line and a growth
# since the previous dump; later dumps replace it; `r` explains that the
# program takes no commands; q quits at once and the program keeps running.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

tui_launch 160 40 --follow "$WORK/p" -d 0.5
check "waits for the dumps" tui_wait 20 "waiting for $WORK/p\\.\\*\\.heap"

LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,lg_prof_interval:18,lg_prof_sample:10,prof_prefix:$WORK/p" \
	"$T/follow_leak" -t 150 >"$WORK/truth" 2>&1 &
tpid=$!
kill_target() { kill "$tpid" 2>/dev/null; return 0; }
at_exit kill_target

check "the header names the dump" tui_wait 20 \
	"following $WORK/p: pid $tpid, dump p\\.$tpid\\.[0-9]+\\.i[0-9]+\\.heap \\(seq [0-9]+, kind interval\\)"
first_row_is_leak() {
	tui_rows | head -n 1 | grep -Eq 'follow_leak_site +follow_leak\.c:[0-9]+'
}
check "follow_leak_site heads the table with its line" tui_wait_fn 20 first_row_is_leak
seq_now() { sed -n 's/.*(seq \([0-9]*\), kind.*/\1/p' "$TUI_SCREEN" | head -n 1; }
tui_screen
s1=$(seq_now)
note "seq $s1"
later_dump() { s=$(seq_now); [ -n "$s" ] && [ "$s" -gt "$s1" ]; }
check "a later dump replaces it" tui_wait_fn 20 later_dump
growth_shown() {
	grep -q 'baseline' "$TUI_SCREEN" &&
	tui_rows | head -n 1 | grep -Eq '\+[0-9.]+[KM]? '
}
check "growth since the previous dump" tui_wait_fn 20 growth_shown
tui_show
tui_keys r
check "no reset when following" tui_wait 5 'not possible when following dumps'
tui_keys q
check "q quits at once" wait_for 10 test -f "$WORK/rc"
check "exit status 0" test "$(cat "$WORK/rc")" = 0
check "the program keeps running" kill -0 "$tpid"
check "terminal restored" tui_terminal_restored
exit 0
