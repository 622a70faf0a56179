# shellcheck shell=bash
# Sourced by the benchmarks that run a real slurmctld of their own without
# slurmd (bench/scale.sh, bench/scrape.sh): what their slurm.conf shares.
# As root with auth/none, so that no munge is needed.

# The head of slurm.conf: cluster NAME, slurmctld on 127.0.0.1:PORT, its
# state and logs in DIR. Printed on standard output; the caller adds its
# power saving, partitions and nodes.
slurm_conf_head() {
  local name=$1 port=$2 dir=$3
  cat << EOF
ClusterName=$name
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$dir/state
SlurmctldPidFile=$dir/slurmctld.pid
SlurmctldLogFile=$dir/slurmctld.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
TreeWidth=65533
ReturnToService=1
EOF
}

# Stops the processes whose PIDs are the arguments (slurmctld among them):
# SIGTERM, up to 20 s for them to end (slurmctld with 10,000 nodes takes
# seconds to save its state and stop), then SIGKILL; reaps them.
stop_processes() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2> /dev/null || true; done
  for _ in $(seq 100); do
    alive=""
    for pid in "$@"; do kill -0 "$pid" 2> /dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.2
  done
  for pid in "$@"; do kill -9 "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
