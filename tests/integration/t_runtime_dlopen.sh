# Modules: a library loaded with dlopen, allocating, then dlclose'd stays
# in the module list flagged unloaded (so its stacks still symbolize); the
# main program, the runtime and libc carry build-ids.  The flag is set
# before dlclose returns (the runtime's dlclose refreshes the list): a
# program that exits right after dlclose has it too.
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

# dlclose, then exit at once: no periodic refresh in between
n=$(seg_name dl0)
HEAPTOP_RATE=1 rt_preload "$n" "$T/rt_dlopen" "$plugin" 30 0 >"$WORK/out0" ||
	fail "rt_dlopen without a pause failed"
rt_seg "$n" "$WORK/seg0"
grep "^module .* path=.*librt_plugin.so\$" "$WORK/seg0" >"$WORK/plug0" ||
	fail "plugin never published (no pause)"
awk '{ split($3, f, "="); if (int(f[2] / 2) % 2 == 1) ok = 1 } END { exit !ok }' "$WORK/plug0" ||
	fail "plugin not flagged unloaded when dlclose returned"
expect_eq "plugin_leak_site in use (no pause)" \
	"$(site_sum "$WORK/seg0" plugin_leak_site cur_objs)" 30
exit 0
