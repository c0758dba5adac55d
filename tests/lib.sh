# Shared helpers for the shell tests (integration and tui).  Source it:
#   . "$HT_SRCDIR/tests/lib.sh"
# Gives: $HEAPTOP (the build-tree frontend), $HT_RUNTIME (the build-tree
# libheaptop.so), $T (target programs dir), $WORK (a private temp dir,
# removed on exit), and fail/skip/check helpers.

set -u
: "${HT_SRCDIR:?run through make check}"
: "${HT_BUILDDIR:?run through make check}"
HEAPTOP="$HT_BUILDDIR/heaptop"
HT_RUNTIME="$HT_BUILDDIR/.libs/libheaptop.so"
T="$HT_BUILDDIR/tests/targets"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-test.XXXXXX")
ht_cleanup_hooks=""
ht_cleanup() {
	for h in $ht_cleanup_hooks; do "$h" || true; done
	rm -rf "$WORK"
}
trap ht_cleanup EXIT
trap 'exit 130' INT TERM

# Run a command at exit (tmux servers, background targets).
at_exit() { ht_cleanup_hooks="$ht_cleanup_hooks $1"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*" >&2; exit 77; }
note() { echo "# $*"; }

# check DESCRIPTION COMMAND...: run the command, fail with the description
# when it fails.
check() { desc=$1; shift; "$@" || fail "$desc"; note "ok: $desc"; }

# within ACTUAL EXPECTED TOLERANCE_FRACTION: |actual - expected| <= tol * expected
# (false when either value is empty or not a number)
within() {
	awk -v a="$1" -v e="$2" -v t="$3" 'BEGIN {
		num = "^[-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$"
		if (a !~ num || e !~ num) exit 1
		d = a - e; if (d < 0) d = -d
		exit !(d <= t * (e < 0 ? -e : e)) }'
}

# Wait up to SECONDS for a command to succeed.
wait_for() {
	secs=$1; shift
	end=$(( $(date +%s) + secs ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# A unique segment name for this test.
seg_name() { echo "httest.$$.$1"; }
