#!/bin/sh
# Screen: every way out restores the terminal.  SIGTERM and SIGINT end
# heaptop (and the program it launched) with the terminal as it was; so
# does a crash (SIGSEGV); a program that exited shows "exited, status 0"
# and q quits without asking;
# q then l(eave) detaches, prints the --attach-shm command and leaves the
# program running; NO_COLOR draws with attributes only (no colour codes on
# the screen), while a normal run uses colours; a C locale gets ASCII.
# timeout: 100
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

gone() { ! kill -0 "$pid" 2>/dev/null; }
reset_run() { tui_stop; rm -f "$WORK/rc" "$WORK/stty.after" "$WORK/app.log"; }
colour_codes() {
	# SGR sequences with a foreground/background colour: 3x, 4x, 38;5, 48;5
	tmux -L "$TUI_SOCK" capture-pane -p -e |
		grep -Eq "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]"
}

for sig in TERM INT; do
	tui_launch 100 30 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000
	pid=$(tui_target_pid) || fail "target did not start"
	check "table up ($sig)" tui_wait 20 '^ +1 .*leak_'
	hpid=$(pgrep -f "^$HEAPTOP --app-output $WORK/app.log" | head -n 1)
	[ -n "$hpid" ] || fail "heaptop pid not found"
	kill -"$sig" "$hpid"
	check "heaptop ends on SIG$sig" wait_for 15 test -f "$WORK/rc"
	check "terminal restored after SIG$sig" tui_terminal_restored
	check "program ended with heaptop (SIG$sig)" wait_for 10 gone
	reset_run
done

# A crash (SIGSEGV) while the screen is up: the handler puts the terminal
# back before heaptop dies of the signal.
tui_launch 100 30 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000
pid=$(tui_target_pid) || fail "target did not start"
check "table up (SEGV)" tui_wait 20 '^ +1 .*leak_'
hpid=$(pgrep -f "^$HEAPTOP --app-output $WORK/app.log" | head -n 1)
[ -n "$hpid" ] || fail "heaptop pid not found"
kill -SEGV "$hpid"
check "heaptop dies of SIGSEGV" wait_for 15 test -f "$WORK/rc"
note "exit status after SIGSEGV: $(cat "$WORK/rc")"
check "status says killed by SIGSEGV" test "$(cat "$WORK/rc")" = 139
check "terminal restored after SIGSEGV" tui_terminal_restored
kill "$pid" 2>/dev/null
wait_for 10 gone
# heaptop died before it could remove its program's segment
rm -f /dev/shm/heaptop."$hpid".*
reset_run

# A program that has exited: the header says so and q quits at once.
tui_launch 100 30 -r 4096 -d 0.5 -- "$T/leaky" -n 200
check "exited state in the header" tui_wait 20 'exited, status 0'
check "its sites stay visible" tui_wait 5 '^ +1 .*leak_'
tui_keys q
check "q quits without asking" wait_for 10 test -f "$WORK/rc"
check "terminal restored after quitting" tui_terminal_restored
reset_run

# Normal run uses colours (tmux's terminal has them).
tui_launch 100 30 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000
pid=$(tui_target_pid) || fail "target did not start"
check "table up" tui_wait 20 '^ +1 .*leak_'
check "colours in a normal run" colour_codes
hpid=$(pgrep -f "^$HEAPTOP --app-output $WORK/app.log" | head -n 1)
# detach: leave the program running
tui_keys q
check "quit asks" tui_wait 10 'l = leave it running'
tui_keys l
check "heaptop exits on detach" wait_for 15 test -f "$WORK/rc"
check "attach command printed" tui_wait 10 'heaptop --attach-shm [A-Za-z0-9._-]+'
check "terminal restored after detach" tui_terminal_restored
check "program still runs after detach" kill -0 "$pid"
kill "$pid"
check "program ends on its own signal" wait_for 10 gone
# a detached program's segment outlives it (for a later look); ours goes
rm -f /dev/shm/heaptop."$hpid".*
reset_run

# NO_COLOR in a C (not UTF-8) locale: attributes only, and ASCII only
# (sparklines from " .:-=+*#", "|" separators).
TUI_ENV="NO_COLOR=1 LC_ALL=C LANG=C"
tui_launch 100 30 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000
pid=$(tui_target_pid) || fail "target did not start"
check "NO_COLOR: table up" tui_wait 20 '^ +1 .*leak_'
check "C locale: ASCII separators" tui_wait 5 'Top sites \| mode: in-use'
check "C locale: ASCII sparkline" tui_wait 10 '[.:=+*#-]{3,} +leak_'
tui_screen
if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TUI_SCREEN"; then
	tui_show; fail "non-ASCII on the screen in the C locale"
fi
note "ok: ASCII only in the C locale"
if colour_codes; then
	tmux -L "$TUI_SOCK" capture-pane -p -e | head -n 8 | od -c | head -n 20
	fail "NO_COLOR run shows colour codes"
fi
note "ok: NO_COLOR draws without colours"
check "NO_COLOR: quit" tui_quit_kill
check "NO_COLOR: terminal restored" tui_terminal_restored
exit 0
