# heaptop --list shows process trees: timeout (preloaded) runs pt_tree,
# which forks two allocating children and runs a quiet /bin/true.  The
# list shows one tree: timeout at its root, pt_tree under it, both
# children under pt_tree with their pids and samples; true, which
# sampled nothing, are hidden with a count, and --list --all shows them.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

TIMEOUT=$(command -v timeout) || skip "no timeout(1)"
n=$(seg_name tree)
rt_names="$rt_names $n"
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$n" HEAPTOP_RATE=4096 \
	"$TIMEOUT" 60 "$T/pt_tree" >"$WORK/out" || fail "timeout pt_tree failed"
cat "$WORK/out"
ppid=$(awk '/^parent pid=/ { sub(/.*=/, ""); print }' "$WORK/out")
apid=$(awk '/^child a pid=/ { sub(/.*=/, ""); print }' "$WORK/out")
bpid=$(awk '/^child b pid=/ { sub(/.*=/, ""); print }' "$WORK/out")

"$HEAPTOP" --list >"$WORK/list" || fail "--list failed"
"$HEAPTOP" --list --all >"$WORK/all" || fail "--list --all failed"
cat "$WORK/all"
# our rows as "DEPTH PID COMMAND": the command column starts at 98, two
# spaces of indent per level, then "`- "
ours() {
	awk -v p="$n" 'index($1, p) == 1 && (length($1) == length(p) || substr($1, length(p) + 1, 1) == ".") {
		c = substr($0, 98); d = 0
		while (substr(c, 1, 2) == "  ") { c = substr(c, 3); d++ }
		sub(/^`- /, "", c)
		print d, $2, c }' "$1"
}
ours "$WORK/list" >"$WORK/rows"
cat "$WORK/rows"
# siblings come by start time: two children forked back to back may start
# their runtimes in either order, so they are compared as a set
expect=$(printf '0 timeout\n1 %s pt_tree\n%s' "$ppid" \
	"$(printf '2 %s pt_tree\n2 %s pt_tree\n' "$apid" "$bpid" | sort)")
awk '{ c = $3; sub(/.*\//, "", c); if (NR == 1) print $1, c; else print $1, $2, c }' \
	"$WORK/rows" >"$WORK/rows2"
got=$(sed -n 1,2p "$WORK/rows2"; sed 1,2d "$WORK/rows2" | sort)
[ "$got" = "$expect" ] || fail "--list rows:
$got
expected:
$expect"
note "ok: one tree: timeout, pt_tree under it, both children under pt_tree"
# the children sampled (rate 4096: ~250 and ~430 samples)
for p in $apid $bpid; do
	s=$(awk -v p="$p" -v n="$n" 'index($1, n) == 1 && $2 == p { print $6 }' "$WORK/list")
	[ "${s:-0}" -gt 0 ] || fail "child $p: no samples in --list"
done
grep -q " true$" "$WORK/rows" && fail "--list shows the quiet true"
grep -Eq '^\([0-9]+ quiet process(es)? hidden; --list --all shows them\)$' "$WORK/list" ||
	fail "no count of hidden quiet processes"
ours "$WORK/all" | grep -q "^2 [0-9]* true$" || fail "--list --all does not show the quiet true under pt_tree"
note "ok: quiet true hidden, counted, shown by --all"
"$HEAPTOP" --all >/dev/null 2>&1 && fail "--all without --list accepted"
exit 0
