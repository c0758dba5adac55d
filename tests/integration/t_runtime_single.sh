#!/bin/sh
# A single-threaded program keeps glibc's single-threaded malloc paths
# under the runtime, whose control thread would otherwise switch glibc to
# its multi-threaded paths for good: glibc's own flag (the one its malloc
# reads) and the program's view of it read "single" once the program has
# sampled, and "threaded" as soon as the program creates a thread (as
# without the runtime, also when it creates the thread while the flag is
# cleared).  While the program allocates steadily (a sample about every
# 80 ms) the flag stays set for 3 s.  While the program idles the control thread clears the flag to
# read the allocator's statistics; a child forked then has the flag set.  HEAPTOP_SINGLE=0 leaves glibc on the
# multi-threaded paths.  The samples stay exact across the change (rate 64K:
# several hundred samples, each thread's frees of its own blocks).
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

[ -x "$T/rt_single" ] || fail "rt_single not built"
"$T/rt_single" >"$WORK/none" || fail "rt_single failed without the runtime"
cat "$WORK/none"

n=$(seg_name single)
HEAPTOP_RATE=64K rt_preload "$n" "$T/rt_single" >"$WORK/out" || fail "rt_single failed"
cat "$WORK/out"
# flags PHASE FILE: "program=P libc=L" of that phase
flags() { awk -v p="$1" '$1 == "flag" && $2 == p { print $3, $4 }' "$2"; }
# as without the runtime
for phase in alone forked threaded joined; do
	check "$phase: $(flags $phase "$WORK/out"), as without the runtime" \
		test "$(flags $phase "$WORK/out")" = "$(flags $phase "$WORK/none")"
done
check "alone: single" test "$(flags alone "$WORK/out")" = "program=1 libc=1"
# steady, the program publishes the statistics itself: the flag is never
# cleared under it
steady=$(awk '$1 == "steady" { sub("cleared=", "", $2); sub("checks=", "", $3); print $2, $3 }' "$WORK/out")
check "steady: the flag never cleared while the program samples ($steady)" \
	test "${steady%% *}" = 0 -a "${steady#* }" -ge 20
# idle, the control thread clears the flag to read the allocator's
# statistics; a child forked then has it set
check "idle: the flag cleared for the statistics" test "$(flags idle "$WORK/out")" = "program=0 libc=0"
check "forked: single" test "$(flags forked "$WORK/out")" = "program=1 libc=1"
check "threaded: threaded" test "$(flags threaded "$WORK/out")" = "program=0 libc=0"
rt_seg "$n" "$WORK/seg"
expect_counts_exact "$WORK/seg" "samples across the change"
check "at least 500 samples" test "$(rt_field "$WORK/seg" samples)" -ge 500

n=$(seg_name single0)
HEAPTOP_SINGLE=0 rt_preload "$n" "$T/rt_single" >"$WORK/out0" || fail "rt_single failed (HEAPTOP_SINGLE=0)"
cat "$WORK/out0"
check "HEAPTOP_SINGLE=0: alone is threaded" test "$(flags alone "$WORK/out0")" = "program=0 libc=0"
exit 0
