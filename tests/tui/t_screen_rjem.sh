#!/bin/sh
# The screen on a Rust program whose allocator is a static, _rjem_-prefixed
# jemalloc (tikv-jemallocator's build), launched with no environment: the
# header says the numbers come from jemalloc's profiler; the leaking method
# is the top row with its file:line; `b` shows its growth; `d` writes
# jemalloc's own dump, which jeprof reads and in which the method holds the
# most bytes; `r` then `y` restarts jemalloc's counters (the allocated
# total falls to a fraction) and counting goes on.
# timeout: 150
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
al_build_rjem "$WORK/al_rjem"

# about 30 s of leaking 16 KiB a millisecond or so
tui_launch 120 40 -d 0.5 -r 64K -- "$WORK/al_rjem" 30000 16384 1 0 0
check "source in the header" tui_wait 20 'source jemalloc profiler'
record_on_top() {
	tui_rows | head -n 1 | grep -q 'myservice::EventLog::record.*al_rjem\.rs:[0-9]'
}
check "EventLog::record on top with its line" tui_wait_fn 30 record_on_top
tui_rows | head -n 3

tui_keys b
check "delta columns" tui_wait 10 "$(printf '\316\224')IN-USE"
grew() {
	v=$(tui_field myservice::EventLog::record 2)
	case "$v" in +*) [ "$(bytes "$v")" -gt 1048576 ] ;; *) false ;; esac
}
check "record grows since the baseline" tui_wait_fn 30 grew
tui_keys B
check "B clears the baseline" tui_wait 10 '^ +# +IN-USE +SHARE'

tui_keys d
check "status line shows the dump path" tui_wait 15 'dumped to /[^ ]+\.heap'
tui_screen
dump=$(sed -n 's/.*dumped to \(\/[^ ]*\.heap\).*/\1/p' "$TUI_SCREEN" | head -n 1)
note "dump: $dump"
check "dump is heap_v2" sh -c "head -n 1 '$dump' | grep -q '^heap_v2/'"
"$JEPROF" --text --cum --show_bytes "$WORK/al_rjem" "$dump" >"$WORK/jeprof.txt" 2>/dev/null ||
	fail "jeprof --text failed"
# by cumulative bytes, the first program function is the leaking method
first=$(awk '$4 ~ /^[0-9]+$/ && $6 ~ /myservice::/ { print $6; exit }' "$WORK/jeprof.txt")
case "$first" in *myservice::EventLog::record) ;; *) false ;; esac || { head -n 20 "$WORK/jeprof.txt"; fail "jeprof: first program function '$first'"; }
note "ok: jeprof reads the dump: $first"

tui_check_reset 33554432

check "quit" tui_quit_kill
exit 0
