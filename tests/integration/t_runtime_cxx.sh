# C++ allocations (operator new / new[], std containers) arrive through the
# runtime's malloc hooks: at rate 1 the sites behind operator new hold
# exactly what the program kept, and container churn nets to zero.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

n=$(seg_name cxx)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_cxx" 500 >"$WORK/out" || fail "rt_cxx failed"
rt_seg "$n" "$WORK/seg"
grep -q "frames=_Znwm;" "$WORK/seg" || fail "no stack starting in operator new"
# operator new[] tail-calls operator new in libstdc++: new char[] shows
# as _Znwm called from the site
grep -q "frames=_Znwm;_ZL14cxx_leak_arrayv;" "$WORK/seg" || fail "new[] not seen through operator new"
# ht_test::Widget::make() -> _ZN7ht_test6Widget4makeEv
expect_eq "Widget::make in-use objects" "$(site_sum "$WORK/seg" 6Widget4make cur_objs)" \
	"$(truth "$WORK/out" Widget objects)"
expect_eq "Widget::make in-use bytes" "$(site_sum "$WORK/seg" 6Widget4make cur_bytes)" \
	"$(truth "$WORK/out" Widget bytes)"
expect_eq "cxx_leak_array in-use objects" "$(site_sum "$WORK/seg" cxx_leak_array cur_objs)" \
	"$(truth "$WORK/out" cxx_leak_array objects)"
expect_eq "cxx_leak_array in-use bytes" "$(site_sum "$WORK/seg" cxx_leak_array est_cur_bytes)" \
	"$(truth "$WORK/out" cxx_leak_array bytes)"
# container churn: every stack through cxx_churn is back at zero in use
awk '$1 == "stack" && /cxx_churn/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "cur_objs") cur += kv[2]; if (kv[1] == "cum_objs") cum += kv[2] } }
	END { printf "# cxx_churn: in use %d, allocated %d\n", cur, cum; exit !(cur == 0 && cum >= 500 * 50) }' \
	"$WORK/seg" || fail "container churn not seen or not freed"
exit 0
