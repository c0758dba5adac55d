# Modules: a library loaded with dlopen, allocating, then dlclose'd stays
# in the module list flagged unloaded (so its stacks still symbolize); the
# main program, the runtime and libc carry build-ids.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

plugin="$T/.libs/librt_plugin.so"
[ -f "$plugin" ] || fail "plugin not built"
n=$(seg_name dl)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_dlopen" "$plugin" 30 >"$WORK/out" || fail "rt_dlopen failed"
rt_seg "$n" "$WORK/seg"
grep '^module' "$WORK/seg"
grep "^module .* path=.*librt_plugin.so\$" "$WORK/seg" >"$WORK/plug" || fail "plugin never published"
awk '{ split($3, f, "="); if (int(f[2] / 2) % 2 == 1) ok = 1 } END { exit !ok }' "$WORK/plug" ||
	fail "plugin not flagged unloaded"
expect_eq "plugin_leak_site in use" "$(site_sum "$WORK/seg" plugin_leak_site cur_objs)" 30
expect_eq "plugin_leak_site bytes" "$(site_sum "$WORK/seg" plugin_leak_site cur_bytes)" $((30 * 555))
grep "^module .* flags=1 .*path=$T/rt_dlopen\$" "$WORK/seg" | grep -qv 'build_id=-' ||
	fail "main program not flagged main or without build-id"
grep "^module .* flags=4 .*libheaptop.so\$" "$WORK/seg" >/dev/null || fail "runtime not flagged"
grep "^module .*libc.so.6\$" "$WORK/seg" | grep -qv 'build_id=-' || fail "libc without build-id"
exit 0
