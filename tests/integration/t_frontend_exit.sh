#!/bin/sh
# Exit codes and refusals of heaptop: in batch mode heaptop exits with the
# launched program's status (128+N for signal N); a missing program, one
# that is not executable, a static binary, a missing runtime and bad
# options each give one clear message and a non-zero status (2 for usage
# errors).  Also: --help and the man page document every option, the
# program's stdin is kept in batch mode, and its output goes to heaptop's
# stderr; --dump-at-exit writes its file when the program is killed too.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
MAN="$HT_SRCDIR/share/man/heaptop.1"

expect_rc() { # expect_rc WANT DESCRIPTION COMMAND...
	want=$1 desc=$2; shift 2
	"$@" >out.txt 2>err.txt </dev/null
	got=$?
	[ "$got" -eq "$want" ] || { cat err.txt; fail "$desc: exit $got, expected $want"; }
	note "ok: $desc -> $got"
}
expect_msg() { # expect_msg PATTERN: one line on stderr matching PATTERN
	grep -q "$1" err.txt || fail "no message matching '$1' in: $(cat err.txt)"
	[ "$(grep -c . err.txt)" -eq 1 ] || fail "more than one error line: $(cat err.txt)"
}
expect_fail_msg() { # expect_fail_msg PATTERN DESCRIPTION COMMAND...
	pat=$1 desc=$2; shift 2
	"$@" >out.txt 2>err.txt </dev/null && fail "$desc: succeeded"
	expect_msg "$pat"
	note "ok: $desc: $(cat err.txt)"
}

# the program's status becomes heaptop's
expect_rc 0 "exit 0" "$HEAPTOP" --batch -d 0.2 --app-output app.log "$T/fe_exit" 0
expect_rc 7 "exit 7" "$HEAPTOP" --batch -d 0.2 --app-output app.log "$T/fe_exit" 7
expect_rc 42 "exit 42 (json)" "$HEAPTOP" --json -d 0.2 --app-output app.log "$T/fe_exit" 42
grep -q '"exit_status":42' out.txt || fail "json exit_status is not 42"
expect_rc 137 "SIGKILL" "$HEAPTOP" --batch -d 0.2 --app-output app.log "$T/fe_exit" -s 9
grep -q "exited, status 137" out.txt || fail "text does not report status 137"
expect_rc 143 "SIGTERM" "$HEAPTOP" --json -d 0.2 --app-output app.log "$T/fe_exit" -s 15
grep -q '"state":"exited","exit_status":143' out.txt || fail "json does not report 143"

# --dump-at-exit in heap_v2: the runtime writes it at a normal exit; a
# program killed by a signal runs no exit handler, so heaptop writes it
# from its last update and says so.  Either way the file holds the 64
# blocks of 4096 bytes fe_exit keeps (rate 1: exact).
for end in 0 "-s 9"; do
	rm -f exit.heap
	# shellcheck disable=SC2086
	"$HEAPTOP" --batch -d 0.2 -r 1 --app-output app.log \
		--dump-at-exit exit.heap "$T/fe_exit" $end >out.txt 2>err.txt </dev/null
	[ -s exit.heap ] || { cat err.txt; fail "--dump-at-exit, fe_exit $end: no dump"; }
	if [ "$end" = 0 ]; then
		grep -q 'without writing' err.txt && fail "exit 0: heaptop rewrote the runtime's dump"
	else
		grep -q 'ended without writing exit.heap' err.txt ||
			fail "killed: no word on stderr that heaptop wrote the dump ($(cat err.txt))"
	fi
	"$HEAPTOP" --load exit.heap --json --group function --top 0 >load.json 2>err.txt ||
		{ cat err.txt; fail "fe_exit $end: the dump does not load"; }
	grep -o '"function":"main"[^[]*' load.json | grep -q '"inuse_bytes":262144[,.]' ||
		{ cat load.json; fail "fe_exit $end: main's 64 x 4096 bytes not in the dump"; }
	note "ok: --dump-at-exit with fe_exit $end"
done

# refusals, one clear line each
expect_fail_msg "program not found" "missing program" \
	"$HEAPTOP" --batch ./no-such-program-$$
expect_fail_msg "program not found" "missing program in PATH" \
	"$HEAPTOP" --batch no-such-program-$$
printf '#!/bin/sh\nexit 0\n' >noexec.sh
chmod 644 noexec.sh
expect_fail_msg "not executable" "not executable" "$HEAPTOP" --batch ./noexec.sh
expect_fail_msg "statically linked" "static binary" "$HEAPTOP" --batch "$T/fe_static"
expect_fail_msg "runtime" "missing runtime" \
	"$HEAPTOP" --batch --runtime /nonexistent/libheaptop.so "$T/fe_exit" 0
expect_fail_msg "not a regular file" "a directory" "$HEAPTOP" --batch /tmp/
if [ "$(id -u)" -ne 0 ] && [ -u /usr/bin/passwd ]; then
	expect_fail_msg "setuid" "setuid program" "$HEAPTOP" --batch /usr/bin/passwd
else
	note "setuid refusal not checkable as root (euid owns every setuid file)"
fi

# a program that dies before the runtime starts (the loader cannot find
# one of its libraries): heaptop says so, with the status and the log
mkdir -p lib
cp "$T/.libs/libfe_dl.so" lib/
printf 'void *fe_dl_alloc(int);\nint main(void) { return fe_dl_alloc(1) == 0; }\n' >needlib.c
"${CC:-cc}" -o needlib needlib.c -Llib -lfe_dl -Wl,-rpath,"$WORK/lib" || fail "cannot build needlib"
rm -f lib/libfe_dl.so
expect_fail_msg "exited (status 127) before the runtime started; its output is in early.log" \
	"loader failure" "$HEAPTOP" --batch --app-output early.log ./needlib
grep -q "libfe_dl.so" early.log || fail "the loader's message is not in the log"

# usage errors: exit 2
expect_rc 2 "unknown option" "$HEAPTOP" --bogus-option "$T/fe_exit" 0
grep -q "unknown option '--bogus-option'" err.txt || fail "unclear: $(cat err.txt)"
expect_rc 2 "bad rate" "$HEAPTOP" --batch -r 12Q "$T/fe_exit" 0
grep -q "invalid --rate" err.txt || fail "unclear: $(cat err.txt)"
expect_rc 2 "zero rate" "$HEAPTOP" --batch -r 0 "$T/fe_exit" 0
expect_rc 2 "bad delay" "$HEAPTOP" --batch -d -1 "$T/fe_exit" 0
expect_rc 2 "bad iterations" "$HEAPTOP" --batch -n abc "$T/fe_exit" 0
expect_rc 2 "bad sort" "$HEAPTOP" --batch --sort size "$T/fe_exit" 0
expect_rc 2 "bad group" "$HEAPTOP" --batch --group file "$T/fe_exit" 0
expect_rc 2 "bad format" "$HEAPTOP" --batch --format png "$T/fe_exit" 0
expect_rc 2 "missing argument" "$HEAPTOP" --batch --rate
grep -q "needs an argument" err.txt || fail "unclear: $(cat err.txt)"
expect_rc 2 "nothing to do" "$HEAPTOP" --batch
expect_rc 2 "two sources" "$HEAPTOP" --load x.heap --attach-shm y

# --help, --version, man page: every option
expect_rc 0 "--help" "$HEAPTOP" --help
cp out.txt help.txt
for opt in --rate --delay --batch --json --iterations --top --sort --group \
	--filter --dump-at-exit --format --value --output --app-output \
	--runtime --max-depth --attach-shm --load --base --sysroot \
	--debug-dir --list --demo --no-color --help --version; do
	grep -q -- "$opt" help.txt || fail "--help does not document $opt"
	m=$(echo "$opt" | sed 's/-/\\\\-/g')
	grep -q -- "$m" "$MAN" || fail "the man page does not document $opt"
done
for short in "-r, --rate" "-d, --delay" "-n, --iterations" "-o, --output" "-h, --help" "-V, --version"; do
	grep -q -- "$short" help.txt || fail "--help lacks '$short'"
done
grep -q '"inuse_bytes_stderr"' "$MAN" || fail "the man page does not document the JSON schema"
expect_rc 0 "--version" "$HEAPTOP" --version
grep -q "^heaptop [0-9]" out.txt || fail "--version output: $(cat out.txt)"

# stdin kept in batch mode; the program's output on heaptop's stderr
echo "hello from stdin" >in.txt
"$HEAPTOP" --batch -d 0.2 /bin/cat <in.txt >out.txt 2>err.txt || fail "cat under heaptop failed"
grep -q "hello from stdin" err.txt || fail "stdin did not reach the program (stderr: $(cat err.txt))"
grep -q "output -> stderr" err.txt || fail "the output's destination is not printed"
note "ok: stdin kept, output on stderr"
exit 0
