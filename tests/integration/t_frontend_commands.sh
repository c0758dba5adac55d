#!/bin/sh
# Commands through the segment's control page and other session wiring,
# against the real runtime: attaching with -r changes a running program's
# sampling rate (SET_RATE); -o FILE on a running program makes the
# runtime write a heap_v2 dump (DUMP) with its own maps; --dump-at-exit
# writes heap_v2 (runtime) and collapsed (frontend) profiles; LD_PRELOAD
# is prepended to a value already set; a launched program that execs is
# followed to its new image's segment.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\|[-0-9][-0-9.e+]*\).*/\1/p" | head -n 1 | tr -d '"'; }
sites_of() { sed 's/"frames":\[[^]]*\]//g' | sed 's/},{"function"/}\n{"function"/g' | sed -n 's/.*"sites":\[//; /"function"/p'; }

NAME=$(seg_name cmd)
PID=""
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -f "/dev/shm/$NAME"; }
at_exit cleanup

LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$NAME" "$T/leaky" -f -s 2000 >app.log 2>&1 &
PID=$!
wait_for 10 test -e "/dev/shm/$NAME" || fail "no segment"
wait_for 10 grep -q ready app.log || fail "leaky not ready"

# SET_RATE through the control page
"$HEAPTOP" --attach-shm "$NAME" --json -n 1 >r0.json 2>err.txt || fail "attach: $(cat err.txt)"
[ "$(jfield rate <r0.json)" = 524288 ] || fail "default rate is $(jfield rate <r0.json)"
"$HEAPTOP" --attach-shm "$NAME" -r 4K --json -n 2 -d 0.3 >r1.json 2>err.txt ||
	fail "attach -r: $(cat err.txt)"
[ -s err.txt ] && fail "attach -r complained: $(cat err.txt)"
[ "$(tail -n 1 r1.json | jfield rate)" = 4096 ] || fail "rate after -r 4K: $(tail -n 1 r1.json | jfield rate)"
note "ok: rate changed to 4096 through the control page"

# DUMP through the control page: written by the runtime
"$HEAPTOP" --attach-shm "$NAME" --batch -n 1 -o live.heap >/dev/null 2>err.txt ||
	fail "attach -o: $(cat err.txt)"
[ -s live.heap ] || fail "no dump written"
head -n 1 live.heap | grep -q '^heap_v2/4096$' || fail "dump header: $(head -n 1 live.heap)"
grep -q '^MAPPED_LIBRARIES:' live.heap || fail "dump without MAPPED_LIBRARIES"
grep -q 'leaky$' live.heap || fail "dump maps do not list the target"
note "ok: runtime dump $(wc -c <live.heap) bytes"
kill -TERM "$PID"; wait "$PID"; PID=""

# --dump-at-exit, heap_v2 by the runtime, collapsed by heaptop
"$HEAPTOP" --batch -r 1 --dump-at-exit exit.heap --app-output a.log \
	"$T/leaky" -n 100 >/dev/null 2>err.txt || fail "dump-at-exit heap: $(cat err.txt)"
head -n 1 exit.heap | grep -q '^heap_v2/1$' || fail "exit.heap: $(head -n 1 exit.heap 2>&1)"
"$HEAPTOP" --batch -r 1 --format collapsed --dump-at-exit exit.folded \
	--app-output a.log "$T/leaky" -n 100 >/dev/null 2>err.txt ||
	fail "dump-at-exit collapsed: $(cat err.txt)"
tru=$(sed -n 's/^truth leak_site .*bytes=\([0-9]*\).*/\1/p' a.log)
grep -q ';main;leak_site '"$tru"'$' exit.folded || { cat exit.folded; fail "collapsed lacks main;leak_site $tru"; }
note "ok: dumps at exit"

# LD_PRELOAD prepended to an existing value
extra=$(ls /lib/*/libm.so.6 /usr/lib/*/libm.so.6 2>/dev/null | head -n 1)
[ -n "$extra" ] || fail "no libm.so.6 to preload"
# (ASAN_OPTIONS: a sanitizer build of heaptop must tolerate the preload)
ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$extra" "$HEAPTOP" --batch --app-output env.log /bin/sh -c 'echo "preload=$LD_PRELOAD"' \
	>/dev/null 2>err.txt || fail "sh under heaptop: $(cat err.txt)"
grep -q "^preload=.*libheaptop.so $extra\$" env.log || fail "LD_PRELOAD not prepended: $(cat env.log)"
note "ok: $(cat env.log)"

# --runtime PATH (explicit) and --max-depth N (frames per stack)
"$HEAPTOP" --json -r 1 --max-depth 3 --runtime "$HT_RUNTIME" --app-output d.log \
	"$T/leaky" -n 50 >depth.json 2>err.txt || fail "--runtime/--max-depth run: $(cat err.txt)"
tail -n 1 depth.json | grep -q '"function":"leak_site"' || fail "--max-depth 3: no leak_site"
# recorded frames per site: the entries of each site's "frames" array that
# are not inlined into the next one (one per return address)
frames_per_site() { tail -n 1 "$1" | grep -o '"frames":\[[^]]*\]' | awk '{ print gsub(/"inlined":false/, "") }'; }
most=$(frames_per_site depth.json | sort -n | tail -n 1)
[ -n "$most" ] && [ "$most" -le 3 ] || fail "--max-depth 3: a site has $most frames"
"$HEAPTOP" --json -r 1 --runtime "$HT_RUNTIME" --app-output d.log \
	"$T/leaky" -n 50 >full.json 2>err.txt || fail "run without --max-depth: $(cat err.txt)"
full=$(frames_per_site full.json | sort -n | tail -n 1)
[ -n "$full" ] && [ "$full" -gt 3 ] || fail "without --max-depth the deepest site has only $full frames"
note "ok: --max-depth 3 (at most $most frames per site; $full without it)"

# exec: /bin/sh execs leaky; heaptop follows to leaky's segment
"$HEAPTOP" --json -r 1 -d 0.3 --app-output exec.log /bin/sh -c "exec '$T/leaky' -n 300 -s 3000" \
	>exec.json 2>err.txt || fail "exec run failed: $(cat err.txt)"
grep -q '^truth leak_site' exec.log || fail "leaky did not run"
tail -n 1 exec.json | grep -q '"command":"[^"]*leaky' || fail "final update not from leaky's segment"
tru=$(sed -n 's/^truth leak_site .*bytes=\([0-9]*\).*/\1/p' exec.log)
got=$(tail -n 1 exec.json | sites_of | grep '"function":"leak_site"' | jfield inuse_bytes)
[ "$got" = "$tru" ] || fail "after exec: leak_site $got, truth $tru"
note "ok: followed exec, leak_site $got"
exit 0
