// Slurm's own high availability on the virtual cluster (`up --controllers 2`):
// a primary slurmctld vctl1 and a backup vctl2, each with slumber's daemon
// beside it. When the primary's host dies the backup takes control within
// SlurmctldTimeout, and its daemon takes over what the primary's left under
// way (docs/ha.md); when the primary comes back it takes control again.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_cluster.hpp"
#include "vcluster/controllers.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// SlurmctldTimeout of the suite's cluster, and the margin a loaded test
// machine gets beyond it: the backup pings the primary only every few
// seconds, and Slurm's commands retry for a while before they give up.
// Long enough for a restart of the primary's slurmctld that its daemons
// see (they ping every 5 s) to stay shorter.
constexpr seconds kSlurmctldTimeout{30};
constexpr seconds kTakeoverMargin{50};
// A job needs a scheduling pass: after a controller starts, Slurm 22.05's
// backfill (bf_interval, 30 s) started the first ones.
constexpr seconds kJobLimit{120};

class VclusterControllers : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (::geteuid() != 0) return;
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"controllers",
                           64,
                           31500,
                           {"--controllers", "2", "--slurmctld-timeout", fmt::format("{}s", kSlurmctldTimeout.count()),
                            "--suspend-time", "1h", "--resume-timeout", "180s", "--hooks", "slumber", "--daemon"},
                           /*nodes=*/2});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    // What `scontrol ping` says of each controller.
    static std::map<std::string, std::string> ping() {
        auto out = vcluster::run_command({"scontrol", "ping"}, {}, seconds{60});
        return vcluster::parse_ping(out.out);
    }
    static bool ping_says(std::string_view vctl1, std::string_view vctl2) {
        const auto words = ping();
        return words.size() == 2 && words.at("vctl1") == vctl1 && words.at("vctl2") == vctl2;
    }
    static std::string ping_text() {
        std::string text;
        for (const auto& [name, word] : ping()) text += fmt::format("{}={} ", name, word);
        return text;
    }

    static std::optional<vcluster::Process> recorded(std::string_view name) {
        return vcluster::read_record(fmt::format("{}/pids/{}", cluster->dir(), name));
    }

    // A two-node job, run to its end; its final state.
    static std::string run_job() {
        auto job =
            cluster->run({"sbatch", "--parsable", "--nodes", "2", "--output", "/dev/null", "--wrap", "srun /bin/true"});
        if (!job) return "sbatch failed: " + job.error();
        const std::string id = job->substr(0, job->find_first_of(";\n"));
        cluster->wait_for([&] { return cluster->job_state(id) == "COMPLETED"; }, kJobLimit);
        return cluster->job_state(id);
    }

    // How often a controller's own slurmctld log (on its host's disk) says `text`.
    static int log_count(std::string_view controller, std::string_view text) {
        std::ifstream in(fmt::format("{}/controllers/{}/slurmctld.log", cluster->dir(), controller));
        int count = 0;
        for (std::string line; std::getline(in, line);) count += line.find(text) != std::string::npos ? 1 : 0;
        return count;
    }

    // The BMCs' log of chassis requests (not status reads), one line each:
    // "2026-12-01T20:05:10 vnode001 set power 1".
    static std::vector<std::string> bmc_requests() {
        std::ifstream in(cluster->dir() + "/log/bmc-requests.log");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }
    // The power requests at the BMCs after the first `before.size()` lines:
    // each node, and whether it was switched on ("set power 1") or off.
    static std::vector<std::pair<std::string, bool>> power_requests(const std::vector<std::string>& before) {
        std::vector<std::pair<std::string, bool>> requests;
        const auto now = bmc_requests();
        for (std::size_t i = before.size(); i < now.size(); ++i) {
            std::istringstream words(now[i]);
            std::string time;
            std::string node;
            std::string rest;
            words >> time >> node;
            std::getline(words, rest);
            if (rest == " set power 1" || rest == " set power 0") requests.emplace_back(node, rest == " set power 1");
        }
        return requests;
    }
    static std::map<std::string, int> power_ons_by_node(const std::vector<std::string>& before) {
        std::map<std::string, int> ons;
        for (const auto& [node, on] : power_requests(before)) {
            if (on) ++ons[node];
        }
        return ons;
    }
    // Real switches: a power-on of a node that was off, a power-off of one
    // that was on (every node off at `before`). A power-on of a node already
    // on changes nothing.
    static std::map<std::string, int> switches_by_node(const std::vector<std::string>& before) {
        std::map<std::string, int> switches;
        std::map<std::string, bool> powered;
        for (const auto& [node, on] : power_requests(before)) {
            if (powered[node] == on) continue;
            powered[node] = on;
            ++switches[node];
        }
        return switches;
    }
    static int power_ons_since(const std::vector<std::string>& before) {
        int total = 0;
        for (const auto& [node, n] : power_ons_by_node(before)) total += n;
        return total;
    }

    static std::unique_ptr<TestCluster> cluster;
};

std::unique_ptr<TestCluster> VclusterControllers::cluster;

// slurmctld logs this as it becomes the backup standing by (22.05: at its
// start, and again after it gave control back), and that as it takes control.
constexpr std::string_view kStandingBy = "running in background mode";
constexpr std::string_view kInControl = "Running as primary controller";

TEST_F(VclusterControllers, BothControllersAnswerAndTheirDaemonsKnowWhoActs) {
    EXPECT_TRUE(ping_says("UP", "UP")) << ping_text();
    EXPECT_EQ(run_job(), "COMPLETED") << cluster->states();
    auto status = cluster->rig({"status", "--dir", cluster->dir()});
    ASSERT_TRUE(status) << status.error();
    EXPECT_NE(status->find("vctl1        127.0.0.1  running    running    UP"), std::string::npos) << *status;
    EXPECT_NE(status->find("vctl2        127.0.0.2  running    running    UP"), std::string::npos) << *status;
}

// Slurm runs the hooks from the controller in control, and they use its
// daemon's configuration: the journal of vctl1's daemon records a suspend
// vctl1's slurmctld asked for, vctl2's journal does not.
TEST_F(VclusterControllers, HooksUseTheConfigurationOfTheControllerThatRunsThem) {
    ASSERT_TRUE(cluster->wait_for([&] { return ping_says("UP", "UP"); }, seconds{60})) << ping_text();
    auto down = cluster->run({"scontrol", "update", "nodename=" + cluster->node(1), "state=power_down"});
    ASSERT_TRUE(down) << down.error();
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->bmc_says(1, "off"); }, seconds{60})) << cluster->states();
    auto journal = [&](std::string_view controller) {
        auto out = cluster->slumber(
            {"journal", cluster->node(1), "-c", fmt::format("{}/slumber-{}.toml", cluster->dir(), controller)});
        return out ? *out : "error: " + out.error();
    };
    EXPECT_NE(journal("vctl1").find("power-off"), std::string::npos) << journal("vctl1");
    EXPECT_EQ(journal("vctl2").find("power-off"), std::string::npos) << journal("vctl2");
    std::ifstream hooks(cluster->dir() + "/log/hooks.log");
    const std::string log{std::istreambuf_iterator<char>(hooks), std::istreambuf_iterator<char>()};
    EXPECT_NE(log.find(fmt::format("suspend {} on vctl1", cluster->node(1))), std::string::npos) << log;
    // A hook run by hand beside the daemon standing by is handed over, not
    // carried out, and says so (a tester's exited 0 in silence).
    auto by_hand = cluster->run({"sh", "-c",
                                 fmt::format("{} resume {} -c {}/slumber-vctl2.toml 2>&1", slumber_program(),
                                             cluster->node(2), cluster->dir())});
    ASSERT_TRUE(by_hand) << by_hand.error();
    EXPECT_NE(by_hand->find("this controller's daemon stands by (the slurmctld on vctl1 (primary) is in control"),
              std::string::npos)
        << *by_hand;
    EXPECT_NE(by_hand->find(fmt::format("it hands {} over without switching it", cluster->node(2))), std::string::npos)
        << *by_hand;
}

// What a controller's daemon journaled (`slumber journal --json`), as
// (node, kind, detail) triples.
struct Entry {
    std::string node;
    std::string kind;
    std::string detail;
};
std::vector<Entry> journal_of(TestCluster& cluster, std::string_view controller) {
    auto out = cluster.slumber(
        {"journal", "--json", "--since", "1h", "-c", fmt::format("{}/slumber-{}.toml", cluster.dir(), controller)});
    std::vector<Entry> entries;
    if (!out) return entries;
    const auto parsed = nlohmann::json::parse(*out, nullptr, false);
    if (!parsed.is_array()) return entries;
    for (const auto& event : parsed) {
        entries.push_back({event.value("node", ""), event.value("kind", ""), event.value("detail", "")});
    }
    return entries;
}
int count(const std::vector<Entry>& entries, std::string_view node, std::string_view kind, std::string_view text = {}) {
    return static_cast<int>(std::ranges::count_if(entries, [&](const Entry& entry) {
        return entry.node == node && entry.kind == kind && entry.detail.find(text) != std::string::npos;
    }));
}
std::string dump(const std::vector<Entry>& entries) {
    std::string out;
    for (const Entry& entry : entries) out += fmt::format("\n  {} {}: {}", entry.node, entry.kind, entry.detail);
    return out;
}

// A restart of the primary's slurmctld shorter than SlurmctldTimeout (an
// upgrade, `systemctl restart slurmctld`) is no failover, for Slurm (its
// backup waits that long) nor for the daemons: the primary's daemon goes on
// acting, the backup's stands by, and what Slurm asks right after is
// carried out. A tester's daemons decided from one unanswered `scontrol
// ping`: the primary's refused Slurm's requests ("not carried out here")
// while the backup's took over.
TEST_F(VclusterControllers, ARestartOfThePrimarysSlurmctldChangesNoRole) {
    ASSERT_TRUE(cluster->wait_for([&] { return ping_says("UP", "UP"); }, seconds{90})) << ping_text();
    const auto primary_before = journal_of(*cluster, "vctl1");
    const auto backup_before = journal_of(*cluster, "vctl2");
    const int in_control = log_count("vctl2", kInControl);
    const auto slurmctld = recorded("slurmctld.vctl1");
    ASSERT_TRUE(slurmctld);
    // As systemd stops it: SIGTERM, and slurmctld saves its state.
    ASSERT_EQ(::kill(slurmctld->pid, SIGTERM), 0);
    ASSERT_TRUE(cluster->wait_for([&] { return !vcluster::alive(*slurmctld); }, seconds{30}));
    EXPECT_TRUE(ping_says("DOWN", "UP")) << ping_text();
    // Two of each daemon's pings (every 5 s) find the primary silent.
    std::this_thread::sleep_for(seconds{11});
    ASSERT_TRUE(cluster->rig({"controller", "--dir", cluster->dir(), "start", "1"}));
    ASSERT_TRUE(cluster->wait_for([&] { return ping_says("UP", "UP"); }, seconds{30})) << ping_text();
    EXPECT_EQ(log_count("vctl2", kInControl), in_control) << "Slurm did not fail over";

    auto job =
        cluster->run({"sbatch", "--parsable", "--nodes", "2", "--output", "/dev/null", "--wrap", "srun /bin/true"});
    ASSERT_TRUE(job) << job.error();
    const std::string id = job->substr(0, job->find_first_of(";\n"));
    // Started: its sleeping node was powered on and registered. (Slurm
    // 24.11.5 kept such a job COMPLETING past these two minutes after the restart, its
    // node "comp", with every node powered and registered.)
    const bool started = cluster->wait_for(
        [&] {
            const std::string state = cluster->job_state(id);
            return state == "RUNNING" || state == "COMPLETING" || state == "COMPLETED";
        },
        kJobLimit);
    // The next test needs the nodes out of the job: 24.11.5 may keep it
    // COMPLETING for minutes.
    if (!started || !cluster->wait_for([&] { return cluster->job_state(id) == "COMPLETED"; }, seconds{300})) {
        (void)cluster->run({"scancel", id});
    }
    EXPECT_TRUE(started) << cluster->job_state(id) << " " << cluster->states() << dump(journal_of(*cluster, "vctl1"));
    const auto primary = journal_of(*cluster, "vctl1");
    const auto backup = journal_of(*cluster, "vctl2");
    for (const char* kind : {"controller-role", "took-control"}) {
        EXPECT_EQ(count(primary, "", kind), count(primary_before, "", kind)) << dump(primary);
        EXPECT_EQ(count(backup, "", kind), count(backup_before, "", kind)) << dump(backup);
    }
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(count(primary, cluster->node(i), "refused", "not carried out here"),
                  count(primary_before, cluster->node(i), "refused", "not carried out here"))
            << dump(primary);
    }
}

// docs/ha.md: the primary's host dies while nodes resume. vctl1's daemon has
// powered one on (it paces one boot at a time) and not the other; the
// backup's daemon, standing by until then, takes over from Slurm's state and
// the BMCs: the node already on is left to register, the other is powered
// on, and no node is switched by both daemons.
TEST_F(VclusterControllers, ResumesUnderWayWhenThePrimaryDiesAreFinishedByTheBackupsDaemon) {
    ASSERT_TRUE(cluster->wait_for([&] { return ping_says("UP", "UP"); }, seconds{90})) << ping_text();
    EXPECT_TRUE(cluster->wait_for(
        [&] { return count(journal_of(*cluster, "vctl2"), "", "controller-role", "standing by") >= 1; }, seconds{30}))
        << dump(journal_of(*cluster, "vctl2"));
    // Both asleep, through Slurm (which refuses while a job still completes on one).
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            return cluster
                ->run(
                    {"scontrol", "update", "nodename=" + cluster->node(0) + "," + cluster->node(1), "state=power_down"})
                .has_value();
        },
        seconds{120}))
        << cluster->states();
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            return cluster->bmc_says(0, "off") && cluster->bmc_says(1, "off") &&
                   cluster->field(0, "State").find("POWERED_DOWN") != std::string::npos &&
                   cluster->field(1, "State").find("POWERED_DOWN") != std::string::npos &&
                   cluster->field(0, "State").find("POWERING_DOWN") == std::string::npos &&
                   cluster->field(1, "State").find("POWERING_DOWN") == std::string::npos;
        },
        seconds{90}))
        << cluster->states();
    // vctl1's daemon boots one node at a time; boots take 35 s.
    const std::string conf = fmt::format("{}/slumber-vctl1.toml", cluster->dir());
    {
        std::ifstream in(conf);
        std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        const std::size_t daemon = text.find("[daemon]\n");
        ASSERT_NE(daemon, std::string::npos) << text;
        text.insert(daemon + 9, "max_booting = 1\n");
        std::ofstream(conf) << text;
    }
    ASSERT_EQ(::kill(recorded("slumberd.vctl1")->pid, SIGHUP), 0);
    ASSERT_TRUE(cluster->rig(
        {"fault", "--dir", cluster->dir(), cluster->node(0) + "," + cluster->node(1), "slow-boot", "35s"}));
    const auto requests_before = bmc_requests();

    auto job =
        cluster->run({"sbatch", "--parsable", "--nodes", "2", "--output", "/dev/null", "--wrap", "srun /bin/true"});
    ASSERT_TRUE(job) << job.error();
    const std::string id = job->substr(0, job->find_first_of(";\n"));
    // One power-on reaches a BMC; the other waits for the first boot.
    ASSERT_TRUE(cluster->wait_for([&] { return power_ons_since(requests_before) == 1; }, seconds{60}))
        << cluster->states() << dump(journal_of(*cluster, "vctl1"));
    const auto first = power_ons_by_node(requests_before);
    ASSERT_EQ(first.size(), 1U);
    const std::string powered = first.begin()->first;
    const std::string waiting = powered == cluster->node(0) ? cluster->node(1) : cluster->node(0);
    EXPECT_EQ(count(journal_of(*cluster, "vctl1"), waiting, "paced"), 1) << dump(journal_of(*cluster, "vctl1"));

    const int takeovers = count(journal_of(*cluster, "vctl2"), "", "took-control", "took over");
    const int in_control = log_count("vctl2", kInControl);
    // The primary's host dies: its slurmctld and its daemon at once.
    const auto slurmctld = recorded("slurmctld.vctl1");
    const auto daemon = recorded("slumberd.vctl1");
    ASSERT_TRUE(slurmctld && daemon);
    ASSERT_TRUE(cluster->rig({"controller", "--dir", cluster->dir(), "kill", "1"}));
    EXPECT_FALSE(vcluster::alive(*slurmctld));
    EXPECT_FALSE(vcluster::alive(*daemon));
    EXPECT_TRUE(vcluster::alive(*recorded("slumberd.vctl2"))) << "the backup's daemon lives on";

    // The backup takes control, its daemon takes over, the job runs.
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(id) == "COMPLETED"; }, seconds{300}))
        << cluster->job_state(id) << " " << cluster->states() << dump(journal_of(*cluster, "vctl2"));
    EXPECT_TRUE(cluster->wait_for([&] { return ping_says("DOWN", "UP"); }, kSlurmctldTimeout + kTakeoverMargin))
        << ping_text();
    EXPECT_GT(log_count("vctl2", kInControl), in_control) << "vctl2's slurmctld took control";
    const auto backup = journal_of(*cluster, "vctl2");
    EXPECT_EQ(count(backup, "", "took-control", "took over"), takeovers + 1) << dump(backup);
    // Nothing switched twice: each node was switched on once, the waiting
    // one by the backup's daemon; neither was switched off or cycled. (Slurm's
    // saved state may have lost the resume: the backup's slurmctld then
    // resumes both again, and the node already on gets a power-on that
    // changes nothing.)
    const auto switches = switches_by_node(requests_before);
    EXPECT_EQ(switches, (std::map<std::string, int>{{cluster->node(0), 1}, {cluster->node(1), 1}}))
        << dump(journal_of(*cluster, "vctl1")) << dump(backup);
    for (const std::string& node : {powered, waiting}) {
        EXPECT_EQ(count(backup, node, "power-off") + count(backup, node, "power-cycle"), 0) << dump(backup);
    }
    EXPECT_GE(count(backup, waiting, "power-on"), 1) << dump(backup);
    // Either the backup's daemon found the first node still booting and
    // adopted its boot, or it had registered by then.
    std::cout << "adopted: " << count(backup, powered, "recovery", "adopt-boot") << "\n";
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(cluster->field(i, "State").find("DRAIN"), std::string::npos) << cluster->states();
        EXPECT_EQ(cluster->field(i, "State").find("DOWN"), std::string::npos) << cluster->states();
    }

    // vctl1 comes back: its daemon hands over what it was asked before it
    // died, and carries out nothing of it; the primary's daemon acts again.
    const int stood_by = count(journal_of(*cluster, "vctl2"), "", "controller-role", "standing by: the slurmctld");
    const int standing_by = log_count("vctl2", kStandingBy);
    ASSERT_TRUE(cluster->rig({"controller", "--dir", cluster->dir(), "start", "1"}));
    EXPECT_TRUE(vcluster::alive(*recorded("slurmctld.vctl1")));
    EXPECT_TRUE(vcluster::alive(*recorded("slumberd.vctl1")));
    EXPECT_TRUE(cluster->wait_for([&] { return log_count("vctl2", kStandingBy) > standing_by; }, seconds{60}))
        << "vctl2 never gave control back";
    EXPECT_TRUE(ping_says("UP", "UP")) << ping_text();
    EXPECT_TRUE(cluster->wait_for(
        [&] {
            return count(journal_of(*cluster, "vctl2"), "", "controller-role", "standing by: the slurmctld") > stood_by;
        },
        seconds{90}))
        << dump(journal_of(*cluster, "vctl2"));
    const auto primary = journal_of(*cluster, "vctl1");
    EXPECT_GE(count(primary, waiting, "refused", "asked before this daemon started"), 1) << dump(primary);
    EXPECT_EQ(switches_by_node(requests_before),
              (std::map<std::string, int>{{cluster->node(0), 1}, {cluster->node(1), 1}}));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), cluster->node(0) + "," + cluster->node(1), "clear"}));
}

// Last: down stops both controllers' processes, and everything else.
TEST_F(VclusterControllers, DownLeavesNoProcess) {
    std::vector<vcluster::Process> running;
    for (const auto& entry : fs::directory_iterator(cluster->dir() + "/pids")) {
        if (entry.path().extension() == ".slurm-pid") continue;
        if (auto process = vcluster::read_record(entry.path())) running.push_back(*process);
    }
    ASSERT_GE(running.size(), 4U) << "two slurmctld and two daemons at least";
    auto down = cluster->rig({"down", "--dir", cluster->dir()});
    ASSERT_TRUE(down) << down.error();
    for (const auto& process : running) EXPECT_FALSE(vcluster::alive(process)) << "pid " << process.pid;
    // Nothing names the run directory on its command line any more.
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::ifstream in(entry.path() / "cmdline");
        std::string command{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        EXPECT_EQ(command.find(cluster->dir() + "/"), std::string::npos) << entry.path().filename() << ": " << command;
    }
    EXPECT_FALSE(cluster->slurmd_running(0));
    EXPECT_FALSE(cluster->slurmd_running(1));
}

}  // namespace
}  // namespace slumber::testing
