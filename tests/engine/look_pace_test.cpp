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

}  // namespace
}  // namespace slumber::engine
