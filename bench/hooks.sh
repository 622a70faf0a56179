#!/usr/bin/env bash
# Benchmark: how long Slurm waits for slumber's ResumeProgram. The hook journals
# one request per node and wakes the daemon; the daemon is running and busy
# with the earlier runs' requests (its BMCs do not answer, so every power-on
# takes its 100 ms timeout), as on a real cluster during a large resume.
# Compared with `scontrol show hostnames`, the first line of every hand-written
# hook (which then goes on to call ipmitool per node). Writes bench/results/hooks.md.
# Usage: bench/hooks.sh [RUNS] [NODES]   (after ./scripts/setup; no root needed;
#        NODES a multiple of 250, default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
nodes=${2:-1000}
[ $((nodes % 250)) -eq 0 ] || { echo "NODES must be a multiple of 250" >&2; exit 2; }
slumber=$PWD/build/release/src/cli/slumber
work=$(mktemp -d)
daemon=""
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

printf 'ClusterName=bench\nSlurmctldHost=localhost\n' > "$work/slurm.conf"
export SLURM_CONF=$work/slurm.conf
printf 'username = "admin"\npassword = "bench"\n' > "$work/ipmi.secret"
chmod 600 "$work/ipmi.secret"
hostlist=$(printf 'node[%04d-%04d]' 1 "$nodes")
cat > "$work/slumber.toml" <<TOML
[daemon]
state_dir = "$work/state"

[slurm]
conf = "$work/slurm.conf"

[[node]]
names = "$hostlist"
driver = "ipmi"
bmc = "127.251.[0-$((nodes / 250 - 1))].[1-250]"
credentials = "$work/ipmi.secret"
timeout = "100ms"
retries = 0
TOML
"$slumber" config check "$work/slumber.toml" >/dev/null

"$slumber" daemon -c "$work/slumber.toml" 2> "$work/daemon.log" &
daemon=$!
for _ in $(seq 50); do [ -S "$work/state/slumberd.sock" ] && break; sleep 0.1; done
[ -S "$work/state/slumberd.sock" ] || { echo "the daemon did not start: $(cat "$work/daemon.log")" >&2; exit 1; }

# Slurm calls ResumeProgram once per power-saving pass, not back to back:
# each run waits for the daemon to have finished the previous call (its
# 1,000 power-ons time out in about 2 s), or only half a second, so that the
# hook competes with the daemon journaling the previous call's outcomes.
for wait in 3 0.5; do
  hyperfine --warmup 1 --runs "$runs" --prepare "sleep $wait" --export-json "$work/runs-$wait.json" \
    -n "slumber resume, $nodes nodes" "$slumber resume '$hostlist' -c $work/slumber.toml" \
    -n "scontrol show hostnames, $nodes nodes" "scontrol show hostnames '$hostlist'" >&2
done
requests=$("$slumber" journal -c "$work/slumber.toml" --since 1h | grep -c ' requested ')
{
  echo "# Hook latency: slumber resume vs the first line of a hand-written hook"
  echo
  echo "$nodes nodes per call, $runs runs after 1 warm-up, on $(nproc) cores; measured $(date -u +%Y-%m-%d)."
  echo "The daemon was running throughout, carrying out the $requests power-ons the hooks journaled (its BMCs do not answer)."
  echo "Produced by \`bench/hooks.sh\`."
  echo
  echo "| what | daemon idle (3 s apart) | daemon busy (0.5 s apart) |"
  echo "|---|---|---|"
  python3 -c 'import json, sys
idle, busy = (json.load(open(f))["results"] for f in sys.argv[1:3])
for a, b in zip(idle, busy):
    print("| %s | median %.1f ms (min %.1f) | median %.1f ms (min %.1f) |" % (
        a["command"], a["median"] * 1000, a["min"] * 1000, b["median"] * 1000, b["min"] * 1000))' \
    "$work/runs-3.json" "$work/runs-0.5.json"
} > bench/results/hooks.md
cat bench/results/hooks.md
