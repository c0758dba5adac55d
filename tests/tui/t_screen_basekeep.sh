#!/bin/sh
# Screen: the baseline stays with the segment.  A viewer attached to a
# program started with the runtime preloaded presses `b` and detaches; a
# second viewer attaching to the same segment shows the change since that
# `b` (delta columns, the leak's growth since then, larger than what grew
# after it attached).  The baseline is a heap_v2 file in the per-user
# runtime directory ($XDG_RUNTIME_DIR/heaptop, mode 0700); `B` removes it,
# and so does --clean with the segment, and heaptop when it removes the
# segment of a program it launched.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

seg=$(seg_name basekeep)
mkdir -p "$WORK/xdg" && chmod 700 "$WORK/xdg"
TUI_ENV="XDG_RUNTIME_DIR=$WORK/xdg"
HEAPTOP_RATE=4096 HEAPTOP_SHM="$seg" LD_PRELOAD="$HT_RUNTIME" \
	"$T/leaky" -f -s 20000 -l 50000 >"$WORK/leaky.out" 2>&1 &
pid=$!
stop_leaky() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "/dev/shm/$seg"; }
at_exit stop_leaky
wait_for 10 test -e "/dev/shm/$seg" || fail "no segment"

delta='ΔIN-USE +ΔOBJS'
tui_launch 120 40 -d 0.5 --attach-shm "$seg"
check "first viewer: table up" tui_wait 20 '^ +1 .*leak_'
tui_keys b
check "first viewer: delta columns" tui_wait 10 "$delta"
saved() { [ -n "$(ls "$WORK"/xdg/heaptop/"$seg".g*.base.heap 2>/dev/null)" ]; }
wait_for 10 saved || fail "no baseline file in the runtime directory"
check "runtime directory is private" \
	test "$(stat -c %a "$WORK/xdg/heaptop")" = 700
# let the leak grow well past what the second viewer will see grow
sleep 4
tui_keys q
check "first viewer detaches" wait_for 15 test -f "$WORK/rc"
check "program still runs" kill -0 "$pid"
tui_stop; rm -f "$WORK/rc" "$WORK/stty.after"

tui_launch 120 40 -d 0.5 --attach-shm "$seg"
check "second viewer: since the earlier baseline" tui_wait 20 "$delta"
check "second viewer: says so" tui_wait 10 'baseline kept with the segment'
check "second viewer: baseline age in the header" tui_wait 5 'baseline [0-9]+s ago'
# 4 s of leaking at 50 KB x 50/s: megabytes since the first viewer's b
leak_grew() {
	v=$(tui_field leak_site 2)
	[ -n "$v" ] && [ "$(bytes "$v")" -gt 4194304 ]
}
check "growth since the first viewer's b" tui_wait_fn 10 leak_grew
note "leak_site since the earlier b: $(tui_field leak_site 2)"
tui_keys B
check "B clears" tui_wait 10 '^ +# +IN-USE +SHARE'
gone() { [ -z "$(ls "$WORK"/xdg/heaptop/"$seg".g*.base.heap 2>/dev/null)" ]; }
check "B removes the saved baseline" wait_for 10 gone
tui_keys q
check "second viewer detaches" wait_for 15 test -f "$WORK/rc"

# --clean removes the baseline of a segment it removes, and baselines
# whose segment is gone
tui_stop; rm -f "$WORK/rc" "$WORK/stty.after"
tui_launch 120 40 -d 0.5 --attach-shm "$seg"
check "third viewer: table up" tui_wait 20 '^ +1 .*leak_'
tui_keys b
check "third viewer: baseline saved" wait_for 10 saved
tui_keys q
check "third viewer detaches" wait_for 15 test -f "$WORK/rc"
: >"$WORK/xdg/heaptop/heaptop.999999999.0.g0.base.heap"
kill "$pid"; wait "$pid" 2>/dev/null
XDG_RUNTIME_DIR="$WORK/xdg" "$HEAPTOP" --clean >"$WORK/clean.txt" || fail "--clean failed"
cat "$WORK/clean.txt"
grep -q "^removed $seg " "$WORK/clean.txt" || fail "--clean kept the ended segment"
check "--clean removed its baseline" gone
[ -e "$WORK/xdg/heaptop/heaptop.999999999.0.g0.base.heap" ] &&
	fail "--clean kept a baseline whose segment is gone"
note "ok: --clean removed the baseline of a segment that is gone"

# a launched program: its baseline goes with its segment when heaptop
# ends after the program
tui_stop; rm -f "$WORK/rc" "$WORK/stty.after" "$WORK/app.log"
tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 50000
check "launched: table up" tui_wait 20 '^ +1 .*leak_'
tui_keys b
anysaved() { [ -n "$(ls "$WORK"/xdg/heaptop/*.base.heap 2>/dev/null)" ]; }
check "launched: baseline saved" wait_for 10 anysaved
check "launched: quit and kill" tui_quit_kill
nonesaved() { ! anysaved; }
check "launched: the baseline went with the segment" wait_for 10 nonesaved
exit 0
