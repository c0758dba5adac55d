#!/bin/sh
# Screen: a program fed from a pipe reads heaptop's stdin (the keys come
# from the terminal) and exits 0 having read it; the log is
# heaptop-<pid>.log (the program's pid, the header's) in
# $XDG_RUNTIME_DIR/heaptop (0700), never the working directory, and `o`
# shows it.  With the terminal as stdin, the status line and the log say
# how to run the program interactively.  SIGHUP to heaptop ends the
# program and removes its segment heaptop.<pid>.0.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

mkdir -p "$WORK/xdg"
cat >"$WORK/pane.sh" <<PANE
cd '$WORK' || exit 1
printf 'hello pipe\n' | env XDG_RUNTIME_DIR='$WORK/xdg' LANG=C.UTF-8 LC_ALL=C.UTF-8 '$HEAPTOP' -d 0.5 /bin/cat
echo \$? >'$WORK/rc'
exec sleep 600
PANE
tui_start 120 30 "sh '$WORK/pane.sh'"
check "piped cat exits 0" tui_wait 15 'exited, status 0'
pid=$(grep -Eo 'pid [0-9]+' "$TUI_SCREEN" | head -n 1 | cut -d' ' -f2)
[ -n "$pid" ] || fail "no pid in the header"
log="$WORK/xdg/heaptop/heaptop-$pid.log"
[ -f "$log" ] || fail "no log $log: $(ls -R "$WORK/xdg")"
grep -q '^hello pipe$' "$log" || fail "the program did not read the pipe: $(cat "$log")"
[ "$(stat -c %a "$WORK/xdg/heaptop")" = 700 ] || fail "log directory not 0700"
ls "$WORK"/heaptop-*.log >/dev/null 2>&1 && fail "a log in the working directory"
tui_keys o
check "o shows the log" tui_wait 5 "Program output: $log"
check "o shows the program's line" tui_wait 5 '^hello pipe'
tui_keys Escape q
wait_for 10 test -f "$WORK/rc" || fail "heaptop did not end"
[ "$(cat "$WORK/rc")" = 0 ] || fail "heaptop's status $(cat "$WORK/rc")"
tui_stop

# the terminal as stdin: the hint; then SIGHUP
rm -f "$WORK/rc"
cat >"$WORK/pane2.sh" <<PANE
cd '$WORK' || exit 1
env XDG_RUNTIME_DIR='$WORK/xdg' LANG=C.UTF-8 LC_ALL=C.UTF-8 '$HEAPTOP' -d 0.5 '$T/leaky' -f -s 20000 -l 50000
echo \$? >'$WORK/rc'
exec sleep 600
PANE
tui_start 200 30 "sh '$WORK/pane2.sh'"
check "stdin hint on the status line" tui_wait 15 "stdin is not the terminal"
check "table up" tui_wait 20 '^ +1 .*leak_'
pid=$(grep -Eo 'pid [0-9]+' "$TUI_SCREEN" | head -n 1 | cut -d' ' -f2)
log="$WORK/xdg/heaptop/heaptop-$pid.log"
grep -q "^ready pid=$pid" "$log" || fail "the header's pid $pid is not the program's: $(cat "$log")"
rt=$(readlink -f "$HT_RUNTIME")
grep -q "LD_PRELOAD=$rt HEAPTOP_SHM=" "$log" || fail "no hint in the log: $(head -n 2 "$log")"
grep -q -- "--attach-shm" "$log" || fail "the hint lacks --attach-shm"
[ -e "/dev/shm/heaptop.$pid.0" ] || fail "no segment heaptop.$pid.0"
hp=$(pgrep -f "^$HEAPTOP -d 0.5 $T/leaky" | head -n 1)
[ -n "$hp" ] || fail "heaptop's pid not found"
kill -HUP "$hp"
wait_for 15 test -f "$WORK/rc" || fail "heaptop did not end on SIGHUP"
wait_for 5 sh -c "! kill -0 $pid" || fail "the program outlived SIGHUP"
ls /dev/shm/heaptop."$pid".* >/dev/null 2>&1 && fail "segment heaptop.$pid.* left after SIGHUP"
note "ok: SIGHUP removed heaptop.$pid.0"
exit 0
