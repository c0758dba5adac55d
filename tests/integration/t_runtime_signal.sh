# Allocation inside a signal handler while the main thread allocates (a
# 100 us timer): no deadlock, no crash, at rate 1 and at the default rate.
# At rate 1 the handler's site nets to zero in use, and it is seen (only
# handler calls that interrupt the runtime itself pass through unrecorded).
# Also a handler on a small alternate signal stack: its samples are
# unwound on the runtime's own stack, so they keep their backtraces.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

n=$(seg_name sig1)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_signal" -i 200000 >"$WORK/out1" || fail "rt_signal at rate 1 failed"
cat "$WORK/out1"
signals=$(sed -n 's/^signals=\([0-9]*\) .*/\1/p' "$WORK/out1")
[ "${signals:-0}" -gt 10 ] || fail "too few signals delivered ($signals)"
rt_seg "$n" "$WORK/seg1"
expect_eq "handler_site in use" "$(site_sum "$WORK/seg1" handler_site cur_objs)" 0
seen=$(site_sum "$WORK/seg1" handler_site cum_objs)
awk -v s="$seen" -v n="$signals" 'BEGIN { exit !(s >= 1 && s <= n + 1) }' ||
	fail "handler allocations: $seen recorded for $signals signals"
note "handler allocations recorded: $seen of $signals"
expect_eq "main_site in use" "$(site_sum "$WORK/seg1" main_site cur_objs)" 0

# the handler on an 8 KiB alternate signal stack (SIGSTKSZ): too small to
# unwind on, so the sampled path runs on a stack of the runtime's own and
# the handler's samples keep their full backtraces
n=$(seg_name sigalt)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_signal" -a -i 100000 >"$WORK/outa" ||
	fail "rt_signal on an alternate stack failed"
cat "$WORK/outa"
signals=$(sed -n 's/^signals=\([0-9]*\) .*/\1/p' "$WORK/outa")
rt_seg "$n" "$WORK/sega"
expect_eq "samples without backtrace (alt stack run)" "$(rt_field "$WORK/sega" unwind_failures)" 0
expect_eq "main_site in use (alt stack run)" "$(site_sum "$WORK/sega" main_site cur_objs)" 0
seen=$(site_sum "$WORK/sega" handler_site cum_objs)
awk -v s="$seen" -v n="$signals" 'BEGIN { exit !(s >= 1 && s <= n + 1) }' ||
	fail "handler allocations on the alternate stack: $seen recorded for $signals signals"
grep '^stack ' "$WORK/sega" | grep 'frames=handler_site;on_alarm;' | grep -q ';main_site;\|;main;' ||
	fail "no handler stack unwound through the signal frame into the interrupted code"

n=$(seg_name sig2)
rt_preload "$n" "$T/rt_signal" -i 2000000 >"$WORK/out2" || fail "rt_signal at the default rate failed"
cat "$WORK/out2"
exit 0
