#!/bin/sh
# heaptop test runner.  Runs every test in its own process group with a
# timeout (a hang fails, it never stalls), prints one line per test and the
# log of each failure, and ends with "N passed, N failed, N skipped".
# Exit status: 0 when nothing failed.
#
#   unit tests:        $HT_UNIT_TESTS (binaries in the build tree)
#   integration tests: tests/integration/t_*.sh
#   screen tests:      tests/tui/t_*.sh
# A script may set its timeout with a line "# timeout: SECONDS" (default
# 120).  Exit 77 means skipped.  Arguments, when given, are substrings: only
# tests whose name contains one of them run.
#
# Environment: HT_SRCDIR, HT_BUILDDIR (absolute), set by `make check`.

set -u
: "${HT_SRCDIR:?run through make check}"
: "${HT_BUILDDIR:?run through make check}"
export HT_SRCDIR HT_BUILDDIR
HT_LOGDIR="$HT_BUILDDIR/tests/logs"
rm -rf "$HT_LOGDIR"
mkdir -p "$HT_LOGDIR"

passed=0 failed=0 skipped=0 failed_names=""

selected() {
	[ $# -le 1 ] && return 0
	name=$1; shift
	for pat in "$@"; do
		case "$name" in *"$pat"*) return 0 ;; esac
	done
	return 1
}

# Segments outlive their processes by design, so a test (or a program it
# starts) can leave some behind.  After each test the ones that appeared
# during it and whose process has ended (`heaptop --list --all`: ALIVE
# no) are removed; at the end, once more, all that appeared since the run
# began (a process a test left behind is swept once it ends).  The user's
# segments from before are never touched (but two runs at once on one
# machine can sweep each other's ended segments: run one at a time).  The same everywhere: CI runs exactly what a
# user runs.
sweep_new_segments() { # file listing /dev/shm before
	[ -x "$HT_BUILDDIR/heaptop" ] || return 0
	"$HT_BUILDDIR/heaptop" --list --all 2>/dev/null |
		awk 'NR > 1 && $4 == "no" { print $1 }' |
		while read -r seg; do
			grep -qxF "$seg" "$1" || rm -f "/dev/shm/$seg"
		done
}

run_one() { # name timeout command...
	name=$1; limit=$2; shift 2
	log="$HT_LOGDIR/$(echo "$name" | tr '/' '_').log"
	shm_before="$HT_LOGDIR/.shm-before"
	ls /dev/shm >"$shm_before" 2>/dev/null || : >"$shm_before"
	start=$(date +%s.%N)
	# setsid: the test and everything it starts share a process group that
	# timeout can kill whole, and that is killed when the test ends (what
	# it left running in the background)
	pgfile="$HT_LOGDIR/.pgid"
	: >"$pgfile"
	timeout --kill-after=10 "$limit" setsid sh -c 'echo $$ >"$0"; exec "$@"' \
		"$pgfile" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	pg=$(cat "$pgfile" 2>/dev/null)
	[ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
	end=$(date +%s.%N)
	sweep_new_segments "$shm_before"
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "PASS  $name (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "SKIP  $name: $(grep -m1 -i 'skip' "$log" || true)"
	else
		failed=$((failed + 1)); failed_names="$failed_names $name"
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			echo "FAIL  $name (timed out after ${limit}s)"
		else
			echo "FAIL  $name (exit $rc, ${secs}s)"
		fi
		echo "----- $name: last 60 lines of $log"
		tail -n 60 "$log" | sed 's/^/    /'
		echo "-----"
	fi
}

timeout_of() {
	t=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-120}"
}

shm_start="$HT_LOGDIR/.shm-start"
ls /dev/shm >"$shm_start" 2>/dev/null || : >"$shm_start"
for t in ${HT_UNIT_TESTS:-}; do
	selected "unit/$t" "$@" || continue
	run_one "unit/$(basename "$t")" 120 "$HT_BUILDDIR/$t"
done
for dir in integration tui; do
	for t in "$HT_SRCDIR"/tests/$dir/t_*.sh; do
		[ -f "$t" ] || continue
		name="$dir/$(basename "$t" .sh)"
		selected "$name" "$@" || continue
		run_one "$name" "$(timeout_of "$t")" sh "$t"
	done
done

# what the tests left running ends within seconds (a program whose
# heaptop was closed with its terminal): wait for it, at most 10 s
i=0
while [ $i -lt 10 ] && [ -x "$HT_BUILDDIR/heaptop" ] &&
	"$HT_BUILDDIR/heaptop" --list --all 2>/dev/null |
	awk 'NR > 1 && $4 == "yes" { print $1 }' | grep -qvxF -f "$shm_start"; do
	sleep 1; i=$((i + 1))
done
sweep_new_segments "$shm_start"
echo
[ $failed -gt 0 ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
