#!/bin/sh
# One command from a fresh Debian 12 machine to a running heaptop:
#
#   ./quickstart.sh demo   install build dependencies, build, run heaptop on
#                          the bundled demo program
#   ./quickstart.sh test   install build dependencies, build, run the whole
#                          test suite (what CI runs)
#   ./quickstart.sh deps   only install the dependencies
#
# Builds in ./build (out of tree).  Uses sudo for apt-get when not root.
set -eu
cd "$(dirname "$0")"
what=${1:-demo}

DEPS="build-essential autoconf automake libtool pkg-config
 libdw-dev libunwind-dev libncurses-dev zlib1g-dev libprotobuf-c-dev
 protobuf-c-compiler libjemalloc-dev libjemalloc2 libcmocka-dev
 elfutils protobuf-compiler tmux procps libiberty-dev
 libgoogle-perftools-dev"

deps() {
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	missing=""
	for p in $DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
			|| missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "quickstart: installing:$missing"
		$SUDO apt-get update -qq
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

case "$what" in
deps) deps ;;
demo) deps; build; exec ./heaptop --demo ;;
test) deps; build; make -j"$(nproc)" -s check ;;
*) echo "usage: $0 demo|test|deps" >&2; exit 2 ;;
esac
