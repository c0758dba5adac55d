# fork: the child gets its own segment <NAME>.<childpid> (flag CHILD,
# parent_name NAME; created at its first sample) with only its own
# allocations; the parent's segment never sees the child's; both exit codes
# are right.  A site both sample through the same frames, the parent just
# before the fork and the child just after, counts each one's own in its
# own segment (the child's stack table is new: nothing of the parent's
# walks may be reused).
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

n=$(seg_name fork)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_fork" -p 100 -c 50 >"$WORK/out"
rc=$?
cat "$WORK/out"
[ $rc -eq 0 ] || fail "rt_fork exited $rc"
cpid=$(sed -n 's/^child pid=\([0-9]*\) status=3$/\1/p' "$WORK/out")
[ -n "$cpid" ] || fail "child status not 3"

rt_seg "$n" "$WORK/parent"
expect_eq "parent state" "$(rt_field "$WORK/parent" state)" 2
expect_eq "parent exit status" "$(rt_field "$WORK/parent" exit_status)" 0
expect_eq "parent flags" "$(rt_field "$WORK/parent" flags)" 0
expect_eq "parent_site in parent" "$(site_sum "$WORK/parent" parent_site cur_objs)" 200
expect_eq "child_site in parent" "$(site_sum "$WORK/parent" child_site cum_objs)" 0

[ -e "/dev/shm/$n.$cpid" ] || fail "no child segment $n.$cpid"
rt_seg "$n.$cpid" "$WORK/child"
expect_eq "child state" "$(rt_field "$WORK/child" state)" 2
expect_eq "child exit status" "$(rt_field "$WORK/child" exit_status)" 3
expect_eq "child flags (HT_SEG_F_CHILD)" "$(rt_field "$WORK/child" flags)" 1
expect_eq "child pid" "$(rt_field "$WORK/child" pid)" "$cpid"
[ "$(rt_field "$WORK/child" parent_name)" = "$n" ] || fail "child parent_name wrong"
expect_eq "child_site in child" "$(site_sum "$WORK/child" child_site cur_objs)" 50
expect_eq "child_site bytes in child" "$(site_sum "$WORK/child" child_site cur_bytes)" $((50 * 222))
expect_eq "parent_site in child" "$(site_sum "$WORK/child" parent_site cum_objs)" 0
expect_eq "shared_site in parent" "$(site_sum "$WORK/parent" shared_site cur_objs)" 50
expect_eq "shared_site in child" "$(site_sum "$WORK/child" shared_site cur_objs)" 50
expect_eq "shared_site bytes in child" "$(site_sum "$WORK/child" shared_site cur_bytes)" $((50 * 333))
# the child's counts start from zero: none of the parent's samples
expect_counts_exact "$WORK/child" "child"
expect_counts_exact "$WORK/parent" "parent"
exit 0
