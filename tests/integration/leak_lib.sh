# Helpers for the leak-or-cache tests.  Source after tests/lib.sh.
#   lk_site FILE N FUNCTION   the JSON object of site FUNCTION in update N
#                             of FILE (one JSON object per line), its
#                             frames and threads left out; empty when absent
#   lk_field FIELD            from stdin: the value of "FIELD" (string
#                             unquoted, number, null, true/false)
#   lk_classes FILE FUNCTION  one line per update: "N TREND VERDICT"
#   lk_top FILE FIELD         from the last update's top level

lk_site() {
	sed -n "${2}p" "$1" | sed 's/"frames":\[[^]]*\]//g; s/"threads":\[[^]]*\]//g' |
		sed 's/},{"function"/}\n{"function"/g' |
		grep "\"function\":\"$3\"" | head -n 1
}

lk_field() { # the last occurrence on the line: narrow the input first
	sed -n "s/.*\"$1\":\(\"[^\"]*\"\|null\|true\|false\|[-0-9][-0-9.e+]*\).*/\1/p" |
		head -n 1 | tr -d '"'
}

lk_classes() {
	n=$(wc -l <"$1")
	i=1
	while [ "$i" -le "$n" ]; do
		s=$(lk_site "$1" "$i" "$2")
		echo "$i $(echo "$s" | lk_field trend) $(echo "$s" | lk_field verdict)"
		i=$((i + 1))
	done
}

lk_top() {
	tail -n 1 "$1" | sed 's/"sites":\[.*//' | lk_field "$2"
}
