// Crossed BMC addresses caught by the daemon from behaviour, on the virtual
// cluster with real Slurm and ipmi_sim BMCs: the rig's `crossed` fault makes
// each of two BMCs drive the other's machine. The seed's case: a job runs on
// vnode001, Slurm suspends idle vnode002, and slumber's power-off through
// vnode002's address kills vnode001 and its job. slumber must see it, stop
// (no second power-off, vnode002's next suspend not carried out), drain both
// naming the pair, and say so in status and doctor. Slurm suspends vnode003
// with vnode002 (one job ends on both), as a tester's cluster suspended idle
// nodes in one SuspendProgram call, which hid the pair before. Once the
// addresses are put right and the pair unblocked, vnode002, which Slurm
// still counts as asleep while its machine runs, is switched off after
// late_off_grace (10 s here), not at the 10-minute recheck.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_cluster.hpp"
#include "util/command.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

const std::string kReason =
    "slumber: BMC addresses of vnode001 and vnode002 look crossed; check, then slumber unblock vnode001,vnode002";

class Crossed : public ::testing::Test {
  protected:
    // SlurmdTimeout 6 s: Slurm pings every 2 s, so a dead node is
    // NOT_RESPONDING within a few seconds.
    static void start_cluster(const std::string& name, int bmc_subnet, int port, const std::string& resume_timeout,
                              int nodes) {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{name,
                           bmc_subnet,
                           port,
                           {"--hooks", "slumber", "--daemon", "--suspend-time", "10s", "--suspend-timeout", "5s",
                            "--resume-timeout", resume_timeout, "--slurmd-timeout", "6s"},
                           nodes});
    }
    static void SetUpTestSuite() { start_cluster("crossed", 62, 31200, "20s", 3); }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }
    [[nodiscard]] static nlohmann::json journal() {
        auto out = cluster->run(
            {slumber_program(), "journal", "--json", "--since", "1h", "-c", cluster->dir() + "/slumber.toml"});
        auto parsed = out ? nlohmann::json::parse(*out, nullptr, false) : nlohmann::json::array();
        return parsed.is_discarded() ? nlohmann::json::array() : parsed;
    }
    // Events of `kind` on `node` whose detail has `text` and, when given, whose outcome is `outcome`.
    [[nodiscard]] static int count(const std::string& node, const std::string& kind, const std::string& text = {},
                                   const std::string& outcome = {}) {
        int n = 0;
        for (const auto& event : journal()) {
            const bool matches = event["node"] == node && event["kind"] == kind &&
                                 event["detail"].get<std::string>().find(text) != std::string::npos &&
                                 (outcome.empty() || event.value("outcome", "") == outcome);
            n += matches ? 1 : 0;
        }
        return n;
    }
    [[nodiscard]] static std::string dump() {
        std::string out;
        for (const auto& event : journal()) {
            out += fmt::format("\n  {} {}: {}", event["node"].get<std::string>(), event["kind"].get<std::string>(),
                               event["detail"].get<std::string>());
        }
        return out;
    }
    [[nodiscard]] static std::string console(int index) {
        std::ifstream in(cluster->dir() + "/log/" + cluster->node(index) + ".console");
        return {std::istreambuf_iterator<char>(in), {}};
    }
    static std::string submit_on(int index, const std::string& command) {
        return submit_on(std::vector<int>{index}, command);
    }
    // One job on all of `indexes`: they fall idle, and Slurm suspends them, together.
    static std::string submit_on(const std::vector<int>& indexes, const std::string& command) {
        std::string nodes;
        for (const int index : indexes) nodes += (nodes.empty() ? "" : ",") + cluster->node(index);
        auto job = cluster->run({"sbatch", "--parsable", "--nodes", std::to_string(indexes.size()), "--nodelist", nodes,
                                 "--output", "/dev/null", "--wrap", command});
        return job ? job->substr(0, job->find_first_of(";\n")) : "";
    }
    // Each of `indexes` drained with a reason that begins with `reason`.
    static void expect_drained(const std::vector<int>& indexes, const std::string& reason) {
        for (const int i : indexes) {
            EXPECT_TRUE(cluster->wait_for([&] { return cluster->field(i, "Reason").starts_with(reason); }, seconds{10}))
                << cluster->node(i) << ": " << cluster->field(i, "State") << " " << cluster->field(i, "Reason");
        }
    }
    // `job` runs, and node `asleep` is powered down (idle~).
    static void wait_running_beside_asleep(const std::string& job, int asleep) {
        ASSERT_FALSE(job.empty());
        ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "RUNNING"; }, seconds{60}))
            << cluster->states();
        ASSERT_TRUE(cluster->wait_for([&] { return cluster->state(asleep) == "idle~"; }, seconds{90}))
            << cluster->states();
    }
    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(Crossed, SuspendingANodeThatKillsAnotherUnderItsJobIsCaughtAndBothAreLeftAlone) {
    const auto started = std::chrono::steady_clock::now();
    // All busy first, so that Slurm suspends none before the fault is in
    // place: the short job on vnode002 and vnode003 ends, and SuspendTime
    // later Slurm suspends both.
    const std::string long_job = submit_on(0, "sleep 600");
    const std::string short_job = submit_on({1, 2}, "sleep 8");
    ASSERT_FALSE(long_job.empty());
    ASSERT_FALSE(short_job.empty());
    // Slurm may have suspended some of them already, if the cluster took
    // longer than SuspendTime to become ready (24.11 under ASan): then their
    // jobs wait for a boot, within ResumeTimeout (20 s).
    ASSERT_TRUE(cluster->wait_for(
        [&] { return cluster->job_state(long_job) == "RUNNING" && cluster->job_state(short_job) == "RUNNING"; },
        seconds{60}))
        << cluster->states();
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[001-002]", "crossed"}));

    // Slurm suspends vnode002 and vnode003; vnode002's power-off reaches
    // vnode001's machine, vnode003's its own.
    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode002", "power-off", "", "ok") == 1 && count("vnode003", "power-off", "", "ok") == 1; },
        seconds{60}))
        << cluster->states() << dump();
    EXPECT_TRUE(cluster->wait_for([] { return console(0).find("a job was killed") != std::string::npos; }, seconds{10}))
        << console(0);
    EXPECT_TRUE(cluster->slurmd_running(1)) << "vnode002's machine runs on";

    // Seen, journaled on both, both drained naming the pair.
    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode001", "crossed-suspected") == 1 && count("vnode002", "crossed-suspected") == 1; },
        seconds{30}))
        << cluster->states() << dump();
    const auto detected = std::chrono::steady_clock::now();
    EXPECT_EQ(count("vnode002", "crossed-suspected", "vnode002's slurmd still answers"), 1) << dump();
    EXPECT_EQ(count("vnode003", "crossed-suspected"), 0) << "off as asked: not of the pair" << dump();
    EXPECT_FALSE(cluster->slurmd_running(2)) << "vnode003's machine is off, as asked";
    for (int i = 0; i < 2; ++i) {
        EXPECT_TRUE(cluster->wait_for([i] { return cluster->field(i, "Reason").starts_with(kReason); }, seconds{10}))
            << cluster->node(i) << ": " << cluster->field(i, "State") << " " << cluster->field(i, "Reason");
        EXPECT_NE(cluster->field(i, "State").find("DRAIN"), std::string::npos) << cluster->field(i, "State");
    }
    // Slurm counts vnode002 as powered down (or powering down) while its
    // machine runs: left so, drained, and journaled once. Telling Slurm it
    // is up took a RESUME and a reconfigure, after which 22.05.8 cleared an
    // admin's drain reason on another node (a tester).
    EXPECT_EQ(count("vnode002", "slurm-view", "left counting it as powered down"), 1) << dump();

    // Nothing more to either: vnode002's next suspend (and a resume of it)
    // is not carried out, and nothing switches vnode001's address.
    ASSERT_TRUE(cluster->run({"scontrol", "update", "NodeName=vnode002", "State=POWER_DOWN"}));
    EXPECT_TRUE(cluster->wait_for([] { return count("vnode002", "refused", "look crossed") >= 1; }, seconds{30}))
        << cluster->states() << dump();
    // vnode002 stays drained from now on: Slurm (22.05) suspends a drained
    // idle node after every SuspendTime (10 s here), and telling it the node
    // is up each time lifted the drain (a tester saw drained, idle, idle,
    // drained…, nine reconfigures in two minutes, and a job on the node).
    const auto reconfigured = [] {
        int n = 0;
        for (const auto& event : journal()) n += event["kind"] == "reconfigure" ? 1 : 0;
        return n;
    };
    const int reconfigures = reconfigured();
    EXPECT_EQ(reconfigures, 0) << dump();
    for (int i = 0; i < 15; ++i) {
        EXPECT_NE(cluster->field(1, "State").find("DRAIN"), std::string::npos)
            << i << ": " << cluster->field(1, "State") << " " << cluster->field(1, "Reason");
        std::this_thread::sleep_for(seconds{2});
    }
    EXPECT_EQ(reconfigured(), reconfigures) << dump();
    EXPECT_EQ(count("vnode002", "power-off", "", "ok"), 1) << dump();
    EXPECT_EQ(count("vnode001", "power-off", "", "ok"), 0) << dump();
    EXPECT_EQ(count("vnode001", "power-on", "", "ok") + count("vnode002", "power-on", "", "ok"), 0) << dump();
    EXPECT_EQ(count("vnode001", "recovery") + count("vnode002", "recovery"), 0) << dump();
    EXPECT_TRUE(cluster->slurmd_running(1)) << "vnode002's machine is still on";
    EXPECT_FALSE(cluster->slurmd_running(0)) << "vnode001's machine is still off";

    // slumber status and doctor say it; a new credentials file lifts nothing.
    auto status = cluster->slumber({"status", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(status) << status.error();
    EXPECT_NE(status->find("CROSSED:"), std::string::npos) << *status;
    EXPECT_NE(status->find("BMC addresses of vnode001 and vnode002 look crossed"), std::string::npos) << *status;
    const auto doctor =
        util::run_command({slumber_program(), "doctor", "--no-contact", "-c", cluster->dir() + "/slumber.toml"});
    EXPECT_NE(doctor.exit_code, 0);
    EXPECT_NE(doctor.out.find("crossed-suspected"), std::string::npos) << doctor.out << doctor.err;

    // The admin puts the addresses right and lifts both.
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
    auto unblocked = cluster->slumber({"unblock", "vnode[001-002]", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(unblocked) << unblocked.error();
    EXPECT_NE(unblocked->find("unblocked; back in service in Slurm"), std::string::npos) << *unblocked;
    // vnode002 runs while Slurm counts it asleep (its suspend was refused):
    // its BMC, now its own, is read at once and the machine switched off
    // after late_off_grace. A tester saw it idle~ with its BMC on for
    // minutes: slumber had switched it off before, through the crossed
    // address, so it was due only at the 10-minute recheck.
    EXPECT_TRUE(cluster->wait_for(
        [] { return count("vnode002", "recovery", "its block was lifted since slumber last switched it") >= 1; },
        seconds{45}))
        << cluster->states() << dump();
    EXPECT_TRUE(cluster->wait_for([] { return !cluster->slurmd_running(1); }, seconds{30}))
        << "vnode002's machine switched off through its own address";
    (void)cluster->run({"scancel", long_job});
    RecordProperty("detection_seconds",
                   static_cast<int>(std::chrono::duration_cast<seconds>(detected - started).count()));
}

// A tester's: Slurm wakes vnode002 for a job while the BMC at its address,
// vnode003's, says on (vnode003 runs a job). slumber power-cycles "vnode002"
// (on at its BMC, not registered), vnode003's machine restarts under its
// job and registers with a new boot time, and vnode002 never registers.
// Before, vnode003 was put back to service and vnode002 failed as its own
// hardware, to be switched off through vnode003's address next. Now both
// are caught, drained naming the pair, and nothing more switches either,
// though the daemon restarts in between.
TEST_F(Crossed, APowerCycleThatRestartsAnotherRunningNodeIsCaught) {
    const std::string pair_reason =
        "slumber: BMC addresses of vnode002 and vnode003 look crossed; check, then slumber unblock vnode002,vnode003";
    const std::string running = submit_on(2, "sleep 600");
    ASSERT_NO_FATAL_FAILURE(wait_running_beside_asleep(running, 1));
    const int offs_before = count("vnode002", "power-off", "", "ok") + count("vnode003", "power-off", "", "ok");
    const int suspected_before = count("vnode002", "crossed-suspected");  // with vnode001, above
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[002-003]", "crossed"}));

    const auto booted = cluster->boot_time(2);
    ASSERT_TRUE(booted) << cluster->field(2, "BootTime");
    const std::string waking = submit_on(1, "sleep 5");
    ASSERT_FALSE(waking.empty());
    ASSERT_TRUE(cluster->wait_for([] { return count("vnode002", "power-on", "power cycle", "ok") == 1; }, seconds{40}))
        << cluster->states() << dump();
    // A tester's: the daemon restarts once vnode003 registered its new boot,
    // before the pair is judged. It must not take that boot for vnode003's
    // own (it resumed vnode003 so, and let Slurm suspend it through the
    // crossed address).
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->booted_since(2, *booted); }, seconds{30})) << cluster->states();
    ASSERT_EQ(count("vnode003", "crossed-suspected"), 0) << "judged before the restart: the test proves nothing";
    if (auto daemon = vcluster::read_record(cluster->dir() + "/pids/slumberd")) {
        vcluster::terminate(*daemon, seconds{10});
    }
    ASSERT_TRUE(cluster->rig({"controller", "--dir", cluster->dir(), "start", "1"}));
    // vnode002 has ResumeTimeout (20 s) to register; it cannot.
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            return count("vnode002", "crossed-suspected") == suspected_before + 1 &&
                   count("vnode003", "crossed-suspected") == 1;
        },
        seconds{60}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode003", "crossed-suspected",
                    "slumber power-cycled vnode002; vnode003, up in Slurm's view "
                    "until then and restarted by neither Slurm nor slumber"),
              1)
        << dump();
    expect_drained({1, 2}, pair_reason);
    // Nothing more through either address: no power-off of vnode002 for its
    // failed boot (it would stop vnode003's machine), vnode003 not resumed.
    std::this_thread::sleep_for(seconds{20});
    EXPECT_EQ(count("vnode002", "power-off", "", "ok") + count("vnode003", "power-off", "", "ok"), offs_before)
        << dump();
    EXPECT_TRUE(cluster->slurmd_running(2)) << "vnode003's machine runs";
    EXPECT_NE(cluster->field(2, "State").find("DRAIN"), std::string::npos) << cluster->field(2, "State");

    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "clear"}));
    (void)cluster->slumber({"unblock", "vnode[002-003]", "-c", cluster->dir() + "/slumber.toml"});
    (void)cluster->run({"scancel", running, waking});
}

// A tester's: as above, but vnode003's machine boots for longer than
// SlurmdTimeout (6 s), so it goes silent before it registers again. Before,
// neither pattern fitted: recovery read vnode003's BMC (vnode002's machine,
// off), put vnode003 back to sleep and resumed it, and switched vnode002's
// failed boot off through vnode003's machine. The silence after the power
// cycle is the evidence now.
class CrossedSlowBoot : public Crossed {
  protected:
    static void SetUpTestSuite() { start_cluster("crossed-slow-boot", 65, 31600, "40s", 3); }
};

TEST_F(CrossedSlowBoot, APowerCycleThatSilencesAnotherRunningNodeIsCaught) {
    const std::string pair_reason =
        "slumber: BMC addresses of vnode002 and vnode003 look crossed; check, then slumber unblock vnode002,vnode003";
    const std::string running = submit_on(2, "sleep 600");
    ASSERT_NO_FATAL_FAILURE(wait_running_beside_asleep(running, 1));
    const int offs_before = count("vnode002", "power-off", "", "ok") + count("vnode003", "power-off", "", "ok");
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode003", "slow-boot", "20s"}));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[002-003]", "crossed"}));

    const std::string waking = submit_on(1, "sleep 5");
    ASSERT_FALSE(waking.empty());
    ASSERT_TRUE(cluster->wait_for([] { return count("vnode002", "power-on", "power cycle", "ok") == 1; }, seconds{40}))
        << cluster->states() << dump();
    ASSERT_TRUE(cluster->wait_for(
        [&] { return count("vnode002", "crossed-suspected") == 1 && count("vnode003", "crossed-suspected") == 1; },
        seconds{60}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode003", "crossed-suspected",
                    "slumber power-cycled vnode002; vnode003, up until then, stopped "
                    "responding"),
              1)
        << dump();
    expect_drained({1, 2}, pair_reason);
    // Nothing more through either address: vnode003's machine boots on and
    // registers; no power-off of vnode002's failed boot reaches it.
    EXPECT_TRUE(cluster->wait_for([] { return cluster->slurmd_running(2); }, seconds{40})) << "vnode003 booted";
    std::this_thread::sleep_for(seconds{15});
    EXPECT_EQ(count("vnode002", "power-off", "", "ok") + count("vnode003", "power-off", "", "ok"), offs_before)
        << dump();
    EXPECT_EQ(count("vnode003", "recovery", "resume"), 0) << dump();
    EXPECT_TRUE(cluster->slurmd_running(2)) << "vnode003's machine runs";

    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "clear"}));
    (void)cluster->slumber({"unblock", "vnode[002-003]", "-c", cluster->dir() + "/slumber.toml"});
    (void)cluster->run({"scancel", running, waking});
}

// A tester's: an admin's `slumber power on` of a node that is up and runs
// a job (a no-op, one would think) went through its crossed address and
// booted a sleeping node's machine. The running node stayed up with the
// boot time it had, so its being up proved nothing: recovery put the woken
// node back to service, and Slurm's next suspend of the running node
// stopped the other under its job. Now the pair is caught once the running
// node has had ResumeTimeout (40 s here) to boot and has not.
TEST_F(CrossedSlowBoot, AnAdminsPowerOnOfARunningNodeThatBootsASleepingOneIsCaught) {
    const std::string pair_reason =
        "slumber: BMC addresses of vnode001 and vnode003 look crossed; check, then slumber unblock vnode001,vnode003";
    const std::string running = submit_on(2, "sleep 600");
    ASSERT_NO_FATAL_FAILURE(wait_running_beside_asleep(running, 0));
    // vnode003 was woken for the job just now (and boots slowly): a boot
    // in the second of the power-on below would be that power-on's.
    std::this_thread::sleep_for(seconds{3});
    const auto booted = cluster->boot_time(2);
    ASSERT_TRUE(booted) << cluster->field(2, "BootTime");
    const int suspected_before = count("vnode003", "crossed-suspected");  // with vnode002, above
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[001,003]", "crossed"}));

    auto on = cluster->slumber({"power", "on", "vnode003", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(on) << on.error();
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            return count("vnode001", "crossed-suspected") == 1 &&
                   count("vnode003", "crossed-suspected") == suspected_before + 1;
        },
        seconds{70}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode001", "crossed-suspected",
                    "slumber switched vnode003 on; vnode001, asleep in Slurm's view and switched on by nobody"),
              1)
        << dump();
    EXPECT_EQ(count("vnode001", "crossed-suspected",
                    "vnode003 has not registered a boot of its own (it stayed up with the boot time it had before)"),
              1)
        << dump();
    expect_drained({0, 2}, pair_reason);
    EXPECT_EQ(cluster->job_state(running), "RUNNING") << "the job on vnode003 runs on";
    EXPECT_FALSE(cluster->booted_since(2, *booted))
        << "vnode003's machine was never switched: " << cluster->field(2, "BootTime");
    EXPECT_TRUE(cluster->slurmd_running(0)) << "vnode001's machine runs";
    EXPECT_EQ(count("vnode001", "recovery", "back into service"), 0) << dump();

    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
    (void)cluster->slumber({"unblock", "vnode[001,003]", "-c", cluster->dir() + "/slumber.toml"});
    (void)cluster->run({"scancel", running});
}

// A tester's: the daemon was stopped (an upgrade, a restart) while Slurm's
// hooks went on, their own carriers switching nodes through the crossed
// addresses. Once the daemon was back, nothing was judged: what it
// remembered of each node was saved only while it watched. The carriers
// now note what Slurm shows after each batch, and the daemon judges their
// changes from that.
class CrossedWithoutDaemon : public Crossed {
  protected:
    static void SetUpTestSuite() {
        start_cluster("crossed-no-daemon", 66, 31800, "20s", 10);
        // The hooks' carriers read the BMC passwords while no daemon runs.
        if (cluster->ready())
            credentials = std::make_unique<CredentialsGivenToSlurmUser>(cluster->dir() + "/ipmi.secret");
    }
    static void TearDownTestSuite() {
        credentials.reset();
        cluster.reset();
    }
    static void stop_daemon() {
        if (auto daemon = vcluster::read_record(cluster->dir() + "/pids/slumberd")) {
            vcluster::terminate(*daemon, seconds{10});
        }
    }
    static void start_daemon() { ASSERT_TRUE(cluster->rig({"controller", "--dir", cluster->dir(), "start", "1"})); }
    // Until slumber's latest power change is `quiet` old: the daemon has
    // nothing to watch, so it saves no memory of its own accord.
    static bool quiet_for(seconds quiet) {
        return cluster->wait_for(
            [&] {
                std::int64_t latest = 0;
                for (const auto& event : journal()) {
                    if (event["kind"] == "power-on" || event["kind"] == "power-off") {
                        latest = std::max(latest, event["time_ms"].get<std::int64_t>());
                    }
                }
                const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch());
                return now.count() - latest >= std::chrono::milliseconds(quiet).count();
            },
            seconds{180});
    }
    static inline std::unique_ptr<CredentialsGivenToSlurmUser> credentials;
};

// The seed's case, carried out by a hook: Slurm suspends idle vnode002, and
// the power-off through its address stops vnode001's machine under its job.
// Judged by the daemon once it is back; or, when Slurm suspends the DOWN
// vnode001 first (SuspendTime, 10 s here, after its job was killed; CI's
// run once), by that suspend's hook's carrier before it switches
// (ASecondPowerOffThroughACrossedAddressIsRefusedWithoutADaemon).
TEST_F(CrossedWithoutDaemon, APowerOffAHookCarriedOutIsJudgedOnceTheDaemonIsBack) {
    const std::string long_job = submit_on(0, "sleep 600");
    const std::string short_job = submit_on(1, "sleep 5");
    ASSERT_TRUE(cluster->wait_for(
        [&] { return cluster->job_state(long_job) == "RUNNING" && cluster->job_state(short_job) == "RUNNING"; },
        seconds{60}))
        << cluster->states();
    // Slurm may have suspended and woken them before, if the cluster took
    // longer than SuspendTime to become ready.
    const int offs_before = count("vnode002", "power-off", "", "ok");
    const int changes_before = count("vnode001", "power-off", "", "ok") + count("vnode001", "power-on", "", "ok") +
                               count("vnode002", "power-on", "", "ok");
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[001-002]", "crossed"}));
    stop_daemon();

    ASSERT_TRUE(
        cluster->wait_for([&] { return count("vnode002", "power-off", "", "ok") == offs_before + 1; }, seconds{60}))
        << cluster->states() << dump();
    EXPECT_TRUE(cluster->wait_for([] { return console(0).find("a job was killed") != std::string::npos; }, seconds{10}))
        << console(0);
    // Back past the window (SuspendTimeout + SlurmdTimeout + 5 s = 16 s
    // here): the daemon sees vnode001 silent first then, as a tester's did.
    std::this_thread::sleep_for(seconds{20});
    ASSERT_NO_FATAL_FAILURE(start_daemon());

    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode001", "crossed-suspected") == 1 && count("vnode002", "crossed-suspected") == 1; },
        seconds{30}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode002", "crossed-suspected", "vnode002's slurmd still answers"), 1) << dump();
    expect_drained({0, 1}, kReason);
    // Nothing more through either address.
    std::this_thread::sleep_for(seconds{15});
    EXPECT_EQ(count("vnode002", "power-off", "", "ok"), offs_before + 1) << dump();
    EXPECT_EQ(count("vnode001", "power-off", "", "ok") + count("vnode001", "power-on", "", "ok") +
                  count("vnode002", "power-on", "", "ok"),
              changes_before)
        << dump();
    EXPECT_TRUE(cluster->slurmd_running(1)) << "vnode002's machine runs";
    (void)cluster->run({"scancel", long_job});
}

// The power-on kind: Slurm wakes vnode003 for a job while no daemon runs;
// the hook's power-on through its address boots vnode004's machine, and
// vnode003 never registers. Before, the daemon started after it took
// vnode004's boot for its own, and recovery switched the wrong machines.
TEST_F(CrossedWithoutDaemon, APowerOnAHookCarriedOutIsJudgedOnceTheDaemonIsBack) {
    const std::string pair_reason =
        "slumber: BMC addresses of vnode003 and vnode004 look crossed; check, then slumber unblock vnode003,vnode004";
    ASSERT_TRUE(
        cluster->wait_for([] { return cluster->state(2) == "idle~" && cluster->state(3) == "idle~"; }, seconds{90}))
        << cluster->states();
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[003-004]", "crossed"}));
    stop_daemon();

    const int ons_before = count("vnode003", "power-on", "", "ok");
    const std::string job = submit_on(2, "sleep 600");
    ASSERT_FALSE(job.empty());
    ASSERT_TRUE(
        cluster->wait_for([&] { return count("vnode003", "power-on", "", "ok") == ons_before + 1; }, seconds{30}))
        << cluster->states() << dump();
    ASSERT_TRUE(cluster->wait_for([] { return cluster->slurmd_running(3); }, seconds{20})) << "vnode004 booted";
    std::this_thread::sleep_for(seconds{3});
    const int offs_before = count("vnode003", "power-off", "", "ok") + count("vnode004", "power-off", "", "ok");
    ASSERT_NO_FATAL_FAILURE(start_daemon());

    // vnode003 has ResumeTimeout (20 s) from its power-on to register; it cannot.
    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode003", "crossed-suspected") == 1 && count("vnode004", "crossed-suspected") == 1; },
        seconds{45}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode004", "crossed-suspected",
                    "slumber switched vnode003 on; vnode004, asleep in Slurm's view and switched on by nobody"),
              1)
        << dump();
    expect_drained({2, 3}, pair_reason);
    std::this_thread::sleep_for(seconds{15});
    EXPECT_EQ(count("vnode003", "power-off", "", "ok") + count("vnode004", "power-off", "", "ok"), offs_before)
        << dump();
    EXPECT_EQ(count("vnode004", "recovery"), 0) << dump();
    EXPECT_TRUE(cluster->slurmd_running(3)) << "vnode004's machine runs";
    (void)cluster->run({"scancel", job});
}

// A tester's: an admin's `slumber power on` of a node that runs a job (a
// no-op, one would think) went through its crossed address and booted a
// sleeping node's machine, and the daemon, which had not looked since, was
// restarted 2 s later. The restarted daemon put the woken node back to
// service. The daemon now saves what it remembers as it stops (without
// that, this test failed).
// --without-slurm leaves out the look `slumber power` makes after its
// switches, which would tell the daemon too.
TEST_F(CrossedWithoutDaemon, AnAdminsPowerOnJustBeforeTheDaemonStopsIsJudgedOnceItIsBack) {
    const std::string pair_reason =
        "slumber: BMC addresses of vnode005 and vnode006 look crossed; check, then slumber unblock vnode005,vnode006";
    const std::string job = submit_on(4, "sleep 600");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "RUNNING" && cluster->state(5) == "idle~"; },
                                  seconds{90}))
        << cluster->states();
    const auto booted = cluster->boot_time(4);
    ASSERT_TRUE(booted) << cluster->field(4, "BootTime");
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[005-006]", "crossed"}));

    // The look-back of the memory a daemon takes back is about 50 s here.
    ASSERT_TRUE(quiet_for(seconds{60})) << dump();

    auto on = cluster->slumber({"power", "on", "vnode005", "--without-slurm", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(on) << on.error();
    // At once: the daemon, idle (a look every 10 s), has not looked since.
    stop_daemon();
    ASSERT_TRUE(cluster->wait_for([] { return cluster->slurmd_running(5); }, seconds{20})) << "vnode006 booted";
    std::this_thread::sleep_for(seconds{8});
    ASSERT_NO_FATAL_FAILURE(start_daemon());

    // vnode005 has ResumeTimeout (20 s) from the power-on to register a boot.
    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode005", "crossed-suspected") == 1 && count("vnode006", "crossed-suspected") == 1; },
        seconds{45}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode006", "crossed-suspected",
                    "slumber switched vnode005 on; vnode006, asleep in Slurm's view and switched on by nobody"),
              1)
        << dump();
    expect_drained({4, 5}, pair_reason);
    EXPECT_EQ(count("vnode006", "recovery", "back into service"), 0) << dump();
    EXPECT_EQ(cluster->job_state(job), "RUNNING") << "the job on vnode005 runs on";
    EXPECT_FALSE(cluster->booted_since(4, *booted)) << "vnode005's machine was never switched";
    EXPECT_TRUE(cluster->slurmd_running(5)) << "vnode006's machine runs";
    (void)cluster->run({"scancel", job});
}

// The next mistake the seed's case leads to while no daemon runs: Slurm
// suspends idle vnode008, whose power-off stops vnode007's machine under its
// job; Slurm sets vnode007 DOWN ("Not responding") and suspends it after
// SuspendTime, and that power-off would stop vnode008's machine. The hook's
// carrier judges before it switches: vnode007 went silent after vnode008's
// power-off and vnode008's slurmd still answers. Before, carriers only noted
// what Slurm showed, and the second power-off went through (CI's run once).
TEST_F(CrossedWithoutDaemon, ASecondPowerOffThroughACrossedAddressIsRefusedWithoutADaemon) {
    const std::string pair_reason =
        "slumber: BMC addresses of vnode007 and vnode008 look crossed; check, then slumber unblock vnode007,vnode008";
    const std::string long_job = submit_on(6, "sleep 600");
    const std::string short_job = submit_on(7, "sleep 5");
    ASSERT_TRUE(cluster->wait_for(
        [&] { return cluster->job_state(long_job) == "RUNNING" && cluster->job_state(short_job) == "RUNNING"; },
        seconds{60}))
        << cluster->states();
    const int offs_before = count("vnode008", "power-off", "", "ok");
    const int changes_before = count("vnode007", "power-off", "", "ok") + count("vnode007", "power-on", "", "ok") +
                               count("vnode008", "power-on", "", "ok");
    const int suspends_before = count("vnode007", "requested", "slurm-suspend");
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[007-008]", "crossed"}));
    stop_daemon();

    ASSERT_TRUE(
        cluster->wait_for([&] { return count("vnode008", "power-off", "", "ok") == offs_before + 1; }, seconds{60}))
        << cluster->states() << dump();
    EXPECT_TRUE(cluster->wait_for([] { return console(6).find("a job was killed") != std::string::npos; }, seconds{10}))
        << console(6);
    ASSERT_TRUE(cluster->wait_for([&] { return count("vnode007", "requested", "slurm-suspend") > suspends_before; },
                                  seconds{90}))
        << "Slurm suspends the DOWN node after SuspendTime" << cluster->states() << dump();
    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode007", "crossed-suspected") == 1 && count("vnode008", "crossed-suspected") == 1; },
        seconds{30}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode008", "crossed-suspected", "vnode008's slurmd still answers"), 1) << dump();
    EXPECT_TRUE(cluster->wait_for([] { return count("vnode007", "refused", "look crossed") >= 1; }, seconds{10}))
        << dump();
    expect_drained({6, 7}, pair_reason);
    EXPECT_TRUE(cluster->slurmd_running(7)) << "vnode008's machine runs";

    // The daemon, back, keeps them so.
    ASSERT_NO_FATAL_FAILURE(start_daemon());
    std::this_thread::sleep_for(seconds{15});
    EXPECT_EQ(count("vnode007", "crossed-suspected"), 1) << dump();
    EXPECT_EQ(count("vnode008", "power-off", "", "ok"), offs_before + 1) << dump();
    EXPECT_EQ(count("vnode007", "power-off", "", "ok") + count("vnode007", "power-on", "", "ok") +
                  count("vnode008", "power-on", "", "ok"),
              changes_before)
        << dump();
    expect_drained({6, 7}, pair_reason);
    EXPECT_TRUE(cluster->slurmd_running(7)) << "vnode008's machine runs";
    (void)cluster->run({"scancel", long_job});
}

// A woken node's suspend waits while its pattern is open, without a
// daemon as with one: the hook's power-on through vnode009's address boots
// vnode010's machine, and vnode010 is asked to power down at once (Slurm
// 22.05 does so itself after SuspendTime, having set it DOWN, "Node
// unexpectedly rebooted"). Its hook's carrier holds that power-off until
// vnode009 has had ResumeTimeout to register, then finds the pair and
// refuses it: with rotated addresses it would have stopped a third machine.
// Before, the power-off went through vnode010's address at once (a run of
// ours), and nobody judged the pair until a daemon came back.
TEST_F(CrossedWithoutDaemon, AWokenNodesPowerOffWaitsForItsPatternWithoutADaemon) {
    ASSERT_TRUE(
        cluster->wait_for([] { return cluster->state(8) == "idle~" && cluster->state(9) == "idle~"; }, seconds{90}))
        << cluster->states();
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[009-010]", "crossed"}));
    stop_daemon();
    const int ons_before = count("vnode009", "power-on", "", "ok");
    const int offs_before = count("vnode010", "power-off", "", "ok");
    const int suspends_before = count("vnode010", "requested", "slurm-suspend");

    const std::string job = submit_on(8, "sleep 600");
    ASSERT_FALSE(job.empty());
    ASSERT_TRUE(
        cluster->wait_for([&] { return count("vnode009", "power-on", "", "ok") == ons_before + 1; }, seconds{30}))
        << cluster->states() << dump();
    ASSERT_TRUE(cluster->wait_for([] { return cluster->slurmd_running(9); }, seconds{20})) << "vnode010 booted";
    // Registered (Slurm shows it otherwise than asleep), or already asked
    // to power down by Slurm itself.
    const auto suspended = [&] { return count("vnode010", "requested", "slurm-suspend") > suspends_before; };
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->field(9, "State") != "IDLE+POWERED_DOWN" || suspended(); },
                                  seconds{10}))
        << "vnode010 registered" << cluster->states();
    if (!suspended()) (void)cluster->run({"scontrol", "update", "nodename=vnode010", "state=power_down"});
    ASSERT_TRUE(cluster->wait_for(suspended, seconds{20})) << cluster->states() << dump();

    EXPECT_TRUE(cluster->wait_for([] { return count("vnode010", "paced", "power-off held back") >= 1; }, seconds{10}))
        << dump();
    // vnode009 has ResumeTimeout (20 s) from its power-on to register; it cannot.
    ASSERT_TRUE(cluster->wait_for(
        [] { return count("vnode009", "crossed-suspected") == 1 && count("vnode010", "crossed-suspected") == 1; },
        seconds{45}))
        << cluster->states() << dump();
    EXPECT_EQ(count("vnode010", "blocked", "met by a hook's carrier"), 1) << dump();
    EXPECT_TRUE(cluster->wait_for([] { return count("vnode010", "refused", "look crossed") >= 1; }, seconds{10}))
        << dump();
    EXPECT_EQ(count("vnode010", "power-off", "", "ok"), offs_before) << dump();
    EXPECT_TRUE(cluster->slurmd_running(9)) << "vnode010's machine runs";

    ASSERT_NO_FATAL_FAILURE(start_daemon());
    (void)cluster->run({"scancel", job});
}

}  // namespace
}  // namespace slumber::testing
