// The idle policy: never, Slurm's SuspendTime rule, and keeping the most
// recently busy nodes warm.
#include "engine/idle_policy.hpp"

#include <gtest/gtest.h>

namespace slumber::engine {
namespace {

using Kind = IdlePolicy::Kind;

const std::vector<IdleNode> kIdle{{0, 100}, {1, 400}, {2, 250}, {3, 400}};

TEST(IdlePolicy, NeverSwitchesAnythingOff) {
    const auto decision = decide_idle({Kind::never, 0, 0}, kIdle, 10'000);
    EXPECT_TRUE(decision.power_off.empty());
    EXPECT_EQ(decision.next_check, -1);
}

TEST(IdlePolicy, AfterIdleIsSlurmsSuspendTime) {
    const IdlePolicy policy{Kind::after_idle, 300, 0};
    auto decision = decide_idle(policy, kIdle, 399);  // node 0 idle 299 s
    EXPECT_TRUE(decision.power_off.empty());
    EXPECT_EQ(decision.next_check, 400);
    decision = decide_idle(policy, kIdle, 560);  // 0 (460 s) and 2 (310 s) are due
    EXPECT_EQ(decision.power_off, (std::vector<int>{0, 2}));
    EXPECT_EQ(decision.next_check, 700);  // 1 and 3
}

TEST(IdlePolicy, KeepWarmSparesTheMostRecentlyBusy) {
    const IdlePolicy policy{Kind::keep_warm, 60, 2};
    const auto decision = decide_idle(policy, kIdle, 10'000);
    EXPECT_EQ(decision.power_off, (std::vector<int>{0, 2})) << "1 and 3 ended last: they stay warm";
    EXPECT_EQ(decision.next_check, -1);
    EXPECT_TRUE(decide_idle({Kind::keep_warm, 60, 8}, kIdle, 10'000).power_off.empty());
}

}  // namespace
}  // namespace slumber::engine
