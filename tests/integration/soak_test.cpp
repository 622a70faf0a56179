// A randomized soak: a stream of small jobs and random faults on the virtual
// cluster with slumber's hooks and daemon in charge, bounded in time. Then,
// from four independent records — slurmctld's log, slumber's journal, the
// nodes' consoles and Slurm's job completion log — it checks what must hold
// whatever happened:
//   - no request lost: every node Slurm woke or suspended has exactly that
//     request in the journal, and none is left pending or running;
//   - no node stays down~ without an attempt: a long down~ stretch has a
//     recovery step or diagnosis in it, and at the end every node is in
//     service or drained with slumber's reason;
//   - no job killed by a power change: no node was switched off with job
//     steps running, and every job completed;
//   - no BMC locked out: while a BMC's password is changed, it counts at
//     most a handful of failed logins (its own log says, not slumber's);
//     once the fault is cleared the soak, as an admin would, runs
//     `slumber unblock` for the node.
//
// SOAK_SECONDS (default 150; the sanitizer run uses 45) bounds the chaos;
// SOAK_SEED replays a run (the seed is printed). bench/soak.sh runs the long
// version and reports figures.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "hostlist/hostlist.hpp"
#include "store/journal.hpp"
#include "test_cluster.hpp"
#include "vcluster/bmc.hpp"

namespace slumber::testing {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::seconds;

constexpr int kNodes = 6;
constexpr int kResumeTimeout = 20;  // seconds; slow boots go past it
// A node down~ this long must have seen slumber act: the late-boot grace
// (30 s in the virtual cluster) plus the settle time and a loaded machine.
constexpr auto kMaxQuietDown = seconds{75};
// Failed logins a BMC may see while its password is changed: the first
// refusal blocks the node, and only calls already under way at that moment
// (a power-on and a recovery read, say) may still arrive.
constexpr int kMaxFailedLogins = 3;

long env_or(const char* name, long fallback) {
    const char* text = std::getenv(name);
    return text != nullptr && *text != '\0' ? std::atol(text) : fallback;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// A stretch of time a node spent down~ (DOWN+POWERED_DOWN), as polled.
struct DownStretch {
    std::string node;
    std::int64_t from = 0;
    std::int64_t to = 0;
};

struct Figures {
    int jobs = 0;
    std::map<std::string, int> faults;
    std::int64_t longest_down_ms = 0;
    int failed_logins = 0;       // at the BMCs, while their password was changed
    int most_failed_logins = 0;  // in one password change
};

class Soak : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"soak",
                           21,
                           28200,
                           {"--hooks", "slumber", "--daemon", "--suspend-time", "10s", "--suspend-timeout", "5s",
                            "--resume-timeout", fmt::format("{}s", kResumeTimeout), "--return-to-service", "1"},
                           kNodes});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    // Failed logins the node's BMC has logged so far.
    static int failed_logins(int index) {
        return vcluster::failed_logins(vcluster::RunDir{cluster->dir()}, cluster->node(index));
    }

    static bool fault(int index, const std::vector<std::string>& what) {
        std::vector<std::string> args{"fault", "--dir", cluster->dir(), cluster->node(index)};
        args.insert(args.end(), what.begin(), what.end());
        return cluster->rig(args).has_value();
    }

    // Every node's compact state in one sinfo call.
    static std::map<std::string, std::string> states() {
        std::map<std::string, std::string> out;
        auto text = cluster->run({"sinfo", "--noheader", "--Node", "--format=%N %t"});
        if (!text) return out;
        std::istringstream lines(*text);
        std::string node;
        std::string state;
        while (lines >> node >> state) out[node] = state;
        return out;
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

// slurmctld's "power_save: pid N waking nodes vnode[001-002]" lines (22.05;
// from 23.02 slurmscriptd runs the hooks and the line has no "pid N", seen
// on 24.11.5): per node, how many times Slurm ran the hook for it.
std::map<std::string, int> hook_calls(const std::string& log, const std::string& verb) {
    std::map<std::string, int> calls;
    std::ifstream in(log);
    const std::regex line(fmt::format(R"(power_save: (?:pid \d+ )?{} nodes (\S+))", verb));
    std::string text;
    std::smatch match;
    while (std::getline(in, text)) {
        if (!std::regex_search(text, match, line)) continue;
        for (const std::string& node : hostlist::expand(match[1].str()).value_or(std::vector<std::string>{})) {
            ++calls[node];
        }
    }
    return calls;
}

// Slurm's job completion log: each job's last recorded state, and how many
// records it has (a requeued job has one per run).
std::map<std::string, std::pair<std::string, int>> job_outcomes(const std::string& log) {
    std::map<std::string, std::pair<std::string, int>> jobs;
    std::ifstream in(log);
    const std::regex fields(R"(JobId=(\d+) .*JobState=(\S+))");
    std::string text;
    std::smatch match;
    while (std::getline(in, text)) {
        if (!std::regex_search(text, match, fields)) continue;
        auto& [state, records] = jobs[match[1].str()];
        state = match[2].str();
        ++records;
    }
    return jobs;
}

TEST_F(Soak, NoRequestLostNoNodeStrandedNoJobKilled) {
    const long duration = env_or("SOAK_SECONDS", 150);
    const auto seed = static_cast<std::uint32_t>(env_or("SOAK_SEED", std::random_device{}()));
    std::mt19937 random(seed);
    auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
    fmt::print("soak: seed {} (SOAK_SEED={} replays it), {} s, {} nodes\n", seed, seed, duration, kNodes);
    RecordProperty("seed", std::to_string(seed));

    Figures figures;
    std::vector<std::string> jobs;
    std::map<int, Clock::time_point> faulted;  // node index -> when to clear its fault
    std::map<int, int> password_changed;       // node index -> its BMC's failed logins when it was
    // The fault is over: count what the BMC refused meanwhile, and let
    // slumber call it again, as the admin who fixed the account would.
    auto clear = [&](int index) {
        EXPECT_TRUE(fault(index, {"clear"}));
        const auto changed = password_changed.find(index);
        if (changed == password_changed.end()) return;
        const int refused = failed_logins(index) - changed->second;
        password_changed.erase(changed);
        figures.failed_logins += refused;
        figures.most_failed_logins = std::max(figures.most_failed_logins, refused);
        EXPECT_LE(refused, kMaxFailedLogins)
            << cluster->node(index) << "'s BMC refused " << refused << " logins while its password was changed";
        auto unblocked =
            cluster->run({slumber_program(), "unblock", cluster->node(index), "-c", cluster->dir() + "/slumber.toml"});
        EXPECT_TRUE(unblocked) << unblocked.error();
    };
    std::map<std::string, std::int64_t> down_since;
    std::vector<DownStretch> stretches;
    auto observe = [&] {
        const std::int64_t now = now_ms();
        for (const auto& [node, state] : states()) {
            const bool down = state.starts_with("down~");
            if (down) {
                down_since.try_emplace(node, now);
            } else if (const auto it = down_since.find(node); it != down_since.end()) {
                stretches.push_back({node, it->second, now});
                down_since.erase(it);
            }
        }
    };

    auto random_fault = [&](int index) -> std::vector<std::string> {
        switch (pick(0, 4)) {
            case 0:  // slower than ResumeTimeout half the time
                return {"slow-boot", fmt::format("{}s", pick(kResumeTimeout / 2, kResumeTimeout * 2))};
            case 1:
                return {"never-registers"};
            case 2:  // booted by someone else while powered down
                if (states()[cluster->node(index)] != "idle~") return {};
                return {"reboot"};
            case 3:
                return {"bmc-silent"};
            default:
                return {"bmc-password"};
        }
    };
    // Busy and quiet spells take turns, so that nodes go to sleep between
    // bursts of jobs and are woken again: the power changes the faults hit.
    bool busy = true;
    auto spell_end = Clock::now();
    const auto end = Clock::now() + seconds{duration};
    while (Clock::now() < end) {
        observe();
        if (Clock::now() >= spell_end) {
            busy = !busy;
            spell_end = Clock::now() + seconds{pick(15, 40)};
        }
        for (auto it = faulted.begin(); it != faulted.end();) {
            if (Clock::now() < it->second) {
                ++it;
                continue;
            }
            clear(it->first);
            it = faulted.erase(it);
        }
        if (pick(1, 20) <= (busy ? 14 : 1)) {
            auto job = cluster->run({"sbatch", "--parsable", "--nodes", std::to_string(pick(1, 3)), "--output",
                                     "/dev/null", "--wrap", fmt::format("sleep {}", pick(1, 10))});
            ASSERT_TRUE(job) << job.error();
            jobs.push_back(job->substr(0, job->find_first_of(";\n")));
        }
        if (const int index = pick(0, kNodes - 1); pick(1, 10) <= 2 && faulted.size() < 2 && !faulted.contains(index)) {
            const std::vector<std::string> what = random_fault(index);
            if (!what.empty()) {
                if (what[0] == "bmc-password") password_changed[index] = failed_logins(index);
                ASSERT_TRUE(fault(index, what)) << what[0];
                ++figures.faults[what[0]];
                faulted[index] = Clock::now() + seconds{pick(10, 40)};
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{pick(1000, 4000)});
    }
    for (const auto& [index, when] : faulted) clear(index);
    figures.jobs = static_cast<int>(jobs.size());

    // Quiet: every job finished, every node asleep or drained by slumber.
    const std::string jobcomp = cluster->dir() + "/log/jobcomp.log";
    auto settled = [&] {
        observe();
        const auto outcomes = job_outcomes(jobcomp);
        for (const std::string& job : jobs) {
            const auto it = outcomes.find(job);
            if (it == outcomes.end() || it->second.first != "COMPLETED") return false;
        }
        for (const auto& [node, state] : states()) {
            if (state != "idle~" && state != "drain~" && state != "drain") return false;
        }
        return true;
    };
    const bool quiet = cluster->wait_for(settled, seconds{300});
    EXPECT_TRUE(quiet) << "not settled 300 s after the chaos: " << cluster->states();
    for (const auto& [node, since] : down_since) stretches.push_back({node, since, now_ms()});

    const std::string state_dir = cluster->dir() + "/slumber-state";
    auto journal = store::Journal::open(state_dir + "/journal.db");
    ASSERT_TRUE(journal) << journal.error();
    auto requests = journal->requests({}, 0);
    ASSERT_TRUE(requests) << requests.error();
    auto events = journal->events({}, 0);
    ASSERT_TRUE(events) << events.error();

    // No request lost: Slurm's calls and the journal's requests, node by node.
    const std::string slurmctld_log = cluster->dir() + "/log/slurmctld.log";
    const auto woken = hook_calls(slurmctld_log, "waking");
    const auto suspended = hook_calls(slurmctld_log, "suspending");
    std::map<std::string, int> resumes;
    std::map<std::string, int> suspends;
    std::map<std::string, int> by_state;
    for (const store::Request& request : *requests) {
        if (request.source == store::RequestSource::slurm_resume) ++resumes[request.node];
        if (request.source == store::RequestSource::slurm_suspend) ++suspends[request.node];
        ++by_state[std::string(store::to_string(request.state))];
        EXPECT_NE(request.state, store::RequestState::pending) << request.node << " request " << request.id;
        EXPECT_NE(request.state, store::RequestState::running) << request.node << " request " << request.id;
    }
    EXPECT_EQ(resumes, woken) << "every ResumeProgram call, node by node, is a request in the journal";
    EXPECT_EQ(suspends, suspended) << "every SuspendProgram call, node by node, is a request in the journal";

    // No node down~ for long without slumber acting on it.
    std::map<std::string, int> kinds;
    for (const store::Event& event : *events) ++kinds[std::string(store::to_string(event.kind))];
    for (const DownStretch& stretch : stretches) {
        figures.longest_down_ms = std::max(figures.longest_down_ms, stretch.to - stretch.from);
        if (stretch.to - stretch.from < std::chrono::milliseconds{kMaxQuietDown}.count()) continue;
        const bool acted = std::any_of(events->begin(), events->end(), [&](const store::Event& event) {
            return event.node == stretch.node &&
                   (event.kind == store::EventKind::recovery || event.kind == store::EventKind::diagnosis) &&
                   event.time >= stretch.from && event.time <= stretch.to;
        });
        EXPECT_TRUE(acted) << stretch.node << " was down~ for " << (stretch.to - stretch.from) / 1000
                           << " s with no recovery step or diagnosis";
    }
    for (int i = 0; i < kNodes; ++i) {
        const std::string state = cluster->state(i);
        if (state.starts_with("drain")) {
            EXPECT_TRUE(cluster->field(i, "Reason").starts_with("slumber: "))
                << cluster->node(i) << " drained by someone else: " << cluster->field(i, "Reason");
        }
    }

    // No job killed by a power change: the nodes' consoles say when one was.
    for (int i = 0; i < kNodes; ++i) {
        std::ifstream console(cluster->dir() + "/log/" + cluster->node(i) + ".console");
        std::string line;
        while (std::getline(console, line)) {
            EXPECT_EQ(line.find("a job was killed"), std::string::npos) << line;
        }
    }
    const auto outcomes = job_outcomes(jobcomp);
    int requeued = 0;
    int completed = 0;
    for (const auto& [job, outcome] : outcomes) {
        requeued += outcome.second > 1 ? 1 : 0;
        completed += outcome.first == "COMPLETED" ? 1 : 0;
    }

    auto counts = [](const std::map<std::string, int>& counted) {
        std::string text;
        for (const auto& [name, count] : counted) text += fmt::format("{}{} {}", text.empty() ? "" : ", ", name, count);
        return text;
    };
    const std::string faults = counts(figures.faults);
    const std::string requests_text = counts(by_state);
    fmt::print(
        "soak figures: seed {}; {} s of chaos on {} nodes; {} jobs, {} completed, {} requeued by Slurm; faults: {}; "
        "requests: {}; events: power-ons {}, power-offs {}, registrations {}, recovery steps {}, diagnoses {}, "
        "refusals {}, blocks {}; longest down~ {} s; failed logins at the BMCs while their password was changed: "
        "{} in {} change(s), at most {} in one\n",
        seed, duration, kNodes, figures.jobs, completed, requeued, faults, requests_text, kinds["power-on"],
        kinds["power-off"], kinds["registered"], kinds["recovery"], kinds["diagnosis"], kinds["refused"],
        kinds["blocked"], figures.longest_down_ms / 1000, figures.failed_logins, figures.faults["bmc-password"],
        figures.most_failed_logins);
}

}  // namespace
}  // namespace slumber::testing
