// Benchmark: one pass of the daemon's decision loop over a large cluster:
// parse `scontrol show node` for N nodes, gather each node's facts from a
// journal with history, and decide. No BMC or scontrol is called: this is the
// part that must stay fast as a cluster grows (target: < 50 ms, < 100 MB for
// 10,000 nodes). Usage: bench_reconcile [NODES] [PASSES]
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "operate/reconciler.hpp"
#include "slurm/node_state.hpp"
#include "slurm/scontrol.hpp"
#include "store/journal.hpp"

namespace {

using namespace slumber;
using Clock = std::chrono::steady_clock;

// A cluster in a realistic mix: most nodes asleep, a fifth busy, a few in
// each recovery case.
std::string scontrol_output(int nodes) {
    std::string text;
    for (int i = 1; i <= nodes; ++i) {
        std::string state = "IDLE+POWERED_DOWN";
        std::string reason;
        if (i % 5 == 0) state = "ALLOCATED";
        if (i % 97 == 0)
            state = "DOWN+POWERED_DOWN", reason = " Reason=ResumeTimeout reached [slurm@2026-11-25T10:00:00]";
        if (i % 101 == 0) state = "DOWN", reason = " Reason=Node unexpectedly rebooted [slurm@2026-11-25T10:00:00]";
        text += fmt::format(
            "NodeName=node{:05} Arch=x86_64 CoresPerSocket=16 CPUAlloc={} CPUEfctv=64 CPUTot=64 CPULoad=0.01 "
            "AvailableFeatures=(null) ActiveFeatures=(null) Gres=(null) NodeAddr=node{:05} NodeHostName=node{:05} "
            "Version=22.05.8 OS=Linux 6.1.0-13-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29) "
            "RealMemory=256000 AllocMem=0 FreeMem=250000 Sockets=4 Boards=1 State={} ThreadsPerCore=1 TmpDisk=0 "
            "Weight=1 Owner=N/A MCS_label=N/A Partitions=batch BootTime=2026-11-25T09:00:00 "
            "SlurmdStartTime=2026-11-25T09:00:05 LastBusyTime=2026-11-25T09:30:00 CfgTRES=cpu=64,mem=250G,billing=64 "
            "AllocTRES= CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 "
            "ExtSensorsTemp=n/s{}\n",
            i, i % 5 == 0 ? 64 : 0, i, i, state, reason);
    }
    return text;
}

std::string config_text(int nodes, const std::filesystem::path& dir) {
    return fmt::format(
        "[daemon]\nstate_dir = \"{}\"\n\n[slurm]\nexclude = \"node00001\"\n\n[[node]]\nnames = \"node[00001-{:05}]\"\n"
        "driver = \"ipmi\"\nbmc_pattern = \"{{name}}-ipmi\"\ncredentials = \"{}/ipmi.secret\"\n",
        dir.string(), nodes, dir.string());
}

// A week of history: every node suspended and resumed a few times, some
// resumes failed.
void fill_journal(store::Journal& journal, int nodes) {
    std::vector<std::string> all;
    for (int i = 1; i <= nodes; ++i) all.push_back(fmt::format("node{:05}", i));
    auto carry_out = [&](power::Action action, store::RequestSource source, store::TimeMs time) {
        (void)journal.add_requests(all, action, source, time);
        for (const store::Request& request : journal.take_pending().value_or(std::vector<store::Request>{})) {
            (void)journal.finish(request.id, true, "ok", time + 100);
        }
    };
    for (int round = 0; round < 3; ++round) {
        carry_out(power::Action::off, store::RequestSource::slurm_suspend, round * 1000);
        carry_out(power::Action::on, store::RequestSource::slurm_resume, round * 1000 + 500);
    }
    for (int i = 97; i <= nodes; i += 97) {
        (void)journal.record({0, 9000, all[static_cast<std::size_t>(i - 1)], std::nullopt,
                              store::EventKind::resume_failed, "Slurm: ResumeTimeout reached"});
    }
}

// The reconciler's clock, standing still at 100 s (the journal is filled
// before it): the bench times deciding, not waiting.
class StillClock final : public operate::Clock {
  public:
    store::TimeMs wall_ms() override { return 100'000; }
    time_point now() override { return {}; }
    void sleep_for(std::chrono::milliseconds /*duration*/) override {}
};

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const int nodes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10000;
    const int passes = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-bench-reconcile-{}", ::getpid());
    std::filesystem::remove_all(dir);

    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir / "ipmi.secret") << "username = \"admin\"\npassword = \"bench\"\n";
        std::filesystem::permissions(dir / "ipmi.secret",
                                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    auto config = config::load_text(config_text(nodes, dir), "bench.toml");
    if (!config) {
        fmt::print(stderr, "{}\n", config::format(config.error().front()));
        return 1;
    }
    auto journal = store::Journal::open(config->daemon.journal());
    if (!journal) {
        fmt::print(stderr, "{}\n", journal.error());
        return 1;
    }
    fill_journal(*journal, nodes);
    const std::string text = scontrol_output(nodes);
    const slurm::Scontrol unused(config->slurm.bin_dir, config->slurm.conf);
    StillClock still;
    operate::Reconciler reconciler(*config, *journal, unused, still);

    std::vector<double> parse_ms;
    std::vector<double> decide_ms;
    std::size_t steps = 0;
    for (int pass = 0; pass < passes; ++pass) {
        const auto start = Clock::now();
        auto parsed = slurm::parse_show_node(text);
        parse_ms.push_back(ms_since(start));
        if (!parsed) {
            fmt::print(stderr, "line {}: {}\n", parsed.error().line, parsed.error().message);
            return 1;
        }
        const auto decide_start = Clock::now();
        auto facts = reconciler.gather_facts(*parsed);
        if (!facts) {
            fmt::print(stderr, "{}\n", facts.error());
            return 1;
        }
        const auto asked = engine::needs_bmc(*facts, reconciler.policy(), 100000);
        steps = engine::reconcile(*facts, reconciler.policy(), 100000).size() + asked.size();
        decide_ms.push_back(ms_since(decide_start));
    }
    std::sort(parse_ms.begin(), parse_ms.end());
    std::sort(decide_ms.begin(), decide_ms.end());
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    fmt::print(
        "{} nodes, {} passes: parse scontrol output median {:.1f} ms, gather facts and decide median {:.1f} ms, "
        "total median {:.1f} ms; {} steps or BMC questions per pass; peak RSS {:.1f} MB ({} KB of "
        "scontrol text)\n",
        nodes, passes, parse_ms[parse_ms.size() / 2], decide_ms[decide_ms.size() / 2],
        parse_ms[parse_ms.size() / 2] + decide_ms[decide_ms.size() / 2], steps,
        static_cast<double>(usage.ru_maxrss) / 1024.0, text.size() / 1024);
    std::filesystem::remove_all(dir);
    return 0;
}
