# Estimates stay unbiased while the sampling interval changes, and the
# overhead budget chooses an interval.  A target that knows what it
# allocated (rt_ratechange) leaks from one site and churns from another:
#  - switching its own interval between 8K and 128K every 50 allocations
#    (heaptop_set_rate), so many samples are taken right after a change:
#    each must be weighted with the interval it was drawn with;
#  - under HEAPTOP_BUDGET=1, which moves the interval off where it starts
#    (the default 512K, or 64K) within seconds and publishes the budget,
#    the overhead and the sample cost.
# In-use and allocated estimates must be within 4 standard errors of the
# truth (the variance the runtime reports).
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

# within SEG OUT SITE FIELD VARFIELD TRUTHKEY [MAXSE]: |estimate - truth|
# < 4 SE, and the estimate is informative (SE under MAXSE of the truth,
# default 0.1)
within() {
	e=$(site_sum "$1" "$3" "$4")
	v=$(site_sum "$1" "$3" "$5")
	t=$(truth "$2" "$3" "$6")
	[ -n "$t" ] || fail "no truth $3 $6"
	awk -v e="$e" -v v="$v" -v t="$t" -v m="${7:-0.1}" 'BEGIN {
		se = sqrt(v); d = e - t; if (d < 0) d = -d
		exit !(t > 0 && d < 4 * se && se < m * t) }' ||
		fail "$3 $4: estimate $e, truth $t, variance $v"
	note "ok: $3 $4 $e vs truth $t (variance $v)"
}

# --- the program changes its interval 40,000 times -------------------------
n=$(seg_name rc1)
HEAPTOP_RATE=64K rt_preload "$n" "$T/rt_ratechange" -n 20000 -c 2000000 -z 1000 \
	-a 8192 -b 131072 -k 50 >"$WORK/rc1.out" || fail "rt_ratechange (set_rate) failed"
rt_seg "$n" "$WORK/rc1.seg"
within "$WORK/rc1.seg" "$WORK/rc1.out" rc_leak est_cur_bytes var_cur_bytes bytes
within "$WORK/rc1.seg" "$WORK/rc1.out" rc_churn est_cum_bytes var_cum_bytes alloc_bytes
expect_eq "rc_churn in use" "$(site_sum "$WORK/rc1.seg" rc_churn est_cur_bytes)" 0
expect_eq "no budget" "$(rt_field "$WORK/rc1.seg" budget_ppm)" 0
expect_eq "no overhead estimate without a budget" "$(rt_field "$WORK/rc1.seg" overhead_ppm)" 0

# --- the budget chooses ------------------------------------------------------
# budget_run NAME START ARGS...: run under HEAPTOP_BUDGET=1 for 3.5 s,
# starting at the interval START (HEAPTOP_RATE); the interval moved off
# START, within the floor and ceiling, the estimated overhead at it is the
# budget or less (less only when a limit held it), and the estimates are
# right
budget_run() {
	b=$1 start=$2; shift 2
	n=$(seg_name "$b")
	HEAPTOP_BUDGET=1 HEAPTOP_RATE=$start rt_preload "$n" "$T/rt_ratechange" -s 3.5 -z 1000 "$@" \
		>"$WORK/$b.out" || fail "rt_ratechange (budget, $*) failed"
	rt_seg "$n" "$WORK/$b.seg"
	expect_eq "$b: budget 1%" "$(rt_field "$WORK/$b.seg" budget_ppm)" 10000
	rate=$(rt_field "$WORK/$b.seg" rate)
	ovh=$(rt_field "$WORK/$b.seg" overhead_ppm)
	sns=$(rt_field "$WORK/$b.seg" sample_ns)
	note "$b ($*): interval $rate, estimated overhead $ovh ppm, $sns ns per sample"
	awk -v r="$rate" -v st="$start" -v o="$ovh" -v s="$sns" 'BEGIN {
		exit !(r != st && r >= 4096 && r <= 67108864 && o > 0 && o <= 10100 && s > 0) }' ||
		fail "$b: interval $rate, overhead $ovh ppm, sample cost $sns ns"
	# 20 MB in use at an interval near 1M: about 20 samples
	within "$WORK/$b.seg" "$WORK/$b.out" rc_leak est_cur_bytes var_cur_bytes bytes 0.35
	within "$WORK/$b.seg" "$WORK/$b.out" rc_churn est_cum_bytes var_cum_bytes alloc_bytes
}
# as fast as malloc goes, from the default 512K: the budget decides which
# way (its 20 MB leak is all allocated in the first second, ~40 samples)
budget_run rc2 524288 -n 20000
# several microseconds of work per allocation: well under 1% at 64K, so
# finer.  It leaks ~2 MB a second, and the budget needs a second per step
# of the interval: from 512K, its first second's leak was ~4 samples of
# ~512 KB each, and a run that drew none of them (1 run in 10) read the
# leak ~40% low, with the small variance of the samples it did draw (the
# reported variance cannot count samples that were not drawn).  From 64K
# that second is ~35 samples.
budget_run rc3 65536 -n 20000 -w 5000
awk -v r="$rate" 'BEGIN { exit !(r < 65536) }' || fail "rc3: the interval stayed at $rate"

# a bad budget: one line on stderr, a fixed rate
n=$(seg_name rc4)
HEAPTOP_BUDGET=abc rt_preload "$n" "$T/rt_ratechange" -n 10 -c 1000 \
	>"$WORK/rc4.out" 2>"$WORK/rc4.err" || fail "rt_ratechange (bad budget) failed"
grep -q "HEAPTOP_BUDGET=abc" "$WORK/rc4.err" || fail "no message for a bad budget"
rt_seg "$n" "$WORK/rc4.seg"
expect_eq "bad budget: none" "$(rt_field "$WORK/rc4.seg" budget_ppm)" 0
