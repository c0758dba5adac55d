#!/bin/sh
# Screen: C++ names lose their template arguments and parameter lists
# ("std::_Vector_base<…>::_M_allocate(…)") and always keep their
# file:line: at 80 columns only the innermost scope of the name is left,
# where the whole name used to push the location off the row (fe_libcc
# with --lib-sites: the std:: frames are the sites).  The callers tree's
# selected row keeps the name unshortened.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

one_row() { [ "$(tui_rows | wc -l)" -eq 1 ] && tui_rows | grep -q _M_allocate; }

tui_launch 80 30 -r 1 -d 0.5 --lib-sites -- "$T/fe_libcc" 300 hold
pid=$(tui_target_pid) || fail "target did not start"
# 80 columns: too narrow for the whole short name; its innermost scope
# stays, after a marker, and so does the location
check "80 columns: vector site's method and its file:line" tui_wait 20 \
	" …_M_allocate\(…\)  stl_vector\.h:[0-9]+ *\$"
check "80 columns: map site's method and its file:line" tui_wait 20 \
	" …_M_get_node\(\)  stl_tree\.h:[0-9]+ *\$"
# wider: the whole short names
tui_resize 130 30
check "130 columns: vector site shortened" tui_wait 20 \
	" std::_Vector_base<…>::_M_allocate\(…\)  stl_vector\.h:[0-9]+ *\$"
check "130 columns: map site shortened" tui_wait 20 \
	" std::_Rb_tree<…>::_M_get_node\(\)  stl_tree\.h:[0-9]+ *\$"

# back to 80 columns, filter to the vector site, Enter: the callers tree;
# its selected first row (the site) shows the name unshortened (its
# innermost scope, whole parameter list), then its location; the rows
# below are shortened
tui_resize 80 30
tui_keys / _M_allocate Enter
check "filtered to the vector site" tui_wait_fn 10 one_row
tui_keys Enter
check "callers tree: whole name on the selected row" tui_wait 10 \
	"▾ …_M_allocate\(unsigned long\)  stl_vector\.h:[0-9]+"
check "callers tree: short names below" tui_wait 10 \
	"std::vector<…>::push_back\(…\)  stl_vector\.h:[0-9]+"
# wider: the whole name on the selected row
tui_resize 130 30
check "callers tree, 130 columns: the whole name" tui_wait 10 \
	"▾ std::_Vector_base<long, std::allocator<long> >::_M_allocate\(unsigned long\)  stl_vector\.h:[0-9]+"
tui_keys Escape
check "back to the sites" tui_wait 10 "Top sites"
check "quit" tui_quit_kill
exit 0
