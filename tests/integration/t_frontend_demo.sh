#!/bin/sh
# heaptop --demo: the bundled demo server runs under the runtime at the
# default rate and its slow leak (session_cache_put) climbs to the top of
# the in-use ranking within a few seconds, while the request handlers
# lead the allocated ranking with (nearly) nothing in use.  heaptop stops
# the demo after -n updates and exits 0.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
[ -x "$HT_BUILDDIR/share/demo/heaptop-demo" ] || fail "heaptop-demo not built"
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\|[-0-9][-0-9.e+]*\).*/\1/p" | head -n 1 | tr -d '"'; }
sites_of() { sed 's/"frames":\[[^]]*\]//g' | sed 's/},{"function"/}\n{"function"/g' | sed -n 's/.*"sites":\[//; /"function"/p'; }

"$HEAPTOP" --demo --json -n 10 -d 1 --top 0 --app-output demo.log >demo.json 2>err.txt ||
	{ cat err.txt; fail "heaptop --demo failed"; }
[ "$(wc -l <demo.json)" -eq 10 ] || fail "expected 10 updates"
grep -q "requests" demo.log || fail "the demo printed nothing"
tail -n 1 demo.json | sites_of >sites.txt
top=$(head -n 1 sites.txt | jfield function)
note "top in-use site after ~9 s: $top"
[ "$top" = session_cache_put ] || { cat sites.txt | cut -c1-160; fail "the leak is not on top"; }
head -n 1 sites.txt | grep -q 'heaptop-demo.c' || fail "no file for the leak site"
# the churn: render_response allocated a lot, holds (almost) nothing
grep '"function":"render_response"' sites.txt >r.txt || fail "no render_response site"
awk -v i="$(jfield inuse_bytes <r.txt)" -v a="$(jfield alloc_bytes <r.txt)" \
	'BEGIN { exit !(a > 10e6 && i < 0.05 * a) }' ||
	fail "render_response: in use $(jfield inuse_bytes <r.txt) of $(jfield alloc_bytes <r.txt) allocated"
# sorted by allocated, a request handler leads
"$HEAPTOP" --demo --batch -n 3 -d 1 --sort alloc --top 3 --app-output demo2.log >alloc.txt 2>err.txt ||
	fail "--sort alloc run failed"
awk '/ final /{f=1; next} f && /SITE/{getline; print; exit}' alloc.txt | grep -q "render_response\|handle_request" ||
	fail "allocated ranking not led by the request handlers: $(cat alloc.txt)"
exit 0
