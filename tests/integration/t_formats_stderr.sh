#!/bin/sh
# A dump keeps the standard errors the live runtime computed.  heap_v2's
# counts cannot say how sizes varied within a stack, so heaptop writes each
# stack's standard errors on a "# se:" line, which jeprof ignores.  The
# leaky target's leak_mixed site keeps blocks of 24, 3000 and 70000 bytes
# from one stack: a reader that rebuilt the errors from the stack's mean
# size would be off there.  One run gives the truth and two dumps of the
# same final state: heaptop's JSON at the program's exit, the runtime's own
# dump (--dump-at-exit, in heap_v2 written by the runtime at exit), and
# its conversion by heaptop's writer.  Every site's standard errors read
# back from both must equal the live ones (to the 3 decimals written), and
# jeprof must still read the dumps.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JEPROF=${JEPROF:-$(command -v jeprof || true)}
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"

"$HEAPTOP" --json --group function \
	--top 0 --rate 256K --dump-at-exit "$WORK/rt.heap" -- \
	"$T/leaky" -n 4000 >"$WORK/live.json" 2>"$WORK/err" ||
	{ cat "$WORK/err"; fail "heaptop --json on leaky failed"; }
[ -s "$WORK/rt.heap" ] || fail "the runtime wrote no dump"
grep -q '^  # se: ' "$WORK/rt.heap" || fail "no '# se:' line in the runtime's dump"
"$HEAPTOP" --load "$WORK/rt.heap" --format heap -o "$WORK/conv.heap" \
	>/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "conversion failed"; }

# site -> (inuse bytes se, inuse objects se, alloc bytes se) of the last
# JSON object of a file
cat >"$WORK/cmp.py" <<'EOF'
import json, sys

def sites(path):
    last = None
    for line in open(path):
        if line.strip():
            last = json.loads(line)
    out = {}
    for s in last["sites"]:
        out[s["function"]] = (s["inuse_bytes_stderr"],
                              s["inuse_objects_stderr"],
                              s["alloc_bytes_stderr"], s["inuse_samples"])
    return out

live, got = sites(sys.argv[1]), sites(sys.argv[2])
bad = 0
for fn in ("leak_site", "leak_mixed", "churn_site"):
    if fn not in live or fn not in got:
        print("missing site", fn); bad += 1; continue
    for k, name in enumerate(("inuse bytes", "inuse objects", "alloc bytes")):
        a, b = live[fn][k], got[fn][k]
        # each stack's value is written to 3 decimals; a site sums a few
        if abs(a - b) > 1e-6 * abs(a) + 0.01:
            print("%s %s: live %.3f, read back %.3f" % (fn, name, a, b))
            bad += 1
    print("# %s: live se %.1f B / %.2f objects (%d samples), read back %.1f / %.2f"
          % (fn, live[fn][0], live[fn][1], live[fn][3], got[fn][0], got[fn][1]))
if live["leak_mixed"][1] <= 0:
    print("leak_mixed has no object error: nothing was tested"); bad += 1
sys.exit(1 if bad else 0)
EOF
for d in rt conv; do
	"$HEAPTOP" --load "$WORK/$d.heap" --json --group function --top 0 \
		>"$WORK/$d.json" 2>"$WORK/err" || { cat "$WORK/err"; fail "--load $d.heap failed"; }
	python3 "$WORK/cmp.py" "$WORK/live.json" "$WORK/$d.json" ||
		fail "$d.heap: standard errors differ from the live ones"
	"$JEPROF" --text --show_bytes "$T/leaky" "$WORK/$d.heap" >"$WORK/j.txt" 2>/dev/null ||
		fail "jeprof cannot read $d.heap"
	grep -q leak_mixed "$WORK/j.txt" || fail "jeprof lost leak_mixed in $d.heap"
done

# the reader refuses a malformed or misplaced comment
sed '0,/^  # se: /s//  # se: 1.5 x /' "$WORK/rt.heap" >"$WORK/bad1.heap"
"$HEAPTOP" --load "$WORK/bad1.heap" --batch >/dev/null 2>"$WORK/err" &&
	fail "a bad '# se:' line was accepted"
grep -q "bad1.heap:[0-9]*: bad '# se:' line" "$WORK/err" || { cat "$WORK/err"; fail "no line-numbered error"; }
sed '0,/^  # se: \(.*\)$/s//  # se: \1\n  # se: \1/' "$WORK/rt.heap" >"$WORK/bad2.heap"
"$HEAPTOP" --load "$WORK/bad2.heap" --batch >/dev/null 2>"$WORK/err" &&
	fail "two '# se:' lines for one stack were accepted"
exit 0
