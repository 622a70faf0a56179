#!/usr/bin/env bash
# Benchmark: from Slurm calling ResumeProgram to every node powered on. slumber's
# hook journals the request and returns; its daemon switches the nodes on and
# confirms each. Compared with what sites run as ResumeProgram today: a loop of
# ipmitool over `scontrol show hostnames`, and ipmipower over all BMCs at once.
# All on the virtual cluster's ipmi_sim BMCs, every run starting from all nodes
# off. Writes bench/results/resume.md.
# Usage: sudo bench/resume.sh [RUNS] [NODES]   (after ./scripts/setup; default 3 runs, 64 nodes)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
n=${2:-64}
slumber=$PWD/build/release/src/cli/slumber
rig=$PWD/build/release/src/cli/slumber-vcluster
dir=/tmp/slumber-bench-resume
trap '"$rig" down --dir $dir >/dev/null 2>&1 || true' EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench/resume.sh needs root (the virtual cluster)" >&2; exit 2; }

# Boots that would start slurmd take an hour: power changes only, no node
# registers, and Slurm's own power saving stays out of the way.
"$rig" up --dir $dir --nodes "$n" --bmc-subnet 31 --port 29100 --suspend-time 1h \
  --boot-delay 1h --hooks slumber --daemon >/dev/null
export SLURM_CONF=$dir/slurm.conf
nodes=$(printf 'vnode[001-%03d]' "$n")
conf=$dir/slumber.toml
now_ms() { date +%s%3N; }

all_off() {
  # Twice, 3 s apart: ipmi_sim carries out a retransmitted power-on again
  # after the client has gone.
  "$slumber" power off "$nodes" -c "$conf" --wait >/dev/null
  sleep 3
  "$slumber" power off "$nodes" -c "$conf" --wait >/dev/null
  [ "$("$slumber" power status "$nodes" -c "$conf")" = "$nodes: off" ]
}
all_on() { [ "$("$slumber" power status "$nodes" -c "$conf")" = "$nodes: on" ]; }

# slumber: the hook as Slurm runs it, then the journal's confirmed power-ons.
slumber_run() {
  local start hook_done last count
  start=$(now_ms)
  "$slumber" resume "$nodes" -c "$conf"
  hook_done=$(now_ms)
  for _ in $(seq 600); do
    count=$("$slumber" journal "$nodes" -c "$conf" --json --since 5m |
      python3 -c 'import json, sys
start = int(sys.argv[1])
ons = [e["time_ms"] for e in json.load(sys.stdin)
       if e["kind"] == "power-on" and e["time_ms"] >= start and ": on after" in e["detail"]]
print(len(ons), max(ons) if ons else 0)' "$start")
    read -r done last <<< "$count"
    [ "$done" -ge "$n" ] && break
    sleep 0.2
  done
  [ "$done" -ge "$n" ] || { echo "slumber: only $done of $n power-ons journaled" >&2; exit 1; }
  all_on
  echo "$((hook_done - start)) $((last - start))"
}

# A hand-written ResumeProgram: one ipmitool per node, in turn.
loop_run() {
  local start
  start=$(now_ms)
  for host in $(scontrol show hostnames "$nodes"); do
    i=$((10#${host#vnode}))
    ipmitool -I lanplus -C 3 -H "127.31.0.$i" -U admin -f "$dir/ipmi.password" chassis power on >/dev/null
  done
  all_on
  echo "$(($(now_ms) - start))"
}

# ipmipower over every BMC at once, with a retransmission timeout that does
# not flood single-threaded BMCs (its 1 s default does, see power.md).
ipmipower_run() {
  local start
  start=$(now_ms)
  ipmipower --config-file "$dir/freeipmi.conf" -h "127.31.0.[1-$n]" --on --retransmission-timeout=4000 >/dev/null || true
  all_on
  echo "$(($(now_ms) - start))"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
hooks=() ; slumbers=() ; loops=() ; ipmipowers=()
for run in $(seq "$runs"); do
  all_off; read -r hook total < <(slumber_run); hooks+=("$hook"); slumbers+=("$total")
  all_off; loops+=("$(loop_run)")
  all_off; ipmipowers+=("$(ipmipower_run)")
  echo "run $run: slumber hook ${hook} ms, all on ${total} ms; ipmitool loop ${loops[-1]} ms; ipmipower ${ipmipowers[-1]} ms" >&2
done

row() { printf '| %s | %s ms | %s |\n' "$1" "$(printf '%s\n' "${@:2}" | median)" "$(echo "${@:2}" | tr ' ' '/') ms"; }
{
  echo "# From ResumeProgram to all nodes on: slumber vs hand-written hooks"
  echo
  echo "$n virtual cluster nodes (ipmi_sim BMCs, IPMI 2.0 lanplus, cipher suite 3) on loopback, every run"
  echo "starting from all nodes off; $runs runs, on $(nproc) cores; measured $(date -u +%Y-%m-%d)."
  echo "slumber: \`slumber resume\` as Slurm calls it, with the daemon running; \"all on\" is the last"
  echo "power-on the daemon journaled as confirmed by the BMC's status. The others run to completion"
  echo "(their last command issued and answered). Produced by \`bench/resume.sh\`."
  echo
  echo "| what | median | runs |"
  echo "|---|---|---|"
  row "slumber: the hook returns (Slurm waits this long)" "${hooks[@]}"
  row "slumber: every node on, confirmed" "${slumbers[@]}"
  row "ipmitool loop over \`scontrol show hostnames\`" "${loops[@]}"
  row "ipmipower, 4 s retransmission" "${ipmipowers[@]}"
} > bench/results/resume.md
cat bench/results/resume.md
