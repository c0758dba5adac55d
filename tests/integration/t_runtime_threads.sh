# 16 threads allocating at once, freeing each other's objects: exact
# per-site counts at rate 1 (every counter update and address-map
# operation raced) and exact sample counts in the header, a clean run at the default rate, and exit() while the
# threads are still allocating (the exit dump is written, nothing crashes).
# timeout: 110
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

n=$(seg_name thr1)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_threads" -t 16 -i 10000 >"$WORK/out1" ||
	fail "rt_threads at rate 1 failed"
rt_seg "$n" "$WORK/seg1"
expect_eq "thread_leak in-use objects" "$(site_sum "$WORK/seg1" thread_leak cur_objs)" \
	"$(truth "$WORK/out1" thread_leak objects)"
expect_eq "thread_leak in-use bytes" "$(site_sum "$WORK/seg1" thread_leak est_cur_bytes)" \
	"$(truth "$WORK/out1" thread_leak bytes)"
expect_eq "thread_xfer in use" "$(site_sum "$WORK/seg1" thread_xfer cur_objs)" 0
expect_eq "thread_xfer allocated" "$(site_sum "$WORK/seg1" thread_xfer cum_objs)" \
	"$(truth "$WORK/out1" thread_xfer alloc_objects)"
expect_eq "thread_churn in use" "$(site_sum "$WORK/seg1" thread_churn cur_objs)" 0
expect_eq "thread_churn allocated" "$(site_sum "$WORK/seg1" thread_churn cum_objs)" $((16 * 10000 * 4))
expect_eq "addresses lost" "$(rt_field "$WORK/seg1" addrs_full)" 0
expect_eq "stacks lost" "$(rt_field "$WORK/seg1" stacks_full)" 0
# the header's counts, added to by 16 threads at once, exact after exit
expect_counts_exact "$WORK/seg1" "16 threads, exited"

n=$(seg_name thr2)
rt_preload "$n" "$T/rt_threads" -t 16 -i 100000 >"$WORK/out2" || fail "rt_threads at the default rate failed"
rt_seg "$n" "$WORK/seg2"
expect_eq "default rate: exit status" "$(rt_field "$WORK/seg2" exit_status)" 0
# 1.6M objects of 64 bytes: ~195 samples, 4 SE = 29% (see t_runtime_sampled)
awk -v e="$(site_sum "$WORK/seg2" thread_leak est_cur_bytes)" -v t="$(truth "$WORK/out2" thread_leak bytes)" 'BEGIN {
	n = 1600000; z = 64; R = 524288; p = 1 - exp(-z / R); se = sqrt(n * z * z * (1 - p) / p)
	printf "# thread_leak estimate %.0f truth %d deviation %.2f SE\n", e, t, (e - t) / se
	exit !(e - t <= 4 * se && t - e <= 4 * se) }' || fail "thread_leak estimate outside 4 SE"

n=$(seg_name thr3)
HEAPTOP_DUMP_AT_EXIT="$WORK/x.heap" rt_preload "$n" "$T/rt_threads" -t 16 -x >"$WORK/out3"
rc=$?
[ $rc -eq 0 ] || fail "exit with threads running: status $rc"
rt_seg "$n" "$WORK/seg3"
expect_eq "exit with threads running: state" "$(rt_field "$WORK/seg3" state)" 2
head -n 1 "$WORK/x.heap" | grep -q '^heap_v2/' || fail "no exit dump"
grep -q '^MAPPED_LIBRARIES:' "$WORK/x.heap" || fail "exit dump incomplete"
exit 0
