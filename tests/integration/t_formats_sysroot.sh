#!/bin/sh
# A jemalloc dump symbolized after its binary moved: `heaptop --load`
# finds it under --sysroot, and after the binary was stripped, its debug
# info under --debug-dir (by build-id); without them the frames are
# "module+0xoffset".
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"
command -v objcopy >/dev/null && command -v readelf >/dev/null || fail "binutils missing"

top_site() { # JSON: the first site's function and file
	sed 's/"frames":\[[^]]*\]//g' "$1" | grep -o '"sites":\[{"function":"[^"]*","file":[^,]*' \
		| sed 's/"sites":\[{"function":"//; s/","file":/ /'
}

mkdir -p "$WORK/app" "$WORK/root" "$WORK/dbg"
cp "$T/fmt_jeleak" "$WORK/app/fmt_jeleak"
LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,lg_prof_sample:12,prof_final:true,prof_prefix:$WORK/je" \
	"$WORK/app/fmt_jeleak" -n 5000 >/dev/null || fail "fmt_jeleak failed"
dump=$(ls "$WORK"/je.*.f.heap | head -n 1)

# move the binary under a sysroot: its recorded path no longer exists
mkdir -p "$WORK/root$WORK/app"
mv "$WORK/app/fmt_jeleak" "$WORK/root$WORK/app/fmt_jeleak"

"$HEAPTOP" --load "$dump" --json --group function -n 1 >"$WORK/none.json" || fail "load failed"
set -- $(top_site "$WORK/none.json")
note "without --sysroot: $1"
case "$1" in fmt_jeleak+0x*) ;; *) fail "expected fmt_jeleak+0x..., got $1" ;; esac

"$HEAPTOP" --load "$dump" --sysroot "$WORK/root" --json --group function -n 1 \
	>"$WORK/root.json" || fail "load --sysroot failed"
set -- $(top_site "$WORK/root.json")
note "with --sysroot: $1 $2"
[ "$1" = grow_site ] || fail "expected grow_site, got $1"
case "$2" in *fmt_jeleak.c*) ;; *) fail "no source file: $2" ;; esac

# strip it; keep the debug info by build-id elsewhere
bin="$WORK/root$WORK/app/fmt_jeleak"
id=$(readelf -n "$bin" | sed -n 's/.*Build ID: *//p')
[ -n "$id" ] || fail "no build-id"
dir=$(echo "$id" | cut -c1-2) rest=$(echo "$id" | cut -c3-)
mkdir -p "$WORK/dbg/.build-id/$dir"
objcopy --only-keep-debug "$bin" "$WORK/dbg/.build-id/$dir/$rest.debug" || fail "objcopy"
strip --strip-all "$bin" || fail "strip"

"$HEAPTOP" --load "$dump" --sysroot "$WORK/root" --json --group function -n 1 \
	>"$WORK/stripped.json" || fail "load (stripped) failed"
set -- $(top_site "$WORK/stripped.json")
note "stripped, no --debug-dir: $1"
case "$1" in fmt_jeleak+0x*) ;; *) fail "expected fmt_jeleak+0x..., got $1" ;; esac

"$HEAPTOP" --load "$dump" --sysroot "$WORK/root" --debug-dir "$WORK/dbg" --json \
	--group function -n 1 >"$WORK/dbg.json" || fail "load --debug-dir failed"
set -- $(top_site "$WORK/dbg.json")
note "stripped, --debug-dir: $1 $2"
[ "$1" = grow_site ] || fail "expected grow_site, got $1"
case "$2" in *fmt_jeleak.c*) ;; *) fail "no source file: $2" ;; esac
exit 0
