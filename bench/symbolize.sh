#!/bin/sh
# Symbolization side by side: 20,000 distinct addresses of a large Rust
# program with full debug info (generated and built here with rustc -g
# -O, no crates), cold, one run each: heaptop's symbolizer with its
# per-unit index (new) and with the per-address libdw walk it replaced
# (old), `llvm-symbolizer --inlining` and binutils `addr2line -f -i`.
# Prints cold seconds, addresses per second (cold, and warm for heaptop:
# the same addresses again, from the cache), peak RSS, and each time as a
# ratio to llvm-symbolizer's.
#
#   bench/symbolize.sh [-m MODULES] [-n ADDRESSES] [-k]
#     -m  modules of the generated program (80: about 11 MB)
#     -n  addresses (20000)
#     -k  keep the work directory
#
# Run through `make bench-symbolize` (HT_BUILDDIR: the build directory).
set -eu

mods=80
naddr=20000
keep=
while getopts m:n:k o; do
	case $o in
	m) mods=$OPTARG ;;
	n) naddr=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,15p' "$0"; exit 2 ;;
	esac
done
b=${HT_BUILDDIR:-.}
drv=$b/bench/symbench
for t in rustc llvm-symbolizer addr2line; do
	command -v $t >/dev/null || { echo "symbolize.sh: needs $t"; exit 2; }
done
work=$(mktemp -d -t ht-symbench.XXXXXX)
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# The program: MODULES modules of generic code that the optimizer inlines
# (iterators, closures, collections, formatting).
gen() {
	echo 'use std::collections::{BTreeMap, HashMap};'
	i=0
	while [ $i -lt "$1" ]; do
		sed "s/@I@/$i/g" <<'RS'
mod m@I@ {
    use super::*;
    #[derive(Debug, Clone, PartialEq)]
    pub struct S { pub a: Vec<u64>, pub b: String, pub c: BTreeMap<u32, String> }
    #[inline]
    fn mix<T: Copy + Into<u64>>(xs: &[T], k: u64) -> u64 {
        xs.iter().map(|&x| x.into().wrapping_mul(k ^ @I@)).filter(|v| v % 3 != 1)
            .fold(0u64, |a, v| a.rotate_left(5) ^ v)
    }
    pub fn build(seed: u64) -> S {
        let a: Vec<u64> = (0..(seed % 64 + 8)).map(|x| x * 31 + seed).collect();
        let mut c = BTreeMap::new();
        for (i, v) in a.iter().enumerate().take(16) {
            c.insert(i as u32, format!("{}-{:x}-{}", v, v ^ @I@, i));
        }
        S { b: format!("{:?}", &a[..4]), a, c }
    }
    pub fn run(seed: u64, h: &mut HashMap<String, u64>) -> u64 {
        let s = build(seed);
        let t = s.clone();
        let mut words: Vec<String> = t.c.values().cloned().collect();
        words.sort_by(|x, y| y.len().cmp(&x.len()).then(x.cmp(y)));
        for w in &words { *h.entry(w.clone()).or_insert(0) += mix(&s.a, seed); }
        let bytes: Vec<u8> = s.b.bytes().rev().collect();
        mix(&bytes, seed) ^ mix(&s.a, @I@) ^ words.len() as u64 ^ (s == t) as u64
    }
}
RS
		i=$((i + 1))
	done
	echo 'fn main() {'
	echo '    let mut h = HashMap::new(); let mut acc = 0u64;'
	echo '    let n = std::env::args().count() as u64;'
	i=0
	while [ $i -lt "$1" ]; do
		echo "    acc ^= m$i::run(n + $i, &mut h);"
		i=$((i + 1))
	done
	echo '    println!("{} {}", acc, h.len());'
	echo '}'
}
gen "$mods" > "$work/big.rs"
echo "building a $mods-module Rust program (rustc -g -C opt-level=2) ..."
rustc -g -C opt-level=2 -C codegen-units=4 -o "$work/big" "$work/big.rs"
prog=$work/big
"$drv" addrs "$prog" "$naddr" 1 > "$work/addrs"

echo "machine: $(nproc) CPUs, $(uname -r); $(rustc --version)"
echo "$(llvm-symbolizer --version | grep -m1 -i version | sed 's/^ *//')"
echo "$(addr2line --version | head -1)"
echo "program: $(stat -c %s "$prog") bytes, $(wc -l < "$work/addrs") addresses"
echo

# time_cmd OUT CMD...: wall seconds and peak RSS (KiB) of CMD into OUT
time_cmd() {
	out=$1
	shift
	s=$(date +%s.%N)
	/usr/bin/time -f %M -o "$work/rss" "$@" > "$work/tool.out"
	e=$(date +%s.%N)
	echo "$(echo "$e - $s" | bc) $(cat "$work/rss")" > "$out"
}
time_cmd "$work/t.llvm" sh -c "llvm-symbolizer --inlining --obj='$prog' < '$work/addrs'"
lines_llvm=$(grep -c . "$work/tool.out" || true)
time_cmd "$work/t.a2l" sh -c "addr2line -f -i -C -e '$prog' < '$work/addrs'"
# symbench adds 1 to each address (ht_symbolize looks up pc - 1)
"$drv" time new "$prog" "$work/addrs" > "$work/t.new"
"$drv" time old "$prog" "$work/addrs" > "$work/t.old"

llvm=$(cut -d' ' -f1 "$work/t.llvm")
printf '%-28s %9s %11s %11s %9s %8s\n' tool cold_s addr/s warm_addr/s rss_MiB vs_llvm
row() {
	printf '%-28s %9.3f %11.0f %11s %9.1f %7.2fx\n' "$1" "$2" \
	    "$(echo "$naddr / $2" | bc -l)" "$3" "$(echo "$4 / 1024" | bc -l)" \
	    "$(echo "$2 / $llvm" | bc -l)"
}
# symbench: how n frames cold_s rate warm_s warm_rate rss_kib
set -- $(cat "$work/t.new")
row "heaptop index (new)" "$4" "$7" "$8"
set -- $(cat "$work/t.old")
row "heaptop libdw walk (old)" "$4" "$7" "$8"
set -- $(cat "$work/t.llvm")
row "llvm-symbolizer --inlining" "$1" - "$2"
set -- $(cat "$work/t.a2l")
row "addr2line -f -i -C" "$1" - "$2"
[ -z "$keep" ] || echo "kept $work"
