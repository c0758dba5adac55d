#!/bin/sh
# Sites are the program's own code: allocations through the standard
# library (C++ std::vector / std::map; Rust format!, Vec, HashMap and
# to_string over the program's Display impl) are attributed to the
# program's method at the calling line, "via" the library function it
# called; the library frames stay in the JSON frames.  --lib-sites
# brings the library frames back as sites; --fold and HEAPTOP_FOLD add
# patterns.  The targets run under the runtime at rate 1.
# timeout: 150
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
# sites of the last JSON object: function|line|via
sites() {
	tail -n 1 "$1" | perl -ne 'while (/\{"function":"((?:[^"\\]|\\.)*)","file":(?:null|"(?:[^"\\]|\\.)*"),"line":(\d+),"module":(?:null|"[^"]*"),(?:"via":"((?:[^"\\]|\\.)*)",)?"inuse_bytes"/g) { print "$1|$2|", (defined $3 ? $3 : ""), "\n" }'
}
line_of() { grep -n "$2" "$HT_SRCDIR/tests/targets/$1" | head -n 1 | cut -d: -f1; }
run() {
	name=$1; shift
	"$HEAPTOP" --json -r 1 --top 0 -d 0.5 --app-output "$name.log" "$@" \
		>"$name.json" 2>"$name.err" || { cat "$name.err"; fail "$name: heaptop failed"; }
	grep -q '^done' "$name.log" || fail "$name: the target did not finish"
	sites "$name.json" >"$name.sites"
	[ -s "$name.sites" ] || fail "$name: no sites"
}
# expect NAME FUNCTION LINE VIA_REGEX: a site FUNCTION|LINE|via matching
expect() {
	grep -F "$2|$3|" "$1.sites" | grep -Eq "^[^|]*\|[0-9]*\|$4\$" ||
		{ cat "$1.sites"; fail "$1: no site $2 at line $3 via /$4/"; }
	note "ok: $1: $2:$3 via $(grep -F "$2|$3|" "$1.sites" | head -n 1 | cut -d'|' -f3)"
}

# ---- C++ ----
run cc "$T/fe_libcc" 300
expect cc 'shop::Ledger::record(long)' "$(line_of fe_libcc.cc CC_VECTOR)" \
	'std::vector<long, std::allocator<long> >::push_back\(long const&\)'
expect cc 'shop::Ledger::index(int)' "$(line_of fe_libcc.cc CC_MAP)" \
	'std::map<int, long.*>::operator\[\]\(int const&\)'
grep -q '^std::\|^void std::' cc.sites && { cat cc.sites; fail "cc: a std:: site"; }
# the library frames stay in the site's frames, under the site
tail -n 1 cc.json | grep -q '"function":"std::vector<long, std::allocator<long> >::push_back(long const&)"[^}]*},{"function":"shop::Ledger::record(long)"' ||
	fail "cc: push_back not in the frames before the site"
# --lib-sites: the container internals are sites again
run cclib --lib-sites "$T/fe_libcc" 300
grep -q '^shop::Ledger::' cclib.sites && { cat cclib.sites; fail "cclib: --lib-sites still folds"; }
grep -q 'std::' cclib.sites || { cat cclib.sites; fail "cclib: no std:: site with --lib-sites"; }
grep -q '|[^|]*|.' cclib.sites && { cat cclib.sites; fail "cclib: a via with --lib-sites"; }
note "ok: --lib-sites shows std:: sites"
# --fold: the program's own shop:: folds too; main is the site
run ccfold --fold 'shop::*Ledger::' "$T/fe_libcc" 300
grep -q '^shop::' ccfold.sites && { cat ccfold.sites; fail "ccfold: shop:: still a site"; }
grep -Eq '^main\|[0-9]+\|shop::Ledger::(record|index)' ccfold.sites ||
	{ cat ccfold.sites; fail "ccfold: main via shop::Ledger missing"; }
HEAPTOP_FOLD='nothing::here:shop::' run ccenv "$T/fe_libcc" 300
grep -Eq '^main\|[0-9]+\|shop::Ledger::(record|index)' ccenv.sites ||
	{ cat ccenv.sites; fail "ccenv: HEAPTOP_FOLD=...:shop:: not applied"; }
note "ok: --fold and HEAPTOP_FOLD"

# ---- Rust ----
RUSTC=""
for r in rustc "$HOME/.cargo/bin/rustc" "${CARGO:+$(dirname "${CARGO:-x}")/rustc}"; do
	[ -n "$r" ] && command -v "$r" >/dev/null 2>&1 && { RUSTC=$r; break; }
done
[ -n "$RUSTC" ] || fail "rustc not found (cargo/rustc are build dependencies of the tests)"
"$RUSTC" -g -C opt-level=0 -o fe_librs "$HT_SRCDIR/tests/targets/fe_librs.rs" 2>rustc.err ||
	{ cat rustc.err; fail "rustc failed"; }
run rs ./fe_librs 300
expect rs 'fe_librs::service::EventLog::record' "$(line_of fe_librs.rs RS_FORMAT)" \
	'alloc::fmt::format'
expect rs 'fe_librs::service::EventLog::append' "$(line_of fe_librs.rs RS_VEC)" \
	'<?alloc::vec::Vec<[^>]*>>?::push'
expect rs 'fe_librs::service::EventLog::index' "$(line_of fe_librs.rs RS_MAP)" \
	'<?std::collections::hash::map::HashMap<[^>]*>>?::insert'
# the program's Display impl is the program's code, whatever its trait
expect rs '<fe_librs::service::Event as core::fmt::Display>::fmt' \
	"$(line_of fe_librs.rs RS_DISPLAY)" 'core::fmt::.*'
grep -Eq '^(alloc|core|std|hashbrown)::|^<(alloc|core|std|hashbrown)::' rs.sites &&
	{ cat rs.sites; fail "rs: a library site"; }
run rslib --lib-sites ./fe_librs 300
grep -q '^fe_librs::service::EventLog::record|' rslib.sites &&
	{ cat rslib.sites; fail "rslib: record still a site with --lib-sites"; }
grep -Eq '^<?(alloc|core|std|hashbrown)::' rslib.sites ||
	{ cat rslib.sites; fail "rslib: no library site with --lib-sites"; }
note "ok: Rust --lib-sites"
exit 0
