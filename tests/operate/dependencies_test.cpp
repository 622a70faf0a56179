// [[dependency]]: switching a real (emulated, on loopback) plug on before its
// nodes and off after them (which devices and when: tests/engine/dependencies_test.cpp).
#include "operate/dependencies.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "vcluster/plug.hpp"

namespace slumber::operate {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class DependenciesOnAPlug : public ::testing::Test {
  protected:
    void SetUp() override {
        plug = std::make_unique<vcluster::Plug>(vcluster::PlugSettings{});
        ASSERT_TRUE(plug->start());
        auto loaded = config::load_text(fmt::format(R"(
[[device]]
name = "ibswitch"
driver = "tasmota"
address = "http://127.0.0.1:{}"
settle = "300ms"
timeout = "1s"
retries = 0

[[node]]
names = "n[1-3]"
driver = "exec"
on = "true"
off = "true"

[[dependency]]
device = "ibswitch"
nodes = "n[1-2]"
off_after = "1s"
)",
                                                    plug->port()),
                                        "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
    }

    std::map<std::string, power::PowerError> bring_up(const std::vector<std::string>& nodes) {
        return bring_up_dependencies(
            config, nodes, [this](const store::Event& event) { events.push_back(event); },
            [] { return store::TimeMs{0}; }, no_blocks);
    }

    static slurm::NodeState node(std::string name, std::vector<std::string> flags) {
        slurm::NodeState state;
        state.name = std::move(name);
        state.base = "IDLE";
        state.flags = std::move(flags);
        return state;
    }

    std::unique_ptr<vcluster::Plug> plug;
    config::Config config;
    std::vector<store::Event> events;
    Blocks no_blocks{config, nullptr, Caller::automatic, [] { return store::TimeMs{0}; }};
};

TEST_F(DependenciesOnAPlug, TheDeviceGoesOnAndSettlesBeforeItsNodes) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(bring_up({"n3"}).empty());
    EXPECT_FALSE(plug->relay_on(0)) << "n3 does not depend on it";
    EXPECT_TRUE(bring_up({"n1", "n3"}).empty());
    EXPECT_TRUE(plug->relay_on(0));
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300)) << "its settle time";
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].node, "ibswitch");
    EXPECT_EQ(events[0].kind, store::EventKind::power_on);
    EXPECT_NE(events[0].detail.find("for n1, which depend on it"), std::string::npos) << events[0].detail;
    // Counted with the nodes' power actions (slumber_power_actions_total).
    EXPECT_EQ(events[0].action, power::Action::on);
    EXPECT_EQ(events[0].outcome, store::OutcomeKind::ok);
    EXPECT_TRUE(bring_up({"n2"}).empty());
    EXPECT_EQ(events.size(), 1U) << "already on: nothing to do, nothing to say";
}

TEST_F(DependenciesOnAPlug, ADeviceThatDoesNotComeOnFailsItsNodesOnly) {
    plug->set_fault(vcluster::PlugFault::liar);  // says ON, stays off
    const auto blocked = bring_up({"n1", "n2", "n3"});
    ASSERT_EQ(blocked.size(), 2U);
    EXPECT_FALSE(blocked.contains("n3"));
    EXPECT_NE(blocked.at("n1").message.find("ibswitch, which it depends on, did not come on"), std::string::npos)
        << blocked.at("n1").message;
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, store::EventKind::failed);
    EXPECT_EQ(events[0].action, power::Action::on);
    EXPECT_EQ(events[0].outcome, store::OutcomeKind::error);
}

TEST_F(DependenciesOnAPlug, TheDaemonSwitchesItOffOnceItsNodesHaveSleptOffAfter) {
    plug->set_relay(0, true);
    DeviceKeeper keeper(config);
    auto log = [this](const store::Event& event) { events.push_back(event); };
    const std::vector asleep{node("n1", {"POWERED_DOWN"}), node("n2", {"POWERED_DOWN"}), node("n3", {})};
    const std::vector waking{node("n1", {"POWERED_DOWN", "POWERING_UP"}), node("n2", {"POWERED_DOWN"}), node("n3", {})};
    EXPECT_TRUE(keeper.run(asleep, 0, log, no_blocks).empty());
    EXPECT_TRUE(keeper.run(asleep, 900, log, no_blocks).empty());
    EXPECT_TRUE(plug->relay_on(0));
    ASSERT_EQ(keeper.run(asleep, 1000, log, no_blocks).size(), 1U);
    EXPECT_FALSE(plug->relay_on(0));
    EXPECT_TRUE(keeper.run(asleep, 5000, log, no_blocks).empty()) << "once, not on every pass";

    keeper.run(waking, 6000, log, no_blocks);  // n1 powers up: the switch is needed again
    plug->set_relay(0, true);
    EXPECT_TRUE(keeper.run(asleep, 6500, log, no_blocks).empty()) << "n1 has slept only since 6.5 s";
    EXPECT_EQ(keeper.run(asleep, 7500, log, no_blocks).size(), 1U);
    EXPECT_FALSE(plug->relay_on(0));
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].kind, store::EventKind::power_off);
}

// A power-up Slurm has queued (POWER_UP, the node still POWERED_DOWN):
// the node is waking, and the device it needs stays on.
TEST_F(DependenciesOnAPlug, ANodeWhosePowerUpIsQueuedIsNotAsleep) {
    plug->set_relay(0, true);
    DeviceKeeper keeper(config);
    auto log = [this](const store::Event& event) { events.push_back(event); };
    const std::vector queued{node("n1", {"POWER_UP", "POWERED_DOWN"}), node("n2", {"POWERED_DOWN"}), node("n3", {})};
    EXPECT_TRUE(keeper.run(queued, 0, log, no_blocks).empty());
    EXPECT_TRUE(keeper.run(queued, 5000, log, no_blocks).empty());
    EXPECT_TRUE(plug->relay_on(0));
    EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace slumber::operate
