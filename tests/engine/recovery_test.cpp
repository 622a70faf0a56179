// The recovery policy decided on hand-made snapshots: each case of DESIGN.md's
// table, and the guards (excluded, busy, drained, settling, too many failures).
#include <gtest/gtest.h>

#include "engine/recovery.hpp"

namespace slumber::engine {
namespace {

NodeFacts node(std::string name, std::string base, std::vector<std::string> flags, std::string reason) {
    NodeFacts facts;
    facts.slurm.name = std::move(name);
    facts.slurm.base = std::move(base);
    facts.slurm.flags = std::move(flags);
    facts.slurm.reason = std::move(reason);
    return facts;
}

const RecoveryPolicy kPolicy{.max_failures = 3, .settle_ms = 20000, .late_boot_grace_ms = 60000};
constexpr TimeMs kNow = 1'000'000;

TEST(Recovery, ALateBootThatRegisteredIsResumed) {
    // RTS=1: slurmd registered after ResumeTimeout; Slurm calls it a reboot.
    const std::vector<NodeFacts> nodes{node("n1", "DOWN", {}, "Node unexpectedly rebooted")};
    EXPECT_TRUE(needs_bmc(nodes, kPolicy, kNow).empty()) << "slurmd answers: no need to ask the BMC";
    const auto steps = reconcile(nodes, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume);
    EXPECT_NE(steps[0].why.find("Node unexpectedly rebooted"), std::string::npos) << steps[0].why;
}

TEST(Recovery, AFailedBootIsDecidedByTheBmc) {
    std::vector<NodeFacts> nodes{node("off", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached"),
                                 node("on", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached"),
                                 node("silent", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached")};
    EXPECT_EQ(needs_bmc(nodes, kPolicy, kNow), (std::vector<std::string>{"off", "on", "silent"}));
    nodes[0].bmc = power::PowerState::off;
    nodes[1].bmc = power::PowerState::on;
    nodes[2].bmc_error = "no answer from the controller";
    const auto steps = reconcile(nodes, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 2U) << "an unreadable BMC gets no step; its failures count towards a drain";
    EXPECT_EQ(steps[0].node, "off");
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume) << "Slurm powers it up again for the waiting job";
    EXPECT_EQ(steps[1].node, "on");
    EXPECT_EQ(steps[1].kind, StepKind::power_off) << "on but slurmd silent: off first, a cycle through Slurm";
}

TEST(Recovery, APoweredNodeGetsAGraceToRegisterLate) {
    auto facts = node("n1", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
    facts.bmc = power::PowerState::on;
    facts.failed_at = kNow - 30000;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "30 s after the failure it may still be booting";
    facts.failed_at = kNow - 61000;
    const auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off);
}

TEST(Recovery, TooManyFailuresDrainWithTheLastError) {
    auto facts = node("n1", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
    facts.failed_resumes = 3;
    facts.last_failure = "on by the daemon: error: authentication failed";
    const auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_drain);
    EXPECT_EQ(steps[0].why, "slumber: 3 failed resumes in a row, last: on by the daemon: error: authentication failed");
    facts.slurm.flags.emplace_back("DRAIN");
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "drained: left to the admin, no boot loop";
}

TEST(Recovery, GuardsLeaveNodesAlone) {
    auto excluded = node("head", "DOWN", {}, "Node unexpectedly rebooted");
    excluded.excluded = true;
    auto busy = node("n2", "DOWN", {}, "Node unexpectedly rebooted");
    busy.request_open = true;
    auto settling = node("n3", "DOWN", {}, "Node unexpectedly rebooted");
    settling.last_recovery = kNow - 5000;
    auto admin = node("n4", "DOWN", {}, "disk failure");
    auto fine = node("n5", "IDLE", {"POWERED_DOWN"}, "");
    auto silent = node("n6", "DOWN", {"NOT_RESPONDING"}, "Node unexpectedly rebooted");
    EXPECT_TRUE(reconcile({excluded, busy, settling, admin, fine, silent}, kPolicy, kNow).empty());
    settling.last_recovery = kNow - 25000;
    EXPECT_EQ(reconcile({settling}, kPolicy, kNow).size(), 1U) << "after settling, it is acted on again";
}

TEST(Recovery, FailedBootReasons) {
    EXPECT_TRUE(is_failed_boot_reason("ResumeTimeout reached"));
    EXPECT_TRUE(is_failed_boot_reason("Node unexpectedly rebooted boot_time=1 last response=2"));
    EXPECT_FALSE(is_failed_boot_reason("Not responding"));
    EXPECT_FALSE(is_failed_boot_reason(""));
}

}  // namespace
}  // namespace slumber::engine
