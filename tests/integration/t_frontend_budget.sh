#!/bin/sh
# --budget PCT through the real binary, as a user runs it: the runtime of
# the launched program gets HEAPTOP_BUDGET (replacing one the user's
# environment carries), chooses the interval, and the batch text and JSON
# show the budget, the interval in force and the estimated cost at it.
# rt_ratechange allocates as fast as it can (and prints what it holds):
# at a budget of 1% the interval must move off the 512K default, and the
# cost estimated at the final interval is within the budget.  Without
# --budget the fields are null.  A budget outside (0, 50] and --budget
# with --attach-shm are refused before anything runs.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$T/rt_ratechange" ] || fail "rt_ratechange not built"
cd "$WORK"

HEAPTOP_BUDGET=40 "$HEAPTOP" --batch --json -n 4 -d 1 --budget 1 --app-output app.log \
	-- "$T/rt_ratechange" -s 3.5 -z 1000 >out.json 2>err.txt ||
	{ cat err.txt; fail "heaptop --budget 1 failed"; }
check "four updates" test "$(wc -l <out.json)" -eq 4
check "json: budget, interval, cost" python3 - out.json <<'PY'
import json, sys
ups = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for u in ups:
    assert u["budget_pct"] == 1, ("budget", u["budget_pct"])
last = ups[-1]
rate, ovh = last["rate"], last["overhead_pct"]
print("# last update: interval %d, estimated cost %s%%" % (rate, ovh))
assert rate != 524288 and 4096 <= rate <= 64 << 20, rate
assert ovh is not None and 0 < ovh <= 1.01, ovh
assert any(u["rate"] != ups[0]["rate"] for u in ups[1:]), "the interval never moved"
PY

"$HEAPTOP" --batch -n 3 -d 1 --budget 0.5 --app-output app.log \
	-- "$T/rt_ratechange" -s 2.5 -z 1000 >out.txt 2>err.txt ||
	{ cat err.txt; fail "heaptop --budget 0.5 (text) failed"; }
grep '^heaptop -' out.txt
check "text: the budget and its cost" grep -Eq \
	'^heaptop - .* final .*, rate [0-9.]+[KMG]? \(budget 0.5%, costs 0\.[0-9]{2}%\), in use' out.txt

"$HEAPTOP" --batch --json -n 1 -d 0.5 --app-output app.log \
	-- "$T/rt_ratechange" -s 1 -z 1000 >plain.json 2>err.txt ||
	{ cat err.txt; fail "heaptop without a budget failed"; }
check "json: no budget, no cost" grep -q '"rate":524288,"budget_pct":null,"overhead_pct":null' plain.json

"$HEAPTOP" --batch --budget 0 true >/dev/null 2>err.txt && fail "--budget 0 accepted"
check "--budget 0 refused" grep -q "invalid --budget '0'" err.txt
"$HEAPTOP" --batch --budget 51 true >/dev/null 2>err.txt && fail "--budget 51 accepted"
"$HEAPTOP" --batch --budget 1 --attach-shm x >/dev/null 2>err.txt && fail "--budget with --attach-shm accepted"
check "--budget with --attach-shm refused" grep -q "HEAPTOP_BUDGET=PCT" err.txt
exit 0
