#!/usr/bin/env bash
# The long soak: the randomized test of tests/integration/soak_test.cpp (jobs in
# busy and quiet spells, random faults, checked against slurmctld's log, the
# journal, the nodes' consoles and Slurm's job completion log) run for
# SECONDS instead of the test suite's 150. Writes bench/results/soak.md.
# Usage: sudo bench/soak.sh [SECONDS] [SEED]   (after ./scripts/setup; default 1800 s, a random seed)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1800}
seed=${2:-$RANDOM$RANDOM}
[ "$(id -u)" -eq 0 ] || { echo "bench/soak.sh needs root (the virtual cluster)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

start=$(date +%s)
status=0
SOAK_SECONDS=$seconds SOAK_SEED=$seed build/release/tests/integration/soak_test | tee "$out" >&2 || status=$?
elapsed=$(($(date +%s) - start))
{
  echo "# Soak: random jobs and faults with slumber in charge"
  echo
  echo "$seconds s of chaos on a 6-node virtual cluster (real slurmctld and slurmd, ipmi_sim BMCs),"
  echo "seed $seed, $elapsed s in all with the settling; on $(nproc) cores, measured $(date -u +%Y-%m-%d)."
  echo "Produced by \`bench/soak.sh $seconds $seed\`; what is checked: docs/slurm.md, \"The soak test\"."
  echo
  if [ $status -eq 0 ]; then echo "**Result: every check held.**"; else echo "**Result: FAILED** (exit $status):"; fi
  echo
  grep -E '^soak figures:' "$out" | sed 's/^soak figures: /- /; s/; /\n- /g'
  if [ $status -ne 0 ]; then
    echo
    echo '```'
    grep -E 'Failure|Expected|Which is|actual|was down~|killed|request [0-9]' "$out" | head -40
    echo '```'
  fi
} > bench/results/soak.md
cat bench/results/soak.md
exit $status
