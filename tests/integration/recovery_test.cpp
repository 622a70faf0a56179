// Automatic recovery with slumber's daemon in charge, on the virtual cluster:
// the failure modes of DESIGN.md's table injected into real nodes, and the
// outcome asserted from Slurm's own state and the journal. Under
// ReturnToService=1 slumber must resume nodes that booted late; under 2 Slurm
// does so itself and slumber must not get in the way.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_cluster.hpp"
#include "vcluster/bmc.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

struct Journal {
    const TestCluster& cluster;
    [[nodiscard]] nlohmann::json all() const {
        auto out = cluster.run(
            {slumber_program(), "journal", "--json", "--since", "1h", "-c", cluster.dir() + "/slumber.toml"});
        auto parsed = out ? nlohmann::json::parse(*out, nullptr, false) : nlohmann::json::array();
        return parsed.is_discarded() ? nlohmann::json::array() : parsed;
    }
    [[nodiscard]] int count(const std::string& node, const std::string& kind, const std::string& text = {}) const {
        int n = 0;
        for (const auto& event : all()) {
            n += event["node"] == node && event["kind"] == kind &&
                         event["detail"].get<std::string>().find(text) != std::string::npos
                     ? 1
                     : 0;
        }
        return n;
    }
    // The node's events, one "kind: detail" a line, for a failure's message.
    [[nodiscard]] std::string dump(const std::string& node) const {
        std::string out;
        for (const auto& event : all()) {
            if (event["node"] == node) {
                out += fmt::format("\n  {}: {}", event["kind"].get<std::string>(), event["detail"].get<std::string>());
            }
        }
        return out;
    }
};

std::vector<std::string> up_options(int return_to_service) {
    return {"--hooks",
            "slumber",
            "--daemon",
            "--suspend-time",
            "10s",
            "--suspend-timeout",
            "5s",
            "--resume-timeout",
            "8s",
            "--return-to-service",
            std::to_string(return_to_service)};
}

// A one-line job on one node; its id, or "" if sbatch refused.
std::string submit_on(const TestCluster& cluster, int index, const std::string& command = "/bin/true") {
    auto job = cluster.run(
        {"sbatch", "--parsable", "--nodelist", cluster.node(index), "--output", "/dev/null", "--wrap", command});
    return job ? job->substr(0, job->find_first_of(";\n")) : "";
}

// Waits until the node sleeps, then asks Slurm to wake it as a job would.
void wake(const TestCluster& cluster, int index) {
    ASSERT_TRUE(cluster.wait_for([&] { return cluster.state(index) == "idle~"; }, seconds{60}))
        << cluster.node(index) << " is " << cluster.state(index);
    ASSERT_TRUE(cluster.run({"scontrol", "update", "NodeName=" + cluster.node(index), "State=POWER_UP"}));
}

class RecoveryRts1 : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(ClusterOptions{"recovery-rts1", 18, 27900, up_options(1)});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }
    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(RecoveryRts1, ANodeThatBootsAfterResumeTimeoutIsResumed) {
    const Journal journal{*cluster};
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "slow-boot", "14s"}));
    wake(*cluster, 0);
    // Slurm gives up at 8 s (down~, ResumeFailProgram), slurmd registers at
    // 14 s (down, "unexpectedly rebooted"), slumber puts it back into service.
    ASSERT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "resume-failed") == 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "recovery", "resume: slurmd answers") == 1; },
                                  seconds{30}));
    EXPECT_GE(journal.count("vnode001", "registered"), 1) << "the late boot is timed too";
    EXPECT_TRUE(cluster->wait_for([] { return cluster->field(0, "State").starts_with("IDLE"); }, seconds{10}))
        << cluster->field(0, "State") << " " << cluster->field(0, "Reason");
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
}

TEST_F(RecoveryRts1, ANodeThatNeverRegistersIsCycledThenDrainedWithAReason) {
    const Journal journal{*cluster};
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "never-registers"}));
    for (int attempt = 1; attempt <= 3; ++attempt) {
        SCOPED_TRACE(fmt::format("attempt {}", attempt));
        wake(*cluster, 1);
        ASSERT_TRUE(
            cluster->wait_for([&] { return journal.count("vnode002", "resume-failed") == attempt; }, seconds{40}));
        if (attempt < 3) {
            // Powered on, slurmd silent: slumber switches it off and hands it back.
            EXPECT_TRUE(cluster->wait_for(
                [&] { return journal.count("vnode002", "recovery", "power-off: powered on but slurmd") == attempt; },
                seconds{60}));
            EXPECT_TRUE(cluster->wait_for(
                [&] { return journal.count("vnode002", "recovery", "resume: powered off") == attempt; }, seconds{60}));
        }
    }
    // The third failure in a row: drained, not boot-looped.
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode002", "recovery", "drain: ") == 1; }, seconds{30}));
    EXPECT_TRUE(
        cluster->wait_for([] { return cluster->field(1, "State").find("DRAIN") != std::string::npos; }, seconds{10}))
        << cluster->field(1, "State");
    EXPECT_NE(cluster->field(1, "Reason").find("slumber: 3 failed resumes in a row"), std::string::npos)
        << cluster->field(1, "Reason");
    // What an admin checks next: the machine is on, slurmd is not running.
    EXPECT_GE(journal.count("vnode002", "diagnosis", "nothing listens on slurmd's port"), 1);
    EXPECT_NE(cluster->field(1, "Reason").find("nothing listens on slurmd's port"), std::string::npos)
        << cluster->field(1, "Reason");
    // Slurm counts a drained node as powered down: it does not stay on
    // ([daemon] keep_drained_on is false).
    EXPECT_TRUE(cluster->wait_for([] { return cluster->bmc_says(1, "off"); }, seconds{40}))
        << "drained and left on: " << cluster->field(1, "State");
    EXPECT_GE(journal.count("vnode002", "recovery", "power-off: drained for failed resumes"), 1);

    // The admin fixes it and returns it to service: its old failures are
    // forgotten, Slurm wakes it for a job, and the job runs.
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "clear"}));
    ASSERT_TRUE(cluster->run({"scontrol", "update", "NodeName=vnode002", "State=RESUME"}));
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode002", "returned") == 1; }, seconds{20}));
    const std::string job = submit_on(*cluster, 1);
    ASSERT_FALSE(job.empty());
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{90}))
        << job << " " << cluster->job_state(job) << "; vnode002 " << cluster->field(1, "State") << " "
        << cluster->field(1, "Reason");
    EXPECT_EQ(cluster->field(1, "State").find("DRAIN"), std::string::npos) << cluster->field(1, "Reason");
    EXPECT_EQ(journal.count("vnode002", "recovery", "drain: "), 1) << "drained once, not again at once";
}

TEST_F(RecoveryRts1, APowerOnOfANodeLeftOnWithoutSlurmdBootsItAfresh) {
    const Journal journal{*cluster};
    const int last = cluster->nodes() - 1;
    const std::string name = cluster->node(last);
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->state(last) == "idle~"; }, seconds{60}))
        << cluster->state(last);
    // Switched on by hand while slurmd could not start: on, never registered,
    // and still powered down in Slurm's view.
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), name, "never-registers"}));
    ASSERT_TRUE(cluster->ipmitool(last, {"chassis", "power", "on"}));
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->bmc_says(last, "on"); }, seconds{10}));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), name, "clear"}));
    // A job wakes it: an "on" that found it on would change nothing, and
    // Slurm would give up at ResumeTimeout; it must boot afresh instead.
    const std::string job = submit_on(*cluster, last);
    ASSERT_FALSE(job.empty());
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{60}))
        << job << " " << cluster->job_state(job) << "; " << cluster->field(last, "State");
    EXPECT_EQ(journal.count(name, "power-on", "power cycle"), 1);
    EXPECT_EQ(journal.count(name, "resume-failed"), 0) << "the boot came within ResumeTimeout";
}

TEST_F(RecoveryRts1, ANodeThatBootsUnaskedIsPutBackToService) {
    const Journal journal{*cluster};
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(2) == "idle~"; }, seconds{60})) << cluster->state(2);
    // Powered on behind Slurm's back (someone at the console, a BMC glitch).
    ASSERT_TRUE(cluster->ipmitool(2, {"chassis", "power", "on"}));
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode003", "recovery", "resume: slurmd answers") >= 1; },
                                  seconds{40}));
    EXPECT_TRUE(cluster->wait_for([] { return cluster->field(2, "State").starts_with("IDLE"); }, seconds{10}))
        << cluster->field(2, "State") << " " << cluster->field(2, "Reason");
}

// Power lost behind slumber's back. SuspendTime is long here, as on real
// sites, so that Slurm marks the silent node DOWN* before its own power
// saving would suspend it.
class RecoveryPowerLoss : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"recovery-power",
                           34,
                           28600,
                           {"--hooks", "slumber", "--daemon", "--suspend-time", "10m", "--suspend-timeout", "5s",
                            "--resume-timeout", "20s", "--slurmd-timeout", "6s"},
                           3});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }
    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(RecoveryPowerLoss, AnIdleNodeWhosePowerIsCutComesBackForALaterJobAndASecondLossDrainsIt) {
    const Journal journal{*cluster};
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle"; }, seconds{30})) << cluster->state(0);
    ASSERT_TRUE(cluster->ipmitool(0, {"chassis", "power", "off"}));  // a breaker trips
    // Slurm: idle*, then down* "Not responding". slumber: BMC off, no request
    // of its own: journaled, and handed back to the powered-down pool.
    EXPECT_TRUE(
        cluster->wait_for([&] { return journal.count("vnode001", "power-lost", "power-down: ") == 1; }, seconds{60}))
        << cluster->state(0);
    EXPECT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle~"; }, seconds{60}))
        << cluster->field(0, "State") << " " << cluster->field(0, "Reason");
    const std::string job = submit_on(*cluster, 0);
    ASSERT_FALSE(job.empty());
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{60}))
        << job << " " << cluster->job_state(job) << "; " << cluster->field(0, "State");

    // Up again, then dark again within the hour: drained with a reason.
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle"; }, seconds{60})) << cluster->state(0);
    ASSERT_TRUE(cluster->ipmitool(0, {"chassis", "power", "off"}));
    EXPECT_TRUE(
        cluster->wait_for([] { return cluster->field(0, "State").find("DRAIN") != std::string::npos; }, seconds{60}))
        << cluster->field(0, "State");
    EXPECT_NE(cluster->field(0, "Reason").find("slumber: power lost again"), std::string::npos)
        << cluster->field(0, "Reason");
    EXPECT_EQ(journal.count("vnode001", "power-lost", "power-down: "), 1);
}

TEST_F(RecoveryPowerLoss, ANodeThatLosesPowerUnderAJobIsReturnedToThePool) {
    const Journal journal{*cluster};
    const std::string job = submit_on(*cluster, 1, "sleep 600");
    ASSERT_FALSE(job.empty());
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "RUNNING"; }, seconds{60}))
        << cluster->job_state(job);
    ASSERT_TRUE(cluster->ipmitool(1, {"chassis", "power", "off"}));
    EXPECT_TRUE(
        cluster->wait_for([&] { return journal.count("vnode002", "power-lost", "power-down: ") == 1; }, seconds{60}))
        << cluster->state(1);
    // Slurm requeued the job; the node waits in the pool for it.
    EXPECT_TRUE(cluster->wait_for(
        [] {
            const std::string state = cluster->state(1);
            return state == "idle~" || state.ends_with('#') || state == "mix" || state == "alloc";
        },
        seconds{60}))
        << cluster->field(1, "State") << " " << cluster->field(1, "Reason");
    (void)cluster->run({"scancel", job});
}

// `sbatch --reboot` on a node that is on and idle: Slurm asks ResumeProgram
// for the reboot (power_job_reboot(): the node, SLURM_JOB_ID set, no
// SLURM_RESUME_FILE, 22.05.8 and 24.11.5 alike) and waits for slurmd to
// register with a boot time after the request. A power-on of a node that is
// on does nothing, so the node used to miss ResumeTimeout and the job was
// requeued; slumber power-cycles it instead and journals the reboot.
TEST_F(RecoveryPowerLoss, ARebootSlurmAsksForThroughResumeProgramIsAPowerCycleAndTheJobRuns) {
    const Journal journal{*cluster};
    const std::string node = cluster->node(2);
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(2) == "idle"; }, seconds{30}))
        << cluster->field(2, "State") << " " << cluster->field(2, "Reason") << "; " << journal.dump(node);
    ASSERT_TRUE(cluster->bmc_says(2, "on"));
    const auto booted = cluster->boot_time(2);
    ASSERT_TRUE(booted) << cluster->field(2, "BootTime");
    auto submitted = cluster->run(
        {"sbatch", "--parsable", "--reboot", "--nodelist", node, "--output", "/dev/null", "--wrap", "/bin/true"});
    ASSERT_TRUE(submitted) << submitted.error();
    const std::string job = submitted->substr(0, submitted->find_first_of(";\n"));

    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << job << " " << cluster->job_state(job) << "; " << cluster->field(2, "State") << " "
        << cluster->field(2, "Reason");
    EXPECT_EQ(journal.count(node, "requested", "on asked by slurm-reboot: reboot for job " + job), 1);
    EXPECT_EQ(journal.count(node, "power-on", "for slurm-reboot: power cycle (a reboot Slurm asked for)"), 1);
    EXPECT_GE(journal.count(node, "registered"), 1);
    // Rebooted: slurmd came back with a later boot time.
    EXPECT_TRUE(cluster->booted_since(2, *booted)) << cluster->field(2, "BootTime");
    // Nothing failed: no ResumeTimeout, no diagnosis, no reason, no drain.
    EXPECT_EQ(journal.count(node, "resume-failed"), 0);
    EXPECT_EQ(journal.count(node, "diagnosis"), 0);
    EXPECT_EQ(journal.count(node, "recovery"), 0);
    EXPECT_TRUE(cluster->field(2, "State").starts_with("IDLE")) << cluster->field(2, "State");
    // No reason of slumber's. Slurm 24.11 may leave its own "Not responding"
    // when the power cycle outlasted SlurmdTimeout (seen under the sanitizers,
    // 2026-11-30): the node is IDLE and takes jobs; 22.05 clears it.
    const std::string reason = cluster->field(2, "Reason");
    EXPECT_TRUE(reason.empty() || reason.starts_with("Not responding [slurm@")) << reason << journal.dump(node);
}

// A BMC whose password was changed, with a job waiting for its node: the
// daemon used to log in with the refused password every pass (about every
// 2 s, with no end), which locks the account on many BMCs. Now: one failed
// login, the node blocked and drained with the fault and the fix, shown by
// `slumber status`, and back in service once the admin fixed it and ran
// `slumber unblock`. The failed logins are counted by the BMC itself.
TEST_F(RecoveryRts1, ABmcThatRefusesThePasswordIsTriedOnceThenBlockedAndDrained) {
    if (cluster->nodes() < 4) GTEST_SKIP() << "needs a fourth node";
    const Journal journal{*cluster};
    const vcluster::RunDir run{cluster->dir()};
    const std::string node = cluster->node(3);
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(3) == "idle~"; }, seconds{60})) << cluster->state(3);
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), node, "bmc-password"}));
    auto job = cluster->run({"sbatch", "--parsable", "--nodelist", node, "--output", "/dev/null", "--wrap", "true"});
    ASSERT_TRUE(job) << job.error();
    const std::string id = job->substr(0, job->find_first_of(";\n"));

    EXPECT_TRUE(
        cluster->wait_for([&] { return journal.count(node, "blocked", "authentication failed") == 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for(
        [&] { return cluster->field(3, "Reason").starts_with("slumber: BMC authentication failed"); }, seconds{10}))
        << cluster->field(3, "State") << " " << cluster->field(3, "Reason");
    EXPECT_NE(cluster->field(3, "Reason").find("slumber unblock " + node), std::string::npos);
    // Slurm gives up on the resume (8 s) and the daemon's passes go on every
    // 2 s: half a minute is a dozen chances to try again.
    std::this_thread::sleep_for(seconds{30});
    EXPECT_LE(vcluster::failed_logins(run, node), 2) << "the BMC's own count of refused logins";
    EXPECT_EQ(journal.count(node, "blocked"), 1) << "journaled once";
    auto status = cluster->run({slumber_program(), "status", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(status) << status.error();
    EXPECT_NE(status->find("BLOCKED"), std::string::npos) << *status;
    EXPECT_NE(status->find(node + "     blocked for"), std::string::npos) << *status;

    // Slurm 22.05 replaced the reason with "ResumeTimeout reached" when it
    // gave up: slumber drains the node again.
    EXPECT_TRUE(cluster->field(3, "State").find("DRAIN") != std::string::npos &&
                cluster->field(3, "Reason").starts_with("slumber: BMC authentication failed"))
        << cluster->field(3, "State") << " " << cluster->field(3, "Reason");

    // The admin puts the account right and lets slumber call it again.
    const int failed = vcluster::failed_logins(run, node);
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), node, "clear"}));
    auto unblocked = cluster->run({slumber_program(), "unblock", node, "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(unblocked) << unblocked.error();
    EXPECT_TRUE(unblocked->starts_with(node + ": unblocked; back in service in Slurm (slumber's drain \"slumber: BMC"))
        << *unblocked;
    // Slurm requeued the job when the node was drained, to begin two
    // minutes later; the admin lets it start now.
    ASSERT_TRUE(cluster->run({"scontrol", "update", "JobId=" + id, "StartTime=now"}));
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(id) == "COMPLETED"; }, seconds{90}))
        << cluster->job_state(id) << " " << cluster->states();
    EXPECT_EQ(vcluster::failed_logins(run, node), failed);
    EXPECT_EQ(journal.count(node, "unblocked", "slumber unblock"), 1);
}

class RecoveryRts2 : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(ClusterOptions{"recovery-rts2", 19, 28000, up_options(2)});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }
    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(RecoveryRts2, SlurmReturnsALateNodeItselfAndSlumberOnlyTimesTheBoot) {
    const Journal journal{*cluster};
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "slow-boot", "14s"}));
    wake(*cluster, 0);
    ASSERT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "resume-failed") == 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "registered") >= 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for([] { return cluster->field(0, "State").starts_with("IDLE"); }, seconds{10}))
        << cluster->field(0, "State") << " " << cluster->field(0, "Reason");
    EXPECT_EQ(journal.count("vnode001", "recovery"), 0) << "ReturnToService=2 needs no help";
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
}

}  // namespace
}  // namespace slumber::testing
