# heaptop --batch and --json report the launched program's children:
# pt_tree (launched under heaptop at -r 1, so counts are exact) forks two
# children that keep 300 x 3333 and 400 x 4444 bytes and hold them for a
# few seconds.  The JSON "processes" array lists the parent first, then
# both children (depth 1, ppid the parent) with pt_tree's truth as their
# in-use totals, and "totals_with_children" is their sum; the text has a
# "processes:" block with the three pids, the children indented.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "no python3 to read the JSON"
cd "$WORK" || fail "no work directory"
"$HEAPTOP" --json -r 1 -d 0.5 -n 4 --top 3 --app-output app.log \
	"$T/pt_tree" -s 4 >out.json 2>err.txt || fail "heaptop --json failed: $(cat err.txt)"
cat app.log
ppid=$(awk '/^parent pid=/ { sub(/.*=/, ""); print }' app.log)
apid=$(awk '/^child a pid=/ { sub(/.*=/, ""); print }' app.log)
bpid=$(awk '/^child b pid=/ { sub(/.*=/, ""); print }' app.log)
[ -n "$ppid" ] && [ -n "$apid" ] && [ -n "$bpid" ] || fail "pt_tree printed no pids"
tail -n 1 out.json >last.json
python3 - last.json "$ppid" "$apid" "$bpid" <<'PY' || fail "processes in the JSON do not match pt_tree"
import json, sys
o = json.load(open(sys.argv[1]))
ppid, apid, bpid = (int(x) for x in sys.argv[2:5])
procs = o["processes"]
print([(p["pid"], p["ppid"], p["depth"], p["totals"]["inuse_bytes"]) for p in procs])
assert procs[0]["pid"] == ppid and procs[0]["depth"] == 0, "root not first"
by = {p["pid"]: p for p in procs}
assert set(by) == {ppid, apid, bpid}, "not exactly the three processes"
for pid, objs, size in ((apid, 300, 3333), (bpid, 400, 4444)):
    p = by[pid]
    assert p["ppid"] == ppid and p["depth"] == 1, "child %d not under the parent" % pid
    assert p["totals"]["inuse_bytes"] == objs * size, "child %d in use %r" % (pid, p["totals"])
    assert p["totals"]["inuse_objects"] == objs, "child %d objects %r" % (pid, p["totals"])
    assert p["samples"] == objs, "child %d samples %r" % (pid, p["samples"])
    assert p["segment"] and p["state"] in ("running", "exited"), p
# the parent: 200 x 111 from parent_site (and stdio's buffer)
assert by[ppid]["totals"]["inuse_bytes"] >= 200 * 111, by[ppid]
s = sum(p["totals"]["inuse_bytes"] for p in procs)
assert o["totals_with_children"]["inuse_bytes"] == s, o["totals_with_children"]
assert o["totals"]["inuse_bytes"] < s
PY
note "ok: JSON processes: parent first, children under it with pt_tree's truth"

"$HEAPTOP" --batch -r 1 -d 0.5 -n 3 --top 3 --app-output app2.log \
	"$T/pt_tree" -s 4 >out.txt 2>err2.txt || fail "heaptop --batch failed: $(cat err2.txt)"
ppid=$(awk '/^parent pid=/ { sub(/.*=/, ""); print }' app2.log)
apid=$(awk '/^child a pid=/ { sub(/.*=/, ""); print }' app2.log)
bpid=$(awk '/^child b pid=/ { sub(/.*=/, ""); print }' app2.log)
# the last update's block: "processes:" then one line per process
awk '/^heaptop - / { blk = ""; inb = 0; next }
     /^processes:$/ { inb = 1; next }
     inb && /^  / { blk = blk $0 "\n"; next }
     { inb = 0 }
     END { printf "%s", blk }' out.txt >block
cat block
[ "$(wc -l <block)" = 3 ] || fail "processes block has not three lines"
sed -n 1p block | grep -Eq "^ +$ppid running .* [^ ]*pt_tree -s 4$" || fail "first line is not the parent"
for p in $apid $bpid; do
	grep -Eq "^ +$p [a-z(0-9)]+ +in use .* samples +[0-9]+   \`- [^ ]*pt_tree -s 4$" block ||
		fail "child $p not indented under the parent"
done
grep -q "in use  *976.5K" block || fail "child a's in use (999900 bytes) not shown"
note "ok: text processes block: parent, both children indented"
exit 0
