#!/bin/sh
# The programs that bring their own allocator are what they claim, checked
# without heaptop, with the allocator's own profiler:
#   al_rjem (Rust, static _rjem_ jemalloc): the profiler is compiled in and
#     reads _RJEM_MALLOC_CONF (not MALLOC_CONF); its final dump, read by
#     jeprof, gives myservice::EventLog::record and Cache::pin the bytes of
#     the printed truth; the same at -O2; the truth is printed (flushed)
#     while it runs
#   al_jeleak_static / al_jeleak_shared: jemalloc inside the executable /
#     libjemalloc.so.2 in DT_NEEDED; MALLOC_CONF dumps agree with the truth,
#     printed (flushed) while they run
#   al_tcstatic: tcmalloc inside the executable; its output and status 3
# Each printed truth line names the line of the allocating statement.
# timeout: 180
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev)"
SRC="$HT_SRCDIR/tests/targets"
N=30000

# The line a truth line names holds the allocating call.
line_has() { # source line pattern
	sed -n "${2}p" "$1" | grep -q "$3"
}

# jemalloc's final dump of a run: PREFIX.PID.N.f.heap
final_dump() { ls "$1".*.f.heap 2>/dev/null | head -n 1; }

# Leak bytes from jeprof within TOL of the truth.
agrees() { # binary dump jeprof-name truth-file site tol
	jb=$(al_jeprof_cum "$1" "$2" "$3")
	tb=$(al_truth "$4" "$5" bytes)
	note "$5: jeprof $jb B, truth $tb B"
	within "$jb" "$tb" "$6" || fail "$5: jeprof's $jb B is not within $6 of $tb B"
}

# --- al_rjem -----------------------------------------------------------
al_build_rjem "$WORK/al_rjem"
nm "$WORK/al_rjem" >"$WORK/rjem.nm" || fail "nm al_rjem"
for s in _rjem_mallctl _rjem_mallocx _rjem_sdallocx _rjem_je_prof_backtrace prof_backtrace_impl; do
	grep -q " [TtWw] $s\$" "$WORK/rjem.nm" || fail "al_rjem has no $s"
done
! grep -q " T malloc\$" "$WORK/rjem.nm" || fail "al_rjem defines an unprefixed malloc"
note "ok: al_rjem carries the _rjem_ jemalloc"

_RJEM_MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$WORK/rj,lg_prof_sample:12" \
	"$WORK/al_rjem" $N 4096 >"$WORK/rjem.out" || fail "al_rjem failed"
grep -qx 'jemalloc config.prof=1 opt.prof=1' "$WORK/rjem.out" ||
	fail "al_rjem: $(head -n 1 "$WORK/rjem.out") with _RJEM_MALLOC_CONF=prof:true"
grep -qx done "$WORK/rjem.out" || fail "al_rjem did not finish"
dump=$(final_dump "$WORK/rj")
[ -n "$dump" ] || fail "al_rjem: no final dump with _RJEM_MALLOC_CONF"
[ "$(al_truth "$WORK/rjem.out" myservice::EventLog::record objs)" = $N ] || fail "record objs"
line_has "$SRC/al_rjem.rs" "$(al_truth "$WORK/rjem.out" myservice::EventLog::record line)" \
	'Vec::with_capacity(self.bytes)' || fail "record's truth line"
line_has "$SRC/al_rjem.rs" "$(al_truth "$WORK/rjem.out" myservice::Cache::pin line)" \
	'alloc_zeroed(Layout' || fail "pin's truth line"
line_has "$SRC/al_rjem.rs" "$(al_truth "$WORK/rjem.out" myservice::Parser::parse line)" \
	'format!' || fail "parse's truth line"
agrees "$WORK/al_rjem" "$dump" myservice::EventLog::record "$WORK/rjem.out" \
	myservice::EventLog::record 0.05
agrees "$WORK/al_rjem" "$dump" myservice::Cache::pin "$WORK/rjem.out" \
	myservice::Cache::pin 0.2
jp=$(al_jeprof_cum "$WORK/al_rjem" "$dump" myservice::Parser::parse)
[ -z "$jp" ] || [ "$jp" -lt 100000 ] || fail "parse keeps $jp B (churn only)"

# The variable is _RJEM_MALLOC_CONF: MALLOC_CONF leaves the profiler off.
MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$WORK/rjno" \
	"$WORK/al_rjem" 100 4096 >"$WORK/rjem-no.out" || fail "al_rjem failed"
grep -qx 'jemalloc config.prof=1 opt.prof=0' "$WORK/rjem-no.out" ||
	fail "al_rjem read MALLOC_CONF: $(head -n 1 "$WORK/rjem-no.out")"
[ -z "$(final_dump "$WORK/rjno")" ] || fail "al_rjem dumped with MALLOC_CONF"
note "ok: al_rjem reads _RJEM_MALLOC_CONF, not MALLOC_CONF"

# Optimised build: the same sites.
al_build_rjem "$WORK/al_rjem_o2" -g -C opt-level=2 -C force-frame-pointers=yes
_RJEM_MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$WORK/rjo,lg_prof_sample:12" \
	"$WORK/al_rjem_o2" $N 4096 >"$WORK/rjem-o2.out" || fail "al_rjem -O2 failed"
dump=$(final_dump "$WORK/rjo")
[ -n "$dump" ] || fail "al_rjem -O2: no final dump"
agrees "$WORK/al_rjem_o2" "$dump" myservice::EventLog::record "$WORK/rjem-o2.out" \
	myservice::EventLog::record 0.05

# The truth while it runs: flushed every REPORT_EVERY iterations.
"$WORK/al_rjem" 60 1000 50 10 >"$WORK/rjem-live.out" &
pid=$!
wait_for 10 grep -q 'record .* objs=10$' "$WORK/rjem-live.out" ||
	fail "no truth while al_rjem runs"
kill -0 $pid 2>/dev/null || fail "al_rjem ended before its first report was read"
wait $pid || fail "al_rjem (sleeping) failed"
[ "$(al_truth "$WORK/rjem-live.out" myservice::EventLog::record bytes)" = 60000 ] ||
	fail "live run's final truth"
note "ok: al_rjem reports while it runs"

# --- al_jeleak_static, al_jeleak_shared -----------------------------------
for v in static shared; do
	bin="$T/al_jeleak_$v"
	[ -x "$bin" ] || fail "al_jeleak_$v not built"
	readelf -d "$bin" >"$WORK/$v.dyn" || fail "readelf $v"
	nm "$bin" >"$WORK/$v.nm" 2>/dev/null || fail "nm $v"
	nm -D "$bin" >"$WORK/$v.dynsym" || fail "nm -D $v"
	if [ $v = static ]; then
		! grep -q 'libjemalloc' "$WORK/$v.dyn" || fail "al_jeleak_static needs libjemalloc.so"
		grep -q ' T mallctl$' "$WORK/$v.nm" || fail "al_jeleak_static: no mallctl in .symtab"
		grep -q ' t prof_backtrace_impl$' "$WORK/$v.nm" ||
			fail "al_jeleak_static: no prof_backtrace_impl"
		grep -q ' T malloc$' "$WORK/$v.dynsym" || fail "al_jeleak_static: malloc not exported"
	else
		grep -q 'NEEDED.*\[libjemalloc\.so\.2\]' "$WORK/$v.dyn" ||
			fail "al_jeleak_shared: libjemalloc.so.2 not in DT_NEEDED"
		grep -q ' U mallctl$' "$WORK/$v.dynsym" || fail "al_jeleak_shared: mallctl not imported"
	fi
	MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$WORK/$v,lg_prof_sample:12" \
		"$bin" $N 4096 >"$WORK/$v.out" || fail "al_jeleak_$v failed"
	grep -qx 'jemalloc config.prof=1 opt.prof=1' "$WORK/$v.out" ||
		fail "al_jeleak_$v: $(head -n 1 "$WORK/$v.out")"
	dump=$(final_dump "$WORK/$v")
	[ -n "$dump" ] || fail "al_jeleak_$v: no final dump"
	line_has "$SRC/al_jeleak.c" "$(al_truth "$WORK/$v.out" leak_here line)" \
		'= malloc(size);' || fail "leak_here's truth line"
	line_has "$SRC/al_jeleak.c" "$(al_truth "$WORK/$v.out" small_here line)" \
		'= malloc(96);' || fail "small_here's truth line"
	agrees "$bin" "$dump" leak_here "$WORK/$v.out" leak_here 0.05
	agrees "$bin" "$dump" small_here "$WORK/$v.out" small_here 0.2
	"$bin" 60 1000 50 10 >"$WORK/$v-live.out" &
	pid=$!
	wait_for 10 grep -q 'leak_here .* objs=10$' "$WORK/$v-live.out" ||
		fail "no truth while al_jeleak_$v runs"
	kill -0 $pid 2>/dev/null || fail "al_jeleak_$v ended before its first report was read"
	wait $pid || fail "al_jeleak_$v (sleeping) failed"
	note "ok: al_jeleak_$v"
done

# --- al_tcstatic -----------------------------------------------------------
bin="$T/al_tcstatic"
[ -x "$bin" ] || fail "al_tcstatic not built"
! readelf -d "$bin" | grep -q 'libtcmalloc' || fail "al_tcstatic needs libtcmalloc"
nm "$bin" 2>/dev/null | grep -q ' T tc_malloc$' || fail "al_tcstatic: no tc_malloc inside"
"$bin" 1000 4096 >"$WORK/tc.out" 2>"$WORK/tc.err"
rc=$?
[ $rc -eq 3 ] || fail "al_tcstatic exited $rc, not 3"
[ "$(head -n 1 "$WORK/tc.out")" = "al_tcstatic start" ] || fail "al_tcstatic stdout"
grep -qx done "$WORK/tc.out" || fail "al_tcstatic stdout: no done"
[ "$(al_truth "$WORK/tc.out" leak_here bytes)" = 4096000 ] || fail "al_tcstatic truth"
line_has "$SRC/al_tcstatic.c" "$(al_truth "$WORK/tc.out" leak_here line)" \
	'= malloc(size);' || fail "al_tcstatic's truth line"
printf 'al_tcstatic stderr line\nal_tcstatic exiting 3\n' | cmp -s - "$WORK/tc.err" ||
	fail "al_tcstatic stderr: $(cat "$WORK/tc.err")"
note "ok: al_tcstatic"
exit 0
