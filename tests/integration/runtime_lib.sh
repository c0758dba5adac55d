# Helpers for the runtime's integration tests (t_runtime_*.sh).  Source it
# after tests/lib.sh:
#   . "$HT_SRCDIR/tests/integration/runtime_lib.sh"
#
#   rt_preload NAME CMD...      run CMD with the runtime preloaded and
#                               HEAPTOP_SHM=NAME (extra settings through the
#                               environment); its segments are removed at exit
#   rt_seg NAME FILE            write rt_segdump's report of segment NAME to FILE
#   rt_field FILE KEY           a header field of a report
#   site_sum FILE FUNC FIELD    sum of FIELD over the stacks whose site (first
#                               frame that is not allocator machinery) is
#                               FUNC, or a mangled name containing FUNC
#   truth OUT SITE KEY          a value from a target's "truth SITE k=v" line
#   expect_counts_exact FILE D  the header's samples and sampled frees
#                               agree with the stacks' raw counts

SEGDUMP="$T/rt_segdump"
[ -x "$SEGDUMP" ] || fail "rt_segdump not built"
[ -f "$HT_RUNTIME" ] || fail "runtime not built: $HT_RUNTIME"

rt_names=""
rt_cleanup() {
	for n in $rt_names; do
		rm -f /dev/shm/"$n" /dev/shm/"$n".* 2>/dev/null
	done
	return 0
}
at_exit rt_cleanup

rt_preload() {
	name=$1; shift
	rt_names="$rt_names $name"
	LD_PRELOAD="$HT_RUNTIME" HEAPTOP_SHM="$name" "$@"
}

rt_seg() {
	"$SEGDUMP" "$1" >"$2" || fail "cannot read segment $1"
}

rt_field() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# Frames that are allocator machinery, not the allocating site: C++
# operator new/new[], Rust's allocator shims and alloc/core/std internals,
# and frames without a symbol.
SITE_SKIP='^(_Znwm|_Znam|_ZnwmRKSt9nothrow_t|_ZnamRKSt9nothrow_t|__rust_alloc|__rust_alloc_zeroed|__rust_realloc|__rdl_alloc|__rdl_alloc_zeroed|__rdl_realloc|__rg_alloc|_ZN5alloc.*|_ZN4core.*|_ZN3std.*|_RN.*5alloc.*|\?)$'

site_sum() {
	awk -v fn="$2" -v fld="$3" -v skip="$SITE_SKIP" '
	$1 == "stack" {
		val = 0; fr = ""
		for (i = 2; i <= NF; i++) {
			eq = index($i, "=")
			k = substr($i, 1, eq - 1)
			if (k == fld) val = substr($i, eq + 1)
			if (k == "frames") fr = substr($i, eq + 1)
		}
		n = split(fr, f, ";"); site = ""
		for (j = 1; j <= n; j++) if (f[j] !~ skip) { site = f[j]; break }
		if (site == fn || (substr(site, 1, 2) == "_Z" && index(site, fn))) sum += val
	}
	END { printf "%.3f\n", sum + 0 }' "$1"
}

truth() {
	awk -v s="$2" -v k="$3" '$1 == "truth" && $2 == s {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1"
}

# expect_counts_exact FILE DESC: the header's samples and sampled_frees
# equal the stacks' raw counts: every sample adds one to its stack's cum_objs and
# cur_objs, every sampled free takes one from cur_objs (no reset, no
# sample lost, no address sampled twice).
expect_counts_exact() {
	counts_exact "$1" || fail "$2: $(cat "$1.counts")"
}

# counts_exact FILE: the same as a status; the figures in FILE.counts
counts_exact() {
	sums=$(awk '$1 == "stack" { for (i = 2; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == "cum_objs") c += kv[2]
		if (kv[1] == "cur_objs") u += kv[2] } }
		END { print c + 0, c - u }' "$1")
	s=$(rt_field "$1" samples) f=$(rt_field "$1" sampled_frees)
	echo "samples $s, the stacks' cum_objs ${sums% *}; sampled frees $f," \
		"cum_objs - cur_objs ${sums#* }" >"$1.counts"
	eq_num "$s" "${sums% *}" && eq_num "$f" "${sums#* }"
}

# eq_num A B: numeric equality (3-decimal reports vs integer truth); false
# when either is empty or not a number
eq_num() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		num = "^[-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$"
		exit !(a ~ num && b ~ num && a + 0 == b + 0) }'
}

# expect_eq DESC ACTUAL EXPECTED
expect_eq() {
	eq_num "$2" "$3" || fail "$1: got $2, expected $3"
	note "ok: $1 = $2"
}
