// An admin's power command without Slurm and without root: nodes and a
// device behind `exec` commands, the journal in a temporary directory.
// `slumber power` and the HTTP API switch through here, and print its JSON.
#include "service/power_action.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../support/exec_nodes.hpp"
#include "../support/temp_dir.hpp"
#include "service/power_json.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

class PowerActionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The switch is off until it is switched on; n1 depends on it.
        const std::string device = fmt::format(
            "[[device]]\nname = \"sw\"\ndriver = \"exec\"\non = \"touch {0}/sw.on\"\noff = \"true\"\n"
            "status = \"sh -c 'test -f {0}/sw.on && echo on || echo off'\"\n"
            "[[dependency]]\ndevice = \"sw\"\nnodes = \"n1\"\n",
            dir.string());
        auto loaded = config::load_text(testing::exec_nodes_toml(dir, "n[1-2]", device), "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
    }

    PowerTargets targets(const std::vector<std::string>& names) {
        auto resolved = power_targets(config, names);
        EXPECT_TRUE(resolved);
        return resolved ? std::move(*resolved) : PowerTargets{};
    }

    slumber::testing::TempDir m_temp{"slumber-power-action"};
    fs::path dir = m_temp.path();
    config::Config config;
};

TEST_F(PowerActionTest, NamedTargetsOnceEachWithADriverAndTheUnknownNamesRefused) {
    const PowerTargets resolved = targets({"n2", "sw", "n2"});
    ASSERT_EQ(resolved.targets.size(), 2U);
    EXPECT_EQ(resolved.targets[0]->name, "n2");
    EXPECT_EQ(resolved.targets[1]->name, "sw");
    ASSERT_EQ(resolved.drivers.size(), 2U);
    EXPECT_TRUE(resolved.drivers[0]);
    const auto unknown = power_targets(config, {"n1", "n9", "x"});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(), (std::vector<std::string>{"n9", "x"}));
}

TEST_F(PowerActionTest, PowerOnSwitchesTheDevicesFirstAndGivesEachTargetsOutcomeInOrder) {
    std::vector<store::Event> devices;
    const PowerRequest request{.action = power::Action::on,
                               .devices = [&devices](const store::Event& event) { devices.push_back(event); }};
    const std::vector<power::Outcome> outcomes = switch_power(targets({"n2", "n1"}), request);
    ASSERT_EQ(outcomes.size(), 2U);
    EXPECT_EQ(outcomes[0].target, "n2");
    EXPECT_EQ(outcomes[1].target, "n1");
    for (const power::Outcome& outcome : outcomes) {
        EXPECT_TRUE(outcome.result) << power::describe(outcome.result.error());
        EXPECT_GE(outcome.attempts, 1);
    }
    ASSERT_EQ(devices.size(), 1U);
    EXPECT_EQ(devices[0].node, "sw");
    EXPECT_EQ(devices[0].kind, store::EventKind::power_on);
    EXPECT_TRUE(fs::exists(dir / "sw.on"));
    // A status read leaves the devices alone.
    devices.clear();
    fs::remove(dir / "sw.on");
    const PowerRequest status{.action = power::Action::status,
                              .devices = [&devices](const store::Event& event) { devices.push_back(event); }};
    const auto read = switch_power(targets({"n1"}), status);
    ASSERT_EQ(read.size(), 1U);
    ASSERT_TRUE(read[0].result);
    EXPECT_EQ(*read[0].result, power::PowerState::on);
    EXPECT_TRUE(devices.empty());
    EXPECT_FALSE(fs::exists(dir / "sw.on"));
}

TEST_F(PowerActionTest, TheDevicesGoOnFirstWhenNoOneListensForTheirEventsToo) {
    // `slumber power --json` prints no device lines, and still switches them.
    const auto outcomes = switch_power(targets({"n1"}), {.action = power::Action::on});
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_TRUE(outcomes[0].result);
    EXPECT_TRUE(fs::exists(dir / "sw.on"));
}

TEST_F(PowerActionTest, ABlockedTargetIsTriedOnceAndItsSuccessLiftsTheBlock) {
    {
        auto journal = store::Journal::open(config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        ASSERT_TRUE(journal->add_block({.target = "n2",
                                        .action = std::nullopt,
                                        .kind = power::ErrorKind::auth_failed,
                                        .words = "authentication failed",
                                        .since = 1,
                                        .credentials = "",
                                        .source = "the daemon"}));
    }
    const auto outcomes = switch_power(targets({"n2"}), {.action = power::Action::off});
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_TRUE(outcomes[0].result) << power::describe(outcomes[0].result.error());
    auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal);
    const auto blocks = journal->blocks();
    ASSERT_TRUE(blocks);
    EXPECT_TRUE(blocks->empty());
}

// An admin's switch counts as slumber's own power change: the daemon's
// crossed-address watch reads it (Journal::power_changes), and would take a
// node switched on by `slumber power` for one woken by nobody otherwise.
TEST_F(PowerActionTest, ASwitchIsJournaledAsAPowerChangeOfSlumbers) {
    ASSERT_TRUE(store::Journal::open(config.daemon.journal()));  // the daemon's, made before
    const auto outcomes = switch_power(targets({"n2"}), {.action = power::Action::on});
    ASSERT_EQ(outcomes.size(), 1U);
    ASSERT_TRUE(outcomes[0].result);
    (void)switch_power(targets({"n2"}), {.action = power::Action::status});
    auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal);
    const auto changes = journal->power_changes(0);
    ASSERT_TRUE(changes);
    ASSERT_EQ(changes->size(), 1U) << "a status read is no change";
    EXPECT_EQ(changes->front().node, "n2");
    EXPECT_EQ(changes->front().action, power::Action::on);
    const std::vector<std::string> n2{"n2"};
    const auto events = journal->events(n2, 0);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 1U);
    EXPECT_TRUE(events->front().detail.starts_with("on by slumber power: on after 1 attempt(s)"))
        << events->front().detail;
}

TEST(PowerJson, AConfirmedChangeAnActionNotReadBackAndAFailure) {
    const power::Outcome on{"n1", power::PowerState::on, true, 2, std::chrono::milliseconds(1500)};
    const nlohmann::json expected{{"target", "n1"}, {"action", "on"},     {"ok", true},   {"confirmed", true},
                                  {"attempts", 2},  {"elapsed_ms", 1500}, {"state", "on"}};
    EXPECT_EQ(to_json(power::Action::on, on), expected);

    const power::Outcome unconfirmed{"n2", power::PowerState::off, false, 1, {}};
    EXPECT_TRUE(to_json(power::Action::off, unconfirmed)["state"].is_null());
    // A status read says its state, read back or not.
    EXPECT_EQ(to_json(power::Action::status, unconfirmed)["state"], "off");

    const power::Outcome failed{
        "n3", std::unexpected(power::PowerError{power::ErrorKind::auth_failed, "bad password", "0x0d"}), false, 3, {}};
    const nlohmann::json json = to_json(power::Action::cycle, failed);
    EXPECT_EQ(json["ok"], false);
    EXPECT_EQ(json["action"], "cycle");
    EXPECT_FALSE(json.contains("state"));
    EXPECT_EQ(json["error"],
              (nlohmann::json{{"kind", "auth_failed"}, {"message", "bad password"}, {"bmc_said", "0x0d"}}));
}

}  // namespace
}  // namespace slumber::service
