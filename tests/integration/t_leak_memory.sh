#!/bin/sh
# The heap against RSS and the allocator's own view, in JSON and text:
#  - trend_frag (96 MiB of 256-byte blocks, then all but one per page
#    freed in shuffled order): in use falls to a sixteenth while RSS
#    stays; mallinfo2 shows the free bytes glibc keeps, and the verdict
#    is allocator retention, naming malloc_trim and MALLOC_ARENA_MAX
#  - trend_py.py (about 150 MB of small Python objects, in pymalloc's
#    mmap'd arenas): the heap heaptop sees is a small part of RSS; the
#    verdict is "outside malloc", with the anonymous mappings holding it
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/leak_lib.sh"

[ -x "$T/trend_frag" ] || fail "trend_frag not built"
command -v python3 >/dev/null || fail "python3 not installed (./quickstart.sh deps installs it)"
cd "$WORK"
N=16
"$HEAPTOP" --batch --json -n $N -d 1 --app-output frag.app -- "$T/trend_frag" 30 \
	>frag.json 2>frag.err &
fpid=$!
"$HEAPTOP" --batch --json -n $N -d 1 --app-output py.app -- \
	python3 "$HT_SRCDIR/tests/targets/trend_py.py" 30 >py.json 2>py.err &
ppid=$!
wait $fpid || { cat frag.err; fail "heaptop on trend_frag"; }
wait $ppid || { cat py.err; fail "heaptop on trend_py.py"; }

# --- fragmentation --------------------------------------------------------
grep -q 'truth frag_fill kept_bytes' frag.app || { cat frag.app; fail "trend_frag did not free"; }
last=$(tail -n 1 frag.json | sed 's/"sites":\[.*//')
rss=$(echo "$last" | lk_field rss_bytes)
heap=$(tail -n 1 frag.json | sed 's/.*"totals":{//; s/}.*//' | lk_field inuse_bytes)
src=$(echo "$last" | sed 's/.*"allocator_stats"://' | lk_field source)
arena=$(echo "$last" | sed 's/.*"allocator_stats"://' | lk_field arena)
free=$(echo "$last" | sed 's/.*"allocator_stats"://' | lk_field free)
note "frag: rss $rss, heap $heap, mallinfo2 arena $arena free $free"
[ "$src" = mallinfo2 ] || fail "frag: allocator_stats source '$src'"
awk -v r="$rss" -v h="$heap" 'BEGIN { exit !(r > 64e6 && h < r / 4) }' ||
	fail "frag: RSS $rss should stay high while the heap ($heap) fell"
awk -v a="$arena" -v f="$free" 'BEGIN { exit !(f > a / 2) }' ||
	fail "frag: mallinfo2 should show most of the arena free ($free of $arena)"
v=$(echo "$last" | sed 's/.*"memory"://' | lk_field verdict)
[ "$v" = "allocator retention" ] || { echo "$last"; fail "frag: memory verdict '$v'"; }
t=$(echo "$last" | sed 's/.*"memory"://' | lk_field text)
case "$t" in *malloc_trim*MALLOC_ARENA_MAX*) ;; *) fail "frag: no advice in '$t'" ;; esac
note "ok: fragmentation: $t"

# --- Python ---------------------------------------------------------------
last=$(tail -n 1 py.json | sed 's/"sites":\[.*//')
rss=$(echo "$last" | lk_field rss_bytes)
heap=$(tail -n 1 py.json | sed 's/.*"totals":{//; s/}.*//' | lk_field inuse_bytes)
anon=$(echo "$last" | sed 's/.*"rss_by_kind"://' | lk_field anonymous)
note "python: rss $rss, heap $heap, anonymous $anon"
awk -v r="$rss" -v h="$heap" -v a="$anon" 'BEGIN { exit !(r > 100e6 && h < r / 4 && a > r / 2) }' ||
	fail "python: RSS $rss, heap $heap, anonymous $anon"
v=$(echo "$last" | sed 's/.*"memory"://' | lk_field verdict)
[ "$v" = "outside malloc" ] || { echo "$last"; fail "python: memory verdict '$v'"; }
t=$(echo "$last" | sed 's/.*"memory"://' | lk_field text)
note "ok: python: $t"

# the batch text says the same
"$HEAPTOP" --batch -n 6 -d 1 --app-output py2.app -- \
	python3 "$HT_SRCDIR/tests/targets/trend_py.py" 8 >py.txt 2>py2.err ||
	{ cat py2.err; fail "heaptop --batch on trend_py.py"; }
grep -q '^memory: heap .*RSS .*mallinfo2: arena' py.txt || { tail -n 12 py.txt; fail "python: no memory line"; }
grep -q '^rss by kind: .*other anonymous' py.txt || fail "python: no rss by kind line"
grep -q '^verdict: most of RSS is outside malloc' py.txt || { tail -n 12 py.txt; fail "python: no verdict line"; }
note "ok: the batch text has the memory, rss-by-kind and verdict lines"
exit 0
