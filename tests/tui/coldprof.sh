# coldprof N DEPTH ELF OUT: write a jemalloc heap_v2 profile of N stacks
# of DEPTH frames each whose addresses spread over ELF's code (mapped as
# a PIE at 0x555555554000), nearly all distinct: a profile whose
# symbolization is cold and long.  Stack i's in-use bytes vary with i, so
# the sites have a clear order.  Needs readelf and awk.
coldprof() {
	readelf -lW "$3" | awk -v n="$1" -v d="$2" -v elf="$3" '
	function hex(s) {   # "0x1a2b" -> number (awk has no strtonum in POSIX)
		s = tolower(substr(s, 3)); v = 0
		for (j = 1; j <= length(s); j++)
			v = v * 16 + index("0123456789abcdef", substr(s, j, 1)) - 1
		return v
	}
	function tohex(v,   s) {   # mawk prints %x of 32 bits only
		s = ""
		do {
			s = substr("0123456789abcdef", v % 16 + 1, 1) s
			v = int(v / 16)
		} while (v > 0)
		return s
	}
	BEGIN { nl = 0 }
	$1 == "LOAD" {
		off[nl] = hex($2); va[nl] = hex($3); msz[nl] = hex($6)
		flg[nl] = $7 $8; nl++
		if (($7 $8) ~ /E/) { lo = hex($3); sz = hex($5) }
	}
	END {
		if (!sz) { print "coldprof: no code in " elf > "/dev/stderr"; exit 1 }
		base = 93824992231424      # 0x555555554000
		for (i = 0; i < n; i++) {
			c[i] = 1 + i % 5; b[i] = c[i] * 64 * (1 + (i * 7919) % 1000)
			tc += c[i]; tb += b[i]
		}
		printf "heap_v2/524288\n  t*: %.0f: %.0f [%.0f: %.0f]\n", tc, tb, tc,
		       tb
		for (i = 0; i < n; i++) {
			line = "@"
			for (k = 0; k < d; k++) {
				x = ((i * d + k) * 2654435761) % sz
				line = line " 0x" tohex(base + lo + x + 1)
			}
			print line
			printf "  t*: %.0f: %.0f [%.0f: %.0f]\n", c[i], b[i], c[i],
			       b[i]
		}
		printf "\nMAPPED_LIBRARIES:\n"
		for (k = 0; k < nl; k++) {
			s = base + va[k] - va[k] % 4096
			e = base + va[k] + msz[k]; e += (4096 - e % 4096) % 4096
			p = (flg[k] ~ /R/ ? "r" : "-") (flg[k] ~ /W/ ? "w" : "-") \
			    (flg[k] ~ /E/ ? "x" : "-") "p"
			printf "%s-%s %s %08x 00:00 0 %s\n", tohex(s), tohex(e), p,
			       off[k] - off[k] % 4096, elf
		}
	}' >"$4"
}

# cold_rows_shown: (for tui_wait_fn) the screen shows rows of symbolized
# sites (a name other than the pending row's) while its header still
# counts the stacks symbolized
cold_rows_shown() {
	grep -Eq 'symbolizing [0-9,]+/[0-9,]+' "$TUI_SCREEN" &&
		tui_rows | grep -v '\[symbolizing\]' | grep -q 'heaptop'
}

# cold_setup: the screens' cold profile (100,000 stacks of six frames over
# heaptop's code) in $WORK/cold.heap, named by $prof; skips without
# readelf
cold_setup() {
	command -v readelf >/dev/null 2>&1 || skip "readelf is not installed"
	prof="$WORK/cold.heap"
	coldprof 100000 6 "$HEAPTOP" "$prof" || fail "cannot write the profile"
}
