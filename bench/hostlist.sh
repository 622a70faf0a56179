#!/usr/bin/env bash
# Benchmark: slumber's hostlist commands against Slurm's scontrol on 100,000
# names, run side by side by hyperfine. Writes bench/results/hostlist.md.
# Usage: bench/hostlist.sh [RUNS]   (after ./scripts/setup)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
slumber=$PWD/build/release/src/cli/slumber
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# scontrol only needs a slurm.conf to exist for these commands.
printf 'ClusterName=bench\nSlurmctldHost=localhost\nNodeName=n1 CPUs=1\nPartitionName=p Nodes=n1\n' \
  > "$work/slurm.conf"
export SLURM_CONF=$work/slurm.conf

# 100,000 names in order, and 100,000 names drawn at random from 100 racks of
# 2,000 nodes (duplicates included), one per line.
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "node%05d\n", i }' > "$work/sequential"
awk 'BEGIN { srand(1); for (i = 0; i < 100000; i++) printf "r%dn%d\n", int(rand() * 100), int(rand() * 2000) }' \
  > "$work/random"
expression='rack[00-99]-node[0000-0999]'

# The same answers first: a benchmark of different work would mean nothing.
for set in sequential random; do
  cmp <(scontrol show hostlist "$work/$set") <("$slumber" hostlist compress < "$work/$set")
done
cmp <(scontrol show hostnames "$expression") <("$slumber" hostlist expand "$expression")

results=bench/results/hostlist.md
{
  echo "# Hostlists: slumber vs scontrol (Slurm $(scontrol --version | awk '{print $2}'))"
  echo
  echo "100,000 names; $runs runs each after 2 warm-up runs, on $(nproc) cores; measured $(date -u +%Y-%m-%d)."
  echo "Produced by \`bench/hostlist.sh\`; both tools print identical output (checked first)."
  echo
} > "$results"

run() {
  local title=$1; shift
  hyperfine --warmup 2 --runs "$runs" --export-markdown "$work/table.md" "$@" >&2
  { echo "## $title"; echo; cat "$work/table.md"; echo; } >> "$results"
}

run "compress 100,000 names in order (scontrol show hostlist FILE)" \
  -n scontrol "scontrol show hostlist $work/sequential" \
  -n slumber "$slumber hostlist compress < $work/sequential"
run "compress 100,000 random names with duplicates" \
  -n scontrol "scontrol show hostlist $work/random" \
  -n slumber "$slumber hostlist compress < $work/random"
run "sorted compress of the random names (show hostlistsorted)" \
  -n scontrol "scontrol show hostlistsorted $work/random" \
  -n slumber "$slumber hostlist compress --sorted < $work/random"
run "expand $expression (100,000 names)" \
  -n scontrol "scontrol show hostnames '$expression' > /dev/null" \
  -n slumber "$slumber hostlist expand '$expression' > /dev/null"

cat "$results"
