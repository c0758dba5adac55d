#!/bin/sh
# bench/accuracy.sh: heaptop's estimates against the truth a target knows
# (bench/acc_target.c), over many runs at three rates; the total in use of
# a heap of >= 256 MiB at the default rate; and the same workload under
# jemalloc's profiler read by heaptop --load and by jeprof.  Prints
# markdown tables (bench/RESULTS.md, section "Accuracy").  Never part of
# make check.
#
#   HT_BUILDDIR=build sh bench/accuracy.sh [-n RUNS] [-b BIGRUNS] [-j JERUNS]
#                                           [-m BIGMIB] [-k JEPROFRUNS] [-A]
#
# Raw data (heaptop's JSON, the dumps, jeprof's text, each run's truth) is
# left in $HT_BUILDDIR/bench-acc; -A prints the tables again from it.
#
# Needs: cc, python3, jeprof and Debian's libjemalloc (-ljemalloc) for the
# jemalloc part (skipped with a note when missing).  Each run of the target
# draws its own sampling points (the runtime seeds from the clock and the
# thread: there is no seed variable), so runs are independent samples.
set -eu

RUNS=40
BIGRUNS=10
JERUNS=20
BIGMIB=300
JEPROF_RUNS=10
ANALYSE_ONLY=0
while getopts n:b:j:m:k:A o; do
	case $o in
	n) RUNS=$OPTARG ;;
	b) BIGRUNS=$OPTARG ;;
	j) JERUNS=$OPTARG ;;
	m) BIGMIB=$OPTARG ;;
	k) JEPROF_RUNS=$OPTARG ;;
	A) ANALYSE_ONLY=1 ;;
	*) echo "usage: $0 [-n RUNS] [-b BIGRUNS] [-j JERUNS] [-m BIGMIB] [-k JEPROFRUNS] [-A]" >&2
	   exit 2 ;;
	esac
done

: "${HT_BUILDDIR:?set HT_BUILDDIR to the build directory}"
HERE=$(cd "$(dirname "$0")" && pwd)
B=$(cd "$HT_BUILDDIR" && pwd)
CC=${CC:-cc}
HEAPTOP=$B/heaptop
W=$B/bench-acc
if [ $ANALYSE_ONLY = 0 ]; then
rm -rf "$W"
mkdir -p "$W/ht" "$W/big" "$W/je"

CFLAGS_T="-O2 -g -fno-omit-frame-pointer -fno-ipa-icf"
$CC $CFLAGS_T -o "$W/acc_target" "$HERE/acc_target.c" -lm
HAVE_JE=1
if ! $CC $CFLAGS_T -o "$W/acc_target_je" "$HERE/acc_target.c" -lm -ljemalloc \
     2>/dev/null; then
	HAVE_JE=0
	echo "note: no -ljemalloc: the jemalloc part is skipped" >&2
fi
command -v jeprof >/dev/null 2>&1 || HAVE_JE=0

# heaptop's final JSON update for the launched target, its runtime's own
# heap_v2 dump, and heaptop --load of that dump.  $1 rate ("" = default),
# $2 output stem, the rest the target's arguments.
ht_run() {
	rate=$1 stem=$2
	shift 2
	nice "$HEAPTOP" --batch --json -d 600 ${rate:+-r "$rate"} \
	    --group function --top 0 --no-threads \
	    --dump-at-exit "$stem.heap" --app-output /dev/null \
	    -- "$W/acc_target" "$@" | tail -n 1 > "$stem.json"
}

load_json() {
	nice "$HEAPTOP" --load "$1" --batch --json --group function --top 0 \
	    --no-threads | tail -n 1 > "$2"
}

# jeprof's flat in-use bytes and objects per function
jeprof_text() {
	nice jeprof --text --show_bytes --inuse_space "$1" "$2" \
	    > "$3.b" 2>/dev/null || :
	nice jeprof --text --show_bytes --inuse_objects "$1" "$2" \
	    > "$3.o" 2>/dev/null || :
}

t0=$(date +%s)
for rate in 4K 64K 512K; do
	mkdir -p "$W/ht/$rate"
	i=1
	while [ "$i" -le "$RUNS" ]; do
		s=$W/ht/$rate/$i
		ht_run "$rate" "$s" "$s.truth"
		load_json "$s.heap" "$s.load.json"
		[ "$i" -le "$JEPROF_RUNS" ] && [ $HAVE_JE = 1 ] &&
			jeprof_text "$W/acc_target" "$s.heap" "$s.jeprof"
		i=$((i + 1))
	done
done
t1=$(date +%s)

i=1
while [ "$i" -le "$BIGRUNS" ]; do
	s=$W/big/$i
	ht_run "" "$s" -b "$BIGMIB" "$s.truth"
	i=$((i + 1))
done
t2=$(date +%s)

if [ $HAVE_JE = 1 ]; then
	for lg in 12 16 19; do
		for ub in true false; do
			n=$JERUNS
			[ $ub = false ] && n=$(( (JERUNS + 1) / 2 ))
			d=$W/je/$lg-$ub
			mkdir -p "$d"
			i=1
			while [ "$i" -le "$n" ]; do
				MALLOC_CONF=prof:true,prof_accum:true,prof_unbias:$ub,lg_prof_sample:$lg,prof_final:true,prof_prefix:$d/$i \
				    nice "$W/acc_target_je" "$d/$i.truth"
				mv "$d/$i".*.heap "$d/$i.heap"
				load_json "$d/$i.heap" "$d/$i.load.json"
				jeprof_text "$W/acc_target_je" "$d/$i.heap" "$d/$i.jeprof"
				i=$((i + 1))
			done
		done
	done
fi
t3=$(date +%s)

echo "runs: $RUNS per rate (jeprof on $JEPROF_RUNS), $BIGRUNS big ($BIGMIB MiB target), $JERUNS jemalloc per rate (half with prof_unbias:false)"
echo "time: heaptop $((t1 - t0)) s, big $((t2 - t1)) s, jemalloc $((t3 - t2)) s"
fi
python3 - "$W" <<'EOF'
import glob, json, math, os, re, sys

W = sys.argv[1]
SITES = ["site_alloc_small", "site_alloc_large", "site_alloc_uniform",
         "site_alloc_mixed"]
SHORT = {"site_alloc_small": "small 64 B", "site_alloc_large": "large 1 MiB",
         "site_alloc_uniform": "uniform 1..8192 B",
         "site_alloc_mixed": "mixed 64 MiB + 1M x 16 B"}

def truth(path):
    t = {}
    for line in open(path):
        f = line.split()
        t[f[0]] = dict(inuse_bytes=int(f[1]), inuse_objects=int(f[2]),
                       alloc_bytes=int(f[3]), alloc_objects=int(f[4]),
                       inuse_usable=int(f[5]))
    return t

def sites(path):
    try:
        d = json.loads(open(path).read())
    except ValueError:
        return None, None
    return {s["function"]: s for s in d.get("sites", [])}, d

def jeprof(path):
    r = {}
    try:
        for line in open(path):
            m = re.match(r"\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+\d+\s+[\d.]+%\s+(\S+)", line)
            if m:
                r[m.group(2)] = int(m.group(1))
    except OSError:
        pass
    return r

def mean_sd(xs):
    n = len(xs)
    if n == 0:
        return float("nan"), float("nan")
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
    return m, sd

def pct(x):
    return "n/a" if x != x else "%+.2f%%" % (100 * x)

def flag(bias, se):
    if bias != bias:
        return ""
    if abs(bias) > 0.01 and abs(bias) > 2 * se:
        return " **BIAS**"
    if abs(bias) > 0.01:
        return " (n.s.)"
    return ""

def row_stats(pairs):
    """pairs: (estimate, truth, stderr or None) -> bias, se, z mean, z sd,
    within-2-SE fraction, rel sd, number of z"""
    rel = [(e - t) / t for e, t, _ in pairs]
    b, sd = mean_sd(rel)
    se = sd / math.sqrt(len(rel)) if rel else float("nan")
    zs = [(e - t) / s for e, t, s in pairs if s]
    zm, zsd = mean_sd(zs)
    w2 = sum(1 for z in zs if abs(z) <= 2) / len(zs) if zs else float("nan")
    return b, se, zm, zsd, w2, sd, len(zs)

out = []
P = out.append

# ---- 1. heaptop per site ----
P("### Per-site estimates against the truth (heaptop, live segment)\n")
P("Relative error (estimate - truth) / truth over the runs: bias (mean) "
  "with its standard error, and the runs' spread (sd); z = (estimate - "
  "truth) / the runtime's own standard error (`*_stderr`): mean ~0, sd ~1 "
  "and ~95% within 2 when the error model is right.  **BIAS**: beyond 1% "
  "and beyond 2 standard errors; (n.s.) beyond 1% but within the noise.\n")
P("| rate | site | quantity | truth | bias ± se | sd | z mean | z sd | within 2 SE | runs (z) |")
P("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
agree = []
zload = {}
jp_ht = {}
for rate in ["4K", "64K", "512K"]:
    runs = sorted(glob.glob(os.path.join(W, "ht", rate, "*.json")))
    runs = [r for r in runs if not r.endswith(".load.json")]
    data = []
    for r in runs:
        s, d = sites(r)
        if s is None:
            continue
        stem = r[:-5]
        t = truth(stem + ".truth")
        data.append((s, t))
        l, _ = sites(stem + ".load.json")
        if l:
            for name in SITES:
                if name in s and name in l:
                    for q in ("inuse_bytes", "inuse_objects", "alloc_bytes"):
                        a, b = s[name][q], l[name][q]
                        agree.append(abs(a - b) / max(abs(a), 1))
                    tq = t[name]
                    zz = []
                    for q in ("inuse_objects", "inuse_bytes"):
                        for src in (s, l):
                            se = src[name].get(q + "_stderr")
                            zz.append((src[name][q] - tq[q]) / se if se else 0.0)
                    if s[name].get("inuse_objects_stderr"):
                        zload.setdefault((rate, name), []).append(zz)
        jb, jo = jeprof(stem + ".jeprof.b"), jeprof(stem + ".jeprof.o")
        for name in SITES:
            if name in jb and name in s:
                jp_ht.setdefault((rate, name), []).append(
                    (jb[name], s[name]["inuse_bytes"],
                     jo.get(name, 0), s[name]["inuse_objects"]))
    for name in SITES:
        for q in ("inuse_bytes", "inuse_objects", "alloc_bytes"):
            pairs = []
            for s, t in data:
                e = s.get(name, {}).get(q, 0.0)
                se = s.get(name, {}).get(q + "_stderr")
                pairs.append((e, t[name][q], se))
            if not pairs:
                continue
            b, bse, zm, zsd, w2, sd, nz = row_stats(pairs)
            zcol = ("%+.2f | %.2f | %.0f%%" % (zm, zsd, 100 * w2)) if nz > 1 \
                else "- | - | - (SE 0: p ~ 1)"
            P("| %s | %s | %s | %d | %s ± %.2f%%%s | %.1f%% | %s | %d (%d) |" %
              (rate, SHORT[name], q, pairs[0][1], pct(b), 100 * bse,
               flag(b, bse), 100 * sd, zcol, len(pairs), nz))
P("")
if agree:
    P("`heaptop --load` of the runtime's own heap_v2 dump gives the live "
      "estimates back: largest relative difference %.2g over %d values.\n"
      % (max(agree), len(agree)))
if zload:
    P("The standard error `--load` derives from a dump (heap_v2 carries no "
      "variance: each stack is unsampled as if all its objects had the "
      "stack's mean size) against the runtime's own, live: sd of z for "
      "in-use objects and bytes (1 when right).\n")
    P("| rate | site | z sd objects, live | z sd objects, --load | z sd bytes, live | z sd bytes, --load |")
    P("|---|---|---:|---:|---:|---:|")
    for (rate, name), v in sorted(zload.items()):
        cols = [mean_sd([x[i] for x in v])[1] for i in range(4)]
        P("| %s | %s | %.2f | %.2f | %.2f | %.2f |" % ((rate, SHORT[name]) + tuple(cols)))
    P("")
if jp_ht:
    P("jeprof --text on heaptop's dumps (pre-adjusted counts): largest "
      "relative difference from heaptop's live estimate per rate and site "
      "(bytes, objects):\n")
    P("| rate | site | runs | bytes | objects |")
    P("|---|---|---:|---:|---:|")
    for (rate, name), v in sorted(jp_ht.items()):
        db = max(abs(a - b) / max(b, 1) for a, b, _, _ in v)
        do = max(abs(a - b) / max(b, 1) for _, _, a, b in v)
        P("| %s | %s | %d | %.2g | %.2g |" % (rate, SHORT[name], len(v), db, do))
    P("")

# ---- 2. big heap totals ----
big = []
for r in sorted(glob.glob(os.path.join(W, "big", "*.json"))):
    s, d = sites(r)
    if s is None:
        continue
    t = truth(r[:-5] + ".truth")
    tt = sum(v["inuse_bytes"] for v in t.values())
    st = sum(s.get(k, {}).get("inuse_bytes", 0) for k in t)
    sv = math.sqrt(sum(s.get(k, {}).get("inuse_bytes_stderr", 0) ** 2 for k in t))
    big.append((tt, st, sv, d["totals"]["inuse_bytes"], d["rate"]))
if big:
    P("### Total in use, heaps of >= 256 MiB at the default rate\n")
    P("| run | rate | truth (MiB) | heaptop, the 3 sites (MiB) | error | predicted SE | z | all sites (MiB) |")
    P("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, (tt, st, sv, tot, rate) in enumerate(big, 1):
        P("| %d | %d | %.1f | %.1f | %+.2f%% | %.2f%% | %+.2f | %.1f |" %
          (i, rate, tt / 2**20, st / 2**20, 100 * (st - tt) / tt,
           100 * sv / tt, (st - tt) / sv if sv else float("nan"), tot / 2**20))
    errs = [abs(st - tt) / tt for tt, st, _, _, _ in big]
    ses = [sv / tt for tt, _, sv, _, _ in big]
    # P(|N(0, se)| <= 5%) from the runtime's own standard error
    pin = sum(math.erf(0.05 / (se * math.sqrt(2))) for se in ses) / len(ses)
    P("\nWithin 5%%: %d of %d runs (largest error %.2f%%); the runtime's "
      "standard error (%.2f%% on average) predicts %.0f%%.  Poisson "
      "sampling of a heap of T bytes in objects much smaller than the rate "
      "R has a relative standard error of sqrt(R/T): 4.4%% for 256 MiB at "
      "512 KiB.\n" % (sum(1 for e in errs if e <= 0.05), len(big),
                       100 * max(errs), 100 * sum(ses) / len(ses), 100 * pin))

# ---- 3. jemalloc ----
je = sorted(glob.glob(os.path.join(W, "je", "*")))
if je:
    P("### The same workload under jemalloc 5.3's profiler\n")
    P("In-use estimates against the truth in jemalloc's size classes "
      "(`malloc_usable_size`; objects as counted), read from the "
      "prof_final dump by `heaptop --load` and by `jeprof --text "
      "--show_bytes`.  prof_unbias:true is jemalloc 5.3's default "
      "(per-sample unbiasing, counts pre-adjusted for jeprof); "
      "prof_unbias:false gives the raw sample counts that jeprof unsamples "
      "per stack with the stack's average object size (jemalloc before "
      "5.3).  z uses the standard error heaptop derives from the dump.\n")
    P("| lg_prof_sample | prof_unbias | site | quantity | truth | heaptop --load bias ± se | sd | z sd | jeprof bias | distinct dumps |")
    P("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for d in je:
        lg, ub = os.path.basename(d).split("-")
        data = []
        seen = set()
        for r in sorted(glob.glob(os.path.join(d, "*.load.json"))):
            s, _ = sites(r)
            stem = r[:-len(".load.json")]
            if s is None:
                continue
            with open(stem + ".heap") as f:
                seen.add(hash(f.read().split("MAPPED_LIBRARIES")[0]))
            data.append((s, truth(stem + ".truth"),
                         jeprof(stem + ".jeprof.b"), jeprof(stem + ".jeprof.o")))
        for name in SITES:
            for q, tq, jk in (("inuse_bytes", "inuse_usable", 2),
                              ("inuse_objects", "inuse_objects", 3)):
                pairs = [(s.get(name, {}).get(q, 0.0), t[name][tq],
                          s.get(name, {}).get(q + "_stderr")) for s, t, _, _ in data]
                if not pairs:
                    continue
                b, bse, zm, zsd, w2, sd, nz = row_stats(pairs)
                jrel = [(x[jk].get(name, 0) - x[1][name][tq]) / x[1][name][tq]
                        for x in data if x[jk]]
                jb, _ = mean_sd(jrel)
                P("| %s | %s | %s | %s | %d | %s ± %.2f%%%s | %.1f%% | %s | %s | %d/%d |" %
                  (lg, ub, SHORT[name], q, pairs[0][1], pct(b), 100 * bse,
                   flag(b, bse), 100 * sd,
                   "%.2f" % zsd if nz > 1 else "-", pct(jb), len(seen), len(data)))
    P("")
print("\n".join(out))
EOF
