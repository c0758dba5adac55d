#!/bin/sh
# `heaptop --load DUMP --format pprof -o FILE`: a gzipped profile.proto
# that protoc decodes (raw, and with the schema), with the four sample
# types alloc_objects, alloc_space, inuse_objects, inuse_space, period =
# the rate, and per-type sums equal to the batch totals.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
command -v protoc >/dev/null || fail "protoc not found (protobuf-compiler)"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

LD_PRELOAD=$JE_SO \
MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:12,prof_final:true,prof_prefix:$WORK/je" \
	"$T/fmt_jeleak" -n 10000 >/dev/null || fail "fmt_jeleak failed"
dump=$(ls "$WORK"/je.*.f.heap | head -n 1)

"$HEAPTOP" --load "$dump" --format pprof -o "$WORK/p.pb.gz" >/dev/null 2>"$WORK/err" \
	|| { cat "$WORK/err"; fail "pprof export failed"; }
[ "$(od -An -tx1 -N2 "$WORK/p.pb.gz" | tr -d ' ')" = 1f8b ] || fail "not gzip"
gzip -dc "$WORK/p.pb.gz" >"$WORK/p.pb" || fail "gunzip failed"
protoc --decode_raw <"$WORK/p.pb" >"$WORK/raw.txt" || fail "protoc --decode_raw failed"
for s in alloc_objects alloc_space inuse_objects inuse_space count bytes; do
	grep -q "^6: \"$s\"" "$WORK/raw.txt" || fail "no string $s"
done
protoc --proto_path="$HT_SRCDIR/src/core" --decode=perftools.profiles.Profile \
	profile.proto <"$WORK/p.pb" >"$WORK/dec.txt" || fail "protoc --decode failed"
[ "$(grep -c '^sample_type {' "$WORK/dec.txt")" -eq 4 ] || fail "not 4 sample types"
grep -q '^period: 4096$' "$WORK/dec.txt" || fail "period is not the rate"
grep -q 'build_id\|^mapping {' "$WORK/dec.txt" || fail "no mappings"
# inlined frames or not, every location has at least one line
awk '/^location {/ { inloc = 1; lines = 0 } inloc && /^  line {/ { lines++ }
	inloc && /^}/ { if (!lines) bad = 1; inloc = 0 } END { exit bad }' "$WORK/dec.txt" \
	|| fail "a location without lines"

# sums per sample type (values in order: alloc_objects alloc_space
# inuse_objects inuse_space)
awk '/^sample {/ { k = 0 } /^  value: / { k++; sum[k] += $2 }
	END { printf "%d %d %d %d\n", sum[1], sum[2], sum[3], sum[4] }' "$WORK/dec.txt" >"$WORK/sums"
nsamples=$(grep -c '^sample {' "$WORK/dec.txt")
read -r ao as io is <"$WORK/sums"
note "pprof sums: alloc $ao objects $as B, in use $io objects $is B ($nsamples samples)"

"$HEAPTOP" --load "$dump" --json -n 1 >"$WORK/ht.json" || fail "heaptop --json failed"
tot() { grep -o '"totals":{[^}]*}' "$WORK/ht.json" | grep -o "\"$1\":[-0-9.e+]*" | sed 's/.*://'; }
# each value is rounded to an integer: within half a unit per sample
for pair in "inuse_bytes $is" "inuse_objects $io" "alloc_bytes $as" "alloc_objects $ao"; do
	set -- $pair
	t=$(tot "$1")
	note "$1: batch $t, pprof $2"
	awk -v a="$2" -v b="$t" -v n="$nsamples" 'BEGIN { d = a - b; if (d < 0) d = -d;
		exit !(d <= n * 0.5 + 1) }' || fail "$1: pprof $2 != batch $t"
done
exit 0
