#!/bin/sh
# Batch text caps long C++ names: a name over 100 columns loses its
# template arguments and parameter lists (std::map's node allocator,
# ~600 characters, reads "std::_Rb_tree<...>::_M_get_node()") and keeps
# its (file:line); shorter names are printed whole, and the JSON keeps
# every name whole.  fe_libcc with --lib-sites: the std:: frames are the
# sites.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
"$HEAPTOP" --batch -n 1 -r 1 --top 0 -d 0.5 --lib-sites --app-output app.log \
	"$T/fe_libcc" 300 >out.txt 2>err.txt || { cat err.txt; fail "heaptop --batch failed"; }
grep -q '^done' app.log || fail "the target did not finish"
grep -Eq ' std::_Rb_tree<\.\.\.>::_M_get_node\(\) \(stl_tree\.h:[0-9]+\)$' out.txt ||
	{ cat out.txt; fail "no shortened _Rb_tree site with its file:line"; }
# a name under the cap stays whole
grep -Fq ' std::_Vector_base<long, std::allocator<long> >::_M_allocate(unsigned long) (stl_vector.h:' out.txt ||
	{ cat out.txt; fail "the vector site is not whole"; }
# every line bounded: the columns, a 100-column name, its location
long=$(awk 'length($0) > 200 { print length($0) ": " substr($0, 1, 120) }' out.txt)
[ -z "$long" ] || { echo "$long"; fail "batch lines over 200 columns"; }
note "ok: longest line $(awk '{ if (length($0) > m) m = length($0) } END { print m }' out.txt) columns"

"$HEAPTOP" --json -n 1 -r 1 --top 0 -d 0.5 --lib-sites --app-output app2.log \
	"$T/fe_libcc" 300 >out.json 2>err.txt || { cat err.txt; fail "heaptop --json failed"; }
grep -q '"function":"std::_Rb_tree<int, std::pair<int const, long>, [^"]*>::_M_get_node()"' out.json ||
	fail "JSON: the _Rb_tree name is not whole"
note "ok: JSON keeps the whole names"
exit 0
