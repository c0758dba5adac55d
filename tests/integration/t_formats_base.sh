#!/bin/sh
# `heaptop --load NEW --base OLD` on two jemalloc dumps of a growing
# target (prof.dump at half time and at the end): the leaking function is
# the top grower, and the site that stopped allocating before the first
# dump is not negative.
# timeout: 90
. "$HT_SRCDIR/tests/lib.sh"

[ -x "$HEAPTOP" ] || fail "heaptop not built"
JE_SO=$(ldconfig -p | sed -n 's/.*libjemalloc\.so\.2 (.*=> *//p' | head -n 1)
[ -n "$JE_SO" ] && [ -f "$JE_SO" ] || fail "libjemalloc.so.2 not found"

# site_value JSON FUNCTION REGEX: the number after the first match of
# REGEX (ending in ':') within that site
site_value() {
	sed 's/"frames":\[[^]]*\]//g' "$1" | awk -v fn="$2" -v key="$3" '
		BEGIN { RS = "[{]\"function\":" }
		index($0, "\"" fn "\"") == 1 {
			if (match($0, key "-?[0-9.e+]+")) {
				s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s)
				print s; exit
			}
		}'
}

LD_PRELOAD=$JE_SO MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:12" \
	"$T/fmt_jeleak" -n 20000 -d "$WORK/grow" >"$WORK/truth" || fail "fmt_jeleak -d failed"
[ -s "$WORK/grow.1.heap" ] && [ -s "$WORK/grow.2.heap" ] || fail "dumps missing"

"$HEAPTOP" --load "$WORK/grow.2.heap" --base "$WORK/grow.1.heap" --json \
	--group function --sort growth --top 0 -n 1 >"$WORK/diff.json" 2>"$WORK/err" \
	|| { cat "$WORK/err"; fail "heaptop --base failed"; }
"$HEAPTOP" --load "$WORK/grow.2.heap" --base "$WORK/grow.1.heap" --batch \
	--group function --sort growth --top 0 -n 1 | head -n 12

top=$(sed 's/"frames":\[[^]]*\]//g' "$WORK/diff.json" | grep -o '"sites":\[{"function":"[^"]*"' \
	| sed 's/.*:"//; s/"$//')
note "top grower: $top"
[ "$top" = grow_site ] || fail "top grower is '$top', not grow_site"

grow=$(site_value "$WORK/diff.json" grow_site '"delta":[{]"inuse_bytes":')
stable=$(site_value "$WORK/diff.json" stable_site '"delta":[{]"inuse_bytes":')
note "delta in use: grow_site $grow, stable_site $stable"
[ -n "$grow" ] && [ -n "$stable" ] || fail "delta missing"
# 10000 objects of 4096 bytes were added between the dumps
within "$grow" 40960000 0.05 || fail "grow_site grew by $grow, expected ~40960000"
awk -v s="$stable" 'BEGIN { exit !(s >= 0) }' || fail "stable_site negative: $stable"
# nothing at all is negative
if grep -o '"delta":{"inuse_bytes":-[0-9]' "$WORK/diff.json" >/dev/null; then
	fail "a site shrank although nothing was freed"
fi

# growth is only --base's default sort: without --sort the grower order
# (small_site grew, worker_site did not), with an explicit --sort inuse the
# in-use order (worker_site holds more than small_site)
order() {
	"$HEAPTOP" --load "$WORK/grow.2.heap" --base "$WORK/grow.1.heap" --batch \
		--group function --top 0 -n 1 "$@" |
		grep -o 'worker_site\|small_site' | uniq | tr '\n' ' '
}
o_default=$(order)
o_inuse=$(order --sort inuse)
note "default order: $o_default; --sort inuse: $o_inuse"
[ "$o_default" = "small_site worker_site " ] || fail "default sort with --base is not growth: $o_default"
[ "$o_inuse" = "worker_site small_site " ] || fail "--sort inuse ignored with --base: $o_inuse"
exit 0
