# exec: the old image's segment is marked EXECED and names its successor;
# the new image (same pid) records only its own allocations; exit codes
# come through.  Also fork + exec in the child.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

n=$(seg_name exec)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_exec" >"$WORK/out"
rc=$?
cat "$WORK/out"
[ $rc -eq 7 ] || fail "rt_exec exited $rc, expected 7"
pid=$(sed -n 's/^pid=\([0-9]*\) stage=1$/\1/p' "$WORK/out")
grep -q "^pid=$pid stage=2\$" "$WORK/out" || fail "stage 2 did not run in the same process"
rt_seg "$n" "$WORK/old"
expect_eq "old image state EXECED" "$(rt_field "$WORK/old" state)" 3
next=$(rt_field "$WORK/old" next_name)
[ "$next" = "$n.$pid" ] || fail "next_name '$next', expected $n.$pid"
expect_eq "stage1_site in the old image" "$(site_sum "$WORK/old" stage1_site cur_objs)" 10
rt_seg "$next" "$WORK/new"
expect_eq "new image state" "$(rt_field "$WORK/new" state)" 2
expect_eq "new image exit status" "$(rt_field "$WORK/new" exit_status)" 7
expect_eq "new image pid" "$(rt_field "$WORK/new" pid)" "$pid"
expect_eq "stage2_site in the new image" "$(site_sum "$WORK/new" stage2_site cur_objs)" 20
expect_eq "stage1_site in the new image" "$(site_sum "$WORK/new" stage1_site cum_objs)" 0

# fork, then exec in the child: the forked child creates no segment before
# it execs (it samples nothing); the new image finds NAME held by its
# parent and creates NAME.<pid>, flagged as a child of NAME
n=$(seg_name fexec)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_exec" -f >"$WORK/out2"
rc=$?
cat "$WORK/out2"
[ $rc -eq 0 ] || fail "rt_exec -f exited $rc"
cpid=$(sed -n 's/^child pid=\([0-9]*\) status=7$/\1/p' "$WORK/out2")
[ -n "$cpid" ] || fail "child status not 7"
rt_seg "$n.$cpid" "$WORK/child"
expect_eq "exec'd child state" "$(rt_field "$WORK/child" state)" 2
expect_eq "exec'd child exit status" "$(rt_field "$WORK/child" exit_status)" 7
expect_eq "exec'd child flags (HT_SEG_F_CHILD)" "$(rt_field "$WORK/child" flags)" 1
[ "$(rt_field "$WORK/child" parent_name)" = "$n" ] || fail "exec'd child parent_name wrong"
expect_eq "stage2_site in the exec'd child" "$(site_sum "$WORK/child" stage2_site cur_objs)" 20
[ -e "/dev/shm/$n.$cpid.1" ] && fail "a second segment for the child"
rt_seg "$n" "$WORK/parent"
expect_eq "parent exit status" "$(rt_field "$WORK/parent" exit_status)" 0
expect_eq "stage1_site in the parent" "$(site_sum "$WORK/parent" stage1_site cur_objs)" 10
expect_eq "stage2_site in the parent" "$(site_sum "$WORK/parent" stage2_site cum_objs)" 0
exit 0
