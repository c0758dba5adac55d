#!/bin/sh
# heaptop --batch and --json on the leaking target under the real runtime.
# At rate 1 (every allocation recorded) the numbers must equal the truth
# leaky prints: the leaking function is the top in-use site with the
# right file and line, the churn site has nothing in use but all of its
# allocations counted.  At a sampled rate the estimates must lie within
# 5 standard errors (the stderr heaptop reports) of the truth.  The exit
# status is the program's, and the segment of the launched program is
# removed once it ended.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "no heaptop at $HEAPTOP"
[ -f "$HT_RUNTIME" ] || fail "no runtime at $HT_RUNTIME"
cd "$WORK"

# one JSON field of a flat object: jfield NAME <<< object
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\|[-0-9][-0-9.e+]*\).*/\1/p" | head -n 1 | tr -d '"'; }
# the site objects of a JSON line, one per line, without their frames
sites_of() { sed 's/"frames":\[[^]]*\]//g' | sed 's/},{"function"/}\n{"function"/g' | sed -n 's/.*"sites":\[//; /"function"/p'; }
truth() { # truth SITE FIELD
	sed -n "s/^truth $1 .*$2=\([0-9a-z.]*\).*/\1/p" app.log
}

# ---- rate 1: exact ----
"$HEAPTOP" --json -r 1 -d 0.2 --top 0 --app-output app.log \
	"$T/leaky" -n 400 -l 100000 >out.json 2>err.txt
rc=$?
cat err.txt
[ $rc -eq 0 ] || fail "heaptop exited $rc (leaky exits 0)"
grep -q '^truth leak_site' app.log || fail "leaky printed no truth"
lines=$(wc -l <out.json)
[ "$lines" -ge 1 ] || fail "no JSON output"
tail -n 1 out.json >final.json
grep -q '"final":true' final.json || fail "last update not marked final"
[ "$(jfield state <final.json)" = exited ] || fail "final state is not exited"
[ "$(jfield exit_status <final.json)" = 0 ] || fail "exit_status is not 0"
[ "$(jfield rate <final.json)" = 1 ] || fail "rate is not 1"

# every line is a complete JSON object with the documented fields (a real
# parser checks it when python3 is installed; the escaper itself is unit
# tested in test_json)
if command -v python3 >/dev/null 2>&1; then
	python3 - out.json <<'PY' || fail "JSON output does not parse or lacks fields"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("time", "pid", "state", "exit_status", "rate", "totals", "sites"):
        assert k in o, k
    for k in ("inuse_bytes", "inuse_objects", "alloc_bytes", "alloc_objects"):
        assert k in o["totals"], k
    for s in o["sites"]:
        for k in ("function", "file", "line", "module", "inuse_bytes",
                  "inuse_objects", "alloc_bytes", "alloc_objects",
                  "inuse_bytes_stderr", "frames"):
            assert k in s, k
        for f in s["frames"]:
            for k in ("function", "file", "line", "module", "inlined"):
                assert k in f, k
PY
	note "ok: $(wc -l <out.json) JSON lines parse with every field"
else
	note "python3 not installed: JSON parsed only by the checks below"
fi

sites_of <final.json >sites.txt
head -n 1 sites.txt >top.txt
note "top site: $(cut -c1-200 top.txt)"
[ "$(jfield function <top.txt)" = leak_site ] || fail "top in-use site is not leak_site"
file=$(jfield file <top.txt)
[ "$(basename "$file")" = "$(truth leak_site file)" ] || fail "leak_site file $file"
[ "$(jfield line <top.txt)" = "$(truth leak_site line)" ] ||
	fail "leak_site line $(jfield line <top.txt), truth $(truth leak_site line)"
[ "$(jfield inuse_bytes <top.txt)" = "$(truth leak_site bytes)" ] ||
	fail "leak_site bytes $(jfield inuse_bytes <top.txt) != $(truth leak_site bytes)"
[ "$(jfield inuse_objects <top.txt)" = "$(truth leak_site objects)" ] ||
	fail "leak_site objects"
[ "$(jfield inuse_bytes_stderr <top.txt)" = 0 ] || fail "stderr at rate 1 is not 0"
note "ok: leak_site exact: $(truth leak_site bytes) bytes at line $(truth leak_site line)"

grep '"function":"leak_mixed"' sites.txt >mixed.txt || fail "no leak_mixed site"
[ "$(jfield inuse_bytes <mixed.txt)" = "$(truth leak_mixed bytes)" ] || fail "leak_mixed bytes"
grep '"function":"churn_site"' sites.txt >churn.txt || fail "no churn_site"
[ "$(jfield line <churn.txt)" = "$(truth churn_site line)" ] || fail "churn_site line"
[ "$(jfield inuse_bytes <churn.txt)" = 0 ] || fail "churn_site in use is not 0"
[ "$(jfield alloc_bytes <churn.txt)" = "$(truth churn_site alloc_bytes)" ] ||
	fail "churn_site allocated $(jfield alloc_bytes <churn.txt) != $(truth churn_site alloc_bytes)"
[ "$(jfield alloc_objects <churn.txt)" = "$(truth churn_site alloc_objects)" ] ||
	fail "churn_site allocated objects"
note "ok: churn_site 0 in use, $(truth churn_site alloc_bytes) allocated"
# frames: the site frame first, main reached
grep '"function":"leak_site"' final.json | grep -q '"frames":\[{"function":"leak_site".*"function":"main"' ||
	fail "leak_site frames do not run from leak_site to main"

# ---- text mode, same run shape ----
"$HEAPTOP" --batch -r 1 -d 0.2 --top 5 --app-output app.log \
	"$T/leaky" -n 300 -l 100000 >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] || fail "text batch exited $rc"
line=$(truth leak_site line)
# the final table: its first site row names leak_site (leaky.c:LINE)
awk '/ final /{f=1; next} f && /SITE/{getline; print; exit}' out.txt >row.txt
note "final top row: $(cat row.txt)"
grep -q "leak_site (leaky.c:$line)" row.txt || fail "text: top row is not leak_site (leaky.c:$line)"
grep -q "exited, status 0" out.txt || fail "text: no 'exited, status 0'"
grep -q "churn_site (leaky.c:$(truth churn_site line))" out.txt || fail "text: no churn_site row"

# the segment of a launched program (named after the program's pid, which
# the "output -> stderr" line gives) is removed once it ended
mkdir -p d && cd d
"$HEAPTOP" --batch -r 1 -d 0.2 "$T/leaky" -n 50 >out.txt 2>err.txt || fail "default-log run failed"
hpid=$(sed -n 's/.*(pid \([0-9]*\)) output -> stderr$/\1/p' err.txt)
[ -n "$hpid" ] || fail "no 'output -> stderr' line: $(cat err.txt)"
ls /dev/shm/heaptop."$hpid".* >/dev/null 2>&1 && fail "segment heaptop.$hpid.* left in /dev/shm"
note "ok: segment of program $hpid removed"
cd ..

# ---- sampled: estimates within 5 standard errors ----
"$HEAPTOP" --json -r 64K -d 0.5 --top 0 --app-output app.log \
	"$T/leaky" -n 2000 -l 2000 >samp.json 2>err.txt || fail "sampled run failed"
tail -n 1 samp.json | sites_of >ssites.txt
for site in leak_site leak_mixed; do
	grep "\"function\":\"$site\"" ssites.txt >s.txt || fail "sampled: no $site"
	est=$(jfield inuse_bytes <s.txt)
	se=$(jfield inuse_bytes_stderr <s.txt)
	tru=$(truth $site bytes)
	note "$site: estimate $est ± $se, truth $tru"
	awk -v e="$est" -v s="$se" -v t="$tru" 'BEGIN { d = e - t; if (d < 0) d = -d;
		exit !(s > 0 && d <= 5 * s + 0.001 * t) }' ||
		fail "$site estimate $est not within 5 stderr ($se) of $tru"
done
grep '"function":"churn_site"' ssites.txt >s.txt || fail "sampled: no churn_site"
awk -v a="$(jfield inuse_bytes <s.txt)" -v t="$(truth churn_site alloc_bytes)" \
	'BEGIN { exit !(a < 0.01 * t) }' || fail "churn_site in use not near zero"
exit 0
