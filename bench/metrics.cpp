// Benchmark: rendering one /metrics page for a large cluster (the exposition
// text from a snapshot: every node's info, BMC and Slurm power states,
// failed resumes and last boot, and the journal's counters). The look at
// Slurm, the BMCs and the journal that fills the snapshot is not timed here:
// it is shared by every request of a few seconds (docs/web.md).
// Usage: bench_metrics [NODES] [PASSES]
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>
#include <vector>

#include "web/metrics.hpp"

namespace {

using namespace slumber;
using Clock = std::chrono::steady_clock;

int argument(int argc, char** argv, int index, int fallback) {
    if (argc <= index) return fallback;
    int value = 0;
    const std::string_view text(argv[index]);
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size() && value > 0 ? value : fallback;
}

// Most nodes asleep, a fifth busy, a few failing: as bench_reconcile's.
web::MetricsSnapshot snapshot(int nodes) {
    web::MetricsSnapshot out;
    out.version = "bench";
    out.slurm_up = out.journal_up = true;
    for (int i = 1; i <= nodes; ++i) {
        const std::string name = fmt::format("node{:05}", i);
        out.info.push_back({name, fmt::format("10.{}.{}.{}", i / 65536, i / 256 % 256, i % 256), "ipmi"});
        service::NodeView node;
        node.name = name;
        const bool busy = i % 5 == 0;
        node.power.kind = busy ? service::PowerReading::Kind::on : service::PowerReading::Kind::off;
        node.power.state = busy ? power::PowerState::on : power::PowerState::off;
        slurm::NodeState state;
        state.name = name;
        state.base = busy ? "ALLOCATED" : "IDLE";
        if (!busy) state.flags = {"POWERED_DOWN"};
        node.slurm = state;
        out.nodes.nodes.push_back(std::move(node));
        if (i % 97 == 0) out.failed_resumes[name] = 2;
        out.last_boot_seconds[name] = 100 + i % 60;
        out.counts.boot_seconds.push_back(100 + i % 60);
    }
    out.counts.actions = {{"on", nodes * 3.0}, {"off", nodes * 3.0}};
    out.counts.action_failures = {{{"on", "timeout"}, 12}, {{"off", "refused"}, 4}};
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int nodes = argument(argc, argv, 1, 10000);
    const int passes = argument(argc, argv, 2, 20);
    const web::MetricsSnapshot data = snapshot(nodes);
    std::vector<double> ms;
    std::size_t bytes = 0;
    for (int pass = 0; pass < passes; ++pass) {
        const auto start = Clock::now();
        const std::string page = web::render_metrics(data);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        bytes = page.size();
    }
    std::sort(ms.begin(), ms.end());
    fmt::print("/metrics for {} nodes: {:.1f} ms median, {:.1f} ms max over {} renders; {:.1f} MB of text\n", nodes,
               ms[ms.size() / 2], ms.back(), passes, static_cast<double>(bytes) / 1e6);
    return 0;
}
