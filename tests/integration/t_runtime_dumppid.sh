# HEAPTOP_DUMP_AT_EXIT with %p: in a process tree (timeout, preloaded too,
# runs pt_tree, which forks two allocating children and a quiet shell)
# every process writes its own PATH with %p replaced by its pid, nothing
# is renamed, and jeprof reads each dump: at rate 1 it names each child's
# allocating function with its exact bytes.  Without %p the old rule holds:
# the root writes PATH, every descendant PATH.<pid>.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

[ -n "${JEPROF:-}" ] && [ -x "$JEPROF" ] || JEPROF=$(command -v jeprof || true)
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev is a test dependency)"
TIMEOUT=$(command -v timeout) || skip "no timeout(1)"

n=$(seg_name dumppid)
rt_names="$rt_names $n"
mkdir "$WORK/p"
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$n" HEAPTOP_RATE=1 \
	HEAPTOP_DUMP_AT_EXIT="$WORK/p/d.%p.heap" "$TIMEOUT" 60 "$T/pt_tree" >"$WORK/out" &
tpid=$!
wait $tpid || fail "timeout pt_tree failed"
cat "$WORK/out"
ls "$WORK/p"
ppid=$(awk '/^parent pid=/ { sub(/.*=/, ""); print }' "$WORK/out")
apid=$(awk '/^child a pid=/ { sub(/.*=/, ""); print }' "$WORK/out")
bpid=$(awk '/^child b pid=/ { sub(/.*=/, ""); print }' "$WORK/out")
for p in $tpid $ppid $apid $bpid; do
	[ -s "$WORK/p/d.$p.heap" ] || fail "no dump d.$p.heap"
	exe=$T/pt_tree
	[ "$p" = "$tpid" ] && exe=$TIMEOUT
	"$JEPROF" --text --show_bytes "$exe" "$WORK/p/d.$p.heap" >"$WORK/j.$p" 2>"$WORK/j.$p.err" ||
		{ cat "$WORK/j.$p.err"; fail "jeprof cannot read d.$p.heap"; }
done
note "ok: one dump per process, each named by its pid"
# nothing renamed or suffixed, no literal %p
for f in "$WORK"/p/*; do
	echo "${f##*/}" | grep -qx 'd\.[0-9][0-9]*\.heap' || fail "unexpected file ${f##*/}"
done
note "ok: no other names"

# jeprof names each process's own allocating function, exact at rate 1
jtop() { "$JEPROF" --text --show_bytes "$T/pt_tree" "$1" 2>/dev/null |
	awk '/^Total:/ { getline; print $NF; exit }'; }
jbytes() { "$JEPROF" --text --show_bytes "$T/pt_tree" "$1" 2>/dev/null |
	awk -v s="$2" '$NF == s { print $1; exit }'; }
for pair in "$apid child_a_site" "$bpid child_b_site" "$ppid parent_site"; do
	set -- $pair
	top=$(jtop "$WORK/p/d.$1.heap")
	[ "$top" = "$2" ] || fail "jeprof ranks '$top' first in pid $1's dump, not $2"
	expect_eq "jeprof's $2 bytes" "$(jbytes "$WORK/p/d.$1.heap" "$2")" \
		"$(truth "$WORK/out" "$2" bytes)"
done
[ -z "$(jbytes "$WORK/p/d.$apid.heap" child_b_site)" ] || fail "child a's dump holds child b's site"

# %% is a single %
n2=$(seg_name dumppid2)
rt_names="$rt_names $n2"
HEAPTOP_DUMP_AT_EXIT="$WORK/pct.%%.%p" rt_preload "$n2" "$T/pt_tree" -a 5 -b 5 >"$WORK/out2" ||
	fail "pt_tree failed"
ppid=$(awk '/^parent pid=/ { sub(/.*=/, ""); print }' "$WORK/out2")
[ -s "$WORK/pct.%.$ppid" ] || fail "%% not a single %: $(ls "$WORK")"

# without %p: the root writes PATH, descendants PATH.<pid>
n3=$(seg_name dumppid3)
rt_names="$rt_names $n3"
mkdir "$WORK/s"
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$n3" HEAPTOP_RATE=1 HEAPTOP_DUMP_AT_EXIT="$WORK/s/x.heap" \
	"$TIMEOUT" 60 "$T/pt_tree" -a 5 -b 5 >"$WORK/out3" || fail "timeout pt_tree failed"
apid=$(awk '/^child a pid=/ { sub(/.*=/, ""); print }' "$WORK/out3")
[ -s "$WORK/s/x.heap" ] || fail "no root dump x.heap without %p"
[ -s "$WORK/s/x.heap.$apid" ] || fail "no x.heap.<pid> for a child without %p"
note "ok: without %p, PATH and PATH.<pid> as before"
exit 0
