#!/bin/sh
# Screen: silent states after the program ended.  A program that ran for
# two seconds without a single sample: the status line says nothing was
# sampled at this rate and suggests -r; "up" stops at the exit (it reads
# the same seconds later); Space says the program has ended instead of
# "the program keeps running".
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

# fe_exit allocates 256 KiB, then sleeps 2 s: at 1 GiB nothing is sampled
tui_launch 120 30 -r 1G -d 0.5 -- "$T/fe_exit" -w 2
check "exited" tui_wait 20 'exited, status 0'
check "status line: nothing sampled, try -r" \
	tui_wait 10 'nothing was sampled at this rate \(try a smaller interval: -r 8M\)'
up() { grep -o 'up [0-9hms]*' "$TUI_SCREEN" | head -n 1; }
tui_screen
u1=$(up)
[ -n "$u1" ] || { tui_show; fail "no up in the header"; }
sleep 3.5
tui_screen
u2=$(up)
note "after exit: '$u1', 3.5 s later: '$u2'"
[ "$u1" = "$u2" ] || { tui_show; fail "up kept counting after the exit"; }
case "$u1" in "up 2s"|"up 3s") ;; *) tui_show; fail "up is not the run time (2 s)" ;; esac

tui_keys Space
check "pause after exit: the program has ended" \
	tui_wait 5 'paused \(the program has ended'
tui_screen
grep -q 'keeps running' "$TUI_SCREEN" && { tui_show; fail "says the program keeps running"; }
tui_keys q
check "q quits" wait_for 10 test -f "$WORK/rc"
exit 0
