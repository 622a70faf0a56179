#!/usr/bin/env bash
# Benchmark: `slumber power` against FreeIPMI's ipmipower and a sequential
# ipmitool loop (what sites run today), on the virtual cluster's ipmi_sim BMCs,
# run side by side by hyperfine. Writes bench/results/power.md.
# Usage: sudo bench/power.sh [RUNS] [SIZES...]   (after ./scripts/setup; default 5 runs, 64 and 128 BMCs;
#        BENCH_ACTIONS="status on" also measures on, BENCH_RESULTS=FILE writes elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 128)
slumber=$PWD/build/release/src/cli/slumber
rig=$PWD/build/release/src/cli/slumber-vcluster
dir=/tmp/slumber-bench-power
work=$(mktemp -d)
trap '"$rig" down --dir $dir >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench/power.sh needs root (the virtual cluster)" >&2; exit 2; }

results=${BENCH_RESULTS:-bench/results/power.md}
{
  echo "# Power fan-out: slumber vs ipmipower vs an ipmitool loop"
  echo
  echo "Virtual cluster BMCs (ipmi_sim, IPMI 2.0 lanplus, cipher suite 3) on loopback; $runs runs each"
  echo "after 1 warm-up, on $(nproc) cores; measured $(date -u +%Y-%m-%d). ipmipower $(ipmipower --version | head -1 | awk '{print $NF}'),"
  echo "ipmitool $(ipmitool -V | awk '{print $NF}'). Every tool runs with its defaults, as an admin would; ipmipower"
  echo "also with a 4 s retransmission timeout, because its 1 s default makes it resend to BMCs that are still answering."
  echo "Produced by \`bench/power.sh\`; the answers are checked to agree first."
  echo
} > "$results"

for n in "${sizes[@]}"; do
  # Boots that would start slurmd take an hour: no node boots during the runs.
  "$rig" up --dir $dir --nodes "$n" --bmc-subnet 30 --port 29000 --suspend-time 1h >/dev/null
  "$rig" down --dir $dir >/dev/null
  "$rig" up --dir $dir --nodes "$n" --bmc-subnet 30 --port 29000 --suspend-time 1h \
    --boot-delay 1h >/dev/null
  nodes=$(printf 'vnode[001-%03d]' "$n")
  bmcs="127.30.0.[1-$n]"
  slumber_cmd="$slumber power %s '$nodes' -c $dir/slumber.toml"
  ipmipower_cmd="ipmipower --config-file $dir/freeipmi.conf -h '$bmcs' %s"
  loop_cmd="for i in \$(seq 1 $n); do ipmitool -I lanplus -C 3 -H 127.30.0.\$i -U admin -f $dir/ipmi.password chassis power %s; done"

  # The same answers first.
  [ "$("$slumber" power status "$nodes" -c $dir/slumber.toml)" = "$nodes: on" ]
  [ "$(ipmipower --config-file $dir/freeipmi.conf -h "$bmcs" --stat --retransmission-timeout=4000 | grep -c ': on$')" -eq "$n" ]
  [ "$(sh -c "$(printf "$loop_cmd" status)" | grep -c 'is on$')" -eq "$n" ]

  # Twice, 3 s apart: ipmi_sim carries out a retransmitted power-on again after
  # the client has gone, so a node switched off at once may come back on.
  off_once="$slumber power off '$nodes' -c $dir/slumber.toml --wait >/dev/null"
  off_all="$off_once && sleep 3 && $off_once"
  # `on` (BENCH_ACTIONS="status on") starts from all nodes off. Each change
  # runs the chassis program inside ipmi_sim's request (about 40 ms of CPU),
  # which every client pays alike.
  for action in ${BENCH_ACTIONS:-status}; do
    if [ $action = status ]; then prepare=true; ipmi_arg=--stat; else prepare=$off_all; ipmi_arg=--on; fi
    # -i: ipmipower exits 1 when some BMCs timed out, which its defaults make happen here.
    hyperfine -i --warmup 1 --runs "$runs" --prepare "$prepare" --export-markdown "$work/table.md" \
      -n slumber "$(printf "$slumber_cmd" $action)" \
      -n ipmipower "$(printf "$ipmipower_cmd" $ipmi_arg)" \
      -n "ipmipower, 4 s retransmit" "$(printf "$ipmipower_cmd" "$ipmi_arg --retransmission-timeout=4000")" \
      -n "ipmitool loop" "$(printf "$loop_cmd" $action) >/dev/null" >&2
    { echo "## $action, $n BMCs"; echo; cat "$work/table.md"; echo; } >> "$results"
  done

  # slumber's own cost for one run of each (GNU time: peak RSS, CPU seconds).
  for action in ${BENCH_ACTIONS:-status}; do
    [ $action = status ] || sh -c "$off_all"  # an `on` must find the nodes off
    /usr/bin/time -f "%M %U %S %e" -o "$work/time" sh -c "$(printf "$slumber_cmd" $action) >/dev/null"
    read -r rss user sys wall < <(tail -1 "$work/time")
    /usr/bin/time -f "%M %U %S %e" -o "$work/time" \
      sh -c "$(printf "$ipmipower_cmd" "$([ $action = on ] && echo --on || echo --stat) --retransmission-timeout=4000") >/dev/null"
    read -r prss puser psys pwall < <(tail -1 "$work/time")
    echo "- $action, $n BMCs: slumber peak RSS $((rss / 1024)) MB, CPU ${user}s user + ${sys}s system, ${wall}s wall;" \
      "ipmipower (4 s retransmit) $((prss / 1024)) MB, ${puser}s + ${psys}s, ${pwall}s wall" >> "$work/costs"
  done
  "$rig" down --dir $dir >/dev/null
done
{ echo "## Cost of one run"; echo; cat "$work/costs"; echo; } >> "$results"
cat "$results"
