#!/bin/sh
# Screen: `b` sets a baseline.  After a while the table shows change since
# the baseline, sorted by growth: the leaking site with positive growth,
# the churn site (everything it allocates is freed) near zero.  `B` clears
# the baseline.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 50000
pid=$(tui_target_pid) || fail "target did not start"
check "table up" tui_wait 20 '^ +1 .*leak_'
# let churn_site get sampled before the baseline
has_churn() { [ -n "$(tui_rank churn_site)" ]; }
check "churn_site sampled" tui_wait_fn 20 has_churn

tui_keys b
check "delta columns" tui_wait 10 "$(printf '\316\224')IN-USE +$(printf '\316\224')OBJS"
check "sorted by growth" tui_wait 5 'sort: growth'
check "baseline age in the header" tui_wait 5 'baseline [0-9]+s ago'

# Wait until the leak has grown by more than 1 MB since the baseline
# (50 KB per iteration, 50 iterations a second: about a second).
leak_grew() {
	v=$(tui_field leak_site 2)
	[ -n "$v" ] && [ "$(bytes "$v")" -gt 1048576 ] && \
		[ "$(tui_rows | head -n 1 | grep -c leak_site)" = 1 ]
}
check "leak_site grows and tops the growth ranking" tui_wait_fn 20 leak_grew
tui_rows
leak=$(bytes "$(tui_field leak_site 2)")
churn_v=$(tui_field churn_site 2)
[ -n "$churn_v" ] || { tui_show; fail "churn_site row missing"; }
churn=$(bytes "$churn_v")
note "growth since baseline: leak_site=$leak churn_site=$churn"
case "$(tui_field leak_site 2)" in +*) ;; *) tui_show; fail "leak growth not positive" ;; esac
# churn_site in use is at most a sampled object or two at any instant
# (each weighs about R = 4 KB): near zero next to the leak's megabytes.
awk -v c="$churn" -v l="$leak" 'BEGIN { if (c < 0) c = -c; exit !(c <= 16384 && c * 50 < l) }' \
	|| { tui_show; fail "churn_site growth $churn not near zero"; }
note "ok: churn_site near zero"

tui_keys B
check "B clears the baseline" tui_wait 10 '^ +# +IN-USE +SHARE'
tui_screen
grep -q 'since baseline' "$TUI_SCREEN" && { tui_show; fail "baseline still shown"; }

check "quit" tui_quit_kill
check "terminal restored" tui_terminal_restored
exit 0
