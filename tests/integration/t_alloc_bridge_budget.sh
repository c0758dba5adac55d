#!/bin/sh
# --budget with a program whose allocations heaptop reads through
# jemalloc's own profiler (Rust on a static _rjem_ jemalloc, launched as a
# new user would): jemalloc changes its interval only with prof.reset,
# which forgets every live object, so no budget can adapt it.  heaptop
# says so instead of showing a budget that does nothing: the batch text
# has the note (with the interval jemalloc keeps), JSON has it in "notes"
# with budget_pct and overhead_pct null, and the interval is the one -r
# asked for (the nearest power of two).  With the hooks (the same budget,
# a program on glibc's malloc) there is no such note.
# timeout: 120
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -x "$T/rt_ratechange" ] || fail "rt_ratechange not built"
al_build_rjem "$WORK/al_rjem"
cd "$WORK"

NOTE="the budget (1%) does not apply: jemalloc's own profiler samples this program, at a fixed interval (128 KiB"

# 1500 iterations 1 ms apart: about 2 s of leaking 4 KiB blocks
"$HEAPTOP" --batch -n 2 -d 1 -r 100K --budget 1 --top 3 --app-output app.txt \
	-- "$WORK/al_rjem" 1500 4096 1 0 0 >out.txt 2>err.txt ||
	{ cat err.txt; fail "heaptop --budget 1 --batch failed"; }
grep -q "^allocator: jemalloc (linked in, prefix _rjem_, profiler on), read from jemalloc's profiler" out.txt ||
	{ cat out.txt; fail "not read through jemalloc's profiler"; }
check "text: two updates" test "$(grep -c '^heaptop - ' out.txt)" -eq 2
check "text: the note in every update" test "$(grep -cF "note: $NOTE" out.txt)" -eq 2
check "text: jemalloc's interval, no budget shown" \
	test "$(grep '^heaptop - ' out.txt | grep -c ', rate 128.0K, in use')" -eq 2

"$HEAPTOP" --batch --json -n 1 -d 1 -r 100K --budget 1 --top 1 --app-output app2.txt \
	-- "$WORK/al_rjem" 1500 4096 1 0 0 >out.json 2>err2.txt ||
	{ cat err2.txt; fail "heaptop --budget 1 --json failed"; }
check "json: the note, no budget in force" python3 - out.json "$NOTE" <<'PY'
import json, sys
u = json.loads(open(sys.argv[1]).readline())
assert u["allocator"]["source"] == "jemalloc-profiler", u["allocator"]
assert u["budget_pct"] is None and u["overhead_pct"] is None, (u["budget_pct"], u["overhead_pct"])
assert u["rate"] == 131072, u["rate"]
assert any(n.startswith(sys.argv[2]) for n in u.get("notes", [])), u.get("notes")
PY

# the hooks: the budget applies, and nothing says otherwise
"$HEAPTOP" --batch -n 1 -d 1 --budget 1 --top 1 --app-output app3.txt \
	-- "$T/rt_ratechange" -s 1.5 -z 1000 >hooks.txt 2>err3.txt ||
	{ cat err3.txt; fail "heaptop --budget 1 on the hooks failed"; }
check "hooks: the budget shown" grep -q '^heaptop - .*, rate [^,]* (budget 1%' hooks.txt
check "hooks: no note" sh -c "! grep -q 'does not apply' hooks.txt"
