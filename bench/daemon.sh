#!/usr/bin/env bash
# Benchmark: slumberd's CPU and memory at 1,000 nodes with /metrics and the
# dashboard on, against prometheus-ipmi-exporter (Debian's package), which is
# what a site runs today to see its nodes' power draw and temperatures,
# reading the same BMCs as often, side by side over the same minutes.
#
# The virtual cluster: real slurmctld with NODES nodes and an ipmi_sim BMC
# each on 127.32.x.y, slumber's hooks and daemon; the nodes never start
# slurmd (--boot-delay 1h). Slurm is asked to power them all down, as a
# lights-out cluster is most of the night, and once they are off the window
# starts. During it:
# - slumberd polls Slurm every 2 s, samples every BMC's power and inlet
#   sensors once a minute ([energy] interval), serves /metrics to a scraper
#   every 15 s (Prometheus' default interval) and its dashboard to a headless
#   Chromium, which polls the API every 2 s as the page does;
# - prometheus-ipmi-exporter, in its multi-target mode, is scraped for every
#   BMC once a minute with the `ipmi` (sensors) and `dcmi` (power) collectors,
#   16 scrapes at a time, as a Prometheus job with a 1 m interval would.
# Each side's CPU is its process's user and system time plus its children's
# (scontrol for slumberd; ipmimonitoring and ipmi-dcmi for the exporter),
# from /proc over the window; its memory the peak resident set (VmHWM).
# Chromium's and the scrapers' own CPU is not counted for either.
#
# Usage: sudo bench/daemon.sh [NODES] [MINUTES]   (default 1000 nodes, 5 minutes;
#        after ./scripts/setup; writes bench/results/daemon.md, BENCH_RESULTS=FILE elsewhere;
#        BENCH_REUSE=1 measures a cluster an earlier run left up (bringing up 1,000 slurmd
#        takes about 10 minutes) and leaves it up)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-1000}
minutes=${2:-5}
rig=$PWD/build/release/src/cli/slumber-vcluster
slumber=$PWD/build/release/src/cli/slumber
dir=/tmp/slumber-bench-daemon
web=22900   # above the nodes' ports (20001 …) and below the ephemeral range
exporter_port=22901
results=${BENCH_RESULTS:-bench/results/daemon.md}
[ "$(id -u)" -eq 0 ] || { echo "bench/daemon.sh needs root (the virtual cluster)" >&2; exit 2; }
command -v prometheus-ipmi-exporter > /dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-ipmi-exporter > /dev/null
command -v chromium > /dev/null || { echo "bench/daemon.sh needs chromium (./scripts/setup installs it)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
keep_cluster=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  [ -n "$keep_cluster" ] || "$rig" down --dir $dir > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

export SLURM_CONF=$dir/slurm.conf
if [ -n "${BENCH_REUSE:-}" ] && "$rig" status --dir $dir > /dev/null 2>&1; then
  echo "measuring the cluster already up in $dir (BENCH_REUSE)"
  keep_cluster=1
else
  echo "bringing up $nodes nodes (their BMCs, slurmctld, slumberd) ..."
  started=$(date +%s)
  "$rig" up --dir $dir --nodes "$nodes" --bmc-subnet 32 --port 20000 --hooks slumber --daemon --web $web \
    --suspend-time 1h --suspend-timeout 30s --boot-delay 1h > "$work/up.log"
  echo "up in $(($(date +%s) - started)) s"
  all=$(scontrol show hostlist "$(sinfo --noheader --Node --format=%N | sort -u | paste -sd,)")
  scontrol update nodename="$all" state=power_down_force
fi
# Slurm shows idle~ once SuspendTimeout has passed; the daemon may still
# be switching BMCs off: the window starts once every node's machine has
# stopped (its slurmd gone) and the power-offs are journaled.
echo "waiting for every node to be powered down ..."
for _ in $(seq 900); do
  [ "$(sinfo --noheader --format=%t | sort -u | tr -d '\n')" = "idle~" ] &&
    ! pgrep -f "slurmd -D -N .* -f $dir/slurm.conf" > /dev/null && break
  sleep 2
done
sinfo --noheader --format='%t %D'
sleep 30

# The exporter: a module for the virtual BMCs (ipmi_sim wants the
# opensesspriv workaround), its password in a file only root reads.
password=$(awk '$1 == "password" { print $2 }' $dir/freeipmi.conf)
umask 077
cat > "$work/ipmi.yml" << EOF
modules:
  default:
    user: "admin"
    pass: "$password"
    driver: "LAN_2_0"
    privilege: "admin"
    timeout: 10000
    collectors: [ipmi, dcmi]
    workaround_flags: [opensesspriv]
EOF
prometheus-ipmi-exporter --config.file="$work/ipmi.yml" --web.listen-address=127.0.0.1:$exporter_port \
  > "$work/exporter.log" 2>&1 &
exporter=$!
pids+=("$exporter")
awk '{ print $2 }' $dir/bmcs > "$work/targets"
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$exporter_port/metrics" && break; sleep 0.2; done
first=$(head -n 1 "$work/targets")
curl -sf "http://127.0.0.1:$exporter_port/ipmi?target=$first&module=default" > "$work/exporter-sample.txt"
grep -q '^ipmi_up{collector="ipmi"} 1' "$work/exporter-sample.txt" ||
  { echo "the exporter cannot read $first:" >&2; grep '^ipmi_up' "$work/exporter-sample.txt" >&2; exit 1; }

daemon=$(awk 'NR == 1 { print $1 }' $dir/pids/slumberd)
# utime stime cutime cstime, in clock ticks (proc(5)).
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# The load: Prometheus' scrapes of both, the dashboard in Chromium.
(while :; do curl -sf -o /dev/null "http://127.0.0.1:$web/metrics"; sleep 15; done) &
pids+=($!)
(while :; do
  next=$(($(date +%s) + 60))
  xargs -P 16 -I{} curl -sf -o /dev/null "http://127.0.0.1:$exporter_port/ipmi?target={}&module=default" < "$work/targets"
  now=$(date +%s)
  [ "$now" -lt "$next" ] && sleep $((next - now))
done) &
pids+=($!)
chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/chromium" \
  "http://127.0.0.1:$web/" > "$work/chromium.log" 2>&1 &
pids+=($!)

sleep 30 # both have begun: the window starts with the load in place
daemon_before=$(ticks "$daemon")
exporter_before=$(ticks "$exporter")
window_start=$(date +%s)
sleep $((minutes * 60))
elapsed=$(($(date +%s) - window_start))
daemon_cpu=$(($(ticks "$daemon") - daemon_before))
exporter_cpu=$(($(ticks "$exporter") - exporter_before))
hz=$(getconf CLK_TCK)
daemon_hwm=$(hwm "$daemon")
daemon_rss=$(rss "$daemon")
exporter_hwm=$(hwm "$exporter")
exporter_rss=$(rss "$exporter")
readings=$(sqlite3 $dir/slumber-state/journal.db \
  "SELECT COUNT(*) FROM readings WHERE time_ms >= $window_start * 1000 AND watts IS NOT NULL")
# One scrape after the load stops: the snapshot that the requests of 5 s
# share is taken afresh (Slurm asked, the journal read), then one from it.
for pid in "${pids[@]:1}"; do kill "$pid" 2> /dev/null || true; done
sleep 6
scrape() { curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$web/metrics" | awk '{ printf "%.0f", $1 * 1000 }'; }
fresh_ms=$(scrape)
cached_ms=$(scrape)
metrics_bytes=$(curl -s "http://127.0.0.1:$web/metrics" | wc -c)

share() { awk -v t="$1" -v hz="$hz" -v s="$elapsed" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "n/a" }'; }
{
  echo "# slumberd at $nodes nodes, beside prometheus-ipmi-exporter"
  echo
  echo "Produced by \`bench/daemon.sh $nodes $minutes\` on $(date -u +%Y-%m-%d), $(nproc) cores, Slurm"
  echo "$(scontrol --version | awk '{ print $2 }'), $(prometheus-ipmi-exporter --version 2>&1 | head -n 1)."
  echo "Every node powered down (Slurm \`idle~\`, BMC off); a window of $elapsed s. slumberd: Slurm polled every 2 s,"
  echo "every BMC's power and sensors read once a minute ($readings power readings journaled in the window),"
  echo "/metrics scraped every 15 s, the dashboard open in headless Chromium (polling every 2 s)."
  echo "The exporter: every BMC scraped once a minute with the \`ipmi\` and \`dcmi\` collectors, 16 at a time."
  echo "CPU: the process's user + system time and its children's, over the window; memory: peak RSS."
  echo
  echo "| | CPU share of one core | CPU-seconds per minute | peak RSS | RSS at the end |"
  echo "|---|---|---|---|---|"
  echo "| slumberd (Slurm, sampling, metrics, dashboard) | $(share $daemon_cpu) % | $(awk -v t=$daemon_cpu -v hz=$hz -v s=$elapsed 'BEGIN { printf "%.2f", t / hz / s * 60 }') | $((daemon_hwm / 1024)) MiB | $((daemon_rss / 1024)) MiB |"
  echo "| prometheus-ipmi-exporter (sensors and power only) | $(share $exporter_cpu) % | $(awk -v t=$exporter_cpu -v hz=$hz -v s=$elapsed 'BEGIN { printf "%.2f", t / hz / s * 60 }') | $((exporter_hwm / 1024)) MiB | $((exporter_rss / 1024)) MiB |"
  echo
  echo "The exporter uses $(ratio $daemon_cpu $exporter_cpu)× slumberd's CPU for part of its work."
  echo "One /metrics scrape of slumberd at $nodes nodes ($metrics_bytes bytes): ${fresh_ms} ms with a fresh look at Slurm"
  echo "and the journal, ${cached_ms} ms from the snapshot of the last 5 s."
} > "$results"
cat "$results"
