#!/bin/sh
# `--format svg`: the flame graph of a real run, as a browser draws it.
# leaky runs under heaptop (--json --group stack, --format svg
# --dump-at-exit); headless Chromium opens the file, runs its script and
# dumps the DOM.  In that DOM every frame's share of the width must be
# the share of in-use bytes the JSON gives the stacks through that
# function (within 1%), the allocating functions must be there and
# leak_site's share must be the truth's (leaky prints what it
# allocated; 5%, sampling); a search in the fragment (#s=) must highlight
# the matching frames and report their share, a zoom in the query (?z=)
# must give the frame the full width.  Then a heap_v2 dump of another run
# converted with --load FILE --format svg -o is checked the same way
# against --load FILE --json, from the file.  xmllint checks both files
# when it is installed.
# timeout: 150
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "no heaptop at $HEAPTOP"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium not installed (./quickstart.sh deps installs it)"
command -v python3 >/dev/null 2>&1 || fail "python3 not installed"
cd "$WORK"

# render FILE SUFFIX OUT: the DOM of file://FILE+SUFFIX after its script ran
render() {
	timeout 60 "$CHROMIUM" --headless=new --disable-gpu --no-sandbox \
		--no-first-run --user-data-dir="$WORK/chromium" \
		--dump-dom "file://$WORK/$1$2" >"$3" 2>chromium.err ||
		{ tail -n 5 chromium.err; fail "chromium failed on $1$2"; }
	grep -q 'data-ready="1"' "$3" ||
		{ head -c 2000 "$3"; fail "the script did not run on $1$2"; }
}

wellformed() {
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$1" || fail "$1 is not well-formed XML"
		note "ok: xmllint: $1 well-formed"
	else
		note "xmllint not installed: $1 not checked by it"
	fi
}

# check.py SVG_OR_DOM JSON [search TERM] [zoom NAME] [truth APP_LOG]:
# compares the frames with the JSON's stacks (their widths unless
# zoomed); prints what it compared.
cat >check.py <<'PY'
import json, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
FULL = 1180.0

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

def frame_name(tip):
    k = tip.rfind(" \u2014 ")
    if k >= 0:
        tip = tip[:k]
    k = tip.rfind(" (")
    return tip[:k] if k >= 0 else tip

root = ET.parse(sys.argv[1]).getroot()
frames = []
for g in root.iter(NS + "g"):
    if "f" not in g.get("class", "").split():
        continue
    r = g.find(NS + "rect")
    frames.append({
        "name": frame_name(g.find(NS + "title").text),
        "cls": g.get("class").split(),
        "v": float(g.get("data-v")),
        "x": float(r.get("x")), "w": float(r.get("width")),
        "fill": r.get("fill"),
    })
final = [json.loads(l) for l in open(sys.argv[2])][-1]
total = final["totals"]["inuse_bytes"]
stacks = [(s["inuse_bytes"], [f["function"] for f in s["frames"]])
          for s in final["sites"]]
if not frames or frames[0]["name"] != "all":
    fail("no root frame 'all'")
rootw = frames[0]["w"]
modes = dict(zip(sys.argv[3::2], sys.argv[4::2]))

def through(pred):
    """in-use bytes of the stacks with a frame whose function passes pred"""
    return sum(b for b, fs in stacks if any(pred(f) for f in fs))

def by_name(name):
    fs = [f for f in frames if f["name"] == name]
    if not fs:
        fail("no frame " + name)
    return fs

if "zoom" not in modes:
    if abs(rootw - FULL) > 0.01:
        fail("root width %.2f, not %.0f" % (rootw, FULL))
    if abs(frames[0]["v"] - total) > 0.01 * total:
        fail("root %.0f bytes, JSON total %.0f" % (frames[0]["v"], total))
    names = set(f["name"] for f in frames)
    for fn in ("main", "leak_site", "leak_mixed"):
        if fn not in names:
            fail("no frame for " + fn + " in " + " ".join(sorted(names)))
    if "churn_site" in names:
        fail("churn_site drawn: it holds nothing")
    checked = 0
    for fn in sorted(names - {"all"}):
        want = through(lambda f: f == fn) / total
        got = sum(f["w"] for f in by_name(fn)) / rootw
        if want < 0.01:
            continue
        if abs(got - want) > 0.01 * want:
            fail("%s: %.5f of the width, JSON %.5f" % (fn, got, want))
        checked += 1
        print("share %s %.5f json %.5f" % (fn, got, want))
    print("frames %d checked %d" % (len(frames), checked))

if "search" in modes:
    term = modes["search"]
    want = through(lambda f: term in f) / total
    got = float(root.get("data-matched", "nan"))
    if root.get("data-search") != term:
        fail("search term %r, not %r" % (root.get("data-search"), term))
    if not abs(got - want) <= 0.01 * want:
        fail("matched %.5f, JSON %.5f" % (got, want))
    lit = [f["name"] for f in frames if "match" in f["cls"]]
    if not lit or any(term not in n for n in lit):
        fail("highlighted: %s" % lit)
    if any(f["fill"] != "rgb(230,0,230)" for f in frames if "match" in f["cls"]):
        fail("a highlighted frame is not magenta")
    if any(term in f["name"] and "match" not in f["cls"] for f in frames[1:]):
        fail("a matching frame is not highlighted")
    if int(root.get("data-matched-frames")) != len(lit):
        fail("data-matched-frames != highlighted frames")
    text = [t.text for t in root.iter(NS + "text") if t.get("id") == "matched"]
    print("matched %.5f json %.5f frames %d text %s" % (got, want, len(lit),
                                                        text[0]))
if "zoom" in modes:
    name = modes["zoom"]
    f = by_name(name)[0]
    if abs(f["w"] - FULL) > 0.01 or abs(f["x"] - 10) > 0.01:
        fail("zoomed %s at x %.2f width %.2f" % (name, f["x"], f["w"]))
    if "hide" in f["cls"] or "parent" in f["cls"]:
        fail("zoomed frame hidden or dimmed")
    for o in frames:
        if o["name"] == "main" and "parent" not in o["cls"]:
            fail("main is not shown as a caller")
        if o["name"] == "leak_site" and "hide" not in o["cls"]:
            fail("leak_site shown while zoomed into " + name)
    print("zoom %s %s" % (name, root.get("data-zoom")))
if "truth" in modes:
    truth = {}
    for l in open(modes["truth"]):
        if l.startswith("truth "):
            kv = dict(w.split("=") for w in l.split()[2:])
            truth[l.split()[1]] = float(kv["bytes"])
    want = truth["leak_site"] / (truth["leak_site"] + truth["leak_mixed"])
    got = sum(f["w"] for f in by_name("leak_site")) / rootw
    if abs(got - want) > 0.05 * want:
        fail("leak_site %.4f of the width, truth %.4f" % (got, want))
    print("truth leak_site %.4f of the width, truth %.4f" % (got, want))
PY

# ---- a live run: --dump-at-exit FILE --format svg ----
"$HEAPTOP" --json -r 4K -d 0.5 --top 0 --group stack --format svg \
	--dump-at-exit run.svg --app-output app.log \
	"$T/leaky" -n 2000 -l 30000 >run.json 2>err.txt ||
	{ cat err.txt; fail "heaptop exited $?"; }
[ -s run.svg ] || fail "no run.svg"
grep -q '^truth leak_site' app.log || fail "leaky printed no truth"
wellformed run.svg

render run.svg "#s=%5Fsite" dom.xml
python3 check.py dom.xml run.json search _site truth app.log ||
	fail "rendered frames"

# the zoom: leak_mixed's index in the drawing order, given in the query;
# a search whose matches are nested (main in __libc_start_call_main in
# __libc_start_main_impl) counts their bytes once
idx=$(python3 -c '
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
fs = [g for g in ET.parse(sys.argv[1]).getroot().iter(ns + "g")
      if "f" in g.get("class", "").split()]
print([i for i, g in enumerate(fs)
       if g.find(ns + "title").text.startswith("leak_mixed (")][0])' dom.xml)
render run.svg "?z=$idx&s=ai" zoom.xml
python3 check.py zoom.xml run.json zoom leak_mixed search ai || fail "zoom"

# ---- a conversion: --load DUMP --format svg -o FILE ----
"$HEAPTOP" --batch -r 4K -d 0.5 --dump-at-exit run.heap --app-output app2.log \
	"$T/leaky" -n 1000 -l 20000 >/dev/null 2>err.txt ||
	{ cat err.txt; fail "heaptop (heap dump) failed"; }
[ -s run.heap ] || fail "no run.heap"
"$HEAPTOP" --load run.heap --format svg -o conv.svg 2>err.txt ||
	{ cat err.txt; fail "--load --format svg -o failed"; }
"$HEAPTOP" --load run.heap --json -n 1 --top 0 --group stack >conv.json ||
	fail "--load --json failed"
wellformed conv.svg
python3 check.py conv.svg conv.json || fail "converted frames"
grep -q 'heaptop: bytes in use' conv.svg || fail "no title"

# --value alloc: the churn site's bytes count
"$HEAPTOP" --load run.heap --format svg --value alloc -o alloc.svg ||
	fail "--value alloc failed"
grep -q '<title>churn_site (' alloc.svg || fail "churn_site not in allocated"
grep -q 'heaptop: bytes allocated' alloc.svg || fail "no allocated title"
exit 0
