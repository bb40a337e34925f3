#!/usr/bin/env bash
# A real single-node SLURM cluster on localhost, for integration tests (Debian, as root).
#
#   scripts/slurm-local.sh start    install slurm-wlm + munge if missing, write /etc/slurm/slurm.conf,
#                                   start munged, slurmctld and slurmd, wait until the node is idle
#   scripts/slurm-local.sh stop     cancel the cluster's jobs, stop the daemons `start` started (by the
#                                   pids it recorded), restore a slurm.conf that was there before
#   scripts/slurm-local.sh status   say whether it is running; print sinfo
#
# Cluster "regpath": one node named `hostname -s`, partition `debug` (default, no time limit).
# Clients (sbatch, squeue, sinfo, scancel, scontrol) need no extra environment. Jobs may run as root.
# State, pid files, logs and spool live in $REGPATH_SLURM_DIR (default /tmp/regpath-slurm). Each
# `start` drops old jobs (slurmctld -c); job ids keep counting up while that directory exists.
# No accounting database: `sacct` fails ("accounting storage is disabled"); finished jobs stay
# visible to `squeue -t all` and `scontrol show job` for MinJobAge (1 h) after they end.
set -euo pipefail

DIR=${REGPATH_SLURM_DIR:-/tmp/regpath-slurm}
CONF=/etc/slurm/slurm.conf
MARKER='# written by regpath scripts/slurm-local.sh'
HOST=$(hostname -s)
PKGS=(slurm-wlm munge)

log() { echo "slurm-local: $*" >&2; }

# alive PIDFILE NAME: PIDFILE holds the pid of a live (non-zombie) process whose name is NAME.
alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$2" ]] || return 1
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]
}

# kill_recorded PIDFILE NAME: stop the recorded daemon (TERM, then KILL after 15 s), drop the record.
kill_recorded() {
  local i pid
  if alive "$1" "$2"; then
    pid=$(<"$1")
    log "stopping $2 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do alive "$1" "$2" || break; sleep 0.1; done
    if alive "$1" "$2"; then log "$2 ignored SIGTERM; killing"; kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

install_packages() {
  local b missing=0 made_policy=0 rc=0
  for b in slurmctld slurmd sbatch munged; do command -v "$b" >/dev/null || missing=1; done
  ((missing)) || return 0
  log "installing ${PKGS[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No systemd here: keep the packages' maintainer scripts from starting services.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get install -y --no-install-recommends "${PKGS[@]}" ||
    { apt-get update && apt-get install -y --no-install-recommends "${PKGS[@]}"; } || rc=$?
  if ((made_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}

# Start munged unless a working one is already there (which is then left alone, not recorded).
start_munge() {
  local user=root i
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then log "munged already running; using it"; return; fi
  id munge >/dev/null 2>&1 && user=munge
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating /etc/munge/munge.key"
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown "$user:" /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
  chmod 0400 /etc/munge/munge.key
  chmod 0755 /run/munge
  rm -f /run/munge/munged.pid
  if [[ $user == munge ]]; then runuser -u munge -- munged; else munged --force; fi
  # munged daemonizes and writes /run/munge/munged.pid; record that pid as ours.
  for ((i = 0; i < 50; i++)); do [[ -s /run/munge/munged.pid ]] && break; sleep 0.1; done
  cp /run/munge/munged.pid "$DIR/run/munged.pid"
  munge -n | unmunge >/dev/null
}

write_conf() {
  local hw mem cpus
  mkdir -p /etc/slurm
  if [[ -e $CONF ]] && ! grep -qxF "$MARKER" "$CONF"; then
    log "backing up the existing $CONF to $DIR/slurm.conf.orig"
    cp -p "$CONF" "$DIR/slurm.conf.orig"
  fi
  # Topology as slurmd detects it (its -C line), falling back to nproc; memory from /proc/meminfo
  # minus 5% so that slurmd never finds less than configured (which would drain the node).
  hw=$(slurmd -C 2>/dev/null | head -n1 |
    grep -oE '\b(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+' | tr '\n' ' ') || true
  [[ $hw == *CPUs=* ]] || hw="CPUs=$(nproc) "
  cpus=$(grep -oE 'CPUs=[0-9]+' <<<"$hw" | cut -d= -f2)
  mem=$(awk '/^MemTotal:/ {m = int($2 / 1024); print m - int(m / 20)}' /proc/meminfo)
  cat >"$CONF" <<EOF
$MARKER
# (removed again, and any earlier slurm.conf restored, by 'scripts/slurm-local.sh stop')
ClusterName=regpath
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, every job would be given all of the node's memory and they would run one at a time.
DefMemPerCPU=$((mem / cpus))
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=1,sched_min_interval=0
MinJobAge=3600
MailProg=/bin/true
KillWait=5
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST ${hw}RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
}

show_logs() {
  local f
  for f in "$DIR"/log/slurmctld.log "$DIR"/log/slurmd.log /var/log/munge/munged.log; do
    [[ -e $f ]] && { echo "==> $f <=="; tail -n 25 "$f"; }
  done >&2
}

running() { alive "$DIR/run/slurmctld.pid" slurmctld && alive "$DIR/run/slurmd.pid" slurmd; }

cmd_start() {
  local i state=""
  if running; then log "already running (state in $DIR)"; sinfo; return 0; fi
  # Leftovers of a half-started or crashed cluster: clear them first.
  if compgen -G "$DIR/run/*.pid" >/dev/null || [[ -e $DIR/slurm.conf.orig ]]; then cmd_stop; fi
  install_packages
  mkdir -p "$DIR"/{state,spool,log,run}
  # From here on, any failure prints the logs and stops what was started.
  trap 'show_logs; log "start failed"; cmd_stop' EXIT
  start_munge
  write_conf
  slurmctld -c # daemonizes; -c: start from a clean state
  slurmd
  for ((i = 0; i < 60; i++)); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n1) || true
    [[ $state == idle ]] && break
    sleep 0.5
  done
  if [[ $state != idle ]]; then log "node $HOST is '${state:-unknown}', not idle, after 30 s"; exit 1; fi
  trap - EXIT
  sinfo
  log "cluster regpath up in ${SECONDS}s: node $HOST ($(grep -oE 'CPUs=[0-9]+' "$CONF")," \
    "RealMemory=$(grep -oE 'RealMemory=[0-9]+' "$CONF" | cut -d= -f2) MiB), partition debug; logs in $DIR/log"
}

cmd_stop() {
  local i
  if alive "$DIR/run/slurmctld.pid" slurmctld; then
    # Cancel every job of this cluster so that no slurmstepd or job process outlives slurmd.
    if [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
      log "cancelling the cluster's jobs"
      scancel --partition=debug 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break; sleep 0.2; done
    fi
  fi
  kill_recorded "$DIR/run/slurmd.pid" slurmd
  kill_recorded "$DIR/run/slurmctld.pid" slurmctld
  kill_recorded "$DIR/run/munged.pid" munged
  if [[ -e $CONF ]] && grep -qxF "$MARKER" "$CONF"; then rm -f "$CONF"; fi
  if [[ -e $DIR/slurm.conf.orig ]]; then
    log "restoring the original $CONF"
    mv "$DIR/slurm.conf.orig" "$CONF"
  fi
  log "stopped"
}

cmd_status() {
  if running; then
    echo "regpath SLURM cluster: running (slurmctld pid $(<"$DIR/run/slurmctld.pid"), slurmd pid $(<"$DIR/run/slurmd.pid"))"
    sinfo
  else
    echo "regpath SLURM cluster: not running"
    return 1
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
