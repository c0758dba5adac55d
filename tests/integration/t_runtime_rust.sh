# Rust's system allocator (the default for binaries) goes through the
# runtime's malloc hooks: a Rust target built with rustc alone (no crates)
# shows its leaking functions with exact bytes at rate 1.
# timeout: 110
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

RUSTC=$(command -v rustc || true)
[ -n "$RUSTC" ] || { [ -x "$HOME/.cargo/bin/rustc" ] && RUSTC="$HOME/.cargo/bin/rustc"; }
[ -n "$RUSTC" ] || { [ -n "${CARGO:-}" ] && [ -x "$(dirname "$CARGO")/rustc" ] && RUSTC="$(dirname "$CARGO")/rustc"; }
[ -n "$RUSTC" ] || skip "rustc not installed"
"$RUSTC" -g -C opt-level=0 -o "$WORK/rt_rust" "$HT_SRCDIR/tests/targets/rt_rust.rs" \
	2>"$WORK/rustc.err" || { cat "$WORK/rustc.err"; fail "rustc failed"; }

n=$(seg_name rust)
HEAPTOP_RATE=1 rt_preload "$n" "$WORK/rt_rust" 300 >"$WORK/out" || fail "rt_rust failed"
rt_seg "$n" "$WORK/seg"
for site in leak_rust_site leak_rust_vec; do
	expect_eq "$site in-use objects" "$(site_sum "$WORK/seg" $site cur_objs)" \
		"$(truth "$WORK/out" $site objects)"
	expect_eq "$site in-use bytes" "$(site_sum "$WORK/seg" $site cur_bytes)" \
		"$(truth "$WORK/out" $site bytes)"
done
# the stacks pass through Rust's alloc crate (legacy or v0 mangling)
grep -q 'frames=\(_ZN5alloc\|_RN[^;]*5alloc\|__rust_alloc\|__rdl_alloc\)' "$WORK/seg" ||
	fail "Rust's allocator frames not on the stacks"
expect_eq "churn_rust in use" "$(site_sum "$WORK/seg" churn_rust cur_bytes)" 0
exit 0
