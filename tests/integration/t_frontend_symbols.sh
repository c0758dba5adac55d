#!/bin/sh
# Symbols in heaptop's JSON output checked against eu-addr2line -f -i on
# the same addresses: a C function, a function forced inline into another
# (built with -O2: it must appear as its own frame marked inlined,
# followed by its host), a function in a library loaded late with dlopen,
# a namespaced C++ method (demangled), and a Rust method with its module
# path demangled (the target is built here with rustc, no crates).
# The targets print their /proc/self/maps, from which the test turns each
# runtime address into a file address for eu-addr2line.
# timeout: 110
. "$HT_SRCDIR/tests/lib.sh"

command -v eu-addr2line >/dev/null || fail "eu-addr2line missing (elfutils)"
cd "$WORK"

FRAME_RE='{"function":"[^"]*","file":[^,]*,"line":[0-9]*,"module":[^,]*,"inlined":[a-z]*,"address":"0x[0-9a-f]*"}'
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\|[-0-9][-0-9.e+]*\).*/\1/p" | head -n 1 | tr -d '"'; }

# run NAME PROGRAM ARGS...: heaptop at rate 1, every stack, all frames
run() {
	name=$1; shift
	"$HEAPTOP" --json -r 1 --group stack --top 0 -d 0.5 \
		--app-output "$name.log" "$@" >"$name.json" 2>"$name.err" ||
		{ cat "$name.err"; fail "$name: heaptop failed"; }
	grep -q '^done' "$name.log" || fail "$name: the target did not finish"
	tail -n 1 "$name.json" | grep -o "$FRAME_RE" | sort -u >"$name.frames"
}

# check NAME FUNCTION_PATTERN INLINED: the first frame whose function
# matches must agree with eu-addr2line (function, file, line, inline)
check_frame() {
	name=$1 pat=$2 want_inlined=$3
	grep "\"function\":\"$pat" "$name.frames" | head -n 1 >f.txt
	[ -s f.txt ] || fail "$name: no frame matching $pat"
	fn=$(jfield function <f.txt); file=$(jfield file <f.txt)
	line=$(jfield line <f.txt); mod=$(jfield module <f.txt)
	addr=$(jfield address <f.txt); inl=$(jfield inlined <f.txt)
	[ "$inl" = "$want_inlined" ] || fail "$name: $fn inlined=$inl, expected $want_inlined"
	# the module's first mapping (file offset 0) gives its load bias
	map=$(grep "^map " "$name.log" | awk -v m="$mod" '$4 == "00000000" {
		n = split($NF, p, "/"); if (p[n] == m) { print; exit } }')
	[ -n "$map" ] || fail "$name: module $mod not in the target's maps"
	path=$(echo "$map" | awk '{print $NF}')
	start=$(echo "$map" | awk '{split($2, r, "-"); print r[1]}')
	off=$(printf '0x%x' $(( addr - 0x$start )))
	eu-addr2line -C -f -i -e "$path" "$off" >a2l.txt
	# pairs: function line, then file:line:col
	a2l=$(awk -v fn="$fn" 'NR % 2 == 1 { f = $1; for (i = 2; i <= NF && $i != "inlined"; i++) f = f " " $i; nxt = 1; next }
		nxt { nxt = 0; if (index(f, fn) == 1 || index(fn, f) == 1) { print f "|" $0; exit } }' a2l.txt)
	[ -n "$a2l" ] || { cat a2l.txt; fail "$name: eu-addr2line at $path+$off does not name $fn"; }
	a2l_loc=$(echo "$a2l" | sed 's/^[^|]*|//')
	a2l_file=$(echo "$a2l_loc" | cut -d: -f1)
	a2l_line=$(echo "$a2l_loc" | cut -d: -f2)
	[ "$a2l_file" = "$file" ] || fail "$name: $fn file $file, eu-addr2line says $a2l_file"
	[ "$a2l_line" = "$line" ] || fail "$name: $fn line $line, eu-addr2line says $a2l_line"
	if [ "$want_inlined" = true ]; then
		grep -q "^$fn inlined at" a2l.txt || fail "$name: eu-addr2line does not see $fn inlined"
	fi
	note "ok: $name $fn $(basename "$file"):$line at $mod+$off"
}

# ---- C, inlined, dlopen ----
run sym "$T/fe_sym" "$T/.libs/libfe_dl.so" 100
check_frame sym fe_c_site false
check_frame sym fe_inlined_alloc true
check_frame sym fe_inline_host false
check_frame sym fe_dl_alloc false
# the inlined frame is followed by its host in the same stack
tail -n 1 sym.json | grep -q '"function":"fe_inlined_alloc"[^}]*"inlined":true[^}]*},{"function":"fe_inline_host"' ||
	fail "sym: fe_inlined_alloc is not followed by fe_inline_host"
grep '"function":"fe_dl_alloc"' sym.frames | grep -q '"module":"libfe_dl.so"' ||
	fail "sym: fe_dl_alloc not attributed to libfe_dl.so"
# and it is a site of its own, at the right line, with 100 x 3000 bytes
tail -n 1 sym.json | sed 's/"frames":\[[^]]*\]//g; s/},{"function"/}\n{"function"/g' |
	grep '"function":"fe_dl_alloc"' | grep -q '"inuse_bytes":300000,' ||
	fail "sym: fe_dl_alloc site does not hold 300000 bytes"

# ---- C++ ----
run cc "$T/fe_cc" 100
check_frame cc 'fe_shop::Cart::add_item' false

# ---- Rust ----
RUSTC=""
for r in rustc "$HOME/.cargo/bin/rustc" "${CARGO:+$(dirname "${CARGO:-x}")/rustc}"; do
	[ -n "$r" ] && command -v "$r" >/dev/null 2>&1 && { RUSTC=$r; break; }
done
[ -n "$RUSTC" ] || fail "rustc not found (cargo/rustc are build dependencies of the tests)"
"$RUSTC" -g -C opt-level=0 -o fe_rs "$HT_SRCDIR/tests/targets/fe_rs.rs" ||
	fail "rustc failed"
run rs ./fe_rs 100
grep -q '"function":"[^"]*_ZN\|"function":"_R' rs.frames && fail "rs: mangled names left"
check_frame rs 'fe_rs::fe_inventory::Store::restock' false
grep '"function":"fe_rs::fe_inventory::Store::restock' rs.frames | grep -q '::h[0-9a-f]\{16\}"' &&
	fail "rs: hash suffix not removed"
exit 0
