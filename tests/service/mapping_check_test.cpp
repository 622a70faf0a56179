// --verify-mapping's decisions on Slurm's view, as `scontrol show node`
// showed it on Slurm 22.05.8 in the virtual cluster with two crossed BMCs:
// the checked node IDLE+POWERING_UP, the other one DOWN "Node unexpectedly
// rebooted" with a new boot time.
#include "service/mapping_check.hpp"

#include <gtest/gtest.h>

namespace slumber::service {
namespace {

using slurm::NodeState;

NodeState node(std::string name, std::string base, std::vector<std::string> flags,
               std::optional<std::int64_t> boot_time = 1000) {
    NodeState out;
    out.name = std::move(name);
    out.base = std::move(base);
    out.flags = std::move(flags);
    out.boot_time = boot_time;
    return out;
}

TEST(MappingCheck, OnlyAnIdlePoweredDownNodeIsVerifiable) {
    EXPECT_EQ(why_not_verifiable(node("n1", "IDLE", {"POWERED_DOWN"})), std::nullopt);
    // Slurm 22.05 leaves NOT_RESPONDING on a node powered down by
    // POWER_DOWN_FORCE; sinfo shows it idle~ all the same.
    EXPECT_EQ(why_not_verifiable(node("n1", "IDLE", {"POWERED_DOWN", "NOT_RESPONDING"})), std::nullopt);
    const auto why = [](const NodeState& n) { return why_not_verifiable(n).value_or(""); };
    EXPECT_NE(why(node("n1", "IDLE", {})).find("not powered down (IDLE)"), std::string::npos);
    EXPECT_NE(why(node("n1", "ALLOCATED", {"POWERED_DOWN"})).find("running a job"), std::string::npos);
    NodeState busy = node("n1", "IDLE", {"POWERED_DOWN", "COMPLETING"});
    EXPECT_NE(why(busy).find("running a job"), std::string::npos);
    NodeState drained = node("n1", "IDLE", {"DRAIN", "POWERED_DOWN"});
    drained.reason = "bad DIMM";
    EXPECT_NE(why(drained).find("drained in Slurm (IDLE+DRAIN+POWERED_DOWN: bad DIMM)"), std::string::npos);
    NodeState reserved = node("n1", "IDLE", {"POWERED_DOWN"});
    reserved.reservation = "maint";
    EXPECT_NE(why(reserved).find("ReservationName=maint"), std::string::npos);
    EXPECT_NE(why(node("n1", "IDLE", {"RESERVED", "POWERED_DOWN"})).find("reservation"), std::string::npos);
    EXPECT_NE(why(node("n1", "IDLE", {"POWERING_UP"})).find("under way"), std::string::npos);
    EXPECT_NE(why(node("n1", "IDLE", {"POWERED_DOWN", "POWER_DOWN"})).find("under way or pending"), std::string::npos);
    EXPECT_NE(why(node("n1", "IDLE", {"POWERING_DOWN"})).find("under way"), std::string::npos);
    EXPECT_NE(why(node("n1", "DOWN", {"POWERED_DOWN"})).find("DOWN+POWERED_DOWN, not idle"), std::string::npos);
}

TEST(MappingCheck, SleepersAreThePoweredDownOthers) {
    const std::vector<NodeState> nodes{node("n1", "IDLE", {"POWERED_DOWN"}, 10), node("n2", "IDLE", {}, 20),
                                       node("n3", "DOWN", {"POWERED_DOWN"}, std::nullopt),
                                       node("n4", "IDLE", {"POWERED_DOWN", "POWERING_UP"})};
    const auto found = sleepers(nodes, "n1");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].name, "n3");
    EXPECT_EQ(found[0].boot_time, std::nullopt);
}

class Observe : public ::testing::Test {
  protected:
    static constexpr std::int64_t kAsked = 5000;
    std::vector<Sleeper> before{{"n2", 1000}, {"n3", 1000}};
};

TEST_F(Observe, WaitingWhileTheNodeIsPoweringUpAndNoSleeperBooted) {
    const std::vector<NodeState> now{node("n1", "IDLE", {"POWERING_UP"}, 1000), node("n2", "IDLE", {"POWERED_DOWN"}),
                                     node("n3", "IDLE", {"POWERED_DOWN"})};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, now, {}).verdict, MappingVerdict::waiting);
}

TEST_F(Observe, RegisteredWithABootSinceTheRequest) {
    // Whole seconds: a boot in the second before the request counts.
    const std::vector<NodeState> now{node("n1", "IDLE", {}, kAsked - 1), node("n2", "IDLE", {"POWERED_DOWN"})};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, now, {}).verdict, MappingVerdict::registered);
    // Up since before: not this power-up's boot (the node was on all along).
    const std::vector<NodeState> old{node("n1", "IDLE", {}, kAsked - 100)};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, old, {}).verdict, MappingVerdict::waiting);
    const std::vector<NodeState> silent{node("n1", "IDLE", {"NOT_RESPONDING"}, kAsked + 3)};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, silent, {}).verdict, MappingVerdict::waiting);
}

TEST_F(Observe, ASleeperThatBootsUnaskedIsTheOtherHalfOfACrossedPair) {
    // As Slurm 22.05 shows it: DOWN, "Node unexpectedly rebooted", new BootTime.
    const std::vector<NodeState> now{node("n1", "IDLE", {"POWERING_UP"}, 1000), node("n2", "IDLE", {"POWERED_DOWN"}),
                                     node("n3", "DOWN", {}, kAsked + 2)};
    const MappingObservation seen = observe_mapping("n1", kAsked, before, now, {});
    EXPECT_EQ(seen.verdict, MappingVerdict::other_registered);
    EXPECT_EQ(seen.other, "n3");
}

TEST_F(Observe, ASleeperAskedForElsewhereBootsForItsOwnReason) {
    const std::vector<NodeState> now{node("n1", "IDLE", {"POWERING_UP"}, 1000), node("n3", "IDLE", {}, kAsked + 2)};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, now, {"n3"}).verdict, MappingVerdict::waiting);
    // Still powering up for Slurm: not registered yet, and asked for.
    const std::vector<NodeState> powering{node("n3", "IDLE", {"POWERING_UP"}, kAsked + 2)};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, powering, {}).verdict, MappingVerdict::waiting);
}

TEST_F(Observe, ASleeperWhoseBootTimeDidNotChangeDidNotBoot) {
    const std::vector<Sleeper> late{{"n3", kAsked + 1}};  // its last boot was after the request: not new
    const std::vector<NodeState> now{node("n3", "DOWN", {}, kAsked + 1)};
    EXPECT_EQ(observe_mapping("n1", kAsked, late, now, {}).verdict, MappingVerdict::waiting);
    // A sleeper Slurm never saw boot (no boot time) that registers now counts.
    const std::vector<Sleeper> never{{"n3", std::nullopt}};
    EXPECT_EQ(observe_mapping("n1", kAsked, never, now, {}).verdict, MappingVerdict::other_registered);
}

TEST_F(Observe, TheCheckedNodesOwnRegistrationWins) {
    const std::vector<NodeState> now{node("n1", "IDLE", {}, kAsked + 2), node("n3", "IDLE", {}, kAsked + 2)};
    EXPECT_EQ(observe_mapping("n1", kAsked, before, now, {}).verdict, MappingVerdict::registered);
}

}  // namespace
}  // namespace slumber::service
