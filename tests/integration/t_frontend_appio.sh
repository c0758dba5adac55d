#!/bin/sh
# The launched program's input and output in batch mode: its stdout and
# stderr pass through to heaptop's stderr (no log file in the working
# directory), --app-output FILE still takes them, a program fed from a pipe
# reads heaptop's stdin; the segment is named after the program's pid
# (heaptop.<pid>.0: the header's pid, --attach-shm works with it) and is
# removed when heaptop ends after the program did.
# timeout: 60
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
mkdir -p d && cd d

# passthrough: the program's lines on heaptop's stderr, none on stdout
"$HEAPTOP" --batch -r 1 -d 0.2 "$T/leaky" -n 50 >out.txt 2>err.txt ||
	fail "batch run failed: $(cat err.txt)"
pid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' err.txt)
[ -n "$pid" ] || fail "the program's output is not on heaptop's stderr: $(cat err.txt)"
grep -q '^truth leak_site' err.txt || fail "the program's stdout is not on heaptop's stderr"
grep -q 'ready pid' out.txt && fail "the program's output on heaptop's stdout"
ls heaptop-*.log >/dev/null 2>&1 && fail "a heaptop-*.log in the working directory"
grep -q "final pid $pid " out.txt || fail "the header's pid is not the program's $pid: $(grep final out.txt)"
note "ok: output on stderr, pid $pid in the header"

# --app-output still writes the file (and nothing of the program on stderr)
"$HEAPTOP" --batch -r 1 -d 0.2 --app-output a.log "$T/leaky" -n 50 >out.txt 2>err.txt ||
	fail "--app-output run failed"
grep -q '^ready pid=' a.log || fail "--app-output file lacks the program's output"
grep -q '^ready pid=' err.txt && fail "--app-output: the program's output also on stderr"
grep -q "output -> a.log" err.txt || fail "--app-output: the file is not named"
note "ok: --app-output"

# a program fed from a pipe reads it and exits 0
printf 'line one\nline two\n' | "$HEAPTOP" --batch -d 0.2 /bin/cat >out.txt 2>err.txt ||
	fail "piped cat failed"
grep -q '^line two$' err.txt || fail "piped input did not reach the program: $(cat err.txt)"
grep -q 'exited, status 0' out.txt || fail "piped cat did not exit 0"
if command -v sqlite3 >/dev/null 2>&1; then
	echo 'select 6*7;' | "$HEAPTOP" --batch -d 0.2 sqlite3 >out.txt 2>err.txt ||
		fail "sqlite3 under heaptop failed"
	grep -q '^42$' err.txt || fail "sqlite3 did not answer 42: $(cat err.txt)"
	note "ok: echo 'select 6*7;' | heaptop --batch sqlite3"
fi
note "ok: piped input"

# the segment heaptop.<pid>.0 of a running program: attach by that name,
# and it is gone once heaptop (SIGTERM) killed the program
"$HEAPTOP" --batch -d 0.3 "$T/leaky" -f -s 20000 -l 50000 >run.txt 2>run.err &
hp=$!
wait_for 10 grep -q '^ready pid=' run.err || fail "leaky did not start"
pid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' run.err)
[ -e "/dev/shm/heaptop.$pid.0" ] || { kill $hp; fail "no segment heaptop.$pid.0: $(ls /dev/shm)"; }
"$HEAPTOP" --json -n 1 --attach-shm "heaptop.$pid.0" >att.json 2>att.err ||
	{ kill $hp; fail "--attach-shm heaptop.$pid.0 failed: $(cat att.err)"; }
grep -q "\"pid\":$pid[,}]" att.json || { kill $hp; fail "attached pid is not $pid"; }
kill -TERM $hp
wait $hp
kill -0 "$pid" 2>/dev/null && fail "the program outlived heaptop's SIGTERM"
ls /dev/shm/heaptop."$pid".* >/dev/null 2>&1 && fail "segment heaptop.$pid.* left after SIGTERM"
note "ok: segment heaptop.$pid.0 attached, removed after SIGTERM"
exit 0
