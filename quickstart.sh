#!/bin/sh
# One command from a fresh Debian 12 machine to a running heaptop:
#
#   ./quickstart.sh demo   install build dependencies, build, run heaptop on
#                          the bundled demo program
#   ./quickstart.sh test   install build dependencies, build, run the whole
#                          test suite (what CI runs): in ./build, then
#                          again in ./build-san built with ASan and UBSan,
#                          then cppcheck (make lint)
#   ./quickstart.sh deps   only install the dependencies
#
# The dependencies include Debian's source of jemalloc (a deb-src entry is
# added for the Debian repositories when none exists): the tests build from
# it the static, prefixed jemalloc that Rust programs link
# (tests/jemalloc_rjem.sh), and rustc when no Rust toolchain is found.
#
# Builds in ./build (out of tree).  Uses sudo for apt-get when not root.
set -eu
cd "$(dirname "$0")"
what=${1:-demo}

DEPS="build-essential autoconf automake libtool pkg-config
 libdw-dev libunwind-dev libncurses-dev zlib1g-dev libprotobuf-c-dev
 protobuf-c-compiler libjemalloc-dev libjemalloc2 libcmocka-dev
 elfutils protobuf-compiler tmux procps libiberty-dev
 libgoogle-perftools-dev libmimalloc-dev dpkg-dev python3 sqlite3
 chromium libxml2-utils cppcheck"

# The rustc the tests use: $CARGO's, then PATH, then ~/.cargo/bin (as
# tests/integration/alloc_lib.sh looks); Debian's when there is none.
have_rustc() {
	{ [ -n "${CARGO:-}" ] && [ -x "$(dirname "$CARGO")/rustc" ]; } ||
		command -v rustc >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/rustc" ]
}

# deb-src entries for the Debian repositories (apt-get source), in
# /etc/apt/sources.list.d/*.sources (deb822: "Types: deb" becomes
# "Types: deb deb-src") and /etc/apt/sources.list (one "deb-src" line per
# "deb" line).  Only stanzas and lines whose URI is a Debian archive
# (.../debian or .../debian-security) change; a second run changes nothing.
# Prints the files it changed.
debsrc_edit() { # file
	case "$1" in
	*.sources) awk '
		function flush(   i, deb) {
			deb = (uris ~ /\/debian(-security)?\/?([ \t]|$)/)
			for (i = 1; i <= n; i++) {
				if (deb && buf[i] ~ /^Types:/ && buf[i] !~ /deb-src/)
					buf[i] = buf[i] " deb-src"
				print buf[i]
			}
			n = 0; uris = ""
		}
		/^[ \t]*$/ { flush(); print; next }
		{ buf[++n] = $0 }
		/^URIs:/ { uris = $0 }
		END { flush() }' "$1" ;;
	*) awk '
		{ print; line[NR] = $0 }
		$1 == "deb-src" { have[$0] = 1 }
		$1 == "deb" && $0 ~ /\/debian(-security)?\/?[ \t]/ {
			src = $0; sub(/^deb/, "deb-src", src); want[++n] = src }
		END { for (i = 1; i <= n; i++) if (!(want[i] in have)) print want[i] }' "$1" ;;
	esac
}

debsrc() {
	tmp=$(mktemp)
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		debsrc_edit "$f" >"$tmp" || { rm -f "$tmp"; return 1; }
		cmp -s "$f" "$tmp" && continue
		$SUDO cp "$tmp" "$f" || { rm -f "$tmp"; return 1; }
		echo "$f"
	done
	rm -f "$tmp"
}

deps() {
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	missing=""
	pkgs=$DEPS
	have_rustc || pkgs="$pkgs rustc"
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
			|| missing="$missing $p"
	done
	changed=$(debsrc)
	[ -z "$changed" ] || echo "quickstart: deb-src entries added to" $changed
	# apt-get source needs the Sources lists: update when an entry was
	# added, a package is missing, or they were never fetched.
	if [ -n "$changed" ] || [ -n "$missing" ] ||
		! ls /var/lib/apt/lists/*_Sources* >/dev/null 2>&1; then
		$SUDO apt-get update -qq
	fi
	if [ -n "$missing" ]; then
		echo "quickstart: installing:$missing"
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
	fi
}

build() {
	autoreconf -fi >/dev/null
	mkdir -p build
	cd build
	[ -f Makefile ] || ../configure --enable-tests -q
	make -j"$(nproc)" -s
}

# The sanitizer build, in ./build-san, at the lowest priority.
sanbuild() {
	mkdir -p build-san
	(cd build-san && { [ -f Makefile ] ||
		nice -n 19 ../configure --enable-tests --enable-sanitizers -q; } &&
		nice -n 19 make -j"$(nproc)" -s check-programs)
}

# make check in DIR; its closing counts are added to the totals.
passed=0 failed=0 skipped=0 summary=""
check_in() { # dir label
	echo "quickstart: the test suite in $1 ($2)"
	(cd "$1" && make -j"$(nproc)" -s check) 2>&1 | tee "$1/check.log"
	count "$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1/check.log" | tail -n 1)" "$1"
}

count() { # "N passed, N failed[, N skipped]" label
	set -- "$1" "$2" $(echo "$1" | tr -c '0-9\n' ' ')
	if [ $# -lt 4 ]; then
		echo "quickstart: $2: the suite did not finish"
		failed=$((failed + 1)) summary="$summary $2: did not finish;"
		return
	fi
	passed=$((passed + $3)) failed=$((failed + $4)) skipped=$((skipped + ${5:-0}))
	summary="$summary $2: $1;"
}

# cppcheck over src/ and ui/ (make lint): one more check in the totals.
lint() {
	if (cd build && make -s lint); then
		passed=$((passed + 1)) summary="$summary lint: clean"
	else
		failed=$((failed + 1)) summary="$summary lint: FAILED"
	fi
}

total() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

case "$what" in
deps) deps ;;
demo) deps; build; exec ./heaptop --demo ;;
test)
	deps; build
	cd ..
	# the suite twice: the normal build, then everything built with
	# AddressSanitizer and UndefinedBehaviorSanitizer (--enable-sanitizers:
	# the frontend, the core, the tests; the preloaded runtime with UBSan
	# only); then the static analysis (make lint)
	# the sanitizer tree builds (at low priority) while the first suite
	# runs: its tests mostly wait on their programs
	sanbuild >build-san.log 2>&1 &
	sanpid=$!
	check_in build "the normal build"
	wait "$sanpid" || { cat build-san.log; echo "quickstart: the sanitizer build failed" >&2; exit 1; }
	# the sanitizer tree uses the normal tree's static _rjem_ jemalloc
	[ -d build-san/tests/jemalloc-rjem ] || { mkdir -p build-san/tests &&
		cp -a build/tests/jemalloc-rjem build-san/tests/; }
	check_in build-san "the sanitizer build"
	lint
	echo "quickstart: $summary"
	total ;;
*) echo "usage: $0 demo|test|deps" >&2; exit 2 ;;
esac
