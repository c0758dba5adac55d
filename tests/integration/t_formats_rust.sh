#!/bin/sh
# The workflow heaptop's --load is for: a Rust program on jemalloc with
# prof:true (libjemalloc preloaded; no crates needed).  `heaptop --load`
# names the Rust function holding the leak, demangled, with its file:line
# (Rust's allocator frames are machinery, not the site), with the bytes
# jeprof attributes to that function (its cumulative column: jeprof's flat
# column stops at alloc::alloc::alloc), within 1%, and close to the truth.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JEPROF=${JEPROF:-$(command -v jeprof || true)}
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"
RUSTC=""
[ -n "${CARGO:-}" ] && [ -x "$(dirname "$CARGO")/rustc" ] && RUSTC="$(dirname "$CARGO")/rustc"
[ -n "$RUSTC" ] || RUSTC=$(command -v rustc || true)
[ -n "$RUSTC" ] || [ ! -x "$HOME/.cargo/bin/rustc" ] || RUSTC="$HOME/.cargo/bin/rustc"
[ -n "$RUSTC" ] || skip "rustc not installed"

"$RUSTC" -g -C opt-level=0 -C force-frame-pointers=yes -o "$WORK/fmt_rsleak" \
	"$HT_SRCDIR/tests/targets/fmt_rsleak.rs" || fail "rustc failed"
LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,lg_prof_sample:12,prof_final:true,prof_prefix:$WORK/je" \
	"$WORK/fmt_rsleak" 20000 >"$WORK/truth" || fail "fmt_rsleak under jemalloc failed"
dump=$(ls "$WORK"/je.*.f.heap | head -n 1)
[ -n "$dump" ] || fail "no dump"

"$HEAPTOP" --load "$dump" --json --group function --top 0 -n 1 >"$WORK/ht.json" 2>"$WORK/err" \
	|| { cat "$WORK/err"; fail "heaptop --load failed"; }
"$HEAPTOP" --load "$dump" --batch --group function -n 1 | head -n 5
site=$(sed 's/"frames":\[[^]]*\]//g' "$WORK/ht.json" \
	| grep -o '"sites":\[{"function":"[^"]*","file":"[^"]*","line":[0-9]*' \
	| sed 's/"sites":\[{"function":"//; s/","file":"/ /; s/","line":/ /')
set -- $site
note "top site: $*"
[ "${1:-}" = "fmt_rsleak::cache::leak_here" ] || fail "top site is '${1:-}'"
case "${2:-}" in *fmt_rsleak.rs) ;; *) fail "file is '${2:-}'" ;; esac
# grouped by function the site shows no line (0); its frame has it
[ "${3:-}" = 0 ] || fail "--group function: line '${3:-}', want 0"
grep -q '"frames":\[{"function":"fmt_rsleak::cache::leak_here","file":"[^"]*fmt_rsleak.rs","line":[1-9]' "$WORK/ht.json" ||
	fail "no line in the site's frame"

hb=$(sed 's/"frames":\[[^]]*\]//g' "$WORK/ht.json" \
	| grep -o '"function":"fmt_rsleak::cache::leak_here",[^{]*"inuse_bytes":[0-9.e+]*' \
	| sed 's/.*"inuse_bytes"://')
"$JEPROF" --text --show_bytes "$WORK/fmt_rsleak" "$dump" >"$WORK/jeprof.txt" 2>/dev/null \
	|| fail "jeprof failed"
jb=$(awk '$6 ~ /leak_here/ { print $4; exit }' "$WORK/jeprof.txt")
truth=$(sed -n 's/^truth leak_here .* bytes=//p' "$WORK/truth")
note "leak_here: heaptop $hb B, jeprof (cumulative) $jb B, truth $truth B"
[ -n "$hb" ] && [ -n "$jb" ] || fail "missing numbers"
within "$hb" "$jb" 0.01 || fail "heaptop and jeprof differ by more than 1%"
within "$hb" "$truth" 0.05 || fail "far from the truth"
exit 0
