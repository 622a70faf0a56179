#!/usr/bin/env bash
# Benchmark: one /metrics scrape of slumberd at 10,000 nodes, against what a
# Slurm exporter runs for each scrape (`sinfo`, `scontrol show node`), side
# by side by hyperfine, against the same slurmctld.
#
# slurmctld runs with NODES nodes defined and no slurmd (they show as
# UNKNOWN*: 10,000 slurmd and BMCs do not fit a test machine); slumberd
# manages them all with exec controllers that are never called (no power
# saving: no SuspendTime). A scrape that finds the snapshot older than 5 s
# takes a new one: `scontrol show node` of every node, the journal's
# counters, then the page; the runs are spaced 6 s apart so that each
# scrape takes a fresh snapshot, and a second set measures scrapes served
# from the snapshot of the last 5 s.
#
# Usage: sudo bench/scrape.sh [NODES] [RUNS]   (default 10000 nodes, 5 runs; after ./scripts/setup;
#        writes bench/results/scrape.md, BENCH_RESULTS=FILE elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/slurmctld.sh
. bench/slurmctld.sh
nodes=${1:-10000}
runs=${2:-5}
slumber=$PWD/build/release/src/cli/slumber
results=${BENCH_RESULTS:-bench/results/scrape.md}
port=24817
web=24900
[ "$(id -u)" -eq 0 ] || { echo "bench/scrape.sh needs root (slurmctld as root, auth/none)" >&2; exit 2; }
work=$(mktemp -d /tmp/slumber-bench-scrape.XXXXXX)
pids=()
cleanup() {
  stop_processes "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
names=$(printf 'bnode[%05d-%05d]' 1 "$nodes")

mkdir -p "$work/state" "$work/slumber"
slurm_conf_head bench "$port" "$work" > "$work/slurm.conf"
cat >> "$work/slurm.conf" << EOF
PartitionName=all Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# One line a node: slurmctld resolves each node's address at its start, and
# one address needs a port per node (as the virtual cluster's nodes have).
seq "$nodes" | awk '{ printf "NodeName=bnode%05d NodeAddr=127.0.0.1 Port=%d CPUs=4 RealMemory=1000 State=UNKNOWN\n", $1, 30000 + $1 }' \
  >> "$work/slurm.conf"
cat > "$work/slumber.toml" << EOF
[slurm]
conf = "$work/slurm.conf"

[daemon]
state_dir = "$work/slumber"

[energy]
interval = "0s"   # exec controllers have no meter

[web]
enabled = true
port = $web

[[node]]
names = "$names"
driver = "exec"
on = "/bin/true"
off = "/bin/true"
EOF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -f "$work/slurm.conf" > "$work/slurmctld.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do scontrol ping > /dev/null 2>&1 && break; sleep 0.2; done
scontrol ping > /dev/null || { echo "slurmctld did not start:" >&2; tail -n 20 "$work/slurmctld.out" "$work/slurmctld.log" >&2; exit 1; }
[ "$(sinfo --noheader --Node | wc -l)" -eq "$nodes" ] || { echo "slurmctld does not list $nodes nodes" >&2; exit 1; }
"$slumber" daemon -c "$work/slumber.toml" > "$work/slumberd.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$web/metrics" && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$web/metrics" > "$work/metrics.txt"
series=$(grep -c "^slumber_node_slurm_power_state{" "$work/metrics.txt")
[ "$series" -eq $((nodes * 5)) ] || { echo "/metrics has $series Slurm power-state series, not $((nodes * 5))" >&2; exit 1; }

hyperfine --runs "$runs" --warmup 1 --prepare 'sleep 6' --export-markdown "$work/fresh.md" \
  -n "slumber /metrics, fresh snapshot" "curl -sf -o /dev/null http://127.0.0.1:$web/metrics" \
  -n "sinfo --Node" "sinfo --noheader --Node --format='%N %T %E' > /dev/null" \
  -n "scontrol show node" "scontrol show node --oneliner > /dev/null" > /dev/null
hyperfine --runs $((runs * 4)) --warmup 1 --export-markdown "$work/cached.md" \
  -n "slumber /metrics, from the snapshot of the last 5 s" "curl -sf -o /dev/null http://127.0.0.1:$web/metrics" > /dev/null
{
  echo "# One /metrics scrape at $nodes nodes, beside what a Slurm exporter runs per scrape"
  echo
  echo "Produced by \`bench/scrape.sh $nodes $runs\` on $(date -u +%Y-%m-%d), $(nproc) cores, Slurm"
  echo "$(scontrol --version | awk '{ print $2 }'); $nodes nodes defined, no slurmd (UNKNOWN*), $(wc -c < "$work/metrics.txt") bytes"
  echo "of metrics. A fresh snapshot asks Slurm for every node and reads the journal; then the page is"
  echo "rendered. \`sinfo\` and \`scontrol\` are what exporters such as prometheus-slurm-exporter run per scrape."
  echo
  cat "$work/fresh.md"
  echo
  cat "$work/cached.md"
} > "$results"
cat "$results"
