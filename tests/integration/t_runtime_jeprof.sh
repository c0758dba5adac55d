# jeprof (libjemalloc-dev) reads the runtime's heap_v2 dumps: at the default
# rate it ranks the leaking function first with bytes within the sampling
# tolerance; at rate 1 its numbers are exact.
#
# Tolerance: leak_site keeps N = 1500 objects of z = 60000 bytes; each is
# sampled with p = 1 - e^(-z/R) (R = 512 KiB, p = 0.108) and the dump is
# pre-adjusted so jeprof's unsampling returns our estimate z/p per sample.
# Var = N z^2 (1-p)/p, SE = 7.4% of the truth; we accept 4 SE.  leak_mixed
# holds 36.5 MB against leak_site's 90 MB: ranking them the other way
# round would take a deviation of more than 5 combined standard errors.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

[ -n "${JEPROF:-}" ] && [ -x "$JEPROF" ] || JEPROF=$(command -v jeprof || true)
[ -n "$JEPROF" ] || fail "jeprof not found (libjemalloc-dev is a test dependency)"

n=$(seg_name jeprof)
HEAPTOP_DUMP_AT_EXIT="$WORK/def.heap" rt_preload "$n" "$T/leaky" -n 1500 -l 60000 \
	>"$WORK/out" || fail "leaky failed"
[ -f "$WORK/def.heap" ] || fail "no dump at exit"
head -n 1 "$WORK/def.heap" | grep -qx "heap_v2/524288" || fail "header: $(head -n 1 "$WORK/def.heap")"
"$JEPROF" --text --show_bytes "$T/leaky" "$WORK/def.heap" >"$WORK/jeprof.txt" 2>"$WORK/jeprof.err" ||
	{ cat "$WORK/jeprof.err"; fail "jeprof failed"; }
cat "$WORK/jeprof.txt" | head -n 8
first=$(awk '/^Total:/ { getline; print $NF; exit }' "$WORK/jeprof.txt")
[ "$first" = leak_site ] || fail "jeprof ranks '$first' first, not leak_site"
bytes=$(awk '/^Total:/ { getline; print $1; exit }' "$WORK/jeprof.txt")
awk -v b="$bytes" -v t="$(truth "$WORK/out" leak_site bytes)" 'BEGIN {
	n = 1500; z = 60000; R = 524288; p = 1 - exp(-z / R)
	se = sqrt(n * z * z * (1 - p) / p)
	printf "# jeprof leak_site %d bytes, truth %d, deviation %.2f SE\n", b, t, (b - t) / se
	exit !(b - t <= 4 * se && t - b <= 4 * se) }' || fail "jeprof's leak_site bytes outside 4 SE"

# at rate 1 jeprof's unsampling is the identity for these sizes: exact
n=$(seg_name jeprof1)
HEAPTOP_RATE=1 HEAPTOP_DUMP_AT_EXIT="$WORK/one.heap" rt_preload "$n" "$T/leaky" -n 300 -l 5000 \
	>"$WORK/out1" || fail "leaky failed"
"$JEPROF" --text --show_bytes "$T/leaky" "$WORK/one.heap" >"$WORK/jeprof1.txt" 2>/dev/null ||
	fail "jeprof failed on the rate-1 dump"
for site in leak_site leak_mixed; do
	got=$(awk -v s=$site '$NF == s { print $1; exit }' "$WORK/jeprof1.txt")
	expect_eq "jeprof $site bytes at rate 1" "${got:-0}" "$(truth "$WORK/out1" $site bytes)"
done
exit 0
