# Allocation on small coroutine stacks (ucontext, 4 KiB and 8 KiB with a
# guard page below): the sampled path must not run out of the program's
# stack (it switches to a stack of the runtime's own), and the backtraces
# must still cross into the program's frames.  At rate 1 every one of the
# fiber's allocations is recorded, in the fiber's own stack.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

iters=20000
for size in 4096 8192; do
	n=$(seg_name fiber$size)
	HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_fiber" -i $iters -s $size >"$WORK/out$size" ||
		fail "rt_fiber with a $size-byte stack failed (status $?)"
	cat "$WORK/out$size"
	grep -qx "iterations=$iters switches=$((iters / 1000))" "$WORK/out$size" ||
		fail "rt_fiber did not run to the end"
	rt_seg "$n" "$WORK/seg$size"
	expect_eq "samples without backtrace ($size)" "$(rt_field "$WORK/seg$size" unwind_failures)" 0
	expect_eq "fiber_site allocations ($size)" "$(site_sum "$WORK/seg$size" fiber_site cum_objs)" $iters
	expect_eq "fiber_site in use ($size)" "$(site_sum "$WORK/seg$size" fiber_site cur_objs)" 0
	grep '^stack ' "$WORK/seg$size" | grep -q 'frames=fiber_site;fiber_work;fiber_main;' ||
		fail "the fiber's stacks do not reach fiber_main"
done
exit 0
