# The runtime at HEAPTOP_RATE=1 records every allocation: per-site objects
# and bytes (raw and estimated) equal the truth the targets print, exactly;
# churn sites are at zero in use; every interposed entry point is seen.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

# --- leaky: three sites ---------------------------------------------------
n=$(seg_name leaky)
HEAPTOP_RATE=1 HEAPTOP_DUMP_AT_EXIT="$WORK/leaky.heap" \
	rt_preload "$n" "$T/leaky" -n 2000 >"$WORK/leaky.out" || fail "leaky failed"
rt_seg "$n" "$WORK/leaky.seg"
expect_eq "state exited" "$(rt_field "$WORK/leaky.seg" state)" 2
expect_eq "exit status" "$(rt_field "$WORK/leaky.seg" exit_status)" 0
expect_eq "rate" "$(rt_field "$WORK/leaky.seg" rate)" 1
for site in leak_site leak_mixed; do
	objs=$(truth "$WORK/leaky.out" $site objects)
	bytes=$(truth "$WORK/leaky.out" $site bytes)
	[ -n "$objs" ] || fail "no truth for $site"
	for f in cur_objs est_cur_objs cum_objs est_cum_objs; do
		expect_eq "$site $f" "$(site_sum "$WORK/leaky.seg" $site $f)" "$objs"
	done
	for f in cur_bytes est_cur_bytes cum_bytes est_cum_bytes; do
		expect_eq "$site $f" "$(site_sum "$WORK/leaky.seg" $site $f)" "$bytes"
	done
	expect_eq "$site variance at rate 1" "$(site_sum "$WORK/leaky.seg" $site var_cur_bytes)" 0
done
expect_eq "churn_site in use" "$(site_sum "$WORK/leaky.seg" churn_site cur_bytes)" 0
expect_eq "churn_site est in use" "$(site_sum "$WORK/leaky.seg" churn_site est_cur_objs)" 0
expect_eq "churn_site allocated objects" "$(site_sum "$WORK/leaky.seg" churn_site cum_objs)" \
	"$(truth "$WORK/leaky.out" churn_site alloc_objects)"
expect_eq "churn_site allocated bytes" "$(site_sum "$WORK/leaky.seg" churn_site est_cum_bytes)" \
	"$(truth "$WORK/leaky.out" churn_site alloc_bytes)"
expect_eq "no stacks lost" "$(rt_field "$WORK/leaky.seg" stacks_full)" 0
expect_eq "no addresses lost" "$(rt_field "$WORK/leaky.seg" addrs_full)" 0

# the exit dump: heap_v2/1 with exact counts, totals = sum of stacks
[ -f "$WORK/leaky.heap" ] || fail "no dump at exit"
[ "$(head -n 1 "$WORK/leaky.heap")" = "heap_v2/1" ] || fail "dump header: $(head -n 1 "$WORK/leaky.heap")"
awk '
	NR == 2 { split($0, t, /[ :\[\]]+/); tc = t[3]; tb = t[4] }
	/^@/ { getline; split($0, s, /[ :\[\]]+/); c += s[3]; b += s[4]; n++ }
	/^MAPPED_LIBRARIES:/ { m = 1 }
	END { if (!(n >= 3 && c == tc && b == tb && m)) { print "totals", tc, tb, "sum", c, b, "stacks", n; exit 1 } }
' "$WORK/leaky.heap" || fail "dump totals do not add up"
grep -q "^@ .*" "$WORK/leaky.heap" || fail "no stack lines"
grep -q "^  t\*: 2000: 2000000 \[2000: 2000000\]$" "$WORK/leaky.heap" ||
	fail "leak_site's exact line missing from the dump"
check "no temporary dump left" sh -c "! ls '$WORK' | grep -q tmp"

# --- every interposed entry point ----------------------------------------
n=$(seg_name sites)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_sites" -n 500 -z 300 -c 3000 -k 200 \
	>"$WORK/sites.out" || fail "rt_sites failed"
rt_seg "$n" "$WORK/sites.seg"
for site in site_leak site_churn site_calloc site_realloc site_reallocarray \
	site_posix_memalign site_aligned_alloc site_memalign site_valloc site_pvalloc; do
	expect_eq "$site in-use objects" "$(site_sum "$WORK/sites.seg" $site cur_objs)" \
		"$(truth "$WORK/sites.out" $site objects)"
	expect_eq "$site in-use bytes" "$(site_sum "$WORK/sites.seg" $site est_cur_bytes)" \
		"$(truth "$WORK/sites.out" $site bytes)"
	expect_eq "$site allocated objects" "$(site_sum "$WORK/sites.seg" $site cum_objs)" \
		"$(truth "$WORK/sites.out" $site alloc_objects)"
	expect_eq "$site allocated bytes" "$(site_sum "$WORK/sites.seg" $site cum_bytes)" \
		"$(truth "$WORK/sites.out" $site alloc_bytes)"
done
exit 0
