#!/bin/sh
# Screen: the selected row follows its site, not its rank.  With the
# cursor on the top site (leak_site), change the order (sort by name,
# which puts churn_site and leak_mixed before it): the cursor is still on
# leak_site at its new rank; j/k/End move it.  Run with NO_COLOR so the
# cursor row is the one drawn in reverse video.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/tui/tui.sh"

TUI_ENV="NO_COLOR=1"
tui_launch 120 40 -r 4096 -d 0.5 -- "$T/leaky" -f -s 20000 -l 50000
pid=$(tui_target_pid) || fail "target did not start"

# The site on the cursor row: the row whose source text is drawn in
# reverse video.  capture-pane -e writes an attribute only where it
# changes, so the state is followed across lines.
selected() {
	tmux -L "$TUI_SOCK" capture-pane -p -e | awk -v esc="$(printf '\033')" '
	{
		n = split($0, part, esc); hit = 0; text = ""
		for (i = 1; i <= n; i++) {
			p = part[i]
			if (i > 1 && match(p, /^\[[0-9;]*m/)) {
				codes = substr(p, 2, RLENGTH - 2)
				p = substr(p, RLENGTH + 1)
				nc = split(codes, c, ";")
				if (nc == 0) rev = 0
				for (j = 1; j <= nc; j++) {
					if (c[j] == "" || c[j] == "0" || c[j] == "27") rev = 0
					else if (c[j] == "7") rev = 1
				}
			}
			text = text p
			if (rev && p ~ /leaky\.c/) hit = 1
		}
		if (hit) { print text; exit }
	}' | sed 's/.* \([a-z_]*\)  leaky\.c.*/\1/'
}
first_is_leak() { tui_rows | head -n 1 | grep -q leak_site; }
second_is_mixed() { [ "$(tui_rows | sed -n 2p | grep -c leak_mixed)" = 1 ]; }
check "leak_site first" tui_wait_fn 30 first_is_leak
check "leak_mixed second" tui_wait_fn 30 second_is_mixed
sel_is() { [ "$(selected)" = "$1" ]; }
sel_site() { sel_is leak_site; }
sel_mixed() { sel_is leak_mixed; }
check "cursor on the first row" tui_wait_fn 5 sel_site
tui_keys j
check "j moves to leak_mixed" tui_wait_fn 5 sel_mixed
tui_keys k
check "k moves back to leak_site" tui_wait_fn 5 sel_site

# sort by name (s cycles in-use objects, allocated bytes, allocated
# objects, name): churn_site and leak_mixed now come before leak_site
tui_keys s s s s
check "sorted by name" tui_wait 10 'sort: name'
moved() {
	r=$(tui_rank leak_site)
	[ -n "$r" ] && [ "$r" -ge 3 ]
}
check "leak_site moved from rank 1" tui_wait_fn 10 moved
note "leak_site now at rank $(tui_rank leak_site)"
check "the cursor followed leak_site" tui_wait_fn 5 sel_site
tui_keys k
not_site() { s=$(selected); [ -n "$s" ] && [ "$s" != leak_site ]; }
check "k moves off it" tui_wait_fn 5 not_site
tui_keys End
last_row() {
	last=$(tui_rows | tail -n 1 | sed 's/.* \([a-z_]*\)  leaky\.c.*/\1/')
	[ -n "$last" ] && sel_is "$last"
}
check "End selects the last row" tui_wait_fn 5 last_row

check "quit" tui_quit_kill
exit 0
