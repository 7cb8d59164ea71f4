#!/bin/sh
# slurm-up.sh DIR: a one-node Slurm on localhost, entirely inside DIR.
#
# Writes a munge key, starts munged on DIR/munge/munge.sock, writes
# DIR/slurm.conf (this machine as its one node, with the CPUs and memory
# `slurmd -C` reports; two free TCP ports; state, spool, pid files, logs and
# the job completion log in DIR), starts slurmctld and slurmd as root and
# waits until `sinfo` shows the node idle. Clients then need only
# SLURM_CONF=DIR/slurm.conf. Every daemon's pid is in DIR/*.pid, which
# slurm-down.sh DIR reads to stop exactly them; nothing outside DIR is written.
# Exit 0 when the node is idle; otherwise 1 with the daemons' logs on stderr
# (run slurm-down.sh DIR to stop whatever did start). SLURM_UP_TIMEOUT: the
# seconds to wait (60); SLURM_UP_PORT=P: slurmctld on P and slurmd on P+1
# instead of a random free pair.
set -eu

die() {
	echo "slurm-up: $*" >&2
	for log in "$DIR"/munge/munged.log "$DIR"/log/slurmctld.log "$DIR"/log/slurmd.log; do
		[ -s "$log" ] || continue
		echo "---- $log (last 40 lines)" >&2
		tail -n 40 "$log" >&2
	done
	exit 1
}

[ $# -eq 1 ] || { echo "usage: slurm-up.sh DIR" >&2; exit 2; }
[ -d "$1" ] || { echo "slurm-up: $1: not a directory" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
TIMEOUT=${SLURM_UP_TIMEOUT:-60}

[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their user)"
for cmd in munged slurmctld slurmd sinfo; do
	command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found: run make slurm-deps"
done

# munged refuses a socket in a directory that not everyone can search
chmod 711 "$DIR"
mkdir -m 755 "$DIR/munge"
mkdir -m 700 "$DIR/state" "$DIR/spool" "$DIR/log"
: >"$DIR/plugstack.conf"

# ---- munge ---------------------------------------------------------------
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$DIR/munge/munge.key"
munged --socket="$DIR/munge/munge.sock" --key-file="$DIR/munge/munge.key" \
	--log-file="$DIR/munge/munged.log" --pid-file="$DIR/munge.pid" \
	--seed-file="$DIR/munge/munged.seed" || die "munged did not start"

# ---- two free ports --------------------------------------------------------
# A random pair below the kernel's ephemeral range (where outgoing
# connections take their local ports, so a port free now may not be when
# the daemon binds it) and above 10000 (a system Slurm's 6817/6818 never),
# that no TCP socket uses now.
eph_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$eph_low" -gt 12000 ] 2>/dev/null || eph_low=32768
used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
port_free() { ! printf '%s\n' "$used" | grep -qx "$1"; }
ctld_port=${SLURM_UP_PORT:-}
[ -n "$ctld_port" ] || for _ in 1 2 3 4 5 6 7 8 9 10; do
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	p=$((10000 + r % (eph_low - 10002)))
	if port_free "$p" && port_free $((p + 1)); then ctld_port=$p; break; fi
done
[ -n "$ctld_port" ] || die "no free pair of ports found"
slurmd_port=$((ctld_port + 1))

# ---- slurm.conf ------------------------------------------------------------
host=$(hostname -s)
# NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
node=$(slurmd -C | sed -n 's/^\(NodeName=.*RealMemory=[0-9]*\).*/\1/p')
[ -n "$node" ] || die "slurmd -C printed no node line"
node=$(printf '%s\n' "$node" | sed "s/^NodeName=[^ ]*/NodeName=$host/")

cat >"$DIR/slurm.conf" <<CONF
# written by tests/slurm/slurm-up.sh: a one-node cluster inside $DIR
ClusterName=capsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$DIR/plugstack.conf
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
# jobs start at once, not batched up to 3 s (tests want latency, not throughput)
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MailProg=/bin/true
InactiveLimit=0
KillWait=5
MinJobAge=300
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# ---- the daemons -------------------------------------------------------------
export SLURM_CONF="$DIR/slurm.conf"
# -i: no saved state to recover (a fresh StateSaveLocation)
slurmctld -i -f "$DIR/slurm.conf" || die "slurmctld did not start"
slurmd -f "$DIR/slurm.conf" || die "slurmd did not start"

# running NAME: the daemon NAME whose pid file is DIR/NAME.pid runs
running() {
	pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 1
	s=$(grep -s '^State:' "/proc/$pid/status") || return 1
	case $s in *Z*) return 1 ;; esac
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

waited=0
while :; do
	state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
	[ "$state" = idle ] && break
	# a daemon that exits (a port taken after all, a bad line) fails now
	if [ "$waited" -ge 10 ]; then
		for d in slurmctld slurmd; do running "$d" || die "$d exited (sinfo: '${state}')"; done
	fi
	[ "$waited" -ge $((TIMEOUT * 10)) ] && die "node $host not idle after ${TIMEOUT} s (sinfo: '${state}')"
	sleep 0.1
	waited=$((waited + 1))
done
echo "slurm-up: node $host idle in $DIR (slurmctld port $ctld_port, slurmd $slurmd_port)"
