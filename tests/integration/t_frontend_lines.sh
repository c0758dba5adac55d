#!/bin/sh
# Every recorded frame is a return address, the innermost one too: it is
# looked up at address - 1, inside the call.  fe_lines allocates with a
# statement whose next statement is on another line and is an inlined
# function: looked up at the return address itself, the site would be
# that next line, inside lines_after.  The exact line of the allocating
# statement in --json and --batch, the collapsed stacks (no lines_after
# leaf) and pprof (the location's line, decoded with protoc).  The
# screen's trees: tests/tui/t_screen_lines.sh.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

command -v protoc >/dev/null || fail "protoc not found (protobuf-compiler)"
cd "$WORK"
src="$HT_SRCDIR/tests/targets/fe_lines.c"
want=$(grep -n 'LINES_ALLOC' "$src" | cut -d: -f1)
call=$(grep -n 'LINES_CALL' "$src" | cut -d: -f1)
[ -n "$want" ] && [ -n "$call" ] || fail "markers not found in fe_lines.c"

# sites of the last JSON object: function|line|via
sites() {
	tail -n 1 "$1" | perl -ne 'while (/\{"function":"((?:[^"\\]|\\.)*)","file":(?:null|"(?:[^"\\]|\\.)*"),"line":(\d+),"module":(?:null|"[^"]*"),(?:"via":"((?:[^"\\]|\\.)*)",)?"inuse_bytes"/g) { print "$1|$2|", (defined $3 ? $3 : ""), "\n" }'
}

HEAPTOP_RATE=1 "$HEAPTOP" --json -r 1 --top 0 -d 0.5 --app-output j.log \
	"$T/fe_lines" 50 >j.json 2>j.err || { cat j.err; fail "heaptop --json failed"; }
grep -q '^done' j.log || fail "the target did not finish"
sites j.json >sites.txt
grep -q "^lines_site|$want|\$" sites.txt ||
	{ cat sites.txt; fail "--json: lines_site is not at fe_lines.c:$want"; }
# the frames of the site: lines_site at the allocating line, main at the call
tail -n 1 j.json | grep -q "\"function\":\"lines_site\",\"file\":\"[^\"]*fe_lines.c\",\"line\":$want,[^}]*},{\"function\":\"main\",\"file\":\"[^\"]*fe_lines.c\",\"line\":$call," ||
	fail "--json frames: not lines_site:$want then main:$call"
grep -q '"function":"lines_after"' j.json && fail "--json: lines_after in the frames"
note "ok: --json lines_site fe_lines.c:$want"

"$HEAPTOP" --batch -r 1 --top 0 -d 0.5 --app-output b.log \
	"$T/fe_lines" 50 >b.txt 2>b.err || { cat b.err; fail "heaptop --batch failed"; }
grep -q " lines_site (fe_lines.c:$want)\$" b.txt ||
	{ cat b.txt; fail "--batch: lines_site is not at fe_lines.c:$want"; }
note "ok: --batch lines_site (fe_lines.c:$want)"

"$HEAPTOP" --batch -r 1 -d 0.5 --app-output c.log --format collapsed -o c.txt \
	"$T/fe_lines" 50 >/dev/null 2>c.err || { cat c.err; fail "collapsed failed"; }
grep -q ';main;lines_site [0-9]*$\|^main;lines_site [0-9]*$' c.txt ||
	{ cat c.txt; fail "collapsed: no stack ending main;lines_site"; }
grep -q 'lines_after' c.txt && { cat c.txt; fail "collapsed: lines_after (the next line) as a frame"; }
note "ok: collapsed ...;main;lines_site"

"$HEAPTOP" --batch -r 1 -d 0.5 --app-output p.log --format pprof -o p.pb.gz \
	"$T/fe_lines" 50 >/dev/null 2>p.err || { cat p.err; fail "pprof failed"; }
gzip -dc p.pb.gz >p.pb || fail "pprof: not gzip"
protoc --proto_path="$HT_SRCDIR/src/core" --decode=perftools.profiles.Profile \
	profile.proto <p.pb >p.txt || fail "protoc --decode failed"
# the lines of every location of lines_site (string -> function -> line)
lines=$(awk '
	/^string_table: / { s = substr($0, 15); gsub(/"/, "", s); str[n++] = s }
	/^function \{/ { inf = 1; next }
	inf && /^  id: / { fid = $2 }
	inf && /^  name: / { fname[fid] = $2 }
	inf && /^}/ { inf = 0 }
	/^  line \{/ { inl = 1 }
	inl && /^    function_id: / { lf = $2 }
	inl && /^    line: / { ll[++k] = lf " " $2 }
	inl && /^  }/ { inl = 0 }
	END { for (i = 1; i <= k; i++) { split(ll[i], a, " ");
	      if (str[fname[a[1]]] == "lines_site") print a[2];
	      if (str[fname[a[1]]] == "lines_after") print "lines_after" } }' p.txt | sort -u | tr '\n' ' ')
[ "$lines" = "$want " ] || fail "pprof: lines_site lines '$lines', want $want"
note "ok: pprof lines_site line $want"
exit 0
