#!/bin/sh
# heaptop --attach-shm on a program started by hand with LD_PRELOAD and
# HEAPTOP_SHM: the batch output shows its sites; two heaptops attached at
# once both work; detaching leaves the program running untouched (its
# final numbers still equal its truth); after it exits an attach shows
# "exited" with its status, and one killed by SIGKILL shows as exited
# with an unknown status.  --list shows the segments; bad names and
# foreign files are refused with a clear message.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -f "$HT_RUNTIME" ] || fail "no runtime at $HT_RUNTIME"
cd "$WORK"
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\|[-0-9][-0-9.e+]*\).*/\1/p" | head -n 1 | tr -d '"'; }
sites_of() { sed 's/"frames":\[[^]]*\]//g' | sed 's/},{"function"/}\n{"function"/g' | sed -n 's/.*"sites":\[//; /"function"/p'; }

NAME=$(seg_name attach)
NAME2=$(seg_name killed)
JUNK=$(seg_name junk)
PID=""
PID2=""
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$PID2" ] && kill -9 "$PID2" 2>/dev/null
	rm -f "/dev/shm/$NAME" "/dev/shm/$NAME2" "/dev/shm/$JUNK"
}
at_exit cleanup

LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$NAME" HEAPTOP_RATE=1 \
	"$T/leaky" -f -s 2000 -l 50000 >app.log 2>&1 &
PID=$!
wait_for 10 grep -q ready app.log || fail "leaky did not start"
wait_for 10 test -e "/dev/shm/$NAME" || fail "no segment /dev/shm/$NAME"
sleep 0.5

# one attach, JSON
"$HEAPTOP" --attach-shm "$NAME" --json -n 2 -d 0.3 --top 0 >a.json 2>a.err ||
	{ cat a.err; fail "attach failed"; }
[ "$(wc -l <a.json)" -eq 2 ] || fail "expected 2 updates, got $(wc -l <a.json)"
tail -n 1 a.json >last.json
[ "$(jfield pid <last.json)" = "$PID" ] || fail "pid $(jfield pid <last.json) != $PID"
[ "$(jfield state <last.json)" = running ] || fail "state is not running"
sites_of <last.json | head -n 1 | grep -q '"function":"leak_site"' || fail "top site is not leak_site"
note "ok: attach shows leak_site on top"

# text mode
"$HEAPTOP" --attach-shm "$NAME" --batch -n 2 -d 0.3 >a.txt 2>a.err ||
	{ cat a.err; fail "text attach failed"; }
grep -q "leak_site (leaky.c:[0-9]*)" a.txt || fail "text attach shows no leak_site"
[ "$(grep -c '^heaptop - ' a.txt)" -eq 2 ] || fail "text attach: not 2 updates"

# two at once
"$HEAPTOP" --attach-shm "$NAME" --json -n 3 -d 0.3 >b1.json 2>b1.err &
h1=$!
"$HEAPTOP" --attach-shm "$NAME" --json -n 3 -d 0.3 >b2.json 2>b2.err &
h2=$!
wait $h1 || fail "first concurrent attach failed: $(cat b1.err)"
wait $h2 || fail "second concurrent attach failed: $(cat b2.err)"
for f in b1.json b2.json; do
	[ "$(wc -l <$f)" -eq 3 ] || fail "$f: not 3 updates"
	tail -n 1 $f | sites_of | head -n 1 | grep -q '"function":"leak_site"' ||
		fail "$f: top site is not leak_site"
done
note "ok: two concurrent attaches"

# the segment stays, the program still runs
[ -e "/dev/shm/$NAME" ] || fail "attach removed the segment"
kill -0 "$PID" 2>/dev/null || fail "the program died after detaching"

# --list shows it
"$HEAPTOP" --list >list.txt || fail "--list failed"
grep "^$NAME " list.txt | grep -q " $PID .*running" || { cat list.txt; fail "--list does not show $NAME running"; }

# stop it: it exits normally with its truth; an attach now reads the
# final numbers, equal to the truth (nothing disturbed the counters)
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=""
[ $rc -eq 0 ] || fail "leaky exited $rc after detach"
"$HEAPTOP" --attach-shm "$NAME" --json -n 1 --top 0 >c.json 2>c.err ||
	{ cat c.err; fail "attach after exit failed"; }
[ "$(jfield state <c.json)" = exited ] || fail "state after exit: $(jfield state <c.json)"
[ "$(jfield exit_status <c.json)" = 0 ] || fail "exit_status after exit: $(jfield exit_status <c.json)"
tru=$(sed -n 's/^truth leak_site .*bytes=\([0-9]*\).*/\1/p' app.log)
got=$(sites_of <c.json | grep '"function":"leak_site"' | jfield inuse_bytes)
[ -n "$tru" ] && [ "$got" = "$tru" ] || fail "leak_site $got bytes after exit, truth $tru"
note "ok: after exit, leak_site = truth = $tru bytes"
"$HEAPTOP" --attach-shm "$NAME" --batch -n 1 >c.txt 2>&1 || fail "text attach after exit"
grep -q "exited, status 0" c.txt || fail "text after exit lacks 'exited, status 0'"

# killed by a signal: the segment still says running, the process is gone
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$NAME2" "$T/leaky" -f -s 1000 >app2.log 2>&1 &
PID2=$!
wait_for 10 test -e "/dev/shm/$NAME2" || fail "no segment $NAME2"
sleep 0.3
kill -9 "$PID2"
wait "$PID2" 2>/dev/null
PID2=""
"$HEAPTOP" --attach-shm "$NAME2" --json -n 1 >k.json 2>k.err || { cat k.err; fail "attach to a killed process failed"; }
[ "$(jfield state <k.json)" = exited ] || fail "killed process state: $(jfield state <k.json)"
[ "$(jfield exit_status <k.json)" = null ] || fail "killed process status should be unknown"

# refusals
"$HEAPTOP" --attach-shm "nonexistent.$$" --batch -n 1 >e.txt 2>&1
rc=$?
[ $rc -ne 0 ] || fail "attach to a missing segment succeeded"
grep -q "no segment named" e.txt || fail "missing segment: unclear message: $(cat e.txt)"
"$HEAPTOP" --attach-shm "bad/name" --batch -n 1 >e.txt 2>&1 && fail "bad name accepted"
grep -q "invalid segment name" e.txt || fail "bad name: unclear message: $(cat e.txt)"
head -c 8192 /dev/urandom >"/dev/shm/$JUNK"
"$HEAPTOP" --attach-shm "$JUNK" --batch -n 1 >e.txt 2>&1 && fail "junk segment accepted"
grep -q "not a heaptop segment" e.txt || fail "junk: unclear message: $(cat e.txt)"
note "ok: refusals: $(cat e.txt)"
exit 0
