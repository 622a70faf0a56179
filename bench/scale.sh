#!/usr/bin/env bash
# Benchmark (issue 21): slumber at 10,000 nodes. What the daemon costs while
# nothing happens, and how fast it reacts when 1,000 nodes are resumed at once.
#
# A real slurmctld (the host's Slurm, as root with auth/none, as in
# bench/scrape.sh) has NODES nodes and power saving on, with slumber's hooks
# as Suspend/Resume/ResumeFailProgram. No node has a slurmd: each has its own
# address in 127.200.0.0/16 and one port nothing listens on, so no slurmd of
# another test on this machine can ever answer for one. The first BMCS nodes
# have a real ipmi_sim BMC each, the rest slumber's exec driver, which
# touches or removes a file in tmpfs (10,000 BMCs do not fit a test
# machine; the exec driver stands for them at the cost of a few forks per
# power change).
#
# The BMCs are the virtual cluster's: `slumber-vcluster up` is the only way
# it starts ipmi_sim BMCs, and it starts a slurmctld and a slurmd per node
# with them and waits for every slurmd to register. So it is brought up on
# its own port and subnet with --boot-delay 1h (a machine powered on later
# does not start slurmd within the run), its slurmctld is stopped, and only
# its BMCs, their credentials and its freeipmi.conf are used; `down`
# removes it all at the end.
#
# The run:
# 1. every node is powered down through slumber, as a lights-out cluster is
#    at night: Slurm 22.05 has no slurm.conf state that starts a node
#    powered down except State=CLOUD, whose powered-down nodes `scontrol
#    show node` hides, which would not be this benchmark. So the nodes start
#    UNKNOWN and are powered down by `scontrol update`: Slurm runs
#    slumber-suspend, whose carrier (no daemon yet) switches them off, the
#    ipmi_sim machines included. Once every node is `idle~`, slurmctld pings
#    none of them;
# 2. slurmctld alone for IDLE seconds: its baseline;
# 3. slumberd starts, settles (its first look at Slurm done), then IDLE
#    seconds more: the daemon's CPU (its own, and its reaped children's:
#    scontrol), its peak memory, and slurmctld's CPU, whose excess over the
#    baseline is the share the daemon causes (its hooks run none then);
# 4. RESUME nodes, the ipmi_sim ones among them, are resumed at once with
#    `scontrol update state=power_up`; the time from ResumeProgram's
#    journaled requests to the last power-on asked of its BMC (its call's
#    start: the event's time less the call's own, "after N attempt(s),
#    M ms"), and to the last one journaled;
# 5. the daemon is stopped and the ipmi_sim nodes switched off again, then
#    ipmipower --on switches the same BMCs on, timed, and `slumber power on`
#    alone on them for comparison.
# CPU is from /proc/PID/stat (utime, stime, cutime, cstime): a child's time
# counts once it is reaped, which for scontrol is within the 2 s it runs in.
# Other work on the machine does not change CPU-seconds, only wall times.
#
# Usage: sudo bench/scale.sh   (after ./scripts/setup; writes bench/results/scale.md,
#        BENCH_RESULTS=FILE elsewhere)
#   NODES=10000 BMCS=500 RESUME=1000 IDLE=60 (seconds) SETTLE=15 (seconds)
#   FANOUT=1024 ([daemon] fanout: power calls in flight at once)
#   SLUMBER_BUILD=DIR: the build whose slumber and slumber-vcluster are measured
#   (default build/release); BENCH_KEEP=1 keeps the run's files (logs, journal) in /tmp
#   BENCH_PROFILE=DIR: after the idle window, strace -c and perf of slumberd for 20 s each, into DIR
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/slurmctld.sh
. bench/slurmctld.sh
nodes=${NODES:-10000}
bmcs=${BMCS:-500}
resume=${RESUME:-1000}
idle=${IDLE:-60}
fanout=${FANOUT:-1024}
settle=${SETTLE:-15}
build=${SLUMBER_BUILD:-$PWD/build/release}
slumber=$build/src/cli/slumber
rig=$build/src/cli/slumber-vcluster
results=${BENCH_RESULTS:-bench/results/scale.md}
port=25817     # slurmctld; the nodes' one port is the next
rig_port=25900 # the virtual cluster's own slurmctld; its nodes 25901 ...
# What stands for hardware (the BMCs' machines, the exec targets' power
# files) lives in tmpfs: on a machine whose /tmp is a disk, 500 BMCs
# switching at once waited on it (I/O pressure 100 %, hundreds of processes
# in D state; 2026-12-02) and the wall times measured the disk. slumber's
# own files (the journal) stay in /tmp, on the disk a head node has.
# The virtual cluster runs scripts from its directory: not from a noexec mount.
shm=/dev/shm
{ [ -d "$shm" ] && [ -w "$shm" ] && ! grep -qE "^[^ ]+ $shm [^ ]+ [^ ]*noexec" /proc/mounts; } || shm=/tmp
rig_dir=$shm/slumber-bench-scale-bmcs
[ "$(id -u)" -eq 0 ] || { echo "bench/scale.sh needs root (slurmctld as root, auth/none; the virtual BMCs)" >&2; exit 2; }
if ! [ -x "$slumber" ] || ! [ -x "$rig" ]; then echo "no slumber or slumber-vcluster in $build/src/cli (SLUMBER_BUILD)" >&2; exit 2; fi
if ! { [ "$nodes" -le 99999 ] && [ "$bmcs" -ge 1 ] && [ "$bmcs" -le "$resume" ] && [ "$resume" -le "$nodes" ]; }; then
  echo "give 1 <= BMCS <= RESUME <= NODES <= 99999" >&2
  exit 2
fi
work=$(mktemp -d /tmp/slumber-bench-scale.XXXXXX)
on_dir=$(mktemp -d "$shm/slumber-bench-scale-on.XXXXXX")
state=$work/slumber
journal=$state/journal.db
pids=()
rig_up=""
cleanup() {
  stop_processes "${pids[@]}"
  # A hook's carrier is detached from everything (docs/slurm.md): if the run
  # stops while one works, it is found by the lock file only it holds.
  for holder in $(fuser "$state/carrier.lock" 2> /dev/null); do kill "$holder" 2> /dev/null || true; done
  [ -z "$rig_up" ] || "$rig" down --dir $rig_dir > /dev/null 2>&1 || true
  rm -rf "$on_dir"
  if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

name() { printf 'snode%05d' "$1"; }
all_nodes="snode[$(printf '%05d' 1)-$(printf '%05d' "$nodes")]"
ipmi_nodes="snode[$(printf '%05d' 1)-$(printf '%05d' "$bmcs")]"
resume_nodes="snode[$(printf '%05d' 1)-$(printf '%05d' "$resume")]"
now_ms() { date +%s%3N; }
sql() { sqlite3 -cmd '.timeout 10000' "$journal" "$1"; }
# utime stime cutime cstime, in clock ticks (proc(5)).
own_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
child_ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
share() { awk -v t="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
seconds() { awk -v ms="$1" 'BEGIN { if (ms == "") print "not measured"; else printf "%.2f", ms / 1000 }'; }
wait_for() { # wait_for SECONDS WHAT CONDITION...
  local limit=$1 what=$2
  shift 2
  for _ in $(seq $((limit * 2))); do "$@" && return 0; sleep 0.5; done
  echo "$what: not within $limit s" >&2
  exit 1
}

# --- the BMCs --------------------------------------------------------------
echo "starting $bmcs ipmi_sim BMCs (slumber-vcluster up, its slurmd register once) ..."
rig_up=1
started=$(date +%s)
"$rig" up --dir $rig_dir --nodes "$bmcs" --bmc-subnet 40 --port $rig_port --boot-delay 1h \
  --suspend-time 1h > "$work/rig-up.log" 2>&1 ||
  { cat "$work/rig-up.log" >&2; exit 1; }
echo "up in $(($(date +%s) - started)) s"
# Its slurmctld is not this benchmark's: stopped, so that it does not ping
# its nodes once their machines are off. Its record's first field is the PID.
rig_ctld=$(awk 'NR == 1 { print $1 }' $rig_dir/pids/slurmctld)
kill "$rig_ctld"
wait_for 30 "the virtual cluster's slurmctld stopping" eval "! kill -0 $rig_ctld 2> /dev/null"
# "vnode001 127.40.0.1 623": 254 BMCs per /24 on 127.40.x.y (up to 4,000).
bmc_list=$(awk '{ printf "%s\"%s\"", NR == 1 ? "" : ", ", $2 }' $rig_dir/bmcs)
bmc_hosts=$(awk '{ print $2 }' $rig_dir/bmcs | paste -sd,)

# --- slurmctld -------------------------------------------------------------
mkdir -p "$work/state" "$work/hooks"
# Slurm runs a hook by path without arguments; a link named slumber-resume
# would read /etc/slumber/slumber.toml, so each hook is the two-line script
# docs/slurm.md gives for a configuration elsewhere.
for hook in suspend resume resume-fail; do
  printf '#!/bin/sh\nexec %s %s --config %s "$@"\n' "$slumber" "$hook" "$work/slumber.toml" > "$work/hooks/slumber-$hook"
  chmod 755 "$work/hooks/slumber-$hook"
done
slurm_conf_head scale "$port" "$work" > "$work/slurm.conf"
cat >> "$work/slurm.conf" << EOF
# Power saving: slumber's hooks, no rate limit on either side, nothing
# suspended by SuspendTime within the run, no resume timing out in it.
SuspendProgram=$work/hooks/slumber-suspend
ResumeProgram=$work/hooks/slumber-resume
ResumeFailProgram=$work/hooks/slumber-resume-fail
SuspendTime=3600
SuspendTimeout=30
ResumeTimeout=600
SuspendRate=0
ResumeRate=0
PartitionName=all Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# One line a node: its own loopback address, all on one port.
seq 0 $((nodes - 1)) | awk -v port=$((port + 1)) '{
  printf "NodeName=snode%05d NodeAddr=127.200.%d.%d Port=%d CPUs=4 RealMemory=1000 State=UNKNOWN\n",
    $1 + 1, int($1 / 250), $1 % 250 + 1, port }' >> "$work/slurm.conf"

cat > "$work/slumber.toml" << EOF
[slurm]
conf = "$work/slurm.conf"

[daemon]
state_dir = "$state"
fanout = $fanout   # power calls in flight at once

[energy]
interval = "0s"   # no sampling: the window measures the daemon's own watch

[[node]]
names = "$ipmi_nodes"
driver = "ipmi"
bmc = [$bmc_list]
credentials = "$rig_dir/ipmi.secret"
cipher_suite = 3
workarounds = ["opensesspriv"]   # ipmi_sim needs it for IPMI 2.0 sessions
EOF
if [ "$nodes" -gt "$bmcs" ]; then
  # A file per node that is on, in tmpfs: the daemon and the carriers
  # confirm every power change by reading the target's state, and an exec
  # target without a status command fails each one ("not supported").
  cat >> "$work/slumber.toml" << EOF

[[node]]
names = "snode[$(printf '%05d' $((bmcs + 1)))-$(printf '%05d' "$nodes")]"
driver = "exec"
on = "/usr/bin/touch $on_dir/{name}"
off = "/bin/rm -f $on_dir/{name}"
status = "/bin/sh -c 'if [ -e \"\$0\" ]; then echo on; else echo off; fi' $on_dir/{name}"
EOF
fi
"$slumber" config check "$work/slumber.toml" > /dev/null

export SLURM_CONF=$work/slurm.conf
echo "starting slurmctld with $nodes nodes ..."
slurmctld -D -f "$work/slurm.conf" > "$work/slurmctld.out" 2>&1 &
ctld=$!
pids+=("$ctld")
wait_for 120 "slurmctld answering" eval "scontrol ping > /dev/null 2>&1"
[ "$(sinfo --noheader --Node --format=%N | wc -l)" -eq "$nodes" ] || { echo "slurmctld does not list $nodes nodes" >&2; exit 1; }
slurm_version=$(scontrol --version | awk '{ print $2 }')

echo "powering every node down through slumber-suspend ..."
down_started=$(now_ms)
# Slurm 22.05 powers down no node that never registered: on an UNKNOWN node
# power_down_force only leaves a flag (UNKNOWN+POWER_DOWN) and runs no
# SuspendProgram. DOWN then RESUME makes the nodes IDLE (not responding),
# and then one SuspendProgram call takes them all.
scontrol update nodename="$all_nodes" state=down reason="bench/scale.sh: powering down at the start"
scontrol update nodename="$all_nodes" state=resume
scontrol update nodename="$all_nodes" state=power_down_force
all_idle_off() { [ "$(sinfo --noheader --format=%t | sort -u | tr -d '\n')" = "idle~" ]; }
wait_for 600 "every node idle~" all_idle_off
carried() {
  [ -f "$journal" ] &&
    [ "$(sql "SELECT COUNT(*) FROM requests WHERE state IN ('pending', 'running')")" -eq 0 ] &&
    [ "$(sql "SELECT COUNT(*) FROM requests WHERE action = 'off'")" -ge "$nodes" ]
}
wait_for 600 "the carriers switching every node off" carried
down_ms=$(($(sql "SELECT MAX(finished_ms) FROM requests WHERE action = 'off'") - down_started))
off_failed=$(sql "SELECT COUNT(*) FROM requests WHERE action = 'off' AND state != 'done'")
suspend_calls=$(sql "SELECT COUNT(DISTINCT batch) FROM requests WHERE action = 'off'")
[ "$(ipmipower --config-file $rig_dir/freeipmi.conf -h "$bmc_hosts" --stat --retransmission-timeout=4000 | grep -c ': off$')" -eq "$bmcs" ] ||
  { echo "not every ipmi_sim BMC says off after the power-down" >&2; exit 1; }
show_node_bytes=$(scontrol --oneliner show node | wc -c)
show_node_ms=$( { /usr/bin/time -f %e scontrol --oneliner show node > /dev/null; } 2>&1 | awk '{ printf "%.0f", $1 * 1000 }')

# --- idle: slurmctld alone, then with the daemon ------------------------------
sleep 10 # the power-down's last hooks reaped, slurmctld's state saved
echo "slurmctld alone for $idle s ..."
ctld_before=$(($(own_ticks "$ctld") + $(child_ticks "$ctld")))
t0=$(now_ms)
sleep "$idle"
ctld_base=$(($(own_ticks "$ctld") + $(child_ticks "$ctld") - ctld_before))
base_ms=$(($(now_ms) - t0))

echo "starting slumberd, letting it settle ..."
"$slumber" daemon -c "$work/slumber.toml" > "$work/slumberd.log" 2>&1 &
daemon=$!
pids+=("$daemon")
started_event() { [ "$(sql "SELECT COUNT(*) FROM events WHERE kind = 'daemon-start'")" -ge 1 ]; }
wait_for 60 "slumberd starting" started_event
sleep "$settle"
echo "slumberd idle for $idle s ..."
daemon_own_before=$(own_ticks "$daemon")
daemon_child_before=$(child_ticks "$daemon")
ctld_before=$(($(own_ticks "$ctld") + $(child_ticks "$ctld")))
t0=$(now_ms)
sleep "$idle"
daemon_own=$(($(own_ticks "$daemon") - daemon_own_before))
daemon_child=$(($(child_ticks "$daemon") - daemon_child_before))
ctld_with=$(($(own_ticks "$ctld") + $(child_ticks "$ctld") - ctld_before))
window_ms=$(($(now_ms) - t0))
idle_hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$daemon/status")
idle_rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$daemon/status")
threads=$(awk '/^Threads/ { print $2 }' "/proc/$daemon/status")
idle_events=$(sql "SELECT COUNT(*) FROM events WHERE time_ms >= $t0")
idle_load=$(cut -d' ' -f1-3 /proc/loadavg) # the context of the wall times
if [ -n "${BENCH_PROFILE:-}" ]; then
  # Where the idle daemon's time goes, after the window: tracing slows what
  # it traces. strace follows its children (scontrol) too.
  mkdir -p "$BENCH_PROFILE"
  echo "profiling the idle slumberd into $BENCH_PROFILE ..."
  timeout -s INT 20 strace -c -f -p "$daemon" -o "$BENCH_PROFILE/strace-c.txt" 2> /dev/null || true
  perf record -g -p "$daemon" -o "$BENCH_PROFILE/perf.data" -- sleep 20 > /dev/null 2>&1 || true
  perf report -i "$BENCH_PROFILE/perf.data" --stdio --no-children --sort dso,symbol 2> /dev/null |
    grep -v '^$' | head -n 150 > "$BENCH_PROFILE/perf.txt" || true
fi

# --- 1,000 nodes resumed at once ---------------------------------------------
echo "resuming $resume nodes ..."
last_request=$(sql "SELECT COALESCE(MAX(id), 0) FROM requests")
daemon_own_before=$(own_ticks "$daemon")
daemon_child_before=$(child_ticks "$daemon")
asked_ms=$(now_ms)
scontrol update nodename="$resume_nodes" state=power_up
# A power-on's event is journaled with its outcome, once the BMC confirmed
# it (an exec target: once its command exited 0).
powered_on() {
  [ "$(sql "SELECT COUNT(DISTINCT node) FROM requests WHERE id > $last_request AND source = 'slurm-resume' AND action = 'on' AND state IN ('done', 'failed')")" -ge "$resume" ]
}
wait_for 600 "the $resume power-ons" powered_on
sleep 3 # the daemon's next look at Slurm, which sees the nodes powering up
resume_own=$(($(own_ticks "$daemon") - daemon_own_before))
resume_child=$(($(child_ticks "$daemon") - daemon_child_before))
resume_hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$daemon/status")
resume_load=$(cut -d' ' -f1-3 /proc/loadavg)
# The timestamps: a request's time_ms is when the hook journaled it (the
# hook's record of what Slurm asked); a power-on event's time_ms is when its
# outcome was journaled, after the call (and for IPMI the confirmation).
on_events="FROM requests r JOIN events e ON e.request = r.id
  WHERE r.id > $last_request AND r.source = 'slurm-resume' AND r.action = 'on' AND e.kind = 'power-on'"
read -r first_request hook_calls requests_done requests_failed < <(sql "SELECT MIN(time_ms), COUNT(DISTINCT batch),
  SUM(state = 'done'), SUM(state != 'done') FROM requests WHERE id > $last_request AND source = 'slurm-resume' AND action = 'on'" | tr '|' ' ')
read -r last_on ok_events < <(sql "SELECT MAX(e.time_ms), SUM(e.outcome = 'ok') $on_events" | tr '|' ' ')
# When each call started: its event's time less the call's own time
# ("on after 1 attempt(s), 5800 ms"), which the executor counts from just
# before its first send to the BMC.
issued="(e.time_ms - CAST(substr(e.detail, instr(e.detail, 'attempt(s), ') + 12) AS INTEGER))"
last_issued=$(sql "SELECT MAX($issued) $on_events")
ipmi_last_issued=$(sql "SELECT MAX($issued) $on_events AND r.node <= '$(name "$bmcs")'")
exec_last_issued=$(sql "SELECT MAX($issued) $on_events AND r.node > '$(name "$bmcs")'")
ipmi_last_on=$(sql "SELECT MAX(e.time_ms) $on_events AND r.node <= '$(name "$bmcs")'")
exec_last_on=$(sql "SELECT MAX(e.time_ms) $on_events AND r.node > '$(name "$bmcs")'")
others=$(sql "SELECT COUNT(*) FROM requests WHERE id > $last_request AND source != 'slurm-resume'")
resume_ms=$((last_on - first_request))
issued_ms=$((last_issued - first_request))
ipmi_issued_ms=$((ipmi_last_issued - first_request))
exec_issued_ms=$((exec_last_issued - first_request))
ipmi_ms=$((ipmi_last_on - first_request))
exec_ms=$((exec_last_on - first_request))
slurm_ms=$((first_request - asked_ms))

# --- the same BMCs by ipmipower, and by slumber power alone -------------------
kill "$daemon"
wait_for 30 "slumberd stopping" eval "! kill -0 $daemon 2> /dev/null"
ipmi() { ipmipower --config-file $rig_dir/freeipmi.conf --retransmission-timeout=4000 "$@"; }
# A virtual machine's power-off stops its processes inside the BMC's
# request: with hundreds at once on a small machine one takes 10 s and
# more, and ipmipower gives up on some. Until every BMC says off, those
# still on are asked again; then 3 s more, since ipmi_sim carries out a
# retransmitted request late, after the client has gone (bench/power.sh).
all_off() {
  local left=$bmc_hosts
  for _ in $(seq 12); do
    ipmi -h "$left" --off > /dev/null || true
    sleep 5
    left=$(ipmi -h "$bmc_hosts" --stat | awk -F': ' '$2 != "off" { print $1 }' | paste -sd,)
    [ -z "$left" ] && sleep 3 && return 0
  done
  echo "$(echo "$left" | tr ',' '\n' | wc -l) ipmi_sim BMC(s) did not switch off: $left" >&2
  return 1
}
ipmipower_ms=""
power_ms=""
power_out="not run: the BMCs did not all switch off first"
ipmipower_ok=0
if all_off; then
  echo "ipmipower --on, $bmcs BMCs ..."
  t0=$(now_ms)
  ipmi -h "$bmc_hosts" --on > "$work/ipmipower.out" || true
  ipmipower_ms=$(($(now_ms) - t0))
  ipmipower_ok=$(grep -c ': ok$' "$work/ipmipower.out" || true)
  if all_off; then
    echo "slumber power on, $bmcs BMCs ..."
    t0=$(now_ms)
    "$slumber" power on "$ipmi_nodes" -c "$work/slumber.toml" > "$work/power-on.out" 2>&1 || true
    power_ms=$(($(now_ms) - t0))
    power_out=$(tr '\n' ' ' < "$work/power-on.out")
  fi
fi

# --- results ---------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b != "") printf "%.2f", b / a; else print "n/a" }'; }
window_s=$(seconds $window_ms)
base_s=$(seconds $base_ms)
ctld_caused=$((ctld_with - ctld_base))
total=$((daemon_own + daemon_child + ctld_caused))
{
  echo "# slumber at $nodes nodes: idle, then $resume resumed at once"
  echo
  echo "Produced by \`bench/scale.sh\` (NODES=$nodes BMCS=$bmcs RESUME=$resume IDLE=$idle) on $(date -u +%Y-%m-%d),"
  echo "$(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/^Mem/ { print $2 }') GB,"
  echo "Slurm $slurm_version, slumber $("$slumber" --version | awk '{ print $NF }') (commit $(git -C "$build" rev-parse --short HEAD 2> /dev/null || echo unknown))."
  echo
  echo "## Method"
  echo
  echo "A real slurmctld (as root, auth/none) with $nodes nodes and no slurmd, each node on its own"
  echo "address in 127.200.0.0/16; power saving with slumber's hooks, ResumeRate=0, SuspendRate=0,"
  echo "ResumeTimeout=600, SuspendTime=3600. The first $bmcs nodes have an ipmi_sim BMC each (the virtual"
  echo "cluster's, on 127.40.x.y), the other $((nodes - bmcs)) slumber's exec driver (\`touch\`, \`rm\`, \`sh\` for the status, on a file in tmpfs). Every node is"
  echo "powered down first (\`scontrol update\` state=down, resume, power_down_force: $suspend_calls SuspendProgram call(s), carried out by"
  echo "the hooks' carriers, $(seconds $down_ms) s to the last power-off; $off_failed request(s) failed or superseded), so Slurm pings none and shows all \`idle~\`."
  echo "\`scontrol --oneliner show node\` of these nodes: $show_node_bytes bytes, ${show_node_ms} ms once."
  echo
  echo "CPU is utime + stime from /proc/PID/stat, children's (cutime + cstime) apart: they count once reaped."
  echo "slurmctld's share caused by the daemon is its CPU (with its children) in the window with the daemon"
  echo "minus its CPU in a window as long before the daemon started ($base_s s). The daemon ran ${settle} s before its window."
  echo "The machine was shared with other work: CPU-seconds hold, wall times may be longer than on an idle machine"
  echo "(load average $idle_load at the end of the idle window, $resume_load once the resume was done)."
  echo
  echo "## Idle, $window_s s, every node powered down"
  echo
  echo "| | CPU-seconds | share of one core |"
  echo "|---|---|---|"
  echo "| slumberd itself | $(seconds $((daemon_own * 1000 / hz))) | $(share $daemon_own "$window_s") % |"
  echo "| its children (scontrol …) | $(seconds $((daemon_child * 1000 / hz))) | $(share $daemon_child "$window_s") % |"
  echo "| slurmctld with the daemon | $(seconds $((ctld_with * 1000 / hz))) | $(share $ctld_with "$window_s") % |"
  echo "| slurmctld alone (baseline) | $(seconds $((ctld_base * 1000 / hz))) | $(share $ctld_base "$base_s") % |"
  echo "| slurmctld's share the daemon causes | $(seconds $((ctld_caused * 1000 / hz))) | $(share $ctld_caused "$window_s") % |"
  echo "| **total: daemon, children, slurmctld's share** | $(seconds $((total * 1000 / hz))) | **$(share $total "$window_s") %** (target < 1 %) |"
  echo
  echo "slumberd: peak RSS (VmHWM) $((idle_hwm / 1024)) MiB, RSS $((idle_rss / 1024)) MiB, $threads threads, $idle_events events journaled in the window."
  echo
  echo "## $resume nodes resumed at once ($bmcs ipmi_sim, $((resume - bmcs)) exec), \`[daemon] fanout = $fanout\`"
  echo
  echo "\`scontrol update nodename=$resume_nodes state=power_up\`. Timestamps from slumber's journal"
  echo "(\`journal.db\`): from the first of the $resume requests the resume hook journaled (\`requests.time_ms\`,"
  echo "the hook's record of what Slurm asked) to the last power-on asked of its BMC (the call's start: its"
  echo "event's time less the call's own, \`after 1 attempt(s), M ms\`), and to the last power-on event of those"
  echo "requests (\`events.time_ms\`, kind \`power-on\`, journaled with its outcome, after the BMC confirmed the change)."
  echo
  echo "| | time |"
  echo "|---|---|"
  echo "| \`scontrol update\` to the hook's first request journaled (Slurm's part) | $(seconds $slurm_ms) s |"
  echo "| hook's first request to all $resume power-ons asked of their BMCs | **$(seconds $issued_ms) s** (target < 5 s) |"
  echo "| … the last of the $bmcs ipmi_sim ones asked | $(seconds $ipmi_issued_ms) s |"
  echo "| … the last of the $((resume - bmcs)) exec ones asked | $(seconds $exec_issued_ms) s |"
  echo "| hook's first request to all $resume power-ons journaled (confirmed) | $(seconds $resume_ms) s |"
  echo "| … to the last of the $bmcs ipmi_sim power-ons | $(seconds $ipmi_ms) s |"
  echo "| … to the last of the $((resume - bmcs)) exec power-ons | $(seconds $exec_ms) s |"
  echo
  echo "$hook_calls ResumeProgram call(s); requests: $requests_done done, $requests_failed not; $ok_events power-on events ok;"
  echo "$others other request(s) journaled meanwhile (not from slurm-resume). slumberd over the resume (until 3 s after the last"
  echo "request finished): $(seconds $((resume_own * 1000 / hz))) CPU-seconds itself, $(seconds $((resume_child * 1000 / hz))) its children; peak RSS $((resume_hwm / 1024)) MiB."
  echo
  echo "## The same $bmcs ipmi_sim BMCs, every one off, switched on by"
  echo
  echo "| | time | ÷ ipmipower's |"
  echo "|---|---|---|"
  echo "| slumberd, from the hook's request, confirmed, beside $((resume - bmcs)) exec power-ons (above) | $(seconds $ipmi_ms) s | $(ratio "$ipmipower_ms" "$ipmi_ms") |"
  echo "| \`ipmipower --on --retransmission-timeout=4000\` (FreeIPMI $(ipmipower --version | head -1 | awk '{ print $NF }')), $ipmipower_ok ok | $(seconds $ipmipower_ms) s | 1 |"
  echo "| \`slumber power on\`, the same nodes alone, not confirmed (process start included) | $(seconds $power_ms) s | $(ratio "$ipmipower_ms" "$power_ms") |"
  echo
  echo "ipmipower with a 4 s retransmission timeout: with its 1 s default it resends to BMCs that are still"
  echo "answering (bench/power.sh). \`slumber power on\` said: $power_out"
} > "$results"
cat "$results"
