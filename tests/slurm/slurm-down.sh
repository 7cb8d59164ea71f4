#!/bin/sh
# slurm-down.sh DIR: stop what slurm-up.sh DIR started (slurmd, slurmctld,
# munged), by the pids in DIR's pid files, and wait until they are gone.
# Removes nothing (the caller owns DIR). Safe to run when slurm-up failed
# part way, or twice. Exit 1 if a daemon outlived SIGKILL.
set -u

[ $# -eq 1 ] || { echo "usage: slurm-down.sh DIR" >&2; exit 2; }
DIR=$1
st=0

# alive PID NAME: PID runs and is the program NAME (not a reused pid); a
# zombie has ended (its parent, init here, reaps it when it gets to it)
alive() {
	s=$(grep -s '^State:' "/proc/$1/status") || return 1
	case $s in *Z*) return 1 ;; esac
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

stop() { # stop PIDFILE NAME
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	case $pid in '' | *[!0-9]*) echo "slurm-down: $1: not a pid" >&2; st=1; return ;; esac
	alive "$pid" "$2" || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while alive "$pid" "$2" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if alive "$pid" "$2"; then
		echo "slurm-down: $2 ($pid) outlived SIGTERM for 10 s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
		alive "$pid" "$2" && { echo "slurm-down: $2 ($pid) still runs" >&2; st=1; }
	fi
}

# The cluster is this directory's alone: cancel every job it still runs
# (their slurmstepd end them), and wait up to 15 s for the queue to empty.
if [ -s "$DIR/slurmctld.pid" ] && alive "$(cat "$DIR/slurmctld.pid")" slurmctld; then
	export SLURM_CONF="$DIR/slurm.conf"
	jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
	if [ -n "$jobs" ]; then
		# shellcheck disable=SC2086 # job ids, one word each
		echo "slurm-down: cancelling jobs" $jobs >&2
		# shellcheck disable=SC2086
		scancel $jobs 2>/dev/null
		i=0
		while [ -n "$(squeue -h -o %A 2>/dev/null)" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	fi
fi

# slurmd first: it stops its job steps' slurmstepd before it goes
stop "$DIR/slurmd.pid" slurmd
stop "$DIR/slurmctld.pid" slurmctld
stop "$DIR/munge.pid" munged

# A slurmstepd left over (its slurmd killed under it) still has its log
# or spool files in DIR open: stop it and its job's processes, which share
# its session (not its process group), never this script's own session.

# holds_file_in_dir PROC: a file of PROC's (/proc/PID) is open under DIR
holds_file_in_dir() {
	for fd in "$1"/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in "$DIR"/*) return 0 ;; esac
	done
	return 1
}
# session PID: its session id (field 6 of /proc/PID/stat, after "(comm) ")
session() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f4; }
own=$(session $$)
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
	holds_file_in_dir "$p" || continue
	pid=${p#/proc/}
	sid=$(session "$pid")
	echo "slurm-down: slurmstepd ($pid) outlived slurmd: SIGKILL to it and its session $sid" >&2
	st=1
	kill -KILL "$pid" 2>/dev/null
	if [ -z "$sid" ] || [ "$sid" = "$own" ] || [ "$sid" = 0 ]; then continue; fi
	for q in /proc/[0-9]*; do
		[ "$(session "${q#/proc/}")" = "$sid" ] && kill -KILL "${q#/proc/}" 2>/dev/null
	done
done
exit $st
