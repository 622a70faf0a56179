#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/fake_slurm.hpp"
#include "../support/journal.hpp"
#include "../support/manual_clock.hpp"
#include "../support/temp_dir.hpp"
#include "operate/thermal_guard.hpp"

namespace slumber::operate {
namespace {

constexpr std::int64_t kMaxAgeMs = 90000;

class ThermalGuardTest : public ::testing::Test {
  protected:
    ThermalGuard guard() {
        return ThermalGuard(*m_journal, m_clock, [this] { return m_readings; });
    }
    void read(const std::string& target, double celsius) {
        std::erase_if(m_readings, [&](const engine::Temperature& t) { return t.target == target; });
        m_readings.push_back({target, "Inlet Temp", celsius, m_clock.wall_ms()});
    }
    std::vector<std::string> thermal_events() const {
        std::vector<std::string> texts;
        for (const store::Event& event : m_journal->events({}, 0).value_or(std::vector<store::Event>{})) {
            if (event.kind == store::EventKind::thermal) texts.push_back(event.detail);
        }
        return texts;
    }

    slumber::testing::TempDir m_temp{"slumber-thermal"};
    std::unique_ptr<store::Journal> m_journal = slumber::testing::open_journal(m_temp / "journal.db");
    slumber::testing::ManualClock m_clock;
    std::vector<engine::Temperature> m_readings;
    config::ThermalSettings m_settings{.limit = 30, .resume = 27, .power_down_idle = false};
};

TEST_F(ThermalGuardTest, HoldsAtTheLimitJournalsOnceAndReleasesBelowResume) {
    ThermalGuard thermal = guard();
    read("bmc1", 26);
    read("bmc2", 29);
    thermal.update(m_settings, kMaxAgeMs);
    EXPECT_FALSE(thermal.hold());
    EXPECT_TRUE(thermal_events().empty());

    read("bmc2", 31);
    thermal.update(m_settings, kMaxAgeMs);
    ASSERT_TRUE(thermal.hold());
    EXPECT_NE(thermal.hold()->find("31 °C (Inlet Temp of bmc2) at or above the thermal limit 30 °C"), std::string::npos)
        << *thermal.hold();
    thermal.update(m_settings, kMaxAgeMs);
    read("bmc2", 28);
    thermal.update(m_settings, kMaxAgeMs);
    ASSERT_TRUE(thermal.hold()) << "between resume and limit: still held";
    EXPECT_EQ(*thermal.hold(),
              "28 °C (Inlet Temp of bmc2) not yet below the resume point 27 °C (the hold began at or above the limit "
              "30 °C)")
        << "below the limit now: the words must not say it is at or above it";
    EXPECT_EQ(thermal_events().size(), 1U) << "journaled when it began, not at every pass";

    read("bmc2", 26.5);
    thermal.update(m_settings, kMaxAgeMs);
    EXPECT_FALSE(thermal.hold());
    const auto events = thermal_events();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_NE(events[1].find("below 27 °C: power-ons go again"), std::string::npos) << events[1];
}

TEST_F(ThermalGuardTest, ReadingsGoneStaleReleaseTheHoldAndAreSaidOnce) {
    ThermalGuard thermal = guard();
    read("bmc1", 35);
    thermal.update(m_settings, kMaxAgeMs);
    ASSERT_TRUE(thermal.hold());
    m_clock.advance(std::chrono::milliseconds(kMaxAgeMs + 1));
    thermal.update(m_settings, kMaxAgeMs);
    thermal.update(m_settings, kMaxAgeMs);
    EXPECT_FALSE(thermal.hold()) << "a guard that cannot see keeps no job waiting";
    EXPECT_FALSE(thermal.warmest());
    auto events = thermal_events();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_NE(events[1].find("cannot see"), std::string::npos) << events[1];

    read("bmc1", 25);
    thermal.update(m_settings, kMaxAgeMs);
    events = thermal_events();
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[2], "thermal guard sees again");
}

TEST_F(ThermalGuardTest, WithoutALimitItReadsNothingAndAReloadThatRemovesItReleases) {
    int reads = 0;
    ThermalGuard thermal(*m_journal, m_clock, [&] {
        ++reads;
        return m_readings;
    });
    read("bmc1", 40);
    thermal.update({}, kMaxAgeMs);
    EXPECT_EQ(reads, 0);
    EXPECT_FALSE(thermal.hold());
    thermal.update(m_settings, kMaxAgeMs);
    EXPECT_TRUE(thermal.hold());
    thermal.update({}, kMaxAgeMs);
    EXPECT_FALSE(thermal.hold());
    const auto events = thermal_events();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_NE(events[1].find("limit removed"), std::string::npos) << events[1];
}

// Only nodes that are idle and up, that slumber manages, and that nothing
// keeps on: the guard cools the room as SuspendTime would, no further.
TEST(ThermalPowerDown, OnlyIdleNodesUpThatNothingKeepsOn) {
    const auto config = config::load_text(
        "[slurm]\nexclude = \"n6\"\n[[node]]\nnames = \"n[1-7]\"\ndriver = \"tasmota\"\nbmc_pattern = "
        "\"http://{name}\"\n",
        "test.toml");
    ASSERT_TRUE(config);
    using slumber::testing::node_state;
    slurm::NodeState busy = node_state("n2", "IDLE");
    busy.cpus_allocated = 4;
    const std::vector<slurm::NodeState> cluster{
        node_state("n1", "IDLE"),
        busy,
        node_state("n3", "ALLOCATED"),
        node_state("n4", "IDLE", {"POWERED_DOWN"}),
        node_state("n5", "IDLE", {"DRAIN"}),
        node_state("n6", "IDLE"),  // [slurm] exclude
        node_state("n7", "IDLE"),  // SuspendExcNodes
        node_state("x1", "IDLE"),  // not slumber's
    };
    slurm::PowerSaveRules rules;
    rules.exc_nodes.push_back({{"n7"}, std::nullopt});
    EXPECT_EQ(idle_to_power_down(*config, rules, cluster), std::vector<std::string>{"n1"});
}

// While holding, with power_down_idle, Slurm is asked to power the idle
// nodes down (so it calls the SuspendProgram and its view stays true);
// without a hold, or without the setting, nothing is asked.
TEST_F(ThermalGuardTest, PowersIdleNodesDownThroughSlurmOnlyWhileHolding) {
    auto config = config::load_text(
        "[thermal]\nlimit = 30\npower_down_idle = true\n[[node]]\nnames = \"n[1-3]\"\ndriver = \"tasmota\"\n"
        "bmc_pattern = \"http://{name}\"\n",
        "test.toml");
    ASSERT_TRUE(config);
    using slumber::testing::node_state;
    const std::vector<slurm::NodeState> cluster{node_state("n1", "IDLE"), node_state("n2", "IDLE"),
                                                node_state("n3", "ALLOCATED")};
    slumber::testing::FakeSlurm slurm;
    ThermalGuard thermal = guard();
    read("bmc1", 25);
    thermal.update(config->thermal, kMaxAgeMs);
    ASSERT_TRUE(thermal.power_down_idle(*config, {}, cluster, slurm));
    EXPECT_TRUE(slurm.calls().empty()) << "not holding";

    read("bmc1", 33);
    thermal.update(config->thermal, kMaxAgeMs);
    const auto asked = thermal.power_down_idle(*config, {}, cluster, slurm);
    ASSERT_TRUE(asked);
    EXPECT_EQ(*asked, (std::vector<std::string>{"n1", "n2"}));
    EXPECT_EQ(slurm.calls(), std::vector<std::string>{"update NodeName=n[1-2] State=POWER_DOWN"});
    EXPECT_NE(thermal_events().back().find("asked Slurm to power down the idle nodes n[1-2]"), std::string::npos);

    config->thermal.power_down_idle = false;
    ASSERT_TRUE(thermal.power_down_idle(*config, {}, cluster, slurm));
    EXPECT_EQ(slurm.calls().size(), 1U) << "not asked for";
}

}  // namespace
}  // namespace slumber::operate
