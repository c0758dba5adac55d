# Configuration from the environment: valid values are honoured; a bad
# value gives one line on stderr and the default, and the program runs;
# HEAPTOP_DISABLE=1 turns the runtime off; only the interposed libc names
# (the malloc family and dlclose) and heaptop_* are exported.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

run_leaky() { # NAME: leaky -n 50, stderr to $WORK/err
	rt_preload "$1" "$T/leaky" -n 50 >"$WORK/out" 2>"$WORK/err" || fail "leaky failed under $1"
}

n=$(seg_name ok)
HEAPTOP_RATE=4K HEAPTOP_MAX_DEPTH=3 run_leaky "$n"
[ -s "$WORK/err" ] && fail "unexpected stderr: $(cat "$WORK/err")"
rt_seg "$n" "$WORK/seg"
expect_eq "HEAPTOP_RATE=4K" "$(rt_field "$WORK/seg" rate)" 4096
expect_eq "HEAPTOP_MAX_DEPTH=3" "$(rt_field "$WORK/seg" max_depth)" 3
awk '$1 == "stack" { for (i = 2; i <= NF; i++) if ($i ~ /^depth=/) { split($i, kv, "="); if (kv[2] > 3) bad = 1 } }
	END { exit bad }' "$WORK/seg" || fail "a stack deeper than HEAPTOP_MAX_DEPTH"
HEAPTOP_RATE=2m run_leaky "$(seg_name m)"
rt_seg "$(seg_name m)" "$WORK/seg"
expect_eq "HEAPTOP_RATE=2m" "$(rt_field "$WORK/seg" rate)" 2097152

for bad in abc 0 -5 12Q 99999999999999999999999; do
	n=$(seg_name "bad$(echo "$bad" | tr -c 'A-Za-z0-9' x)")
	HEAPTOP_RATE="$bad" run_leaky "$n"
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "HEAPTOP_RATE=$bad: expected one line on stderr, got: $(cat "$WORK/err")"
	grep -q "^heaptop: HEAPTOP_RATE=" "$WORK/err" || fail "HEAPTOP_RATE=$bad: message: $(cat "$WORK/err")"
	grep -q "^truth leak_site" "$WORK/out" || fail "HEAPTOP_RATE=$bad: program did not finish"
	rt_seg "$n" "$WORK/seg"
	expect_eq "HEAPTOP_RATE=$bad falls back to 512K" "$(rt_field "$WORK/seg" rate)" 524288
done
note "message: $(cat "$WORK/err")"

n=$(seg_name ring)
HEAPTOP_RING=1024 run_leaky "$n"
[ -s "$WORK/err" ] && fail "HEAPTOP_RING=1024: unexpected stderr: $(cat "$WORK/err")"
rt_seg "$n" "$WORK/seg"
expect_eq "HEAPTOP_RING=1024" "$(rt_field "$WORK/seg" ring_cap)" 1024
for bad in 1000 128 2097152 x; do
	n=$(seg_name "ring$bad")
	HEAPTOP_RING=$bad run_leaky "$n"
	grep -q "^heaptop: HEAPTOP_RING=$bad: not a power of two in 256..1048576; using 16384" "$WORK/err" ||
		fail "HEAPTOP_RING=$bad: message: $(cat "$WORK/err")"
	rt_seg "$n" "$WORK/seg"
	expect_eq "HEAPTOP_RING=$bad falls back" "$(rt_field "$WORK/seg" ring_cap)" 16384
done

n=$(seg_name clock)
HEAPTOP_CLOCK=tsc run_leaky "$n"
grep -q "^heaptop: HEAPTOP_CLOCK=tsc: not system or coarse; using the default" "$WORK/err" ||
	fail "HEAPTOP_CLOCK=tsc: message: $(cat "$WORK/err")"
for ok in system coarse; do
	n=$(seg_name "clock$ok")
	HEAPTOP_CLOCK=$ok run_leaky "$n"
	[ ! -s "$WORK/err" ] || fail "HEAPTOP_CLOCK=$ok: message: $(cat "$WORK/err")"
done

n=$(seg_name depth)
HEAPTOP_MAX_DEPTH=999 run_leaky "$n"
grep -q "^heaptop: HEAPTOP_MAX_DEPTH=999" "$WORK/err" || fail "no warning for HEAPTOP_MAX_DEPTH=999"
rt_seg "$n" "$WORK/seg"
expect_eq "HEAPTOP_MAX_DEPTH=999 falls back" "$(rt_field "$WORK/seg" max_depth)" 64

# an invalid segment name: warning, the default heaptop.<pid>
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="bad/name" "$T/leaky" -n 5 >"$WORK/out" 2>"$WORK/err" ||
	fail "leaky failed with a bad HEAPTOP_SHM"
pid=$(sed -n 's/^ready pid=//p' "$WORK/out")
rt_names="$rt_names heaptop.$pid"
grep -q "^heaptop: HEAPTOP_SHM=bad/name" "$WORK/err" || fail "no warning for a bad HEAPTOP_SHM"
[ -e "/dev/shm/heaptop.$pid" ] || fail "default segment heaptop.$pid not created"
[ "$(stat -c %a "/dev/shm/heaptop.$pid")" = 600 ] || fail "segment mode is not 0600"

# disabled: no segment, the program runs, the API says so
n=$(seg_name off)
HEAPTOP_DISABLE=1 rt_preload "$n" "$T/leaky" -n 50 >"$WORK/out" 2>"$WORK/err" || fail "leaky failed when disabled"
[ -e "/dev/shm/$n" ] && fail "segment created while disabled"
[ -s "$WORK/err" ] && fail "stderr output while disabled"

# exports
if command -v nm >/dev/null; then
	nm -D --defined-only "$HT_RUNTIME" | awk '$2 ~ /^[TWVDBi]$/ { print $3 }' | sort >"$WORK/exports"
	cat "$WORK/exports"
	grep -vqxE 'malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|malloc_usable_size|dlclose|heaptop_[a-z_]+' \
		"$WORK/exports" && fail "unexpected exported symbols"
	[ "$(grep -c . "$WORK/exports")" -eq 17 ] || fail "expected 17 exports"
fi
exit 0
