#!/bin/sh
# Screen: the processes of the tree (P).  pt_tree runs under heaptop at
# -r 1; its two fork children keep 300 x 3333 bytes (child_a_site) and
# 400 x 4444 bytes (child_b_site) and hold them for a while.  P lists the
# parent first and both children under it with the pids pt_tree printed;
# the header says "with children".  Enter on child a shows child a's
# sites (child_a_site on top, parent_site gone) and the header names the
# child process; P and Enter on the first row go back to the parent
# (parent_site on top again).
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

tui_launch 160 40 -r 1 -d 0.3 "$T/pt_tree" -s 40
tui_wait 20 'parent_site' || fail "the parent's site never showed"
wait_for 10 grep -q '^child b pid=' "$WORK/app.log" || fail "pt_tree printed no pids"
ppid=$(awk '/^parent pid=/ { sub(/.*=/, ""); print }' "$WORK/app.log")
apid=$(awk '/^child a pid=/ { sub(/.*=/, ""); print }' "$WORK/app.log")
bpid=$(awk '/^child b pid=/ { sub(/.*=/, ""); print }' "$WORK/app.log")
tui_wait 20 'with children' || fail "no \"with children\" in the header"

tui_keys P
# the rows: "[*] PID STATE INUSE ALLOC SAMPLES [indent `- ]COMMAND"
procs_listed() {
	awk -v p="$ppid" -v a="$apid" -v b="$bpid" '
		{ l = $0; sub(/^\*/, " ", l); split(l, f, " ") }
		f[1] == p && index(l, "pt_tree") && !index(l, "`-") { n++; if (n == 1 && !seen) first = 1 }
		f[1] == a && index(l, "`- ") { n++ }
		f[1] == b && index(l, "`- ") { n++ }
		f[1] ~ /^[0-9]+$/ && !seen { seen = 1; if (f[1] != p) bad = 1 }
		END { exit !(n == 3 && !bad) }' "$TUI_SCREEN"
}
tui_wait_fn 20 procs_listed || fail "P does not list the parent then both children"
note "ok: P lists parent $ppid, children $apid and $bpid indented"

# children are ordered by when their segments appeared: find child a's row
arow=$(awk -v a="$apid" '/ PID +STATE / { on = 1; next }
	on { l = $0; sub(/^\*/, " ", l); split(l, f, " ")
	     if (f[1] !~ /^[0-9]+$/) exit; if (f[1] == a) { print n; exit }; n++ }' "$TUI_SCREEN")
[ -n "$arow" ] && [ "$arow" -ge 1 ] || fail "child a's row not found"
i=0
while [ "$i" -lt "$arow" ]; do tui_keys Down; i=$((i + 1)); done
tui_keys Enter
child_shown() {
	grep -q "child process" "$TUI_SCREEN" &&
	grep -q "pid $apid" "$TUI_SCREEN" &&
	[ "$(tui_rank child_a_site)" = 1 ] && [ -z "$(tui_rank parent_site)" ]
}
tui_wait_fn 20 child_shown || fail "Enter on child a does not show its sites"
note "ok: Enter on child a: child_a_site on top, header names the child"

tui_keys P
tui_wait 10 'processes of the tree' || fail "P again does not list the processes"
tui_keys Home
tui_keys Enter
parent_shown() {
	! grep -q "child process" "$TUI_SCREEN" &&
	grep -q "pid $ppid" "$TUI_SCREEN" &&
	[ "$(tui_rank parent_site)" = 1 ] && [ -z "$(tui_rank child_a_site)" ]
}
tui_wait_fn 20 parent_shown || fail "Enter on the root does not go back to the parent"
note "ok: back on the parent: parent_site on top"
tui_quit_kill || fail "quit failed"
exit 0
