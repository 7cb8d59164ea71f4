#!/bin/sh
# capsim: compare the summary.json of several `capsim run --out DIR` outputs.
#
# usage: sh benchmarks/compare.sh DIR...
#
# Prints one aligned row per DIR: policy, backfill order (policy_params.order,
# or - when the policy has none), jobs, utilization, mean/median/p95 wait (s),
# mean bounded slowdown, backfilled jobs. POSIX sh + awk only: it relies on
# jansson's pretty-printing (indent 2, one "key": value per line), reading the
# top-level keys at indent 2 and policy_params' keys at indent 4.

if [ $# -eq 0 ]; then
	echo "usage: sh $0 DIR..." >&2
	exit 2
fi
for d in "$@"; do
	if [ ! -r "$d/summary.json" ]; then
		echo "compare.sh: $d/summary.json: missing or unreadable" >&2
		exit 1
	fi
done

for d in "$@"; do
	printf '%s\n' "@@DIR $d"
	cat "$d/summary.json"
	printf '\n'
done | awk '
function val(s) {
	sub(/^[^:]*:[ \t]*/, "", s)
	sub(/,[ \t]*$/, "", s)
	if (s ~ /^".*"$/) s = substr(s, 2, length(s) - 2)
	if (s == "null" || s == "") s = "-"
	return s
}
function key(s) {
	sub(/^[ \t]*"/, "", s)
	sub(/".*$/, "", s)
	return s
}
function num(s, fmt) { return (s == "-") ? "-" : sprintf(fmt, s + 0) }
function flush_row() {
	if (n == 0) return
	cell[n, 1] = dir
	cell[n, 2] = f["policy"]
	cell[n, 3] = (order == "") ? "-" : order
	cell[n, 4] = f["jobs"]
	cell[n, 5] = num(f["utilization"], "%.4f")
	cell[n, 6] = num(f["mean_wait"], "%.1f")
	cell[n, 7] = num(f["median_wait"], "%.1f")
	cell[n, 8] = num(f["p95_wait"], "%.1f")
	cell[n, 9] = num(f["mean_bounded_slowdown"], "%.2f")
	cell[n, 10] = f["backfilled_jobs"]
}
BEGIN {
	ncol = split("run policy backfill_order jobs utilization mean_wait median_wait p95_wait mean_bounded_slowdown backfilled_jobs", head, " ")
	n = 0
}
/^@@DIR / {
	flush_row()
	n++
	dir = substr($0, 7)
	order = ""
	section = ""
	split("policy jobs utilization mean_wait median_wait p95_wait mean_bounded_slowdown backfilled_jobs", names, " ")
	for (i in names) f[names[i]] = "-"
	next
}
/^  "[^"]*": *([{][}]|\[\]),?$/ { next }           # an empty object or array
/^  "[^"]*": *[{[]/ { section = key($0); next }   # a nested object or array opens
/^  []}]/ { section = ""; next }                  # and closes
/^  "/ { if (section == "") f[key($0)] = val($0); next }
/^    "order":/ { if (section == "policy_params") order = val($0); next }
END {
	flush_row()
	for (c = 1; c <= ncol; c++) {
		w[c] = length(head[c])
		for (r = 1; r <= n; r++)
			if (length(cell[r, c]) > w[c]) w[c] = length(cell[r, c])
	}
	for (c = 1; c <= ncol; c++)   # text columns left, numbers right
		fmt[c] = (c <= 3 ? "%-" : "%") w[c] "s" (c < ncol ? "  " : "\n")
	for (c = 1; c <= ncol; c++)
		printf fmt[c], head[c]
	for (r = 1; r <= n; r++)
		for (c = 1; c <= ncol; c++)
			printf fmt[c], cell[r, c]
}'
