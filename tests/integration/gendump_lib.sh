# A large jemalloc heap_v2 dump, generated (sourced by the tests that
# load one, and by bench/loadmem.sh):
#   gen_dump BINARY STACKS DEPTH > FILE
# STACKS distinct stacks of DEPTH frames (DEPTH >= 3), every address
# inside a function of BINARY's symbol table (so that they symbolize),
# mapped at 0x40000000 by a MAPPED_LIBRARIES section made from its
# program headers.  Stack i's three innermost frames are the digits of i
# in base (number of functions), the others a hash of i and the frame:
# distinct addresses give distinct stacks once symbolized (up to the
# cube of the number of functions).  Each stack has 1-7 objects of 64 B to
# 4 KiB.  Needs nm and readelf (binutils).  Also:
#   debug_bytes BINARY             the size of its .debug_* sections
#   rss_bound STACKS DEPTH SITES DEBUG_BYTES
#                                  the README's bound on the frontend's
#                                  peak RSS (Limits), KiB
gen_dump() {
	gd_bin=$1 gd_n=$2 gd_d=$3
	{
		readelf -lW "$gd_bin" | awk '$1 == "LOAD" { print "L", $2, $3, $6, $7 $8 }'
		nm --defined-only "$gd_bin" | awk '$2 ~ /^[tT]$/ { print "F", $1 }'
	} | awk -v n="$gd_n" -v d="$gd_d" -v path="$gd_bin" '
	# (mawk: no strtonum, and printf %x stops at 32 bits: hence a
	# base below 4 GiB)
	function hex(s,   v, k) {
		sub(/^0x/, "", s); v = 0
		for (k = 1; k <= length(s); k++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, k, 1))) - 1
		return v
	}
	$1 == "L" { nl++; lv[nl] = hex($3); lo[nl] = hex($2)
	            lm[nl] = hex($4); lf[nl] = $5; next }
	$1 == "F" { a = hex($2); if (a > 0 && !(a in seen)) { seen[a] = 1; f[nf++] = a } }
	END {
		base = 1073741824
		if (nf < 8) { print "gen_dump: too few functions" > "/dev/stderr"; exit 1 }
		printf "heap_v2/524288\n"
		tc = 0; tb = 0
		for (i = 0; i < n; i++) { c = 1 + i % 7; tc += c; tb += c * (64 + (i * 7919) % 4033) }
		printf "  t*: %d: %d [%d: %d]\n", tc, tb, tc, tb
		for (i = 0; i < n; i++) {
			line = "@"
			x = i
			for (k = 0; k < d; k++) {
				if (k < 3) { j = x % nf; x = int(x / nf) }
				else j = (i * 2654435761 + k * 40503) % nf
				# innermost: in the function; callers: a return address
				line = line sprintf(" 0x%x", base + f[j] + (k ? 5 : 4))
			}
			c = 1 + i % 7; b = c * (64 + (i * 7919) % 4033)
			printf "%s\n  t*: %d: %d [%d: %d]\n", line, c, b, c, b
		}
		printf "\nMAPPED_LIBRARIES:\n"
		for (k = 1; k <= nl; k++) {
			s = base + lv[k] - lv[k] % 4096
			e = base + lv[k] + lm[k]; e += (4096 - e % 4096) % 4096
			printf "%x-%x %s %08x 00:00 0 %s\n", s, e,
			       lf[k] ~ /E/ ? "r-xp" : lf[k] ~ /W/ ? "rw-p" : "r--p",
			       lo[k] - lo[k] % 4096, path
		}
	}'
}

debug_bytes() {
	readelf -SW "$1" | awk '$2 ~ /^\.debug_/ {
		v = 0; s = $6
		for (k = 1; k <= length(s); k++)
			v = v * 16 + index("0123456789abcdef", substr(s, k, 1)) - 1
		t += v } END { print t + 0 }'
}

# 16 MiB + S x (1 KiB + 24 B x D) + N x 1 KiB + 3 x G, in KiB
rss_bound() {
	awk -v n="$1" -v d="$2" -v s="$3" -v g="$4" 'BEGIN {
		b = 16 * 1048576 + n * (1024 + 24 * d) + s * 1024 + 3 * g
		printf "%d\n", b / 1024 }'
}
