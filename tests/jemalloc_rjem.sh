#!/bin/sh
# Builds the jemalloc that a Rust program on tikv-jemallocator (with its
# `profiling` feature) carries inside itself: a static library whose public
# symbols are prefixed `_rjem_` (_rjem_mallocx, _rjem_mallctl...), whose
# internal ones are in the `_rjem_` private namespace, with the heap
# profiler compiled in and the run-time options read from
# _RJEM_MALLOC_CONF.  From Debian's source of jemalloc (apt-get source, a
# deb-src entry: ./quickstart.sh deps adds one), configured with the flags
# tikv-jemalloc-sys's build script passes with its default features plus
# `profiling`:
#   --disable-cxx --enable-doc=no --enable-shared=no
#   --with-jemalloc-prefix=_rjem_ --with-private-namespace=_rjem_
#   --enable-prof --disable-stats
# (the crate links lib/libjemalloc_pic.a; libjemalloc.a is the same code
# built without -fPIC).
#
#   tests/jemalloc_rjem.sh DIR
#
# Leaves DIR/lib/libjemalloc.a, DIR/lib/libjemalloc_pic.a and
# DIR/include/jemalloc/jemalloc.h.  The source is fetched and built once:
# a second run with the same flags only checks that the results are there.
# MAKE_JOBS (default 2) sets make's -j.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
FLAGS="--disable-cxx --enable-doc=no --enable-shared=no
 --with-jemalloc-prefix=_rjem_ --with-private-namespace=_rjem_
 --enable-prof --disable-stats"
stamp="$dir/.built"
want=$(echo $FLAGS)

done_already() {
	[ -f "$dir/lib/libjemalloc.a" ] && [ -f "$dir/lib/libjemalloc_pic.a" ] &&
		[ -f "$dir/include/jemalloc/jemalloc.h" ] && [ -f "$stamp" ] &&
		[ "$(cat "$stamp")" = "$want" ]
}

# One build at a time when two test runs share the directory.
if [ -z "${HT_RJEM_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	HT_RJEM_LOCKED=1 exec flock "$dir/.lock" sh "$0" "$dir"
fi

if done_already; then
	echo "jemalloc_rjem: $dir is built"
	exit 0
fi

start=$(date +%s)
rm -f "$stamp"
mkdir -p "$dir/src"
cd "$dir/src"
srcdir=$(ls -d jemalloc-*/ 2>/dev/null | head -n 1)
if [ -z "$srcdir" ] || [ ! -x "$srcdir/configure" ]; then
	rm -rf jemalloc-* jemalloc_*
	echo "jemalloc_rjem: apt-get source jemalloc"
	apt-get source -qq jemalloc >apt-source.log 2>&1 || {
		cat apt-source.log >&2
		echo "jemalloc_rjem: apt-get source jemalloc failed (a deb-src entry and dpkg-dev are needed: ./quickstart.sh deps)" >&2
		exit 1
	}
	srcdir=$(ls -d jemalloc-*/ | head -n 1)
fi
cd "$srcdir"
echo "jemalloc_rjem: building $(cat VERSION) in $dir/src/$srcdir"
# shellcheck disable=SC2086
./configure -q --prefix="$dir" $FLAGS >configure.log 2>&1 ||
	{ tail -n 40 configure.log >&2; tail -n 60 config.log >&2; exit 1; }
make -s -j"${MAKE_JOBS:-2}" build_lib_static >make.log 2>&1 ||
	{ tail -n 40 make.log >&2; exit 1; }
make -s install_lib_static install_include >>make.log 2>&1 ||
	{ tail -n 40 make.log >&2; exit 1; }
echo "$want" >"$stamp"
done_already || { echo "jemalloc_rjem: results missing in $dir" >&2; exit 1; }
echo "jemalloc_rjem: built in $(( $(date +%s) - start ))s"
