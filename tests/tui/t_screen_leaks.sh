#!/bin/sh
# Screen: is it a leak.  leak_mix holds a 12 MiB cache (mix_cache_put,
# the top row by bytes) and leaks 512 KiB/s (mix_leak).  The GROWTH/s
# column shows the leak's rate; `L` puts the suspects first: mix_leak
# on top with the verdict "leak" in the VERDICT column and its one-line
# verdict under the table, the cache "bounded"; the header shows the heap
# growing; at 80x24 the row still shows the site and its verdict; `L`
# again returns to the in-use order (the cache on top).
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

tui_launch 120 40 -r 64K -d 1 -- "$T/leak_mix" 0
cache_on_top() { tui_rows | head -n 1 | grep -q 'mix_cache_put'; }
check "the cache is the top row by bytes" tui_wait_fn 20 cache_on_top
leak_grows() { tui_rows | grep 'mix_leak' | grep -Eq ' \+[0-9.]+[KM]'; }
check "GROWTH/s shows the leak's rate" tui_wait_fn 30 leak_grows

tui_keys L
check "L: the title says leak suspects" tui_wait 10 'sort: leak suspects'
check "L: a VERDICT column" tui_wait 5 'VERDICT'
leak_first() { tui_rows | head -n 1 | grep -Eq 'mix_leak' && tui_rows | head -n 1 | grep -q ' leak '; }
check "L: mix_leak first, called a leak" tui_wait_fn 30 leak_first
check "L: its verdict under the table" tui_wait 10 '^verdict: leak: \+[0-9.]+ [kM]B/min, oldest [0-9]+ s'
cache_bounded() { tui_rows | grep 'mix_cache_put' | grep -q 'bounded'; }
check "L: the cache is bounded" tui_wait_fn 20 cache_bounded
check "the header: heap growing" tui_wait 30 'objs\) +\+[0-9.]+[KM]/s growing'
tui_screen
tui_rows | head -n 3

tui_resize 80 24
check "80x24: the leak row keeps its site and verdict" tui_wait 10 'mix_leak.* leak |leak .*mix_leak'
tui_resize 120 40

tui_keys L
check "L again: in-use order" tui_wait 10 'sort: in-use bytes'
check "L again: the cache on top" tui_wait_fn 10 cache_on_top
check "quit" tui_quit_kill
exit 0
