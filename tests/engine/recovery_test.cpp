// The recovery policy decided on hand-made snapshots: each case of DESIGN.md's
// table, and the guards (excluded, busy, drained, settling, too many failures).
#include <gtest/gtest.h>

#include "engine/recovery.hpp"

#include "../support/node_facts.hpp"

namespace slumber::engine {
namespace {

using testing::node_facts;

const RecoveryPolicy kPolicy{.max_failures = 3, .settle_ms = 20000, .late_boot_grace_ms = 60000};
constexpr TimeMs kNow = 1'000'000;

TEST(Recovery, ALateBootThatRegisteredIsResumed) {
    // RTS=1: slurmd registered after ResumeTimeout; Slurm calls it a reboot.
    const std::vector<NodeFacts> nodes{node_facts("n1", "DOWN", {}, "Node unexpectedly rebooted")};
    EXPECT_TRUE(needs_bmc(nodes, kPolicy, kNow).empty()) << "slurmd answers: no need to ask the BMC";
    const auto steps = reconcile(nodes, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume);
    EXPECT_NE(steps[0].why.find("Node unexpectedly rebooted"), std::string::npos) << steps[0].why;
}

// A node that rebooted unasked, which Slurm then suspended and slumber
// switched off: its slurmd's last answer came before the power-off, and a
// RESUME then ended the power-down of a machine that was off (a tester).
// Judged once Slurm's power-down ends, as a failed boot whose BMC says off.
TEST(Recovery, ANodeSlurmIsPoweringDownIsLeftToIt) {
    std::vector<NodeFacts> nodes{node_facts("n1", "DOWN", {"POWERING_DOWN"}, "Node unexpectedly rebooted")};
    EXPECT_TRUE(reconcile(nodes, kPolicy, kNow).empty());
    nodes[0] = node_facts("n1", "DOWN", {"POWERED_DOWN"}, "Node unexpectedly rebooted");
    nodes[0].bmc = power::PowerState::off;
    const auto steps = reconcile(nodes, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume);
    EXPECT_NE(steps[0].why.find("powered off after"), std::string::npos) << steps[0].why;
}

TEST(Recovery, AFailedBootIsDecidedByTheBmc) {
    std::vector<NodeFacts> nodes{node_facts("off", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached"),
                                 node_facts("on", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached"),
                                 node_facts("silent", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached")};
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

TEST(Recovery, AFailedBootWaitsForThePowerToSettle) {
    auto facts = node_facts("n1", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
    facts.failed_at = kNow - 120000;
    for (const auto state : {power::PowerState::powering_off, power::PowerState::powering_on}) {
        facts.bmc = state;
        EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty())
            << power::to_string(state) << ": neither off nor on yet, decided when it has settled";
    }
    facts.bmc = power::PowerState::paused;
    const auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off) << "paused has power but does not run";
}

TEST(Recovery, APoweredNodeGetsAGraceToRegisterLate) {
    auto facts = node_facts("n1", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
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
    auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN"}, "");
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
    auto facts = node_facts("n1", "IDLE", {"POWERING_UP"}, "");
    facts.latest_request_on = false;  // its suspend; the resume hook did not run
    facts.powering_up_since = kNow - 9000;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "the hook may still be on its way";
    facts.powering_up_since = kNow - 10000;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow), std::vector<std::string>{"n1"}) << "its BMC first";
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "not read yet";
    facts.bmc = power::PowerState::off;
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_on);
    EXPECT_NE(steps[0].why.find("its BMC says off"), std::string::npos) << steps[0].why;
    facts.bmc.reset();
    facts.bmc_error = "timeout";
    steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_on) << "an unreadable BMC: the power-on says what it can";
    facts.bmc_error.clear();
    facts.bmc = power::PowerState::off;
    facts.latest_request_on = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "the resume was journaled: it is booting";
    facts.latest_request_on = false;
    facts.request_open = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "a request in flight";
}

// After a controller failover (docs/ha.md) the new acting daemon never got
// the resume the other one carried out: a node already on is not switched
// again, but left to register.
TEST(Recovery, AWakeSomeoneElsePoweredOnIsAdoptedNotSwitchedAgain) {
    auto facts = node_facts("n1", "IDLE", {"POWERING_UP"}, "");
    facts.powering_up_since = kNow - 10000;
    facts.bmc = power::PowerState::powering_on;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "decided once the power has settled";
    facts.bmc = power::PowerState::on;
    const auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::adopt_boot);
    EXPECT_NE(steps[0].why.find("its BMC says on"), std::string::npos) << steps[0].why;
    facts.wake_adopted = true;
    facts.bmc.reset();
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow + 60000).empty());
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow + 60000).empty()) << "no read while it boots";
}

TEST(Recovery, TooManyFailuresDrainWithTheLastError) {
    auto facts = node_facts("n1", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
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
    auto excluded = node_facts("head", "DOWN", {}, "Node unexpectedly rebooted");
    excluded.excluded = true;
    auto busy = node_facts("n2", "DOWN", {}, "Node unexpectedly rebooted");
    busy.request_open = true;
    auto settling = node_facts("n3", "DOWN", {}, "Node unexpectedly rebooted");
    settling.last_recovery = kNow - 5000;
    auto admin = node_facts("n4", "DOWN", {}, "disk failure");
    auto fine = node_facts("n5", "IDLE", {"POWERED_DOWN"}, "");
    auto silent = node_facts("n6", "DOWN", {"NOT_RESPONDING"}, "Node unexpectedly rebooted");
    EXPECT_TRUE(reconcile({excluded, busy, settling, admin, fine, silent}, kPolicy, kNow).empty());
    settling.last_recovery = kNow - 25000;
    EXPECT_EQ(reconcile({settling}, kPolicy, kNow).size(), 1U) << "after settling, it is acted on again";
}

TEST(Recovery, AnAdminsResumeOfASlumberDrainForgetsTheFailures) {
    // Drained for failed resumes; the admin ran `scontrol update state=resume`.
    auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN"}, "");
    facts.failed_resumes = 3;
    facts.drained_at = kNow - 600000;
    facts.off_since_drain = true;
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::forget_failures);
    EXPECT_EQ(steps[0].event, store::EventKind::returned) << "the journal's streak ends at this event";
    facts.request_open = true;  // Slurm already wakes it for a job: forgotten all the same
    EXPECT_EQ(reconcile({facts}, kPolicy, kNow).size(), 1U);

    facts.slurm.base = "DOWN";
    facts.slurm.flags = {"DRAIN", "POWERED_DOWN"};
    facts.slurm.reason = "slumber: 3 failed resumes in a row, last: …";
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "still drained: nothing to forget";
    facts.drained_at.reset();
    facts.slurm.flags = {"POWERED_DOWN"};
    facts.slurm.reason = "ResumeTimeout reached";
    facts.request_open = false;
    steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U) << "no drain of slumber's: the streak stands";
    EXPECT_EQ(steps[0].kind, StepKind::slurm_drain);
}

TEST(Recovery, ANodeDrainedForFailedResumesIsSwitchedOffUnlessKeptOn) {
    auto facts = node_facts("n1", "DOWN", {"DRAIN", "POWERED_DOWN"}, "slumber: 3 failed resumes in a row, last: …");
    facts.failed_resumes = 3;
    facts.drained_at = kNow - 30000;
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U) << "Slurm counts it as powered down: it must not stay on";
    EXPECT_EQ(steps[0].kind, StepKind::power_off);
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "the power-off reads the BMC itself";

    // SuspendExcStates=drain keeps an admin's drained nodes on, not one
    // slumber drained that Slurm counts as powered down; SuspendExcNodes
    // keeps it on by name.
    facts.keep_on = "SuspendExcStates=DRAIN keeps DRAIN nodes on";
    steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off);
    facts.keep_on_by_name = facts.keep_on = "in SuspendExcNodes";
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "kept on by name";
    facts.keep_on_by_name = facts.keep_on = "";

    RecoveryPolicy keep = kPolicy;
    keep.keep_drained_on = true;
    EXPECT_TRUE(reconcile({facts}, keep, kNow).empty()) << "[daemon] keep_drained_on: left on for inspection";
    facts.off_since_drain = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "switched off once; no loop";
    facts.off_since_drain = false;
    facts.last_recovery = kNow - 5000;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "just drained: Slurm settles first";
    facts.last_recovery.reset();
    facts.drained_at.reset();
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "an admin's drain is the admin's";
    facts.drained_at = kNow - 30000;
    facts.slurm.flags = {"DRAIN"};
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "Slurm does not count it as powered down";
}

TEST(Recovery, APowerLossBehindSlumbersBackReturnsTheNodeToThePool) {
    // A breaker trips under an idle node: Slurm stops hearing from it.
    auto facts = node_facts("n1", "IDLE", {"NOT_RESPONDING"}, "");
    facts.slurm.boot_time = (kNow - 3'600'000) / 1000;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow), (std::vector<std::string>{"n1"}));
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "nothing without the BMC's word";
    facts.bmc = power::PowerState::off;
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_power_down);
    EXPECT_EQ(steps[0].event, store::EventKind::power_lost);
    EXPECT_NE(steps[0].why.find("power lost behind slumber's back"), std::string::npos) << steps[0].why;
    // Beside one of several controllers, the other's daemon may have
    // switched it off: its journal, not this one, has that (a tester read
    // "behind slumber's back" for a suspend the other daemon carried out).
    RecoveryPolicy shared = kPolicy;
    shared.several_controllers = true;
    const auto shared_steps = reconcile({facts}, shared, kNow);
    ASSERT_EQ(shared_steps.size(), 1U);
    EXPECT_EQ(shared_steps[0].kind, StepKind::slurm_power_down);
    EXPECT_NE(
        shared_steps[0].why.find("switched off by the other controller's daemon (its journal says), or power lost"),
        std::string::npos)
        << shared_steps[0].why;

    // Slurm has marked it down, its job requeued: the same.
    facts.slurm.base = "DOWN";
    facts.slurm.reason = "Not responding";
    steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_power_down);

    facts.bmc = power::PowerState::on;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "on and silent: a network or slurmd fault";
    facts.bmc = power::PowerState::off;
    facts.latest_request_off = true;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "dark by slumber's hand";
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty());
    facts.latest_request_off = false;
    facts.slurm.reason = "disk failure";
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "an admin's reason: the admin's node";
    facts.slurm.reason = "Not responding";
    facts.excluded = true;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty());
    facts.excluded = false;

    // Journaled and handed back; it has not booted since: the same loss.
    facts.last_power_loss = kNow - 20000;
    facts.recent_power_losses = 1;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty());
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty());
    // It booted again for a job, then lost power a second time within the window.
    facts.slurm.boot_time = (kNow - 10000) / 1000;
    steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_drain);
    EXPECT_EQ(steps[0].event, store::EventKind::power_lost);
    EXPECT_TRUE(steps[0].why.starts_with("slumber: power lost again")) << steps[0].why;
}

TEST(Recovery, ANodePoweredDownAfterItWentSilentIsResumed) {
    // Slurm 22.05 powers down a DOWN node after SuspendTime, and so does
    // POWER_DOWN_FORCE after a power loss; either way it stays DOWN.
    auto facts = node_facts("n1", "DOWN", {"POWERED_DOWN"}, "Not responding");
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "slumber's off ran: no need to ask";
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume);
    facts.slurm.flags = {"POWERING_DOWN"};
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "still going down";
    facts.slurm.flags = {"POWERED_DOWN"};
    facts.failed_offs = 1;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "its power-off failed: it may be on";
    facts.failed_offs = 0;
    facts.slurm.reason = "Not responding : ResumeTimeout reached";  // 23.02 appends
    facts.bmc = power::PowerState::on;
    facts.failed_at = kNow;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "a failed boot, within its grace";
}

TEST(Recovery, ADarkNodesBmcIsReadAtMostEveryRecheck) {
    auto facts = node_facts("n1", "DOWN", {"NOT_RESPONDING"}, "Not responding");
    facts.dark_bmc_read_at = kNow - 29000;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty());
    facts.dark_bmc_read_at = kNow - 30000;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow).size(), 1U);
    // Powering up, down, or already in the powered-down pool: not dark.
    for (const char* flag : {"POWERING_UP", "POWERING_DOWN", "POWERED_DOWN"}) {
        facts.slurm.flags = {"NOT_RESPONDING", flag};
        EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << flag;
    }
    facts.slurm.flags = {};
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "responding";
    facts.slurm = node_facts("n1", "ALLOCATED", {"NOT_RESPONDING"}, "").slurm;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "its job is Slurm's to requeue first";
}

TEST(Recovery, APowerOnOfANodeThatIsOnButNotRegisteredStartsItAfresh) {
    constexpr TimeMs kDeadline = 60000;
    PowerOnFacts facts;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::on) << "the command line's on is taken as said";
    facts.asked_by_slurm = true;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::read_bmc);
    facts.open_boot = kNow - 59000;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::on) << "Slurm's second call for one boot";
    facts.open_boot = kNow - 60000;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::read_bmc) << "that boot is past its deadline";
    facts.bmc = power::PowerState::off;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::on);
    facts.bmc = power::PowerState::on;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::read_slurm);
    facts.registered = true;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::on) << "up in Slurm: never reset it";
    facts.registered = false;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::cycle);
    facts.bmc = power::PowerState::paused;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::cycle) << "powered, not running";
    facts.bmc = power::PowerState::powering_on;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::on);
    facts.bmc = power::PowerState::on;
    facts.open_boot.reset();
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::cycle) << "left on after a failed resume";
    facts.boot_elsewhere = true;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::on)
        << "just after a takeover: the other daemon's boot may be under way";
    facts.reboot = true;
    EXPECT_EQ(power_on_step(facts, kDeadline, kNow), PowerOnStep::cycle) << "a reboot Slurm asked for is one";
}

// docs/ha.md: after a takeover Slurm's saved state may have lost a resume
// the other daemon carried out; the node is left on for Slurm to resume.
TEST(Recovery, ANodeOnWhileAsleepIsLeftOnForAWhileAfterATakeover) {
    RecoveryPolicy policy = kPolicy;
    policy.late_off_grace_ms = 10000;
    policy.left_on_hold_until = kNow + 60000;
    auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN"}, "");
    facts.asleep_since = kNow - 30000;
    facts.bmc = power::PowerState::on;
    facts.asleep_bmc_read_at = kNow;
    facts.on_while_asleep_since = kNow - 20000;
    EXPECT_TRUE(reconcile({facts}, policy, kNow).empty());
    EXPECT_EQ(reconcile({facts}, policy, kNow + 60000).size(), 1U) << "the hold is over";
}

TEST(Recovery, PowerDisagreementsAreNamed) {
    slurm::NodeState state;
    state.base = "DOWN";
    state.flags = {"DRAIN", "POWERED_DOWN"};
    EXPECT_NE(power_disagreement(state, power::PowerState::on), "");
    EXPECT_EQ(power_disagreement(state, power::PowerState::off), "");
    state.base = "IDLE";
    state.flags = {"NOT_RESPONDING"};
    EXPECT_NE(power_disagreement(state, power::PowerState::off), "");
    EXPECT_EQ(power_disagreement(state, power::PowerState::on), "");
    state.flags = {"POWERING_UP"};
    EXPECT_EQ(power_disagreement(state, power::PowerState::off), "") << "a power change under way";
}

TEST(Recovery, FailedBootReasons) {
    EXPECT_TRUE(is_failed_boot_reason("ResumeTimeout reached"));
    EXPECT_TRUE(is_failed_boot_reason("Node unexpectedly rebooted boot_time=1 last response=2"));
    EXPECT_FALSE(is_failed_boot_reason("Not responding"));
    EXPECT_FALSE(is_failed_boot_reason(""));
    // Slurm 23.02 and later append the reason to one the node already has.
    EXPECT_TRUE(is_failed_boot_reason("Not responding : ResumeTimeout reached"));
    EXPECT_TRUE(is_failed_boot_reason("Not responding : Node unexpectedly rebooted"));
    EXPECT_FALSE(is_failed_boot_reason("slumber: 3 failed resumes in a row, last: ResumeTimeout reached"));
}

TEST(Recovery, AFailedBootWithSlurm2302sAppendedReasonIsRecovered) {
    auto facts = node_facts("n1", "DOWN", {"POWERED_DOWN", "NOT_RESPONDING"}, "Not responding : ResumeTimeout reached");
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow), (std::vector<std::string>{"n1"}));
    facts.bmc = power::PowerState::off;
    const auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume);
    const auto late =
        reconcile({node_facts("n2", "DOWN", {}, "Not responding : Node unexpectedly rebooted")}, kPolicy, kNow);
    ASSERT_EQ(late.size(), 1U);
    EXPECT_EQ(late[0].kind, StepKind::slurm_resume);
}

// Slurm 25.05 with ResumeTimeout=INFINITE shows a boot that never registers
// as POWERING_UP for ever: slumber's own deadline starts recovery.
TEST(Recovery, ABootPastTheDeadlineIsCountedAndSwitchedOff) {
    RecoveryPolicy policy = kPolicy;
    policy.boot_deadline_ms = 300000;
    auto facts = node_facts("n1", "ALLOCATED", {"POWERING_UP", "NOT_RESPONDING"}, "");
    facts.latest_request_on = true;
    facts.powering_up_since = kNow - 400000;
    facts.booting_since = kNow - 299000;
    EXPECT_TRUE(reconcile({facts}, policy, kNow).empty()) << "inside the deadline: still booting";
    facts.booting_since = kNow - 300000;
    auto steps = reconcile({facts}, policy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_cycle) << "the job stays allocated: a cycle, not a power-off";
    EXPECT_TRUE(steps[0].failed_resume);
    EXPECT_NE(steps[0].why.find("past the boot deadline of 300 s"), std::string::npos) << steps[0].why;
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << "no deadline: Slurm's ResumeTimeout decides";
    // The cycle's boot gets the whole deadline again.
    facts.booting_since = kNow - 1000;
    EXPECT_TRUE(reconcile({facts}, policy, kNow).empty());
    // The boot that reaches max_failures drains it instead of looping.
    facts.booting_since = kNow - 300000;
    facts.failed_resumes = 2;
    steps = reconcile({facts}, policy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_drain);
    EXPECT_TRUE(steps[0].failed_resume);
    EXPECT_EQ(steps[0].why,
              "slumber: 3 failed resumes in a row, last: not registered within the boot deadline of 300 s");
}

// Slurm counts the node as asleep (idle~), its BMC as on: a suspend that never
// reached slumber. Read at once, then again after late_off_grace; switched
// off when both reads say on.
TEST(Recovery, ANodeAsleepInSlurmButOnAtItsBmcIsSwitchedOffAfterTheGrace) {
    RecoveryPolicy policy = kPolicy;
    policy.late_off_grace_ms = 60000;
    auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN"}, "");
    facts.asleep_since = kNow;
    EXPECT_EQ(needs_bmc({facts}, policy, kNow), std::vector<std::string>{"n1"})
        << "no power-off since it booted: its BMC is read at once";
    facts.bmc = power::PowerState::on;
    facts.asleep_bmc_read_at = kNow;
    facts.on_while_asleep_since = kNow;
    EXPECT_TRUE(reconcile({facts}, policy, kNow).empty()) << "one read is not enough: it may be shutting down";
    facts.bmc.reset();
    EXPECT_TRUE(needs_bmc({facts}, policy, kNow + 59000).empty()) << "read again after the grace, not before";
    EXPECT_EQ(needs_bmc({facts}, policy, kNow + 60000).size(), 1U);
    facts.bmc = power::PowerState::on;
    facts.asleep_bmc_read_at = kNow + 60000;
    const auto steps = reconcile({facts}, policy, kNow + 60000);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off) << "a journaled request: the carrier switches it";
    EXPECT_EQ(steps[0].event, store::EventKind::recovery);
    EXPECT_NE(steps[0].why.find("Slurm counts it as powered down (IDLE+POWERED_DOWN) but its BMC has said on for "
                                "60 s"),
              std::string::npos)
        << steps[0].why;
    EXPECT_NE(steps[0].why.find("its suspend was lost"), std::string::npos) << steps[0].why;

    facts.bmc = power::PowerState::paused;
    EXPECT_EQ(reconcile({facts}, policy, kNow + 60000).size(), 1U) << "paused has power too";
    for (const auto state : {power::PowerState::off, power::PowerState::powering_off, power::PowerState::powering_on}) {
        facts.bmc = state;
        EXPECT_TRUE(reconcile({facts}, policy, kNow + 60000).empty()) << power::to_string(state);
    }
}

TEST(Recovery, OnlyANodeSlurmCountsAsAsleepAndNothingElseExplainsIsSwitchedOff) {
    auto asleep = [] {
        auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN"}, "");
        facts.bmc = power::PowerState::on;
        facts.asleep_since = kNow - 600000;
        facts.asleep_bmc_read_at = kNow;
        facts.on_while_asleep_since = kNow - 120000;
        return facts;
    };
    ASSERT_EQ(reconcile({asleep()}, kPolicy, kNow).size(), 1U);
    EXPECT_TRUE(asleep_in_slurm(asleep()));
    // Slurm's own phases: powering down (SuspendTimeout), a power-down asked
    // for, being woken, woken for a job (alloc~ before the resume hook runs).
    for (const std::vector<std::string>& flags :
         std::vector<std::vector<std::string>>{{"POWERING_DOWN"},
                                               {"POWERED_DOWN", "POWERING_DOWN"},
                                               {"POWER_DOWN"},
                                               {"POWERED_DOWN", "POWER_DOWN"},
                                               {"POWERED_DOWN", "POWERING_UP"},
                                               {"POWERED_DOWN", "DRAIN"},
                                               {"POWERED_DOWN", "REBOOT_REQUESTED"},
                                               {}}) {
        auto facts = asleep();
        facts.slurm.flags = flags;
        EXPECT_FALSE(asleep_in_slurm(facts)) << facts.slurm.state_text();
        EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty()) << facts.slurm.state_text();
    }
    for (const char* base : {"ALLOCATED", "MIXED", "DOWN"}) {
        auto facts = asleep();
        facts.slurm.base = base;
        EXPECT_FALSE(asleep_in_slurm(facts)) << base;
    }
    auto excluded = asleep();
    excluded.excluded = true;
    auto kept = asleep();
    kept.keep_on = "in slurm.conf's SuspendExcNodes: Slurm keeps it on";
    auto in_flight = asleep();
    in_flight.request_open = true;
    auto settling = asleep();
    settling.last_recovery = kNow - 5000;
    EXPECT_TRUE(reconcile({excluded, kept, in_flight, settling}, kPolicy, kNow).empty());
    EXPECT_TRUE(needs_bmc({excluded, kept, in_flight, settling}, kPolicy, kNow).empty());
    auto failed_off = asleep();
    failed_off.failed_offs = 1;
    failed_off.last_failed_off = kNow - 10000;
    EXPECT_FALSE(asleep_in_slurm(failed_off)) << "a failed power-off is retried with its own back-off";
    EXPECT_TRUE(reconcile({failed_off}, kPolicy, kNow).empty());
}

TEST(Recovery, ASleepingNodeSlumberSwitchedOffIsReadSeldomAndSwitchedOffIfSomeonePowersItOn) {
    auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN"}, "");
    facts.latest_request_off = true;  // slumber switched it off since it booted
    facts.asleep_since = kNow;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "known off: no read at once";
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow + kPolicy.asleep_recheck_ms - 1).empty());
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow + kPolicy.asleep_recheck_ms).size(), 1U);
    facts.asleep_bmc_read_at = kNow + kPolicy.asleep_recheck_ms;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow + kPolicy.asleep_recheck_ms + 60000).empty())
        << "found off: the next read after the same wait";
    // Switched on behind slumber's back: found on, read again after the grace.
    const TimeMs found = kNow + kPolicy.asleep_recheck_ms;
    facts.on_while_asleep_since = found;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, found + kPolicy.late_off_grace_ms).size(), 1U);
    facts.bmc = power::PowerState::on;
    const auto steps = reconcile({facts}, kPolicy, found + kPolicy.late_off_grace_ms);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off);
    EXPECT_NE(steps[0].why.find("switched on behind slumber's back"), std::string::npos) << steps[0].why;
}

// Seen by a tester: a crossed pair unblocked with the addresses put right;
// n1, which slumber had switched off (through the crossed address: its
// power-off stopped the partner's machine), showed idle~ while its machine
// ran, for minutes, since a node slumber switched off is read only every
// asleep_recheck_ms. A node just unblocked is read at once, and switched
// off once it has been on for late_off_grace; a dark one too, whatever
// dark_recheck_ms says.
TEST(Recovery, ANodeJustUnblockedHasItsBmcReadAtOnce) {
    auto facts = node_facts("n1", "IDLE", {"POWERED_DOWN", "NOT_RESPONDING"}, "");
    facts.latest_request_off = true;  // slumber's power-off, which reached the partner's machine
    facts.asleep_since = kNow;        // resumed by the unblock: asleep again, watched afresh
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty()) << "a node slumber switched off: not at once";
    facts.unblocked_at = kNow - 1000;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow), std::vector<std::string>{"n1"});
    // Read before the unblock (while it slept, before the block came): read again.
    facts.asleep_bmc_read_at = kNow - 5000;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow), std::vector<std::string>{"n1"});
    // Found off after the unblock: the usual recheck from then on.
    facts.asleep_bmc_read_at = kNow;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow + 60000).empty());
    // Found on: read again after late_off_grace, and switched off.
    facts.on_while_asleep_since = kNow;
    EXPECT_EQ(needs_bmc({facts}, kPolicy, kNow + kPolicy.late_off_grace_ms).size(), 1U);
    facts.asleep_bmc_read_at = kNow + kPolicy.late_off_grace_ms;
    facts.bmc = power::PowerState::on;
    const auto steps = reconcile({facts}, kPolicy, kNow + kPolicy.late_off_grace_ms);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_off);
    EXPECT_NE(steps[0].why.find("its block was lifted since slumber last switched it"), std::string::npos)
        << steps[0].why;

    // The other node of the pair, dark, read just before the block came.
    auto dark = node_facts("n2", "DOWN", {"NOT_RESPONDING"}, "Not responding");
    dark.dark_bmc_read_at = kNow - 1000;
    EXPECT_TRUE(needs_bmc({dark}, kPolicy, kNow).empty());
    dark.unblocked_at = kNow - 500;
    EXPECT_EQ(needs_bmc({dark}, kPolicy, kNow), std::vector<std::string>{"n2"});
    dark.dark_bmc_read_at = kNow;
    EXPECT_TRUE(needs_bmc({dark}, kPolicy, kNow + 1000).empty()) << "read since: the usual recheck";
}

TEST(Recovery, SleepingNodesAreReadAFewAtATimeTheMostUrgentFirst) {
    RecoveryPolicy policy = kPolicy;
    policy.asleep_reads_per_pass = 3;
    std::vector<NodeFacts> nodes;
    for (int i = 0; i < 5; ++i) {
        auto facts = node_facts("off" + std::to_string(i), "IDLE", {"POWERED_DOWN"}, "");
        facts.latest_request_off = true;
        facts.asleep_since = kNow - policy.asleep_recheck_ms - 1000 * i;  // the last one waited longest
        nodes.push_back(facts);
    }
    auto lost = node_facts("lost", "IDLE", {"POWERED_DOWN"}, "");  // no power-off reached slumber
    lost.asleep_since = kNow;
    nodes.push_back(lost);
    EXPECT_EQ(needs_bmc(nodes, policy, kNow), (std::vector<std::string>{"lost", "off4", "off3"}));
}

TEST(Recovery, TheBootDeadlineComesFromSettingThenMeasuredBoots) {
    const slurm::ResumeTimeout finite{std::chrono::seconds(90)};
    const slurm::ResumeTimeout infinite{std::nullopt};
    const std::vector<BootStats> measured{{"", 4, 50000, 70000, 130000}};
    EXPECT_EQ(boot_deadline(std::nullopt, finite, measured), 0) << "Slurm gives up by itself";
    EXPECT_EQ(boot_deadline(120000, finite, measured), 120000) << "an admin's setting always applies";
    EXPECT_EQ(boot_deadline(std::nullopt, infinite, measured), 240000) << "1.5 x 130 s, rounded up to minutes";
    EXPECT_EQ(boot_deadline(std::nullopt, infinite, {}), kDefaultBootDeadlineMs);
    EXPECT_EQ(boot_deadline(45000, infinite, measured), 45000);
}

TEST(Recovery, ARebootSlurmAskedForCyclesANodeThatIsOn) {
    PowerOnFacts facts;
    facts.asked_by_slurm = true;
    facts.bmc = power::PowerState::on;
    facts.registered = true;
    facts.reboot = true;
    EXPECT_EQ(power_on_step(facts, 600000, kNow), PowerOnStep::cycle) << "registered, but Slurm wants a new boot";
    facts.bmc = power::PowerState::off;
    EXPECT_EQ(power_on_step(facts, 600000, kNow), PowerOnStep::on);
    facts.bmc = power::PowerState::on;
    facts.open_boot = kNow - 5000;
    EXPECT_EQ(power_on_step(facts, 600000, kNow), PowerOnStep::on) << "Slurm asked twice for one boot";
    facts.open_boot.reset();
    facts.reboot = false;
    EXPECT_EQ(power_on_step(facts, 600000, kNow), PowerOnStep::on) << "a wake-up of a registered node: nothing";
}

// 24.11 keeps a reason through State=RESUME and power-down; words of an
// earlier episode must not pass for this one's.
TEST(Recovery, AStaleResumeTimeoutIsNotAFailedBootNow) {
    // The earlier failure's words, then the node went silent while up (its
    // power was lost): Slurm appended "Not responding" (24.11).
    auto dark = node_facts("n1", "DOWN", {"NOT_RESPONDING"}, "ResumeTimeout reached : Not responding");
    EXPECT_FALSE(failed_boot_now(dark));
    EXPECT_EQ(needs_bmc({dark}, kPolicy, kNow), std::vector<std::string>{"n1"}) << "dark: its BMC decides";
    dark.bmc = power::PowerState::off;
    auto steps = reconcile({dark}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_power_down) << "a power loss, not a failed boot";

    // Powered down by Slurm later (SuspendTime on a DOWN node): no boot of
    // slumber's is open, so the reason is the earlier episode's.
    auto parked = node_facts("n2", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached : Not responding");
    parked.slurm.reason_time = kNow / 1000 - 30;
    EXPECT_FALSE(failed_boot_now(parked));
    steps = reconcile({parked}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_resume) << "parked down after going silent";
}

TEST(Recovery, ARepeatedResumeTimeoutIsReadByItsTime) {
    // Slurm does not append words a reason already has, but updates its
    // time: a boot of slumber's that never registered, and the reason set
    // after it, is a failure now even though its newest part is older words.
    auto facts = node_facts("n1", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached : Not responding");
    facts.booting_since = kNow - 90000;
    facts.slurm.reason_time = (kNow - 20000) / 1000;
    EXPECT_TRUE(failed_boot_now(facts));
    facts.slurm.reason_time = (kNow - 120000) / 1000;
    EXPECT_FALSE(failed_boot_now(facts)) << "set before that power-on: an earlier episode's";
    facts.slurm.reason_time.reset();
    EXPECT_FALSE(failed_boot_now(facts));
    EXPECT_TRUE(failed_boot_now(node_facts("n2", "DOWN", {"POWERED_DOWN"}, "Not responding : ResumeTimeout reached")))
        << "the newest part";
    EXPECT_FALSE(failed_boot_now(node_facts("n3", "IDLE", {"POWERED_DOWN"}, "ResumeTimeout reached")))
        << "resumed since: not DOWN";
}

TEST(Recovery, SlurmRebootingANodeIsNotAPowerLoss) {
    auto facts = node_facts("n1", "IDLE", {"NOT_RESPONDING", "REBOOT_ISSUED"}, "");
    facts.bmc = power::PowerState::off;
    EXPECT_TRUE(needs_bmc({facts}, kPolicy, kNow).empty());
    EXPECT_TRUE(reconcile({facts}, kPolicy, kNow).empty());
}

TEST(Recovery, ANodeSlurmKeepsOnIsNeverSwitchedOffBySlumber) {
    // Drained for failed resumes and powered down in Slurm's view: switched
    // off, unless SuspendExcNodes or SuspendExcParts keep it on by name
    // (SuspendExcStates=DRAIN is for an admin's drains:
    // ANodeDrainedForFailedResumesIsSwitchedOffUnlessKeptOn).
    auto drained = node_facts("n1", "DOWN", {"DRAIN", "POWERED_DOWN"}, "slumber: 3 failed resumes in a row");
    drained.drained_at = kNow - 60000;
    ASSERT_EQ(reconcile({drained}, kPolicy, kNow).size(), 1U);
    drained.keep_on = drained.keep_on_by_name = "in slurm.conf's SuspendExcNodes: Slurm keeps it on";
    EXPECT_TRUE(reconcile({drained}, kPolicy, kNow).empty());

    // A failed boot left on: a power cycle instead of an off.
    auto failed = node_facts("n2", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
    failed.bmc = power::PowerState::on;
    failed.keep_on = "in slurm.conf's SuspendExcNodes: Slurm keeps it on";
    auto steps = reconcile({failed}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::power_cycle);
    EXPECT_NE(steps[0].why.find("SuspendExcNodes"), std::string::npos) << steps[0].why;
    // ... unless a boot would pass max_powered_nodes: then it is left alone.
    failed.power_on_refused = "SlurmctldParameters=max_powered_nodes=2 is reached (2 powered)";
    EXPECT_TRUE(reconcile({failed}, kPolicy, kNow).empty());
}

TEST(Recovery, ADrainLiftedBySlurmsSuspendIsSetAgain) {
    // idle_on_node_suspend: Slurm made the node IDLE when it suspended it.
    auto facts = node_facts("n1", "IDLE", {"POWERING_DOWN"}, "slumber: power lost again within 60 min");
    facts.drained_at = kNow - 60000;
    facts.drain_lifted_by_suspend = true;
    auto steps = reconcile({facts}, kPolicy, kNow);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].kind, StepKind::slurm_drain);
    EXPECT_EQ(steps[0].why, "slumber: power lost again within 60 min") << "with slumber's own words";
}

}  // namespace
}  // namespace slumber::engine
