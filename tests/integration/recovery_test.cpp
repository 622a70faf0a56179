// Automatic recovery with slumber's daemon in charge, on the virtual cluster:
// the failure modes of DESIGN.md's table injected into real nodes, and the
// outcome asserted from Slurm's own state and the journal. Under
// ReturnToService=1 slumber must resume nodes that booted late; under 2 Slurm
// does so itself and slumber must not get in the way.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_cluster.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

struct Journal {
    const TestCluster& cluster;
    [[nodiscard]] nlohmann::json all() const {
        auto out =
            cluster.run({SLUMBER_BINARY, "journal", "--json", "--since", "1h", "-c", cluster.dir() + "/slumber.toml"});
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
    ASSERT_TRUE(cluster->slumber({"vcluster", "fault", "--dir", cluster->dir(), "vnode001", "slow-boot", "14s"}));
    wake(*cluster, 0);
    // Slurm gives up at 8 s (down~, ResumeFailProgram), slurmd registers at
    // 14 s (down, "unexpectedly rebooted"), slumber puts it back into service.
    ASSERT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "resume-failed") == 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "recovery", "resume: slurmd answers") == 1; },
                                  seconds{30}));
    EXPECT_GE(journal.count("vnode001", "registered"), 1) << "the late boot is timed too";
    EXPECT_TRUE(cluster->wait_for([] { return cluster->field(0, "State").starts_with("IDLE"); }, seconds{10}))
        << cluster->field(0, "State") << " " << cluster->field(0, "Reason");
    ASSERT_TRUE(cluster->slumber({"vcluster", "fault", "--dir", cluster->dir(), "vnode001", "clear"}));
}

TEST_F(RecoveryRts1, ANodeThatNeverRegistersIsCycledThenDrainedWithAReason) {
    const Journal journal{*cluster};
    ASSERT_TRUE(cluster->slumber({"vcluster", "fault", "--dir", cluster->dir(), "vnode002", "never-registers"}));
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
    ASSERT_TRUE(cluster->slumber({"vcluster", "fault", "--dir", cluster->dir(), "vnode002", "clear"}));
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
    ASSERT_TRUE(cluster->slumber({"vcluster", "fault", "--dir", cluster->dir(), "vnode001", "slow-boot", "14s"}));
    wake(*cluster, 0);
    ASSERT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "resume-failed") == 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for([&] { return journal.count("vnode001", "registered") >= 1; }, seconds{30}));
    EXPECT_TRUE(cluster->wait_for([] { return cluster->field(0, "State").starts_with("IDLE"); }, seconds{10}))
        << cluster->field(0, "State") << " " << cluster->field(0, "Reason");
    EXPECT_EQ(journal.count("vnode001", "recovery"), 0) << "ReturnToService=2 needs no help";
    ASSERT_TRUE(cluster->slumber({"vcluster", "fault", "--dir", cluster->dir(), "vnode001", "clear"}));
}

}  // namespace
}  // namespace slumber::testing
