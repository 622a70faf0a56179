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

TEST(Recovery, AFailedPowerOffIsTriedAgainBackingOff) {
    // Slurm suspended it and counts it as off; the BMC did not answer.
    auto facts = node("n1", "IDLE", {"POWERED_DOWN"}, "");
    facts.failed_offs = 1;
    facts.failed_off_error = "error: timeout";
    facts.last_failed_off = kNow - 29000;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "30 s after the first failure";
    facts.last_failed_off = kNow - 30000;
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off);
    EXPECT_NE(steps[0].why.find("error: timeout"), std::string::npos) << steps[0].why;

    facts.failed_offs = 3;
    facts.last_failed_off = kNow - 119000;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "the third failure waits 120 s";
    facts.failed_offs = 20;
    facts.last_failed_off = kNow - 30000 * 64 + 1;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "at most 64 times the first wait";
    facts.last_failed_off = kNow - 30000 * 64;
    EXPECT_EQ(reconcile({facts}, kPolicy, kNow).size(), 1U);

    // Being woken for a job, or with its power-off under way: left alone.
    facts.slurm.flags = {"POWERING_UP"};
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty());
    facts.slurm.flags = {"POWERED_DOWN"};
    facts.request_open = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty());
}

TEST(Recovery, AWakeThatNeverReachedSlumberIsCarriedOut) {
    auto facts = node("n1", "IDLE", {"POWERING_UP"}, "");
    facts.latest_request_on = false;  // its suspend; the resume hook did not run
    facts.powering_up_since = kNow - 9000;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "the hook may still be on its way";
    facts.powering_up_since = kNow - 10000;
    const auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_on);
    facts.latest_request_on = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "the resume was journaled: it is booting";
    facts.latest_request_on = false;
    facts.request_open = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "a request in flight";
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
