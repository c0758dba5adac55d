# The stack walker gives exactly libunwind's stacks.  One target,
# built with frame pointers and without, runs at HEAPTOP_RATE=1 (every
# allocation a sample) with the walker and with HEAPTOP_UNWIND=libunwind,
# address-space randomisation off so both runs have the same addresses:
# the exit dumps list the same stacks (raw return addresses, truncation
# at HEAPTOP_MAX_DEPTH included) with the same counts, the per-site
# counts equal the truth the target prints, and the walker did the work
# in both builds (without frame pointers, through the call frame
# information).
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

command -v setarch >/dev/null 2>&1 || skip "no setarch (needed to turn randomisation off)"
setarch -R true 2>/dev/null || skip "setarch -R not permitted here"

# stacks FILE: one line per stack of a heap_v2 dump, "@ frames | counts", sorted
stacks() {
	awk '/^@/ { s = $0; getline; print s " | " $0 }' "$1" | sort
}

for build in fp nofp; do
	tgt="$T/rt_fpwalk_$build"
	[ -x "$tgt" ] || fail "$tgt not built"
	for uw in walk libunwind; do
		n=$(seg_name "fpw.$build.$uw")
		rt_names="$rt_names $n"
		# setarch outside the preload: the segment is the target's
		setarch -R env LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$n" HEAPTOP_RATE=1 \
			HEAPTOP_UNWIND=$uw HEAPTOP_DUMP_AT_EXIT="$WORK/$build.$uw.heap" \
			"$tgt" -t 3 -n 200 >"$WORK/$build.$uw.out" ||
			fail "rt_fpwalk_$build ($uw) failed"
		rt_seg "$n" "$WORK/$build.$uw.seg"
		[ -s "$WORK/$build.$uw.heap" ] || fail "no exit dump for $build $uw"
		stacks "$WORK/$build.$uw.heap" >"$WORK/$build.$uw.stacks"
		for site in fp_site_malloc fp_site_calloc fp_site_realloc fp_site_memalign; do
			expect_eq "$build $uw $site in-use objects" \
				"$(site_sum "$WORK/$build.$uw.seg" $site cur_objs)" \
				"$(truth "$WORK/$build.$uw.out" $site objects)"
			expect_eq "$build $uw $site in-use bytes" \
				"$(site_sum "$WORK/$build.$uw.seg" $site cur_bytes)" \
				"$(truth "$WORK/$build.$uw.out" $site bytes)"
		done
		expect_eq "$build $uw unwind failures" "$(rt_field "$WORK/$build.$uw.seg" unwind_failures)" 0
	done
	nst=$(wc -l <"$WORK/$build.walk.stacks")
	[ "$nst" -ge 20 ] || fail "$build: only $nst stacks in the dump"
	grep -q "^@\( 0x[0-9a-f]*\)\{64\} |" "$WORK/$build.walk.stacks" ||
		fail "$build: no stack truncated at 64 frames"
	if ! cmp -s "$WORK/$build.walk.stacks" "$WORK/$build.libunwind.stacks"; then
		diff "$WORK/$build.walk.stacks" "$WORK/$build.libunwind.stacks" | head -n 10 >&2
		fail "$build: the walker's stacks differ from libunwind's"
	fi
	note "ok: $build: $nst stacks, the same with the walker and with libunwind"
	expect_eq "$build libunwind run: nothing walked" "$(rt_field "$WORK/$build.libunwind.seg" walked)" 0
done

# with frame pointers and without, the walker unwound (nearly) every
# sample (batches of 64 per thread are flushed, so up to 63 per thread are
# not counted): frame pointers where the code keeps them, the call frame
# information elsewhere
for build in fp nofp; do
	s=$(rt_field "$WORK/$build.walk.seg" samples)
	w=$(rt_field "$WORK/$build.walk.seg" walked)
	awk -v s="$s" -v w="$w" 'BEGIN { exit !(s > 10000 && w >= 0.95 * s) }' ||
		fail "$build: walked $w of $s samples"
	note "ok: $build: the walker unwound $w of $s samples"
done
