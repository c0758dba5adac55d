# Allocation before the runtime is initialised: a library preloaded beside
# it allocates, reallocates and frees in a constructor that may run before
# the runtime's, and frees the rest after the runtime's exit handler.  In
# either preload order the program runs normally and the runtime still
# profiles it.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

early="$T/.libs/librt_early.so"
[ -f "$early" ] || fail "librt_early not built"
for order in "$early $HT_RUNTIME" "$HT_RUNTIME $early"; do
	for rate in 1 524288; do
		n=$(seg_name "early$rate.$(echo "$order" | cut -c1-1 | tr / x)$(echo "$order" | grep -q "^$early" && echo a || echo b)")
		rt_names="$rt_names $n"
		LD_PRELOAD="$order" HEAPTOP_SHM="$n" HEAPTOP_RATE=$rate "$T/leaky" -n 200 \
			>"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; fail "leaky failed ($order, rate $rate)"; }
		grep -qx "early: ok 64" "$WORK/err" || fail "early allocations went wrong: $(cat "$WORK/err")"
		rt_seg "$n" "$WORK/seg"
		expect_eq "state ($rate)" "$(rt_field "$WORK/seg" state)" 2
		if [ $rate = 1 ]; then
			expect_eq "leak_site profiled ($rate)" "$(site_sum "$WORK/seg" leak_site cur_objs)" 200
		fi
	done
done
exit 0
