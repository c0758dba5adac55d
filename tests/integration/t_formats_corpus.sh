#!/bin/sh
# Every broken file of tests/corpus, plus a 10 MB line and a 5000-frame
# stack made here: `heaptop --load FILE --batch` exits non-zero (not by a
# signal), within seconds, with an error naming the file and, for
# "*.L<N>.heap", line N.  And a valid but hostile file (a thread named
# t65535, 100,000 thread lines) converts back to heap_v2 within seconds
# (a writer with a pass per thread name took ~20 s).
# timeout: 110
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"

# generated: a 10 MB line, and a stack deeper than the reader accepts
{ printf 'heap_v2/524288\n@ '; head -c 10485760 /dev/zero | tr '\0' '1'; printf '\n'; } \
	>"$WORK/ten_mb_line.L2.heap"
awk 'BEGIN { printf "heap_v2/524288\n@"; for (i = 1; i <= 5000; i++) printf " 0x%x", i;
	printf "\n  t*: 1: 4096 [0: 0]\n\nMAPPED_LIBRARIES:\n" }' >"$WORK/too_deep.L2.heap"

n=0
for f in "$HT_SRCDIR"/tests/corpus/*.heap "$WORK"/ten_mb_line.L2.heap "$WORK"/too_deep.L2.heap; do
	name=$(basename "$f")
	timeout 20 "$HEAPTOP" --load "$f" --batch -n 1 >"$WORK/out" 2>"$WORK/err"
	rc=$?
	msg=$(head -c 300 "$WORK/err" | head -n 1)
	[ $rc -ne 0 ] || fail "$name: accepted"
	[ $rc -lt 124 ] || fail "$name: exit $rc (timeout or signal): $msg"
	[ -n "$msg" ] || fail "$name: no error message"
	case "$name" in
	*.L[0-9]*.heap)
		line=$(echo "$name" | sed 's/.*\.L\([0-9]*\)\.heap$/\1/')
		case "$msg" in
		*"$name:$line:"*) ;;
		*) fail "$name: message does not name line $line: $msg" ;;
		esac ;;
	esac
	note "$name: exit $rc: $msg"
	n=$((n + 1))
done
[ $n -ge 17 ] || fail "only $n broken files"

awk 'BEGIN { printf "heap_v2/524288\n  t*: 100000: 10000000 [100000: 10000000]\n";
	printf "  t65535: 0: 0 [0: 0] named\n";
	for (i = 0; i < 100000; i++) {
		printf "@ 0x%x 0x401000\n  t*: 1: 100 [1: 100]\n  t%d: 1: 100 [1: 100]\n", 4194304 + i * 16, i % 50
	}
	printf "\nMAPPED_LIBRARIES:\n00400000-00500000 r-xp 00000000 00:00 0 /bin/true\n" }' >"$WORK/many_threads.heap"
start=$(date +%s)
timeout 60 "$HEAPTOP" --load "$WORK/many_threads.heap" -o "$WORK/many_threads.out.heap" 2>"$WORK/err" ||
	fail "converting many_threads.heap failed (exit $?): $(cat "$WORK/err")"
secs=$(($(date +%s) - start))
note "many_threads.heap converted in ${secs}s"
[ "$secs" -le 10 ] || fail "converting many_threads.heap took ${secs}s"
grep -q '^  t65535: 0: 0 \[0: 0\] named$' "$WORK/many_threads.out.heap" ||
	fail "the named thread is missing from the converted file"
exit 0
