# The runtime at the default rate (512 KiB): unbiased estimates within the
# tolerance Poisson sampling theory gives, and no drift on freed objects.
#
# Tolerance.  An allocation of z bytes is sampled with probability
# p = 1 - e^(-z/R) and then counts z/p bytes (Horvitz-Thompson).  For a site
# with N objects of z bytes the estimate is unbiased with variance
#   Var = N z^2 (1 - p) / p
# (objects: N (1 - p) / p).  We accept |estimate - truth| <= 4 sqrt(Var):
# with ~200 and ~3800 samples the estimate is close to normal, so a correct
# runtime fails this with probability about 6e-5 per check.  Here:
#   site_leak  in use: N = 400000, z = 256:  ~195 samples, 4 SE = 29%
#   site_churn allocated: N = 10^7, z = 200: ~3800 samples, 4 SE = 6.5%
# Freed objects subtract exactly what they added, so site_churn's in-use
# estimate is exactly 0 whatever the samples.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"
. "$HT_SRCDIR/tests/integration/runtime_lib.sh"

R=524288
n=$(seg_name sampled)
rt_preload "$n" "$T/rt_sites" -n 400000 -z 256 -c 10000000 -y 200 >"$WORK/out" ||
	fail "rt_sites failed"
rt_seg "$n" "$WORK/seg"
expect_eq "default rate" "$(rt_field "$WORK/seg" rate)" $R

# within_se DESC ESTIMATE TRUTH N Z KIND(bytes|objs)
within_se() {
	awk -v d="$1" -v est="$2" -v tru="$3" -v n="$4" -v z="$5" -v k="$6" -v R=$R 'BEGIN {
		p = 1 - exp(-z / R)
		var = (k == "bytes" ? z * z : 1) * n * (1 - p) / p
		se = sqrt(var); dev = est - tru
		printf "# %s: estimate %.0f truth %.0f deviation %.2f SE (SE %.0f, %.1f%%)\n",
			d, est, tru, dev / se, se, 100 * se / tru
		exit !(dev <= 4 * se && dev >= -4 * se) }' || fail "$1 outside 4 standard errors"
}

N=$(truth "$WORK/out" site_leak objects)
within_se "site_leak in-use bytes" "$(site_sum "$WORK/seg" site_leak est_cur_bytes)" \
	"$(truth "$WORK/out" site_leak bytes)" "$N" 256 bytes
within_se "site_leak in-use objects" "$(site_sum "$WORK/seg" site_leak est_cur_objs)" \
	"$N" "$N" 256 objs
within_se "site_leak allocated bytes" "$(site_sum "$WORK/seg" site_leak est_cum_bytes)" \
	"$(truth "$WORK/out" site_leak alloc_bytes)" "$N" 256 bytes
C=$(truth "$WORK/out" site_churn alloc_objects)
within_se "site_churn allocated bytes" "$(site_sum "$WORK/seg" site_churn est_cum_bytes)" \
	"$(truth "$WORK/out" site_churn alloc_bytes)" "$C" 200 bytes
within_se "site_churn allocated objects" "$(site_sum "$WORK/seg" site_churn est_cum_objs)" \
	"$C" "$C" 200 objs
expect_eq "site_churn in use (exact: frees subtract what allocs added)" \
	"$(site_sum "$WORK/seg" site_churn est_cur_bytes)" 0
expect_eq "site_churn in-use objects" "$(site_sum "$WORK/seg" site_churn est_cur_objs)" 0

# The runtime's own variance (sum of per-sample (1-p)/p^2 z^2) estimates the
# theoretical one; with ~195 samples it is within a factor 0.6..1.6.
awk -v v="$(site_sum "$WORK/seg" site_leak var_cur_bytes)" -v n="$N" -v R=$R 'BEGIN {
	z = 256; p = 1 - exp(-z / R); t = n * z * z * (1 - p) / p
	printf "# site_leak variance: runtime %.4g theory %.4g ratio %.2f\n", v, t, v / t
	exit !(v > 0.6 * t && v < 1.6 * t) }' || fail "variance estimate off"

samples=$(rt_field "$WORK/seg" samples)
note "samples $samples, sampled frees $(rt_field "$WORK/seg" sampled_frees)"
[ "$samples" -gt 2000 ] && [ "$samples" -lt 8000 ] || fail "unexpected sample count $samples"
exit 0
