// Which nodes keep the daemon looking at Slurm every couple of seconds, and
// which may wait for the idle interval.
#include <gtest/gtest.h>

#include "engine/look_pace.hpp"

#include "../support/node_facts.hpp"

namespace slumber::engine {
namespace {

using testing::node_facts;

const RecoveryPolicy kPolicy{.max_failures = 3, .settle_ms = 10000, .late_boot_grace_ms = 120000};
constexpr TimeMs kNow = 1'000'000;

TEST(LookPace, SlurmChangingPowerIsInFlux) {
    EXPECT_EQ(in_flux(node_facts("n1", "IDLE", {"POWERING_UP"}), kPolicy, kNow), "powering up");
    EXPECT_EQ(in_flux(node_facts("n1", "IDLE", {"POWERING_DOWN"}), kPolicy, kNow), "powering down");
    EXPECT_EQ(in_flux(node_facts("n1", "IDLE", {"POWER_DOWN"}), kPolicy, kNow), "power down asked");
    EXPECT_EQ(in_flux(node_facts("n1", "MIXED", {"REBOOT_ISSUED"}), kPolicy, kNow), "rebooting");
}

TEST(LookPace, AQuietClusterIsNotInFlux) {
    // Asleep, idle, busy, drained, and a dead node Slurm gave up on long ago:
    // nothing of these changes without a hook or the idle interval's look.
    std::vector<NodeFacts> nodes{node_facts("asleep", "IDLE", {"POWERED_DOWN"}), node_facts("idle", "IDLE", {}),
                                 node_facts("busy", "ALLOCATED", {}), node_facts("drained", "IDLE", {"DRAIN"}, "disk"),
                                 node_facts("dead", "DOWN", {"NOT_RESPONDING"}, "Not responding")};
    nodes[0].asleep_since = kNow - 3'600'000;
    nodes[0].asleep_bmc_read_at = kNow - 60'000;
    nodes[4].last_recovery = kNow - 3'600'000;
    EXPECT_EQ(first_in_flux(nodes, kPolicy, kNow), std::nullopt);
}

TEST(LookPace, SlumbersOwnWorkInProgressIsInFlux) {
    auto requested = node_facts("n1", "IDLE", {});
    requested.request_open = true;
    EXPECT_EQ(in_flux(requested, kPolicy, kNow), "a power request in flight");

    // A boot not registered: its registration is timed by the looks.
    auto booting = node_facts("n2", "DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached");
    booting.booting_since = kNow - 5000;
    EXPECT_EQ(in_flux(booting, kPolicy, kNow), "booting");

    auto acted = node_facts("n3", "IDLE", {});
    acted.last_recovery = kNow - 19'999;
    EXPECT_EQ(in_flux(acted, kPolicy, kNow), "recovery acted on it");
    acted.last_recovery = kNow - 20'000;
    EXPECT_EQ(in_flux(acted, kPolicy, kNow), std::nullopt) << "twice settle_ms later it has settled";

    auto found_on = node_facts("n4", "IDLE", {"POWERED_DOWN"});
    found_on.on_while_asleep_since = kNow - 1000;
    EXPECT_EQ(in_flux(found_on, kPolicy, kNow), "on at its BMC while Slurm counts it asleep");
}

TEST(LookPace, AFailedBootIsInFluxForTheLateBootGrace) {
    auto failed = node_facts("n1", "DOWN", {}, "ResumeTimeout reached");
    failed.failed_at = kNow - 119'000;
    EXPECT_EQ(in_flux(failed, kPolicy, kNow), "may still register after a failed boot");
    failed.failed_at = kNow - 120'000;
    EXPECT_EQ(in_flux(failed, kPolicy, kNow), std::nullopt);
}

TEST(LookPace, TheFirstNodeInFluxIsNamed) {
    const std::vector<NodeFacts> nodes{node_facts("n1", "IDLE", {}), node_facts("n2", "IDLE", {"POWERING_UP"}),
                                       node_facts("n3", "IDLE", {"POWERING_DOWN"})};
    EXPECT_EQ(first_in_flux(nodes, kPolicy, kNow), "n2: powering up");
}

TEST(LookPace, ACheapLookKeepsIdlePoll) {
    // 1,000 nodes: a look of about 25 ms of CPU, within 0.5 % of a core at
    // one every 30 s.
    const LookPace pace{.idle_ms = 30'000};
    EXPECT_EQ(pace.idle_for(0), 30'000);
    EXPECT_EQ(pace.idle_for(25'000), 30'000);
    EXPECT_EQ(pace.idle_for(150'000), 30'000);  // exactly 0.5 %
}

TEST(LookPace, ACostlyLookStretchesTheIdleInterval) {
    // 10,000 nodes: 0.24 CPU-seconds a look (bench/results/scale.md) may
    // come every 48 s at 0.5 % of a core.
    const LookPace pace{.idle_ms = 30'000};
    EXPECT_EQ(pace.idle_for(240'000), 48'000);
    // Never beyond 10 minutes, whatever a look costs.
    EXPECT_EQ(pace.idle_for(60'000'000), kLongestIdleMs);
    EXPECT_EQ(pace.idle_for(std::int64_t{1} << 60), kLongestIdleMs);
    // An idle_poll longer than the stretch is kept.
    EXPECT_EQ((LookPace{.idle_ms = 600'000}.idle_for(240'000)), 600'000);
    // A cost read backwards (a clock that cannot) stretches nothing.
    EXPECT_EQ(pace.idle_for(-5), 30'000);
}

TEST(LookCosts, TheLeastOfTheLastThreeLooks) {
    LookCosts costs;
    EXPECT_EQ(costs.cost_us(), 0);
    costs.add(900'000);  // the first look journaled 10,000 nodes first seen
    EXPECT_EQ(costs.cost_us(), 900'000);
    costs.add(200'000);
    costs.add(250'000);
    EXPECT_EQ(costs.cost_us(), 200'000);
    costs.add(2'000'000);  // a recovery step: no stretch for it
    EXPECT_EQ(costs.cost_us(), 200'000);
    // The cluster grew: within three looks the cost follows.
    costs.add(400'000);
    EXPECT_EQ(costs.cost_us(), 250'000);
    costs.add(450'000);
    EXPECT_EQ(costs.cost_us(), 400'000);
}

}  // namespace
}  // namespace slumber::engine
