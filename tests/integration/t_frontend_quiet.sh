#!/bin/sh
# Silent states in batch mode: a program that ends before a single sample
# (it allocates far less than one sampling interval) gets a note saying
# so and suggesting a smaller -r, in the text (a "note:" line) and in
# JSON (a "notes" array); the same program sampled at a small interval
# gets no note.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
# fe_exit allocates 256 KiB: at a 1 GiB interval it is almost never sampled
"$HEAPTOP" --batch -r 1G --app-output app.log "$T/fe_exit" 0 >out.txt 2>err.txt \
	|| { cat err.txt; fail "batch run failed"; }
cat out.txt
check "samples 0" grep -q 'samples 0,' out.txt
check "text: a note line" grep -q '^note: nothing was sampled at this rate (try a smaller interval: -r 8M): less than about one sampling interval (1 GiB) was allocated$' out.txt

"$HEAPTOP" --json -r 1G --app-output app.log "$T/fe_exit" 0 >out.json 2>err.txt \
	|| { cat err.txt; fail "json run failed"; }
check "json: a notes array" python3 - out.json <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = lines[-1]
notes = last.get("notes")
assert isinstance(notes, list) and len(notes) == 1, last
assert notes[0].startswith("nothing was sampled at this rate"), notes
assert "(1 GiB)" in notes[0], notes
assert "-r 8M" in notes[0], notes
PY

# sampled: no note
"$HEAPTOP" --batch -r 1K --app-output app.log "$T/fe_exit" 0 >out.txt 2>err.txt \
	|| { cat err.txt; fail "batch run failed"; }
grep -q '^note:' out.txt && { cat out.txt; fail "a note though samples were taken"; }
note "ok: no note when sampled"
"$HEAPTOP" --json -r 1K --app-output app.log "$T/fe_exit" 0 >out.json 2>err.txt \
	|| { cat err.txt; fail "json run failed"; }
grep -q '"notes"' out.json && fail "json notes though samples were taken"
note "ok: no json notes when sampled"
exit 0
