# Helpers for the screen tests (tests/tui/t_*.sh).  Source after lib.sh:
#   . "$HT_SRCDIR/tests/lib.sh"; . "$HT_SRCDIR/tests/tui/tui.sh"
# Each test drives the real heaptop in its own tmux server (-L ht<pid>,
# no config file), reads the screen with capture-pane and waits for text
# with a deadline instead of fixed sleeps.  The server is killed at exit.

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$HEAPTOP" ] || fail "$HEAPTOP not built"
[ -f "$HT_RUNTIME" ] || fail "$HT_RUNTIME not built"

TUI_SOCK="ht$$"
TUI_SCREEN="$WORK/screen.txt"

TUI_SOCK_PATH=""

tui_stop() {
	tmux -L "$TUI_SOCK" kill-server >/dev/null 2>&1
	# kill-server leaves the socket file behind
	[ -n "$TUI_SOCK_PATH" ] && rm -f "$TUI_SOCK_PATH"
	return 0
}

# tui_start COLS LINES SHELL-COMMAND: a new server with one pane running
# the command under sh.
tui_start() {
	tmux -L "$TUI_SOCK" -f /dev/null new-session -d -x "$1" -y "$2" "$3" \
		|| fail "cannot start tmux"
	at_exit tui_stop
	TUI_SOCK_PATH=$(tmux -L "$TUI_SOCK" display-message -p '#{socket_path}' \
		2>/dev/null)
	# keep the pane (and its last screen) when the command exits
	tmux -L "$TUI_SOCK" set-option -g remain-on-exit on >/dev/null 2>&1
}

# tui_launch COLS LINES HEAPTOP-ARGS...: run heaptop in the pane with a
# UTF-8 locale, recording the terminal state (stty -g) before and after
# and heaptop's exit status in $WORK/rc.  The program's output goes to
# $WORK/app.log.
tui_launch() {
	cols=$1 lines=$2; shift 2
	args=""
	for a in "$@"; do args="$args '$a'"; done
	cat >"$WORK/pane.sh" <<PANE
cd '$WORK' || exit 1
stty -g >'$WORK/stty.before'
env LANG=C.UTF-8 LC_ALL=C.UTF-8 ${TUI_ENV:-} '$HEAPTOP' --app-output '$WORK/app.log' $args
echo \$? >'$WORK/rc.tmp'; mv '$WORK/rc.tmp' '$WORK/rc'
stty -g >'$WORK/stty.after'
echo "pane-shell-prompt\$ "
exec sleep 600
PANE
	tui_start "$cols" "$lines" "sh '$WORK/pane.sh'"
}

tui_screen() { tmux -L "$TUI_SOCK" capture-pane -p >"$TUI_SCREEN" 2>/dev/null; }

# tui_show: print the last captured screen (for failure logs).
tui_show() { echo "----- screen:"; cat "$TUI_SCREEN"; echo "-----"; }

# tui_wait SECONDS ERE: wait until the screen matches; prints the screen
# and returns 1 on timeout.
tui_wait() {
	tw_end=$(( $(date +%s) + $1 ))
	while :; do
		tui_screen
		grep -Eq -- "$2" "$TUI_SCREEN" && return 0
		if [ "$(date +%s)" -ge "$tw_end" ]; then
			echo "timed out waiting for /$2/"
			tui_show
			return 1
		fi
		sleep 0.1
	done
}

# tui_wait_fn SECONDS FUNCTION: wait until FUNCTION (reading
# $TUI_SCREEN) succeeds on a fresh capture.
tui_wait_fn() {
	tw_end=$(( $(date +%s) + $1 ))
	while :; do
		tui_screen
		"$2" && return 0
		if [ "$(date +%s)" -ge "$tw_end" ]; then
			echo "timed out waiting for $2"
			tui_show
			return 1
		fi
		sleep 0.1
	done
}

tui_keys() { tmux -L "$TUI_SOCK" send-keys "$@"; }

tui_resize() { tmux -L "$TUI_SOCK" resize-window -x "$1" -y "$2"; }

# The rows of the sites table on the captured screen: lines after the
# column header (the one whose first field is "#") whose first field is
# a rank.
tui_rows() {
	awk 'hdr && $1 ~ /^[0-9]+$/ { print; next }
	     $1 == "#" { hdr = 1; next }
	     hdr && $1 !~ /^[0-9]+$/ { exit }' "$TUI_SCREEN"
}

# tui_rank TEXT: the rank of the first table row containing TEXT, or
# nothing.
tui_rank() { tui_rows | awk -v t="$1" 'index($0, t) { print $1; exit }'; }

# tui_field TEXT N: field N of the first table row containing TEXT.
tui_field() {
	tui_rows | awk -v t="$1" -v n="$2" 'index($0, t) { print $n; exit }'
}

# bytes VALUE: a screen value ("+1.5M", "-20K", "0", "999") in bytes.
bytes() {
	echo "$1" | awk '{ v = $1; gsub(/[^0-9.KMG+-]/, "", v)
		m = 1; u = substr(v, length(v))
		if (u == "K") m = 1024; else if (u == "M") m = 1048576;
		else if (u == "G") m = 1073741824
		if (m > 1) v = substr(v, 1, length(v) - 1)
		printf "%.0f\n", v * m }'
}

# The pid the target printed ("ready pid=N") into the output log.
tui_target_pid() {
	wait_for 10 grep -q '^ready pid=' "$WORK/app.log" || return 1
	sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$WORK/app.log" | head -n 1
}

# tui_quit_kill: q, then k(ill) in the question; waits for heaptop to end.
tui_quit_kill() {
	tui_keys q
	tui_wait 10 'k = kill the program' || return 1
	tui_keys k
	wait_for 20 test -f "$WORK/rc" || { echo "heaptop did not exit"; \
		tui_screen; tui_show; return 1; }
}

# The terminal state after heaptop equals the state before it.
tui_terminal_restored() {
	wait_for 10 test -f "$WORK/stty.after" || return 1
	cmp -s "$WORK/stty.before" "$WORK/stty.after" || {
		echo "stty before: $(cat "$WORK/stty.before")"
		echo "stty after:  $(cat "$WORK/stty.after")"
		return 1
	}
	tui_wait 5 'pane-shell-prompt' || return 1
}

# The header's "allocated" total on the last capture ("35.1M").
tui_alloc_total() {
	sed -n 's/.*allocated \([0-9.]*[KMG]*\) (.*/\1/p' "$TUI_SCREEN" | head -n 1
}

# tui_check_reset BYTES: once more than BYTES are allocated, pause, `r`,
# `y`: the allocated total right after the reset is under an eighth of
# the total before it; then resume and see it grow by 4 MiB again.  Fails
# the test otherwise.
tui_check_reset() {
	tcr_min=$1
	tcr_big() { v=$(tui_alloc_total); [ -n "$v" ] && [ "$(bytes "$v")" -gt "$tcr_min" ]; }
	check "more than $tcr_min bytes allocated" tui_wait_fn 40 tcr_big
	tui_keys Space
	check "paused" tui_wait 5 'PAUSED'
	tui_screen
	tcr_before=$(bytes "$(tui_alloc_total)")
	tui_keys r
	check "reset asks to confirm" tui_wait 5 'Reset all counters.*y/n'
	tui_keys y
	check "reset done" tui_wait 10 'counters reset'
	tui_screen
	tcr_after=$(bytes "$(tui_alloc_total)")
	note "allocated since reset: before=$tcr_before after=$tcr_after"
	awk -v a="$tcr_after" -v b="$tcr_before" 'BEGIN { exit !(a * 8 < b) }' ||
		{ tui_show; fail "the reset did not restart the counters"; }
	tui_keys Space
	tcr_grows() { v=$(tui_alloc_total); [ -n "$v" ] && [ "$(bytes "$v")" -gt "$((tcr_after + 4194304))" ]; }
	check "counting resumes after the reset" tui_wait_fn 20 tcr_grows
}
