#!/bin/sh
# The walker against libunwind on programs Debian built without frame
# pointers, nobody here wrote, whose allocations are not reproducible run
# to run: HEAPTOP_UNWIND=check unwinds every walked sample with libunwind
# too and counts the stacks that differ.  sqlite3 building and indexing a
# table (libsqlite3's frames), python3 (the interpreter's), gcc's cc1
# compiling a generated file, each at rate 4K: no stack may differ, and
# the walker must have walked at least 90% of the samples (the call frame
# information's rules; libunwind for the rest).
# timeout: 180
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

command -v sqlite3 >/dev/null 2>&1 || fail "sqlite3 not installed (./quickstart.sh deps installs it)"
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 not installed"
CC1=$(gcc -print-prog-name=cc1 2>/dev/null || true)
[ -x "$CC1" ] || fail "gcc's cc1 not found"

cd "$WORK"
awk 'BEGIN {
	print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);"
	print "BEGIN;"
	for (i = 1; i <= 20000; i++)
		printf "INSERT INTO t(name, v) VALUES(\047name %d %s\047, %d.5);\n", i, substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 26), i
	print "COMMIT;"
	print "CREATE INDEX tn ON t(name);"
	print "SELECT count(*), sum(length(name)) FROM t WHERE name LIKE \047%e%\047;"
}' >t.sql
awk 'BEGIN {
	for (i = 0; i < 400; i++) {
		printf "struct s%d { int a; long b[%d]; char *c; };\n", i, i % 7 + 1
		printf "static int f%d(struct s%d *p, int x) { int r = x; for (int k = 0; k < %d; k++) r += p->b[k %% %d] * k; return r + f%d(p, x - 1); }\n", i, i, i % 5 + 2, i % 7 + 1, i > 0 ? i - 1 : 0
	}
	print "int main(void) { return 0; }"
}' | sed 's/return r + f0(p, x - 1);/return r;/' >gen.c

# check NAME MIN_PERCENT COMMAND...
check() {
	prog=$1 min=$2
	shift 2
	n=$(seg_name "uwc.$prog")
	HEAPTOP_UNWIND=check HEAPTOP_RATE=4K rt_preload "$n" "$@" >"$prog.out" 2>"$prog.err" ||
		{ cat "$prog.err"; fail "$prog failed"; }
	line=$(grep 'unwind check: walked ' "$prog.err" | tail -n 1)
	w=$(echo "$line" | sed -n 's/.*walked \([0-9]*\)\/\([0-9]*\) samples.*/\1/p')
	s=$(echo "$line" | sed -n 's/.*walked \([0-9]*\)\/\([0-9]*\) samples.*/\2/p')
	d=$(grep 'unwind check: differed from libunwind ' "$prog.err" | tail -n 1 | sed 's/.* //')
	note "$prog: walked $w of $s samples, $d differed from libunwind"
	[ -n "$w" ] && [ -n "$s" ] && [ -n "$d" ] || { cat "$prog.err"; fail "$prog: no check summary"; }
	[ "$d" -eq 0 ] || { grep 'part at\|walker \|libunwind ' "$prog.err" | head -n 9; fail "$prog: $d stacks differ from libunwind's"; }
	[ "$s" -ge 200 ] || fail "$prog: only $s samples"
	awk -v w="$w" -v s="$s" -v m="$min" 'BEGIN { exit !(w * 100 >= m * s) }' ||
		fail "$prog: the walker walked $w of $s samples (less than $min%)"
}

check sqlite3 90 sqlite3 :memory: -init t.sql .quit
check cc1 90 "$CC1" -quiet -O2 gen.c -o gen.s
check python3 90 /usr/bin/python3 -c '
import json
d = {"k%d" % i: [i, str(i) * 7, {"x": i}] for i in range(60000)}
print(len(json.dumps(d)))
'
exit 0
