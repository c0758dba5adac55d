#!/bin/sh
# Programs that bring their own allocator, launched as a new user would
# (`heaptop --batch --json ./app`, no environment set by the test):
#   al_jeleak_static  Debian's libjemalloc.a linked in: read through
#                     jemalloc's profiler (MALLOC_CONF set by heaptop)
#   al_rjem           Rust on a static _rjem_ jemalloc (tikv-jemallocator's
#                     build): jemalloc's profiler (_RJEM_MALLOC_CONF)
#   al_jeleak_shared  -ljemalloc: heaptop's hooks sit in front of it
# For each: JSON's allocator object says which allocator and source; the
# leaking function is the top site with the exact file:line of its
# allocating statement (the next statement is on another line); its
# in-use grows between updates while the program leaks; once the program
# holds its heap, heaptop's in-use agrees within 2% with jeprof --text on
# the dump heaptop writes right after (-o, the runtime's DUMP: jemalloc's
# prof.dump for the first two) and with the truth the program printed
# within the sampling error (-r 16K: about 4% relative standard error).
# timeout: 240
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
SRC="$HT_SRCDIR/tests/targets"
for t in al_jeleak_static al_jeleak_shared; do
	[ -x "$T/$t" ] || fail "$T/$t not built"
done
al_build_rjem "$WORK/al_rjem"

# The JSON line of update $2 with the frames arrays removed.
update() { sed -n "${2}p" "$1" | sed 's/"frames":\[[^]]*\]//g'; }

# function|file|line of the first site of update $2.
top_site() {
	update "$1" "$2" | grep -o '"sites":\[{"function":"[^"]*","file":[^,]*,"line":[0-9]*' |
		sed 's/"sites":\[{"function":"//; s/","file":/|/; s/,"line":/|/; s/"//g'
}

# inuse_bytes of site function $3 in update $2.
site_bytes() {
	update "$1" "$2" | grep -o "{\"function\":\"$3\",[^{]*\"inuse_bytes\":[0-9.e+]*" |
		head -n 1 | sed 's/.*"inuse_bytes"://'
}

# run NAME BINARY FUNCTION FILE ALLOCATOR-JSON TRUTH-SITE (the name the
# program's truth lines and jeprof's output end with)
run() {
	name=$1 bin=$2 fn=$3 file=$4 alloc=$5 jname=$6
	out="$WORK/$name.json" app="$WORK/$name.app" dump="$WORK/$name.heap"
	# 3000 iterations 2 ms apart (about 6.5 s of leaking 4 KiB blocks),
	# truth every 500, then the heap held for 5 s
	"$HEAPTOP" --batch --json -n 9 -d 1 -r 16K --top 0 --app-output "$app" \
		-o "$dump" -- "$bin" 3000 4096 2 500 5000 >"$out" 2>"$WORK/$name.err" ||
		{ cat "$WORK/$name.err"; fail "$name: heaptop failed"; }
	[ "$(wc -l <"$out")" -eq 9 ] || { cat "$WORK/$name.err"; fail "$name: not 9 updates"; }
	grep -qx done "$app" || fail "$name: the program did not reach its hold (updates too slow?)"

	update "$out" 9 | grep -q "\"allocator\":$alloc" ||
		{ update "$out" 9 | grep -o '"allocator":{[^}]*}'; fail "$name: allocator is not $alloc"; }

	site=$(top_site "$out" 9)
	tline=$(al_truth "$app" "$jname" line)
	note "$name: top site $site (truth: $fn line $tline)"
	case "$site" in
	"$fn|"*"$file|$tline") ;;
	*) update "$out" 9 | cut -c1-1500; fail "$name: top site is '$site', not $fn $file:$tline" ;;
	esac

	# growing while it leaks (updates 2..5: between 1 s and 4 s); an
	# update that repeats the last jemalloc dump (paced: see t_alloc_pace)
	# has that dump's time and exactly its numbers
	prev=0 ptime="" fresh=0
	for k in 2 3 4 5; do
		b=$(site_bytes "$out" $k "$fn")
		tk=$(update "$out" $k | grep -o '"time":[0-9.]*' | head -n 1)
		note "$name: update $k: $fn in use ${b:-?} B ($tk)"
		[ -n "$b" ] || fail "$name: $fn missing from update $k"
		if [ "$tk" = "$ptime" ]; then
			[ "$b" = "$prev" ] || fail "$name: update $k repeats a dump with other numbers ($prev -> $b)"
		else
			awk -v a="$prev" -v b="$b" 'BEGIN { exit !(b > a) }' ||
				fail "$name: in use did not grow at update $k ($prev -> $b)"
			fresh=$((fresh + 1))
		fi
		prev=$b ptime=$tk
	done
	[ "$fresh" -ge 3 ] || fail "$name: only $fresh fresh snapshots in updates 2-5"

	hb=$(site_bytes "$out" 9 "$fn")
	tb=$(al_truth "$app" "$jname" bytes)
	[ -s "$dump" ] || fail "$name: no dump at $dump"
	head -n 1 "$dump" | grep -q '^heap_v2/' || fail "$name: the dump is not heap_v2"
	jb=$(al_jeprof_cum "$bin" "$dump" "$jname")
	note "$name: $fn heaptop $hb B, jeprof $jb B, truth $tb B"
	[ -n "$hb" ] && [ -n "$jb" ] && [ -n "$tb" ] || fail "$name: missing numbers"
	within "$hb" "$jb" 0.02 || fail "$name: heaptop and jeprof differ by more than 2%"
	within "$hb" "$tb" 0.15 || fail "$name: heaptop is not within 15% of the truth"
}

run static "$T/al_jeleak_static" leak_here al_jeleak.c \
	'{"name":"jemalloc","prefix":"","linkage":"static","profiling":true,"source":"jemalloc-profiler"' \
	leak_here
run rjem "$WORK/al_rjem" al_rjem::myservice::EventLog::record al_rjem.rs \
	'{"name":"jemalloc","prefix":"_rjem_","linkage":"static","profiling":true,"source":"jemalloc-profiler"' \
	myservice::EventLog::record
run shared "$T/al_jeleak_shared" leak_here al_jeleak.c \
	'{"name":"jemalloc","prefix":"","linkage":"shared","profiling":false,"source":"hooks"' \
	leak_here
exit 0
