#!/bin/sh
# The screen on a C program with Debian's static libjemalloc.a linked in,
# launched with no environment: jemalloc's profiler is the source; the
# leaking function is the top row with the line of its malloc; `b` shows
# its growth since the baseline; `r` then `y` restarts jemalloc's counters
# (prof.reset: the allocated total falls to a fraction) and counting goes
# on, as on a glibc program.
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

[ -x "$T/al_jeleak_static" ] || fail "al_jeleak_static not built"
line=$(grep -n 'struct block \*b = malloc(size);' "$HT_SRCDIR/tests/targets/al_jeleak.c" | cut -d: -f1)
[ -n "$line" ] || fail "leak_here's malloc not found in al_jeleak.c"

# about 30 s of leaking 16 KiB a millisecond or so
tui_launch 120 40 -d 0.5 -r 64K -- "$T/al_jeleak_static" 30000 16384 1 0 0
check "source in the header" tui_wait 20 'source jemalloc profiler'
leak_on_top() { tui_rows | head -n 1 | grep -q "leak_here .*al_jeleak\.c:$line"; }
check "leak_here on top with the line of its malloc ($line)" tui_wait_fn 30 leak_on_top

tui_keys b
check "delta columns" tui_wait 10 "$(printf '\316\224')IN-USE"
grew() {
	v=$(tui_field leak_here 2)
	case "$v" in +*) [ "$(bytes "$v")" -gt 1048576 ] ;; *) false ;; esac
}
check "leak_here grows since the baseline" tui_wait_fn 30 grew
tui_keys B
check "B clears the baseline" tui_wait 10 '^ +# +IN-USE +SHARE'

tui_check_reset 33554432

check "quit" tui_quit_kill
exit 0
