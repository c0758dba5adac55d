#!/bin/sh
# A mistyped long option names the nearest one (within two edits) and
# exits 2 before starting anything; a far one is just unknown.
# timeout: 20
. "$HT_SRCDIR/tests/lib.sh"

cd "$WORK"
"$HEAPTOP" --batch --sortt name "$T/fe_exit" 0 >out.txt 2>err.txt
rc=$?
[ "$rc" -eq 2 ] || { cat err.txt; fail "--sortt: exit $rc, not 2"; }
grep -Fq 'unknown option --sortt; did you mean --sort?' err.txt ||
	fail "--sortt: $(cat err.txt)"
[ -s out.txt ] && fail "--sortt: something ran: $(cat out.txt)"
note "ok: --sortt suggests --sort"
"$HEAPTOP" --batch --jsno=1 "$T/fe_exit" 0 >out.txt 2>err.txt
grep -Fq 'unknown option --jsno; did you mean --json?' err.txt ||
	fail "--jsno=1: $(cat err.txt)"
note "ok: --jsno=1 suggests --json"
"$HEAPTOP" --batch --completely-wrong "$T/fe_exit" 0 >out.txt 2>err.txt
grep -q 'did you mean' err.txt && fail "a far option got a suggestion: $(cat err.txt)"
grep -Fq "unknown option '--completely-wrong'" err.txt || fail "unclear: $(cat err.txt)"
note "ok: no suggestion for a far option"
exit 0
