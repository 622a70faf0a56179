#!/usr/bin/env bash
# Benchmark: `slumber simulate` on the real traces in ../shared/data/traces,
# with one power policy (never-off is always run beside it, and the oracle
# derived from it). Reports wall time (hyperfine), events per second, the
# ratio of simulated time to wall time, and peak memory. No other packaged
# tool replays SWF traces with power states, so the ratio is to real time.
# Writes bench/results/simulate.md. Usage: bench/simulate.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
slumber=$PWD/build/release/src/cli/slumber
traces=${SLUMBER_TRACES:-$PWD/../shared/data/traces}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=bench/results/simulate.md
{
  echo "# slumber simulate on the real traces"
  echo
  echo "Policy suspend-time=10m beside never-off; whole nodes, one processor each; the published power"
  echo "model. $runs runs each after 1 warm-up, on $(nproc) cores; measured $(date -u +%Y-%m-%d)."
  echo "Produced by \`bench/simulate.sh\`. Target: SDSC-SP2 in under 1 s."
  echo
  echo "| trace | jobs | wall time | events | events/s | simulated / wall | peak memory |"
  echo "|---|---|---|---|---|---|---|"
} > "$results"
for trace in SDSC-SP2-1998-4.2-cln.swf.gz NASA-iPSC-1993-3.1-cln.swf.gz HPC2N-2002-alea-subset-3170jobs.swf; do
  file=$traces/$trace
  command="$slumber simulate $file --policy suspend-time=10m --json"
  hyperfine --warmup 1 --runs "$runs" --export-json "$work/time.json" "$command" >&2
  seconds=$(jq '.results[0].mean' "$work/time.json")
  /usr/bin/time -f '%M' -o "$work/rss" $command > "$work/report.json"
  events=$(jq '[.[].events] | add' "$work/report.json")
  simulated=$(jq '[.[] | select(.events > 0) | .simulated_seconds] | add' "$work/report.json")
  jobs=$("$slumber" simulate "$file" --policy never 2>/dev/null | awk 'NR == 1 { print $2 }')
  awk -v t="$trace" -v j="$jobs" -v s="$seconds" -v e="$events" -v sim="$simulated" -v rss="$(cat "$work/rss")" \
    'BEGIN { printf "| %s | %s | %.2f s | %d | %.2f M | %.0f million | %.0f MB |\n", t, j, s, e, e / s / 1e6, sim / s / 1e6, rss / 1024 }' \
    >> "$results"
done
cat "$results"
