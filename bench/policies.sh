#!/usr/bin/env bash
# The policy study behind docs/simulate.md's "Where it stands": every
# candidate policy on the three real traces, 10 replicas each (submissions
# jittered by up to 10 s in all but the first), against the issue's aim of
# 90 % of the oracle's saving for less than 5 % more mean bounded slowdown.
# Writes bench/results/policies.md. Usage: bench/policies.sh [REPLICAS]
set -euo pipefail
cd "$(dirname "$0")/.."
replicas=${1:-10}
slumber=$PWD/build/release/src/cli/slumber
traces=${SLUMBER_TRACES:-$PWD/../shared/data/traces}
results=bench/results/policies.md
policies=(suspend-time=5m suspend-time=10m suspend-time=15m suspend-time=30m suspend-time=1h
          keep-warm=1,10m keep-warm=4,10m keep-warm=16,10m keep-warm=64,10m)
arguments=()
for policy in "${policies[@]}"; do arguments+=(--policy "$policy"); done
{
  echo "# Power policies on the real traces"
  echo
  echo "Means of $replicas replicas (submissions moved by up to 10 s in all but the first), each policy"
  echo "compared with never-off in its own replica; ± is the standard deviation of the slowdown change"
  echo "between replicas. Whole nodes, the published power model. Measured $(date -u +%Y-%m-%d) by"
  echo "\`bench/policies.sh\`. Aim: ≥ 90 % of the oracle's saving for < 5 % more mean bounded slowdown."
} > "$results"
for spec in "SDSC-SP2-1998-4.2-cln.swf.gz" "NASA-iPSC-1993-3.1-cln.swf.gz" \
            "HPC2N-2002-alea-subset-3170jobs.swf --cores-per-node 2"; do
  read -r trace extra <<< "$spec"
  {
    echo
    echo "## $trace"
    echo
    echo "| policy | saved | of the oracle's saving | bsld change | jobs that waited for a boot | aim met |"
    echo "|---|---|---|---|---|---|"
    # shellcheck disable=SC2086 # $extra is a list of options
    "$slumber" simulate "$traces/$trace" $extra "${arguments[@]}" --replicas "$replicas" --json |
      jq -r '.[] | select(.policy != "never" and .policy != "oracle") |
        "| \(.policy) | \(.saved_percent * 10 | round / 10) % | \(.oracle_share_percent * 10 | round / 10) % | " +
        "\(if .bounded_slowdown_change_percent >= 0 then "+" else "" end)\(.bounded_slowdown_change_percent * 10 | round / 10) ± " +
        "\(.bounded_slowdown_change_sd * 10 | round / 10) % | \(.waited_for_boot_percent * 10 | round / 10) % | " +
        "\(if .oracle_share_percent >= 90 and .bounded_slowdown_change_percent < 5 then "yes" else "no" end) |"'
  } >> "$results"
done
cat "$results"
