#!/bin/bash
# capsim: are two capsim binaries' outputs byte-identical? For speed work,
# where every schedule and every output byte must stay as they were.
#
# usage: bash benchmarks/ident.sh OLD_BIN NEW_BIN [WORKDIR]
#
# Generates its workloads with OLD_BIN into WORKDIR (default
# /tmp/capsim-ident; kept, so a second run reuses them), then runs 18 cases
# with each binary, two at a time: the default year with its accounts
# under every policy, multifactor without accounts, EASY with SJBF order
# and first fit, 30 days at 10x on a cluster 10x the size (conservative,
# multifactor; 10 days under EASY), 60 days at 1.5x load (multifactor with
# accounts, conservative with topo fit), sjf with --sample 600 and frag
# fit, and the real traces in $CAPSIM_SHARED/traces (default ../shared):
# KTH-SP2, SDSC-SP2, both SDSC-BLUE logs and the Lublin trace (a missing
# trace's case is reported as skipped). Each case's stdout, exit status and
# every file of --out are compared; both binaries write to a directory of
# the same name (report.html names it). Prints one line per case that
# differs and "ident: N of M identical"; exits 1 if any differs.

if [ $# -lt 2 ]; then
	echo "usage: bash $0 OLD_BIN NEW_BIN [WORKDIR]" >&2
	exit 2
fi
OLD=$(realpath "$1") NEW=$(realpath "$2") W=${3:-/tmp/capsim-ident}
SH=${CAPSIM_SHARED:-$(dirname "$0")/../../shared}
for b in "$OLD" "$NEW"; do
	[ -x "$b" ] || { echo "ident.sh: $b: not an executable" >&2; exit 2; }
done
mkdir -p "$W" || exit 2

gen() { # NAME DAYS SCALE [accounts]
	[ -s "$W/$1.csv" ] && return 0
	local acct=()
	[ -n "$4" ] && acct=(--accounts "$W/$1.acct.yaml")
	"$OLD" workload generate --seed 1 --days "$2" --projects-scale "$3" --out "$W/$1.csv" "${acct[@]}" >/dev/null ||
		{ echo "ident.sh: generating $1 failed" >&2; exit 2; }
}
gen year 365 1 acct
gen m30x10 30 10
gen d60x15 60 1.5 acct
gen s10 10 10
gen m30x1 30 1

S10="h100=10,a100=10,t4=10,ipu=10,cpu=10"
P="$SH/traces"
cases=(
	"--workload $W/year.csv --accounts $W/year.acct.yaml --policy fcfs"
	"--workload $W/year.csv --accounts $W/year.acct.yaml --policy easy"
	"--workload $W/year.csv --accounts $W/year.acct.yaml --policy sjf"
	"--workload $W/year.csv --accounts $W/year.acct.yaml --policy conservative"
	"--workload $W/year.csv --accounts $W/year.acct.yaml --policy multifactor"
	"--workload $W/year.csv --policy multifactor"
	"--workload $W/year.csv --policy easy --backfill-order sjbf --fit first"
	"--workload $W/m30x10.csv --policy conservative --scale $S10"
	"--workload $W/m30x10.csv --policy multifactor --scale $S10"
	"--workload $W/d60x15.csv --accounts $W/d60x15.acct.yaml --policy multifactor"
	"--workload $W/d60x15.csv --policy conservative --fit topo"
	"--workload $P/pwa/KTH-SP2-1996-2.swf.gz --policy easy"
	"--workload $P/pwa/SDSC-SP2-1998-4.2-cln.swf.gz --policy conservative"
	"--workload $P/pwa/SDSC-BLUE-2000-4.1-cln.swf.gz --policy easy"
	"--workload $P/synthetic/lublin_256.swf --policy multifactor"
	"--workload $W/s10.csv --policy easy --scale $S10"
	"--workload $W/m30x1.csv --policy sjf --sample 600 --fit frag"
	"--workload $P/pwa/SDSC-BLUE-2000-4.2-cln.swf.gz --policy multifactor"
)

one() { # I: prints "same", "skipped" or "DIFFERENT: ARGS"
	local i=$1 d="$W/case$1" args
	read -r -a args <<<"${cases[$1]}"
	if [ ! -r "${args[1]}" ]; then
		echo "skipped (${args[1]} missing): ${cases[$i]}"
		return
	fi
	rm -rf "$d" && mkdir -p "$d/o" "$d/n"
	"$OLD" run "${args[@]}" --no-progress --out "$d/o/run" >"$d/old.txt" 2>&1
	echo "rc $?" >>"$d/old.txt"
	"$NEW" run "${args[@]}" --no-progress --out "$d/n/run" >"$d/new.txt" 2>&1
	echo "rc $?" >>"$d/new.txt"
	sed -i 's#/[on]/run#/X/run#g' "$d/old.txt" "$d/new.txt"
	if cmp -s "$d/old.txt" "$d/new.txt" && diff -r -q "$d/o" "$d/n" >/dev/null; then
		echo same
	else
		echo "DIFFERENT: ${cases[$i]}"
	fi
}

pids=()
for i in "${!cases[@]}"; do
	one "$i" >"$W/result$i.txt" &
	pids+=($!)
	if [ ${#pids[@]} -ge 2 ]; then
		wait "${pids[0]}"
		pids=("${pids[@]:1}")
	fi
done
wait
same=0 ran=0
for i in "${!cases[@]}"; do
	r=$(cat "$W/result$i.txt")
	case $r in
	same) same=$((same + 1)) ran=$((ran + 1)) ;;
	skipped*) echo "case $i $r" ;;
	*)
		echo "case $i $r"
		ran=$((ran + 1))
		;;
	esac
done
echo "ident: $same of $ran identical"
[ "$same" -eq "$ran" ]
