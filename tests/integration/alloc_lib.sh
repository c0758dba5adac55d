# Helpers for the tests of programs that bring their own allocator
# (t_alloc_*.sh; targets in tests/allocators.mk).  Source it after
# tests/lib.sh:
#   . "$HT_SRCDIR/tests/integration/alloc_lib.sh"
#
#   $AL_RJEM_DIR               the static _rjem_ jemalloc (lib/, include/),
#                              built by tests/jemalloc_rjem.sh
#   al_rustc                   prints the rustc to use ($CARGO's, PATH,
#                              ~/.cargo/bin); fails when there is none
#   al_build_rjem OUT [FLAGS]  compiles tests/targets/al_rjem.rs to OUT,
#                              linked with $AL_RJEM_DIR/lib/libjemalloc_pic.a
#                              (default FLAGS: -g -C opt-level=0
#                              -C force-frame-pointers=yes); fails when the
#                              library is missing
#   al_truth FILE SITE KEY     KEY from the last "truth SITE ..." line
#   al_jeprof_cum BIN DUMP NAME  the bytes jeprof --text attributes to the
#                              function NAME (its cumulative column: the
#                              flat one stops at the allocator's frames);
#                              NAME matches the end of jeprof's name
#   $JEPROF                    jeprof (Debian's /usr/bin/jeprof)

AL_RJEM_DIR="$HT_BUILDDIR/tests/jemalloc-rjem"
JEPROF=${JEPROF:-$(command -v jeprof || true)}

al_rustc() {
	al_r=""
	[ -n "${CARGO:-}" ] && [ -x "$(dirname "$CARGO")/rustc" ] && al_r="$(dirname "$CARGO")/rustc"
	[ -n "$al_r" ] || al_r=$(command -v rustc || true)
	[ -n "$al_r" ] || [ ! -x "$HOME/.cargo/bin/rustc" ] || al_r="$HOME/.cargo/bin/rustc"
	[ -n "$al_r" ] || fail "rustc not found (\$CARGO, PATH, ~/.cargo/bin): ./quickstart.sh deps installs Debian's"
	echo "$al_r"
}

al_build_rjem() {
	al_out=$1; shift
	[ -f "$AL_RJEM_DIR/lib/libjemalloc_pic.a" ] && [ -f "$AL_RJEM_DIR/include/jemalloc/jemalloc.h" ] ||
		fail "the _rjem_ jemalloc is not built in $AL_RJEM_DIR: run 'make jemalloc-rjem' in the build directory (./quickstart.sh test does)"
	al_rc=$(al_rustc) || exit 1
	[ $# -gt 0 ] || set -- -g -C opt-level=0 -C force-frame-pointers=yes
	"$al_rc" "$@" -L "$AL_RJEM_DIR/lib" -l static=jemalloc_pic \
		-l pthread -l dl -l m -o "$al_out" "$HT_SRCDIR/tests/targets/al_rjem.rs" \
		2>"$al_out.rustc.err" || { cat "$al_out.rustc.err" >&2; fail "rustc failed on al_rjem.rs"; }
}

al_truth() {
	awk -v s="$2" -v k="$3" '$1 == "truth" && $2 == s {
		for (i = 3; i <= NF; i++)
			if (index($i, k "=") == 1) v = substr($i, length(k) + 2)
	} END { print v }' "$1"
}

al_jeprof_cum() {
	[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
	"$JEPROF" --text --show_bytes "$1" "$2" 2>/dev/null | awk -v n="$3" '
		NF >= 6 && $4 ~ /^[0-9]+$/ {
			name = $6; for (i = 7; i <= NF; i++) name = name " " $i
			if (length(name) >= length(n) &&
			    substr(name, length(name) - length(n) + 1) == n) { print $4; exit }
		}'
}
