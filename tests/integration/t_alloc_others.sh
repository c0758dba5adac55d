#!/bin/sh
# The rest of the programs that bring their own allocator:
#  - a shared mimalloc (-lmimalloc): named, and read by the hooks
#  - C++ on a static jemalloc (whose operator new is jemalloc's): the
#    program's method is the site
#  - a static tcmalloc (al_tcstatic): heaptop says at start, in the batch
#    text and in JSON that it cannot see the allocations, naming tcmalloc
#    and what to do; the program's output and exit status are unchanged
#  - Rust on _rjem_ jemalloc started outside heaptop with the runtime
#    preloaded: --attach-shm reads jemalloc's profiler, and says what to
#    set when the user turned it off (prof:false); launched through a
#    wrapper script, the runtime turns the profiler on itself
#  - --load of jemalloc's own final dumps of the Rust program and of the
#    static C program names the leaking function as the top site
#  - --follow on the dumps the Rust program writes (prof_prefix,
#    lg_prof_interval) shows the leak growing
# timeout: 240
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/alloc_lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
[ -f "$HT_RUNTIME" ] || fail "runtime not built"
[ -x "$T/al_tcstatic" ] || fail "al_tcstatic not built"
[ -x "$T/al_jeleak_static" ] || fail "al_jeleak_static not built"
al_build_rjem "$WORK/al_rjem"

bg_pids=""
seg="ht-rjem-$$" seg2="ht-rjem2-$$"
stop_bg() {
	for p in $bg_pids; do kill "$p" 2>/dev/null; done
	rm -f "/dev/shm/$seg" "/dev/shm/$seg2"
}
at_exit stop_bg

top_function() { # json-line-file line
	sed -n "${2}p" "$1" | sed 's/"frames":\[[^]]*\]//g' |
		grep -o '"sites":\[{"function":"[^"]*"' | sed 's/.*"function":"//; s/"$//'
}

# --- static tcmalloc: a clear message, the program untouched ------------
"$T/al_tcstatic" >"$WORK/tc.direct.out" 2>"$WORK/tc.direct.err"
direct_rc=$?
[ $direct_rc -eq 3 ] || fail "al_tcstatic alone exited $direct_rc, expected 3"
"$HEAPTOP" --batch -n 2 -d 0.5 --app-output "$WORK/tc.app" -- "$T/al_tcstatic" \
	>"$WORK/tc.batch" 2>"$WORK/tc.err"
rc=$?
cat "$WORK/tc.err" "$WORK/tc.batch" | head -n 20
[ $rc -eq 3 ] || fail "heaptop --batch exited $rc, not the program's 3"
grep -q 'tcmalloc is linked in; heaptop cannot see its allocations' "$WORK/tc.err" ||
	fail "no message at start naming tcmalloc"
grep -q '^allocator: tcmalloc (linked in), heaptop cannot see its allocations' "$WORK/tc.batch" ||
	fail "batch text does not name the allocator"
grep -q '^warning: heaptop cannot see .*-ltcmalloc_minimal.*heaptop --load' "$WORK/tc.batch" ||
	fail "batch text does not say what to do"
# the program's own output, stdout and stderr, is all in the log
for f in tc.direct.out tc.direct.err; do
	while IFS= read -r l; do
		grep -qxF -- "$l" "$WORK/tc.app" || fail "line '$l' of the program's output is missing"
	done <"$WORK/$f"
done
"$HEAPTOP" --batch --json -n 1 --app-output "$WORK/tc2.app" -- "$T/al_tcstatic" \
	>"$WORK/tc.json" 2>/dev/null
grep -q '"allocator":{"name":"tcmalloc","prefix":"","linkage":"static","profiling":false,"source":"none","advice":"tcmalloc is linked' "$WORK/tc.json" ||
	{ cat "$WORK/tc.json"; fail "JSON allocator for tcmalloc"; }
note "ok: static tcmalloc reported, output and status unchanged"

# --- a shared mimalloc: the hooks sit in front of it ---------------------
cat >"$WORK/mi.c" <<'EOF_C'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
struct node { struct node *next; char pad[4088]; };
static struct node *head;
__attribute__((noinline)) void mi_leak_site(void)
{
	struct node *n = malloc(sizeof *n);
	n->next = head;
	head = n;
}
int main(void)
{
	for (int i = 0; i < 3000; i++) {
		mi_leak_site();
		usleep(500);
	}
	puts("done");
	return 0;
}
EOF_C
cc -O0 -g -o "$WORK/mi" "$WORK/mi.c" -lmimalloc || fail "cannot link with -lmimalloc (libmimalloc-dev)"
"$HEAPTOP" --batch --json -n 2 -d 1 -r 64K --app-output "$WORK/mi.app" -- "$WORK/mi" \
	>"$WORK/mi.json" 2>/dev/null || fail "heaptop on the mimalloc program"
grep -q '"allocator":{"name":"mimalloc","prefix":"","linkage":"shared","profiling":false,"source":"hooks"' "$WORK/mi.json" ||
	{ cat "$WORK/mi.json" | head -c 600; fail "mimalloc not named"; }
[ "$(top_function "$WORK/mi.json" 2)" = mi_leak_site ] || fail "mimalloc: top site $(top_function "$WORK/mi.json" 2)"
note "ok: a shared mimalloc is read by the hooks"

# --- C++ on a static jemalloc (its own operator new) ---------------------
# jemalloc's operator new tail-calls fallback_impl: that frame is jemalloc's
cat >"$WORK/cxx.cc" <<'EOF_CXX'
#include <cstdio>
#include <map>
#include <string>
#include <unistd.h>
namespace shop {
struct Ledger {
	std::map<long, std::string> entries;
	void record(long i)
	{
		entries[i] = std::string(2000, 'x');
		usleep(200);
	}
};
}
int main()
{
	shop::Ledger l;
	for (long i = 0; i < 12000; i++)
		l.record(i);
	std::puts("done");
}
EOF_CXX
je_a=$(${CC:-cc} -print-file-name=libjemalloc.a)
[ -f "$je_a" ] || fail "libjemalloc.a not found (libjemalloc-dev)"
${CXX:-c++} -O1 -g -o "$WORK/cxx" "$WORK/cxx.cc" "$je_a" -lpthread -ldl -lm ||
	fail "cannot build the C++ program on libjemalloc.a"
"$HEAPTOP" --batch --json -n 3 -d 1 -r 64K --app-output "$WORK/cxx.app" -- "$WORK/cxx" \
	>"$WORK/cxx.json" 2>/dev/null || fail "heaptop on the C++ program"
grep -q '"source":"jemalloc-profiler"' "$WORK/cxx.json" || fail "C++: not read through jemalloc's profiler"
f=$(top_function "$WORK/cxx.json" 3)
note "C++ on libjemalloc.a: top site $f"
[ "$f" = "shop::Ledger::record(long)" ] || fail "C++: top site '$f'"

# --- Rust started outside heaptop, attached ----------------------------
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$seg" \
_RJEM_MALLOC_CONF="prof:true,prof_active:true,lg_prof_sample:14" \
	"$WORK/al_rjem" 4000 4096 2 0 3000 >"$WORK/att.out" 2>&1 &
apid=$!
bg_pids="$bg_pids $apid"
sleep 1
"$HEAPTOP" --attach-shm "$seg" --batch --json -n 3 -d 1 >"$WORK/att.json" 2>"$WORK/att.err" ||
	{ cat "$WORK/att.err"; fail "attach failed"; }
grep -q '"source":"jemalloc-profiler"' "$WORK/att.json" || { head -c 600 "$WORK/att.json"; fail "attach: not reading jemalloc's profiler"; }
"$HEAPTOP" --list >"$WORK/list.txt" 2>&1
grep -E "^$seg +[0-9]+ +running +yes +jemalloc/jemalloc-profiler " "$WORK/list.txt" ||
	{ cat "$WORK/list.txt"; fail "--list does not name the allocator and source"; }
f=$(top_function "$WORK/att.json" 3)
[ "$f" = al_rjem::myservice::EventLog::record ] || fail "attach: top site '$f'"
note "ok: attached to a Rust program started with the runtime: $f"
wait $apid

# the user turned the profiler off: heaptop says what to set
LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$seg2" _RJEM_MALLOC_CONF=prof:false \
	"$WORK/al_rjem" 2000 4096 1 0 2000 >"$WORK/att2.out" 2>&1 &
apid=$!
bg_pids="$bg_pids $apid"
sleep 0.5
"$HEAPTOP" --attach-shm "$seg2" --batch -n 1 >"$WORK/att2.txt" 2>&1 || fail "attach 2 failed"
cat "$WORK/att2.txt" | head -n 4
grep -q '^allocator: jemalloc (linked in, prefix _rjem_, profiler off), heaptop cannot see' "$WORK/att2.txt" ||
	fail "attach without prof:true: allocator line"
grep -q 'start the program with _RJEM_MALLOC_CONF=prof:true' "$WORK/att2.txt" ||
	fail "attach without prof:true: no advice"
wait $apid
note "ok: with prof:false heaptop says what to set"

# started through a wrapper script with nothing set: the runtime turns
# jemalloc's profiler on itself, before the program's first allocation
cat >"$WORK/wrap.sh" <<EOF_SH
#!/bin/sh
echo "wrapper starting"
exec "$WORK/al_rjem" 3000 4096 1 0 3000
EOF_SH
chmod +x "$WORK/wrap.sh"
env -u _RJEM_MALLOC_CONF "$HEAPTOP" --batch --json -n 3 -d 1 --app-output "$WORK/wrap.app" \
	-- "$WORK/wrap.sh" >"$WORK/wrap.json" 2>"$WORK/wrap.err" ||
	{ cat "$WORK/wrap.err"; fail "heaptop ./wrap.sh"; }
grep -q 'jemalloc config.prof=1 opt.prof=1' "$WORK/wrap.app" ||
	{ cat "$WORK/wrap.app"; fail "wrapper: jemalloc's profiler not on"; }
grep -q '"source":"jemalloc-profiler"' "$WORK/wrap.json" || fail "wrapper: not read through jemalloc"
f=$(top_function "$WORK/wrap.json" 3)
[ "$f" = al_rjem::myservice::EventLog::record ] || fail "wrapper: top site '$f'"
note "ok: heaptop ./wrapper.sh reads the Rust program it execs: $f"

# --- jemalloc's own final dumps, loaded ---------------------------------
_RJEM_MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$WORK/rf,lg_prof_sample:14" \
	"$WORK/al_rjem" 3000 4096 >/dev/null || fail "al_rjem failed"
MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$WORK/cf,lg_prof_sample:14" \
	"$T/al_jeleak_static" 3000 4096 >/dev/null || fail "al_jeleak_static failed"
for pair in "rf:al_rjem::myservice::EventLog::record" "cf:leak_here"; do
	pre=${pair%%:*} want=${pair#*:}
	dump=$(ls "$WORK/$pre".*.f.heap 2>/dev/null | head -n 1)
	[ -n "$dump" ] || fail "no final dump $WORK/$pre.*.f.heap"
	"$HEAPTOP" --load "$dump" --json -n 1 >"$WORK/$pre.json" 2>"$WORK/$pre.err" ||
		{ cat "$WORK/$pre.err"; fail "--load $dump"; }
	f=$(top_function "$WORK/$pre.json" 1)
	note "--load $(basename "$dump"): top site $f"
	[ "$f" = "$want" ] || fail "--load: top site '$f', expected $want"
done

# --- --follow on the Rust program's interval dumps ------------------------
_RJEM_MALLOC_CONF="prof:true,prof_prefix:$WORK/fo,lg_prof_interval:20,lg_prof_sample:14" \
	"$WORK/al_rjem" 5000 4096 1 0 2000 >"$WORK/fo.out" 2>&1 &
fpid=$!
bg_pids="$bg_pids $fpid"
"$HEAPTOP" --follow "$WORK/fo" --batch --json -n 3 -d 0.5 >"$WORK/fo.json" 2>"$WORK/fo.err" ||
	{ cat "$WORK/fo.err"; fail "--follow failed"; }
prev=0
for k in 1 2 3; do
	f=$(top_function "$WORK/fo.json" $k)
	b=$(sed -n "${k}p" "$WORK/fo.json" | sed 's/"frames":\[[^]]*\]//g' |
		grep -o '"sites":\[{"function":"[^"]*",[^{]*"inuse_bytes":[0-9.e+]*' | sed 's/.*"inuse_bytes"://')
	note "--follow update $k: $f $b B"
	[ "$f" = al_rjem::myservice::EventLog::record ] || fail "--follow: top site '$f'"
	awk -v a="$prev" -v b="$b" 'BEGIN { exit !(b > a) }' || fail "--follow: no growth ($prev -> $b)"
	prev=$b
done
wait $fpid
exit 0
