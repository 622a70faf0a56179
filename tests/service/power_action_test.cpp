// An admin's power command without Slurm and without root: nodes and a
// device behind `exec` commands, the journal in a temporary directory.
// `slumber power` and the HTTP API switch through here, and print its JSON.
#include "service/power_action.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "../support/exec_nodes.hpp"
#include "../support/fake_slurm.hpp"
#include "../support/temp_dir.hpp"
#include "engine/witness_memory.hpp"
#include "service/power_json.hpp"
#include "service/power_phases.hpp"
#include "service/slurm_power.hpp"
#include "service/unblock.hpp"

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
    const auto on = std::ranges::find(*events, store::EventKind::power_on, &store::Event::kind);
    ASSERT_NE(on, events->end());
    EXPECT_TRUE(on->detail.starts_with("on by slumber power: on after 1 attempt(s)")) << on->detail;
    EXPECT_TRUE(on->request) << "the node's switch is a request of slumber-power's";
}

// A power-on whose node was not called (the switch it depends on did not
// come on) switched nothing: it is journaled as `failed`, as the carrier
// journals one, and the node's power phase stays off, not `failed`.
TEST_F(PowerActionTest, APowerOnNotCalledLeavesTheNodesPhase) {
    const std::string device =
        "[[device]]\nname = \"sw\"\ndriver = \"exec\"\non = \"false\"\noff = \"true\"\nstatus = \"echo off\"\nretries "
        "= 0\n"
        "[[dependency]]\ndevice = \"sw\"\nnodes = \"n1\"\n";
    auto loaded = config::load_text(testing::exec_nodes_toml(dir, "n[1-2]", device), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    config = std::move(*loaded);
    ASSERT_TRUE(store::Journal::open(config.daemon.journal()));
    ASSERT_TRUE(switch_power(targets({"n1"}), {.action = power::Action::off}).at(0).result);
    const auto outcomes = switch_power(targets({"n1"}), {.action = power::Action::on});
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].attempts, 0);
    auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal);
    const std::vector<std::string> n1{"n1"};
    const auto events = journal->events(n1, 0);
    ASSERT_TRUE(events);
    ASSERT_FALSE(events->empty());
    EXPECT_EQ(events->back().kind, store::EventKind::failed) << events->back().detail;
    EXPECT_EQ(events->back().action, power::Action::on);
    const auto phases = current_phases(*journal, n1);
    ASSERT_TRUE(phases.contains("n1"));
    EXPECT_EQ(phases.at("n1").phase, engine::PowerPhase::off);
}

// Seen by a tester: `slumber power off vnode002` refused by vnode002's
// crossed block ("addresses look crossed: blocked since …") was journaled
// as `failed`, outcome `error`; right after `slumber unblock`, recovery
// took it for "1 power-off(s) in a row failed" and tried it again, through
// the still-crossed address, switching off the partner's machine. A
// refusal by a block switched nothing: it is `refused`, and no failed
// power-off (Journal::failed_offs, what recovery retries).
TEST_F(PowerActionTest, APowerOffRefusedByABlockIsJournaledRefusedAndNeverRetried) {
    {
        auto journal = store::Journal::open(config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        for (const char* node : {"n1", "n2"}) {
            ASSERT_TRUE(journal->add_block({.target = node,
                                            .action = std::nullopt,
                                            .kind = power::ErrorKind::crossed,
                                            .words = "BMC addresses of n1 and n2 look crossed: test",
                                            .since = 1,
                                            .credentials = "",
                                            .source = "the daemon"}));
        }
    }
    const auto outcomes = switch_power(targets({"n2"}), {.action = power::Action::off});
    ASSERT_EQ(outcomes.size(), 1U);
    ASSERT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].result.error().kind, power::ErrorKind::crossed);
    EXPECT_EQ(outcomes[0].attempts, 0) << "not tried";

    auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal);
    const auto request = journal->latest_request("n2");
    ASSERT_TRUE(request && *request);
    EXPECT_EQ((*request)->outcome_kind, store::OutcomeKind::refused) << (*request)->outcome;
    EXPECT_TRUE((*request)->outcome.starts_with("refused: ")) << (*request)->outcome;
    const std::vector<std::string> n2{"n2"};
    const auto events = journal->events(n2, 0);
    ASSERT_TRUE(events);
    ASSERT_FALSE(events->empty());
    EXPECT_EQ(events->back().kind, store::EventKind::refused) << events->back().detail;
    EXPECT_EQ(events->back().outcome, store::OutcomeKind::refused);
    EXPECT_EQ(events->back().action, power::Action::off);
    EXPECT_TRUE(events->back().detail.starts_with("off refused, asked by slumber power: ")) << events->back().detail;

    // Unblocked: recovery finds no failed power-off to try again.
    ASSERT_TRUE(journal->remove_blocks("n2", std::nullopt, "lifted by test", 2));
    const auto failed = journal->failed_offs();
    ASSERT_TRUE(failed);
    EXPECT_FALSE(failed->contains("n2"));
    // A power-off that was tried and failed still counts.
    const std::string device =
        "[[node]]\nnames = \"n3\"\ndriver = \"exec\"\non = \"true\"\noff = \"false\"\nstatus = \"echo on\"\n"
        "retries = 0\n";
    auto loaded = config::load_text(testing::exec_nodes_toml(dir, "n[1-2]", device), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    config = std::move(*loaded);
    ASSERT_FALSE(switch_power(targets({"n3"}), {.action = power::Action::off}).at(0).result);
    const auto tried = journal->failed_offs();
    ASSERT_TRUE(tried);
    EXPECT_TRUE(tried->contains("n3"));
    EXPECT_FALSE(tried->contains("n2"));
}

// H2: `slumber power off` of a node Slurm shows running a job is refused
// (and journaled so); the others are switched, each journaled as a request
// of slumber-power with its outcome, which recovery reads as slumber's own
// power-off rather than a power lost behind its back.
TEST_F(PowerActionTest, APowerOffSparesANodeRunningAJobAndJournalsTheOthersAsRequests) {
    ASSERT_TRUE(store::Journal::open(config.daemon.journal()));
    PowerTargets resolved = targets({"n1", "n2", "sw"});
    const std::vector<slurm::NodeState> view{slumber::testing::node_state("n1", "IDLE"),
                                             slumber::testing::node_state("n2", "ALLOCATED")};
    const std::vector<Refused> refused = refuse_busy_nodes(resolved, power::Action::off, view, "slumber power");
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_EQ(refused[0].target, "n2");
    EXPECT_EQ(refused[0].why, "Slurm shows it running a job (ALLOCATED): slumber powers off no node that does");
    ASSERT_EQ(resolved.targets.size(), 2U);
    EXPECT_EQ(resolved.targets[0]->name, "n1");
    EXPECT_EQ(resolved.targets[1]->name, "sw");
    EXPECT_EQ(resolved.drivers.size(), 2U);
    // A cycle takes the power away too; a power-on refuses nothing.
    PowerTargets again = targets({"n2"});
    EXPECT_EQ(refuse_busy_nodes(again, power::Action::cycle, view, "slumber power").size(), 1U);
    PowerTargets on = targets({"n2"});
    EXPECT_TRUE(refuse_busy_nodes(on, power::Action::on, view, "slumber power").empty());

    const auto outcomes = switch_power(resolved, {.action = power::Action::off});
    ASSERT_EQ(outcomes.size(), 2U);
    const auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal);
    const auto latest = journal->latest_requests();
    ASSERT_TRUE(latest);
    ASSERT_TRUE(latest->contains("n1"));
    const store::Request& request = latest->at("n1");
    EXPECT_EQ(request.action, power::Action::off);
    EXPECT_EQ(request.source, store::RequestSource::hand_power);
    EXPECT_EQ(request.state, store::RequestState::done);
    EXPECT_FALSE(latest->contains("n2")) << "refused: no request";
    EXPECT_FALSE(latest->contains("sw")) << "a device's switching is no node's request";
    const auto open = journal->open_requests();
    ASSERT_TRUE(open);
    EXPECT_TRUE(open->empty());
    const std::vector<std::string> nodes{"n1", "n2"};
    const auto events = journal->events(nodes, 0);
    ASSERT_TRUE(events);
    int power_offs = 0;
    int refusals = 0;
    for (const store::Event& event : *events) {
        if (event.kind == store::EventKind::power_off && event.node == "n1") {
            ++power_offs;
            EXPECT_EQ(event.outcome, store::OutcomeKind::ok);
            EXPECT_TRUE(event.detail.starts_with("off by slumber power: ")) << event.detail;
        }
        if (event.kind == store::EventKind::refused && event.node == "n2") ++refusals;
    }
    EXPECT_EQ(power_offs, 1);
    EXPECT_EQ(refusals, 2) << "the off and the cycle";
}

// After switching nodes, `slumber power` looks at Slurm once for the
// crossed-address watch: what each managed node shows goes into the memory
// a daemon takes back at its start (operate::CrossedLook). A status read,
// or a request without the look (--without-slurm, the daemon's web API),
// adds nothing; a Slurm that cannot be asked is said through `warn`.
TEST_F(PowerActionTest, SwitchingNodesLooksAtSlurmForTheCrossedAddressWatch) {
    std::ofstream(dir / "slurm.conf") << "ClusterName=c\nNodeName=n[1-2]\n";
    config.slurm.conf = dir / "slurm.conf";
    ASSERT_TRUE(store::Journal::open(config.daemon.journal()));
    std::vector<std::string> warnings;
    const auto warn = [&warnings](const std::string& line) { warnings.push_back(line); };
    // No scontrol in [slurm] bin_dir yet.
    (void)switch_power(targets({"n2"}), {.action = power::Action::on, .crossed_look = true, .warn = warn});
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_TRUE(warnings[0].starts_with("could not note what Slurm shows for the crossed-address watch: "))
        << warnings[0];
    std::ofstream(dir / "scontrol") << "#!/bin/sh\ncase \"$*\" in\n  *'show node'*) printf '%s\\n' "
                                       "'NodeName=n1 State=IDLE+POWERED_DOWN' "
                                       "'NodeName=n2 State=IDLE BootTime=2026-12-03T07:00:00' "
                                       "'NodeName=x9 State=IDLE' ;;\nesac\n";
    ::chmod((dir / "scontrol").c_str(), 0755);
    (void)switch_power(targets({"n2"}), {.action = power::Action::status, .crossed_look = true, .warn = warn});
    (void)switch_power(targets({"n2"}), {.action = power::Action::on});
    auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal);
    EXPECT_TRUE(journal->watch_memory(0)->words.empty());

    (void)switch_power(targets({"n2"}), {.action = power::Action::on, .crossed_look = true, .warn = warn});
    EXPECT_EQ(warnings.size(), 1U) << warnings.back();
    const auto saved = journal->watch_memory(0);
    ASSERT_TRUE(saved) << saved.error();
    EXPECT_EQ(saved->words.size(), 2U) << "n1 and n2; x9 is not slumber's";
    ASSERT_TRUE(saved->words.contains("n1"));
    const auto n1 = engine::witness_memory_from(saved->words.at("n1"));
    ASSERT_TRUE(n1) << n1.error();
    EXPECT_TRUE(n1->asleep_at) << "n1 seen asleep";
    ASSERT_TRUE(saved->words.contains("n2"));
    const auto n2 = engine::witness_memory_from(saved->words.at("n2"));
    ASSERT_TRUE(n2) << n2.error();
    EXPECT_TRUE(n2->seen_up_at) << "n2 seen up";
}

// H3, M2: a person's power action on a node Slurm knows is asked of Slurm,
// so that Slurm counts it as powered down (or waking) and runs slumber's
// hooks; refused on a node running a job, an excluded one, or one Slurm is
// switching the other way; nothing asked when Slurm's view already is so.
TEST(SlurmPower, EachStateGetsItsStep) {
    using slumber::testing::node_state;
    using Kind = SlurmPowerStep::Kind;
    const auto off = [](const slurm::NodeState& node, bool excluded = false) {
        return slurm_power_step(node, power::Action::off, excluded);
    };
    const auto on = [](const slurm::NodeState& node) { return slurm_power_step(node, power::Action::on, false); };
    const SlurmPowerStep idle_off = off(node_state("n1", "IDLE"));
    EXPECT_EQ(idle_off.kind, Kind::ask);
    EXPECT_EQ(idle_off.request, slurm::PowerRequest::down);
    const SlurmPowerStep busy = off(node_state("n1", "MIXED"));
    EXPECT_EQ(busy.kind, Kind::refuse);
    EXPECT_EQ(busy.words, "n1 runs a job (MIXED): slumber powers off no node that does");
    EXPECT_EQ(off(node_state("n1", "IDLE"), true).kind, Kind::refuse);
    EXPECT_EQ(off(node_state("n1", "IDLE", {"POWERED_DOWN"})).kind, Kind::nothing);
    EXPECT_EQ(off(node_state("n1", "IDLE", {"POWERING_DOWN"})).kind, Kind::nothing);
    EXPECT_EQ(off(node_state("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"})).kind, Kind::refuse);
    // A power-up asked and queued (POWER_UP) boots the node at Slurm's next
    // pass: "powered down already" would be untrue (a tester's 200, then a boot).
    const SlurmPowerStep queued = off(node_state("n1", "IDLE", {"POWER_UP", "POWERED_DOWN"}));
    EXPECT_EQ(queued.kind, Kind::refuse);
    EXPECT_EQ(queued.words, "Slurm is powering n1 up (IDLE+POWER_UP+POWERED_DOWN): power it off once it is up");
    EXPECT_EQ(on(node_state("n1", "IDLE", {"POWER_UP", "POWERED_DOWN"})).kind, Kind::nothing);

    const SlurmPowerStep asleep_on = on(node_state("n1", "IDLE", {"POWERED_DOWN"}));
    EXPECT_EQ(asleep_on.kind, Kind::ask);
    EXPECT_EQ(asleep_on.request, slurm::PowerRequest::up);
    EXPECT_EQ(on(node_state("n1", "DOWN", {"POWERED_DOWN"})).kind, Kind::ask);
    EXPECT_EQ(on(node_state("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"})).kind, Kind::nothing);
    EXPECT_EQ(on(node_state("n1", "IDLE", {"POWERING_DOWN"})).kind, Kind::refuse);
    const SlurmPowerStep up = on(node_state("n1", "IDLE"));
    EXPECT_EQ(up.kind, Kind::nothing);
    EXPECT_EQ(up.words, "Slurm shows n1 up (IDLE), not powered down: nothing to power on");
}

TEST(SlurmPower, TheCallIsSlurmsReleasesAndJournaled) {
    slumber::testing::TempDir temp{"slumber-slurm-power"};
    auto journal = store::Journal::open(temp.path() / "journal.db");
    ASSERT_TRUE(journal) << journal.error();
    const slumber::testing::FakeSlurm old_slurm({22, 5, 8});
    const auto down = power_through_slurm(old_slurm, &*journal, slumber::testing::node_state("n1", "IDLE"),
                                          power::Action::off, false, "the web API", std::nullopt, 1000);
    EXPECT_EQ(down.status, 202);
    EXPECT_TRUE(down.ok);
    EXPECT_EQ(down.slurm_call, "scontrol update NodeName=n1 State=POWER_DOWN");
    EXPECT_EQ(old_slurm.calls(), std::vector<std::string>{"update NodeName=n1 State=POWER_DOWN"});
    const slumber::testing::FakeSlurm new_slurm({24, 11, 5});
    const auto up =
        power_through_slurm(new_slurm, &*journal, slumber::testing::node_state("n1", "IDLE", {"POWERED_DOWN"}),
                            power::Action::on, false, "the web API", "inlet 41 C on n3", 2000);
    EXPECT_EQ(up.status, 202);
    EXPECT_EQ(new_slurm.calls(), std::vector<std::string>{"power up n1"});
    EXPECT_NE(up.words.find("once the thermal guard lets it (inlet 41 C on n3)"), std::string::npos) << up.words;
    const auto busy = power_through_slurm(old_slurm, &*journal, slumber::testing::node_state("n1", "ALLOCATED"),
                                          power::Action::off, false, "the web API", std::nullopt, 3000);
    EXPECT_EQ(busy.status, 409);
    EXPECT_FALSE(busy.ok);
    EXPECT_EQ(old_slurm.calls().size(), 1U) << "nothing asked of Slurm";
    const std::vector<std::string> node{"n1"};
    const auto events = journal->events(node, 0);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 3U);
    EXPECT_EQ((*events)[0].kind, store::EventKind::slurm_view);
    EXPECT_EQ((*events)[0].detail,
              "power-down asked of Slurm by the web API: scontrol update NodeName=n1 State=POWER_DOWN");
    EXPECT_EQ((*events)[2].kind, store::EventKind::refused);
}

// M5: clearing slumber's drain resumes a node slumber drained for any
// reason of its own (a power lost again, here), with no block to lift; an
// admin's drain is left, and said so.
TEST_F(PowerActionTest, UnblockClearsSlumbersDrainsAndLeavesAnAdminsAlone) {
    ASSERT_TRUE(store::Journal::open(config.daemon.journal()));
    slumber::testing::FakeSlurm slurm;
    slurm::NodeState lost = slumber::testing::node_state("n1", "IDLE", {"DRAIN"});
    lost.reason = "slumber: power lost again within 60 min with no power-off asked";
    slurm::NodeState admin = slumber::testing::node_state("n2", "IDLE", {"DRAIN"});
    admin.reason = "bad DIMM";
    slurm.show({lost, admin});
    const auto result = unblock(config, slurm, {"n1", "n2"}, "the web API", [] { return store::TimeMs{5000}; });
    ASSERT_TRUE(result) << result.error().words;
    ASSERT_EQ(result->targets.size(), 2U);
    EXPECT_TRUE(result->targets[0].ok);
    EXPECT_EQ(result->targets[0].words,
              "was not blocked; back in service in Slurm (slumber's drain \"slumber: power lost again within 60 min "
              "with no power-off asked\" cleared)");
    EXPECT_FALSE(result->targets[1].ok);
    EXPECT_TRUE(result->targets[1].drain_left);
    EXPECT_EQ(result->targets[1].words,
              "was not blocked; drained by someone else, not by slumber (reason \"bad DIMM\"): left as it is; "
              "`scontrol update NodeName=n2 State=RESUME` returns it to service");
    EXPECT_EQ(slurm.calls(), std::vector<std::string>{"update NodeName=n1 State=RESUME"});
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
