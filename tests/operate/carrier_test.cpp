// The carrier without a cluster: Slurm's view is a FakeSlurm, the BMCs are
// drivers the test controls, and the clock is the test's (the executor's
// waiting and backoff move it, never real time).
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>

#include "../support/fake_slurm.hpp"
#include "../support/journal.hpp"
#include "../support/manual_clock.hpp"
#include "../support/temp_dir.hpp"
#include "operate/blocks.hpp"
#include "operate/carrier.hpp"
#include "operate/dependencies.hpp"
#include "operate/reconciler.hpp"
#include "operate/switching.hpp"

namespace slumber::operate {
namespace {

namespace fs = std::filesystem;
using slumber::testing::node_state;

// The BMCs: each node's power, the error its actions fail with if the test
// sets one, and how many actions each was sent. Drivers are called on the
// executor's threads.
class Bmcs {
  public:
    void fail_actions(const std::string& node, power::PowerError error) {
        const std::lock_guard lock(m_guard);
        m_errors[node] = std::move(error);
    }
    void heal(const std::string& node) {
        const std::lock_guard lock(m_guard);
        m_errors.erase(node);
    }
    int actions(const std::string& node) {
        const std::lock_guard lock(m_guard);
        return m_actions[node];
    }
    int cycles(const std::string& node) {
        const std::lock_guard lock(m_guard);
        return m_cycles[node];
    }
    void power(const std::string& node, power::PowerState state) {
        const std::lock_guard lock(m_guard);
        m_power[node] = state;
    }
    power::Result<void> cycle(const std::string& node) {
        {
            const std::lock_guard lock(m_guard);
            ++m_cycles[node];
        }
        return act(node, power::PowerState::on);
    }
    power::Result<void> act(const std::string& node, power::PowerState goal) {
        std::unique_lock lock(m_guard);
        ++m_actions[node];
        ++m_in_flight;
        m_most_in_flight = std::max(m_most_in_flight, m_in_flight);
        if (m_gather > 0) {
            m_arrived.notify_all();
            m_arrived.wait_for(lock, std::chrono::milliseconds(300), [this] { return m_in_flight >= m_gather; });
        }
        --m_in_flight;
        if (const auto it = m_errors.find(node); it != m_errors.end()) return std::unexpected(it->second);
        m_power[node] = goal;
        return {};
    }
    // Each action waits (300 ms of real time at most) until `count` are in
    // flight at once, so that calls the executor runs side by side meet.
    void gather(int count) {
        const std::lock_guard lock(m_guard);
        m_gather = count;
    }
    int most_in_flight() {
        const std::lock_guard lock(m_guard);
        return m_most_in_flight;
    }
    power::Result<power::PowerState> status(const std::string& node) {
        const std::lock_guard lock(m_guard);
        const auto it = m_power.find(node);
        return it == m_power.end() ? power::PowerState::off : it->second;
    }

  private:
    std::mutex m_guard;
    std::condition_variable m_arrived;
    int m_gather = 0;
    int m_in_flight = 0;
    int m_most_in_flight = 0;
    std::map<std::string, power::PowerState> m_power;
    std::map<std::string, power::PowerError> m_errors;
    std::map<std::string, int> m_actions;
    std::map<std::string, int> m_cycles;
};

class FakeBmc final : public power::Driver {
  public:
    FakeBmc(Bmcs& bmcs, std::string node) : m_bmcs(bmcs), m_node(std::move(node)) {}
    power::Result<void> on() override { return m_bmcs.act(m_node, power::PowerState::on); }
    power::Result<void> off() override { return m_bmcs.act(m_node, power::PowerState::off); }
    power::Result<void> soft() override { return m_bmcs.act(m_node, power::PowerState::off); }
    power::Result<void> cycle() override { return m_bmcs.cycle(m_node); }
    power::Result<power::PowerState> status() override { return m_bmcs.status(m_node); }

  private:
    Bmcs& m_bmcs;
    std::string m_node;
};

// The carrier's source of drivers: one FakeBmc per configured node.
DriverSource fake_drivers(Bmcs& bmcs) {
    return [&bmcs](const config::Config& config, const std::vector<std::string>& nodes) {
        DriverSet set;
        for (const std::string& node : nodes) {
            const config::PowerTarget* target = config.find(node);
            if (target == nullptr) {
                set.failed[node] = "not configured";
                continue;
            }
            set.drivers.push_back(std::make_unique<FakeBmc>(bmcs, node));
            set.tasks.push_back({node, set.drivers.back().get(), target->policy});
        }
        return set;
    };
}

class CarrierTest : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(m_dir / "state");
        std::ofstream(m_dir / "slumber.toml")
            << "[slurm]\nexclude = \"n9\"\n[daemon]\nstate_dir = \"" << (m_dir / "state").string()
            << "\"\nmax_booting = 2\n[[node]]\nnames = \"n[1-3],n9\"\ndriver = \"tasmota\"\n"
               "bmc_pattern = \"http://{name}\"\n";
        auto loaded = config::load(m_dir / "slumber.toml");
        ASSERT_TRUE(loaded);
        m_config = std::move(*loaded);
        m_journal = slumber::testing::open_journal(m_config.daemon.journal());
        ASSERT_NE(m_journal, nullptr);
    }

    Carrier carrier(bool paced = false) {
        // The nodes' machines run (their addresses refuse slurmd's port)
        // unless a test says one is dark.
        return Carrier(
            m_config, *m_journal, m_slurm, "daemon", paced, m_clock, fake_drivers(m_bmcs),
            [this](const slurm::NodeState& node) {
                return util::ProbeResult{m_dark.contains(node.name) ? util::Reach::silent : util::Reach::refused, ""};
            });
    }
    void ask(const std::vector<std::string>& nodes, power::Action action, store::RequestSource source) {
        ASSERT_TRUE(m_journal->add_requests(nodes, action, source, m_clock.wall_ms()));
    }
    // Takes what is pending and carries it all out; the nodes taken.
    std::vector<std::string> carry(Carrier& carrier) {
        std::vector<std::string> taken;
        auto batches = carrier.take();
        EXPECT_TRUE(batches) << (batches ? "" : batches.error());
        if (!batches) return taken;
        for (const Batch& batch : *batches) {
            for (const store::Request& request : batch.requests) taken.push_back(request.node);
            carrier.carry_out(batch, *m_journal);
        }
        return taken;
    }
    std::vector<store::Event> events(const std::string& node, store::EventKind kind) const {
        std::vector<store::Event> found;
        const std::vector<std::string> nodes{node};
        for (store::Event& event : m_journal->events(nodes, 0).value_or(std::vector<store::Event>{})) {
            if (event.kind == kind) found.push_back(std::move(event));
        }
        return found;
    }
    // The DRAIN calls Slurm was asked for so far.
    std::size_t drains() const {
        const auto calls = m_slurm.calls();
        return static_cast<std::size_t>(std::ranges::count_if(
            calls, [](const std::string& call) { return call.find(" State=DRAIN ") != std::string::npos; }));
    }
    std::optional<store::Request> latest(const std::string& node) const {
        return m_journal->latest_request(node).value_or(std::nullopt);
    }

    slumber::testing::TempDir m_temp{"slumber-carrier"};
    fs::path m_dir = m_temp.path();
    config::Config m_config;
    std::unique_ptr<store::Journal> m_journal;
    slumber::testing::FakeSlurm m_slurm;
    slumber::testing::ManualClock m_clock{1'700'000'000'000};
    Bmcs m_bmcs;
    std::set<std::string> m_dark;  ///< nodes whose NodeAddr does not answer
};

// A BMC that refuses the password is asked once: many lock the account
// after a few failed logins. The node Slurm waits for is drained with the
// fault and the fix, and the next request fails without a login.
TEST_F(CarrierTest, ARefusedPasswordIsNeverRetriedAndSlurmIsToldWhy) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERED_DOWN"})});
    m_bmcs.fail_actions("n1", {power::ErrorKind::auth_failed, "login refused", "invalid password"});
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::on, store::RequestSource::slurm_resume);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n1"});
    EXPECT_EQ(m_bmcs.actions("n1"), 1) << "a refused password is not tried again";
    ASSERT_TRUE(latest("n1"));
    EXPECT_EQ(latest("n1")->state, store::RequestState::failed);
    const auto calls = m_slurm.calls();
    ASSERT_EQ(calls.size(), 1U);
    EXPECT_TRUE(calls[0].starts_with("update NodeName=n1 State=DRAIN Reason=" + std::string(kBlockDrainPrefix)))
        << calls[0];

    m_clock.advance(std::chrono::minutes(5));
    ask({"n1"}, power::Action::on, store::RequestSource::slurm_resume);
    carry(daemon);
    EXPECT_EQ(m_bmcs.actions("n1"), 1) << "blocked: the next request fails without a login";
    EXPECT_EQ(latest("n1")->state, store::RequestState::failed);
}

// A power-on Slurm waits for (its resume, a reboot it asked for, recovery
// acting for it) that a block refuses drains the node with the fault;
// a person's power-on is only refused: no job waits for it.
TEST_F(CarrierTest, OnlyAPowerOnSlurmWaitsForDrainsABlockedNode) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERED_DOWN"})});
    m_bmcs.fail_actions("n1", {power::ErrorKind::auth_failed, "login refused", "invalid password"});
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::on, store::RequestSource::hand_resume);
    carry(daemon);
    EXPECT_EQ(m_bmcs.actions("n1"), 1);
    EXPECT_EQ(latest("n1")->state, store::RequestState::failed);
    EXPECT_EQ(drains(), 0U) << "a person's power-on: nobody waits for it";

    for (const store::RequestSource source :
         {store::RequestSource::slurm_resume, store::RequestSource::slurm_reboot, store::RequestSource::recovery}) {
        const std::size_t before = drains();
        m_clock.advance(std::chrono::minutes(1));
        ask({"n1"}, power::Action::on, source);
        carry(daemon);
        EXPECT_EQ(latest("n1")->state, store::RequestState::failed) << store::to_string(source);
        EXPECT_GT(drains(), before) << store::to_string(source) << ": Slurm waits for it";
    }
    EXPECT_EQ(m_bmcs.actions("n1"), 1) << "blocked: never called again";
}

// A request a block stops (here crossed addresses, found between the
// carrier taking a suspend and carrying it out; a power-on, which is not
// held up front) is refused, not failed: nothing was tried, and recovery
// must find no failed power-off to retry once the block is lifted (a
// tester's retry after `slumber unblock` went through a still-crossed
// address and switched off the partner's machine).
TEST_F(CarrierTest, ARequestABlockStopsIsRefusedAndNoFailedPowerOff) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERING_DOWN"}), node_state("n2", "IDLE", {"POWERED_DOWN"})});
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    auto batches = daemon.take();
    ASSERT_TRUE(batches);
    ASSERT_EQ(batches->size(), 1U);
    for (const char* node : {"n1", "n2"}) {
        ASSERT_TRUE(m_journal->add_block({node,
                                          std::nullopt,
                                          power::ErrorKind::crossed,
                                          "BMC addresses of n1 and n2 look crossed: test",
                                          m_clock.wall_ms(),
                                          {},
                                          "the daemon"}));
    }
    daemon.carry_out(batches->front(), *m_journal);
    ask({"n2"}, power::Action::on, store::RequestSource::slurm_resume);
    carry(daemon);
    EXPECT_EQ(m_bmcs.actions("n1") + m_bmcs.actions("n2"), 0) << "neither tried";
    for (const char* node : {"n1", "n2"}) {
        ASSERT_TRUE(latest(node)) << node;
        EXPECT_EQ(latest(node)->outcome_kind, store::OutcomeKind::refused) << node << ": " << latest(node)->outcome;
        const auto refused = events(node, store::EventKind::refused);
        ASSERT_EQ(refused.size(), 1U) << node;
        EXPECT_EQ(refused[0].outcome, store::OutcomeKind::refused);
        EXPECT_NE(refused[0].detail.find("look crossed"), std::string::npos) << refused[0].detail;
        EXPECT_TRUE(events(node, store::EventKind::failed).empty()) << node;
    }
    EXPECT_GT(drains(), 0U) << "n2's resume: Slurm waits for it, and is told why";

    for (const char* node : {"n1", "n2"}) {
        ASSERT_TRUE(m_journal->remove_blocks(node, std::nullopt, "test: unblocked", m_clock.wall_ms()));
    }
    const auto failed = m_journal->failed_offs();
    ASSERT_TRUE(failed);
    EXPECT_TRUE(failed->empty()) << "no power-off to retry";
}

// A node on at its BMC and registered with Slurm is power-cycled only for a
// reboot Slurm asked for; Slurm's resume of it just switches it on. One on
// at its BMC but not registered is started afresh for Slurm, never for a
// person, whose power-on is what they asked for.
TEST_F(CarrierTest, ARebootOrAnUnregisteredNodeOfSlurmsIsPowerCycled) {
    m_slurm.show({node_state("n1", "IDLE"), node_state("n2", "IDLE"), node_state("n3", "IDLE", {"POWERING_UP"})});
    for (const char* node : {"n1", "n2", "n3"}) m_bmcs.power(node, power::PowerState::on);
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::on, store::RequestSource::slurm_reboot);
    ask({"n2"}, power::Action::on, store::RequestSource::slurm_resume);
    ask({"n3"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_EQ(carry(daemon).size(), 3U);
    EXPECT_EQ(m_bmcs.cycles("n1"), 1) << "a reboot Slurm asked for";
    ASSERT_EQ(events("n1", store::EventKind::power_on).size(), 1U);
    EXPECT_NE(events("n1", store::EventKind::power_on)[0].detail.find("a reboot Slurm asked for"), std::string::npos);
    EXPECT_EQ(m_bmcs.cycles("n2"), 0) << "up and registered: Slurm's resume only switches it on";
    EXPECT_EQ(m_bmcs.cycles("n3"), 0) << "a person's power-on";
    EXPECT_EQ(m_bmcs.actions("n3"), 1);

    // Past the boot deadline (ResumeTimeout's default, 600 s): not a second
    // call for a boot still under way.
    m_clock.advance(std::chrono::minutes(20));
    ask({"n3"}, power::Action::on, store::RequestSource::recovery);
    carry(daemon);
    EXPECT_EQ(m_bmcs.cycles("n3"), 1) << "recovery, for Slurm: on but not registered, started afresh";
}

// Slurm wakes n1 for a job; its BMC says on, it is not registered, and
// nothing answers at its NodeAddr: the BMC may drive another node's running
// machine. Not cycled; blocked for every automatic caller (recovery's
// power-off for its failed boot would reach that machine too) and drained,
// so that Slurm's job does not wait for it.
TEST_F(CarrierTest, AnUnregisteredNodeOnAtItsBmcWithADarkAddressIsNotCycledButBlocked) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"})});
    m_bmcs.power("n1", power::PowerState::on);
    m_dark.insert("n1");
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::on, store::RequestSource::slurm_resume);
    carry(daemon);
    EXPECT_EQ(m_bmcs.cycles("n1"), 0);
    EXPECT_EQ(m_bmcs.actions("n1"), 0) << "nothing switched";
    const auto blocks = m_journal->blocks();
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 1U);
    EXPECT_EQ(blocks->front().kind, power::ErrorKind::crossed);
    EXPECT_EQ(blocks->front().action, std::nullopt) << "every action";
    EXPECT_NE(blocks->front().words.find("may drive another node's running machine"), std::string::npos)
        << blocks->front().words;
    EXPECT_GT(drains(), 0U) << "Slurm's job does not wait for a boot that will not come";
    // Recovery, for Slurm, later: refused by the block, nothing tried.
    ask({"n1"}, power::Action::off, store::RequestSource::recovery);
    carry(daemon);
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
}

// Slurm suspends an excluded node: the power-off is refused, the node stays
// on, and Slurm, which now counts it as powering down, is told it is up
// with the calls its release needs.
TEST_F(CarrierTest, ARefusedPowerOffLeavesTheNodeOnAndMakesSlurmsViewTrue) {
    const slurm::NodeState suspending = node_state("n9", "IDLE", {"POWERING_DOWN"});
    m_slurm.show({suspending});
    Carrier daemon = carrier();
    ask({"n9"}, power::Action::off, store::RequestSource::slurm_suspend);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(m_bmcs.actions("n9"), 0);
    ASSERT_TRUE(latest("n9"));
    EXPECT_EQ(latest("n9")->outcome_kind, store::OutcomeKind::refused);
    std::vector<std::string> expected;
    for (const auto& call : slurm::still_up_calls({22, 5, 8}, {suspending})) {
        expected.push_back(fmt::format("{}", fmt::join(call, " ")));
    }
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(m_slurm.calls(), expected);
}

// Slurm suspends a node whose BMC is blocked (it refused the password): the
// power-off is refused without a login, and Slurm, which would count the node
// off while it runs, is told it is up; once unblocked, Slurm's next suspend
// of the idle node goes through.
TEST_F(CarrierTest, APowerOffOfABlockedNodeIsRefusedAndSlurmToldItIsUp) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERED_DOWN"})});
    m_bmcs.fail_actions("n1", {power::ErrorKind::auth_failed, "login refused", "invalid password"});
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::on, store::RequestSource::slurm_resume);
    carry(daemon);
    ASSERT_EQ(m_bmcs.actions("n1"), 1);

    const slurm::NodeState suspending = node_state("n1", "IDLE", {"POWERING_DOWN"});
    m_slurm.show({suspending});
    const std::size_t calls_before = m_slurm.calls().size();
    m_clock.advance(std::chrono::minutes(5));
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(m_bmcs.actions("n1"), 1) << "blocked: no login";
    ASSERT_TRUE(latest("n1"));
    EXPECT_EQ(latest("n1")->outcome_kind, store::OutcomeKind::refused);
    const auto calls = m_slurm.calls();
    std::vector<std::string> told(calls.begin() + static_cast<std::ptrdiff_t>(calls_before), calls.end());
    std::vector<std::string> expected;
    for (const auto& call : slurm::still_up_calls({22, 5, 8}, {suspending})) {
        expected.push_back(fmt::format("{}", fmt::join(call, " ")));
    }
    EXPECT_EQ(told, expected);

    ASSERT_TRUE(m_journal->remove_blocks("n1", std::nullopt, "test: unblocked", m_clock.wall_ms()));
    m_bmcs.heal("n1");
    m_clock.advance(std::chrono::minutes(5));
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n1"});
    EXPECT_EQ(latest("n1")->state, store::RequestState::done);
}

// Seen by a tester: Slurm suspended a node under a crossed block every
// SuspendTime; each refusal told Slurm it was up (State=RESUME, which lifts
// the drain, and reconfigure), so the drain flapped, nine reconfigures came
// in two minutes, and a job ran on it in an undrained moment. A crossed
// node is kept drained and Slurm left counting it as powered down, where
// it is not suspended again.
TEST_F(CarrierTest, ASuspendOfACrossedNodeKeepsItDrainedAndTellsSlurmNothingElse) {
    const std::string words = "BMC addresses of n1 and n2 look crossed: slumber switched n1 off; n2 went silent";
    const std::string reason = "slumber: BMC addresses of n1 and n2 look crossed; check, then slumber unblock n1,n2";
    for (const std::string node : {"n1", "n2"}) {
        ASSERT_TRUE(m_journal->add_block({node, std::nullopt, power::ErrorKind::crossed, words, 0, {}, "the daemon"}));
    }
    auto drained = node_state("n1", "IDLE", {"DRAIN", "POWERING_DOWN"});
    drained.reason = reason;
    m_slurm.show({drained});
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
    EXPECT_EQ(latest("n1")->outcome_kind, store::OutcomeKind::refused);
    EXPECT_TRUE(m_slurm.calls().empty()) << fmt::format("{}", fmt::join(m_slurm.calls(), "\n"));
    const auto views = events("n1", store::EventKind::slurm_view);
    ASSERT_EQ(views.size(), 1U);
    EXPECT_NE(views[0].detail.find("left counting it as powered down"), std::string::npos) << views[0].detail;

    // Undrained (an admin's resume, idle_on_node_suspend): drained again,
    // and still no RESUME nor reconfigure.
    m_slurm.show({node_state("n1", "IDLE", {"POWERING_DOWN"})});
    m_clock.advance(std::chrono::minutes(1));
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(m_slurm.calls(), std::vector<std::string>{"update NodeName=n1 State=DRAIN Reason=" + reason});
}

// An admin's drain of a crossed node is left as it is: replaced by
// slumber's, `slumber unblock` would lift it.
TEST_F(CarrierTest, ASuspendOfACrossedNodeDrainedByAnAdminLeavesThatDrain) {
    const std::string words = "BMC addresses of n1 and n2 look crossed: slumber switched n1 off; n2 went silent";
    for (const std::string node : {"n1", "n2"}) {
        ASSERT_TRUE(m_journal->add_block({node, std::nullopt, power::ErrorKind::crossed, words, 0, {}, "the daemon"}));
    }
    auto repair = node_state("n1", "IDLE", {"DRAIN", "POWERING_DOWN"});
    repair.reason = "DIMM B2 replaced, burn-in first";
    m_slurm.show({repair});
    Carrier daemon = carrier();
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
    EXPECT_TRUE(m_slurm.calls().empty()) << fmt::format("{}", fmt::join(m_slurm.calls(), "\n"));
    const auto views = events("n1", store::EventKind::slurm_view);
    ASSERT_EQ(views.size(), 1U);
    EXPECT_NE(views[0].detail.find("drained by someone else (reason \"DIMM B2 replaced, burn-in first\")"),
              std::string::npos)
        << views[0].detail;
}

// A node Slurm shows running a job is never switched off, whoever asks.
TEST_F(CarrierTest, APowerOffOfANodeRunningAJobIsRefused) {
    m_slurm.show({node_state("n2", "ALLOCATED")});
    Carrier daemon = carrier();
    ask({"n2"}, power::Action::off, store::RequestSource::hand_suspend);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(m_bmcs.actions("n2"), 0);
    EXPECT_EQ(latest("n2")->outcome_kind, store::OutcomeKind::refused);
    EXPECT_EQ(events("n2", store::EventKind::refused).size(), 1U);
}

// max_booting = 2: the third power-on waits, journaled once, while two
// boots are under way (handed out, then journaled), and goes once one of
// them has registered.
TEST_F(CarrierTest, PacingHoldsPowerOnsBackUntilABootRegisters) {
    Carrier daemon = carrier(/*paced=*/true);
    ask({"n1", "n2", "n3"}, power::Action::on, store::RequestSource::hand_resume);
    auto batches = daemon.take();
    ASSERT_TRUE(batches);
    ASSERT_EQ(batches->size(), 1U);
    ASSERT_EQ(batches->front().requests.size(), 2U);
    EXPECT_EQ(latest("n3")->state, store::RequestState::pending);
    EXPECT_EQ(events("n3", store::EventKind::paced).size(), 1U);

    m_clock.advance(std::chrono::seconds(1));
    EXPECT_TRUE(carry(daemon).empty()) << "two handed out, not journaled yet: still booting";
    daemon.carry_out(batches->front(), *m_journal);
    m_clock.advance(std::chrono::seconds(5));
    EXPECT_TRUE(carry(daemon).empty()) << "two journaled boots not registered";
    EXPECT_EQ(events("n3", store::EventKind::paced).size(), 1U) << "held back, journaled once";

    m_clock.advance(std::chrono::seconds(30));
    const std::int64_t booted = m_clock.wall_ms() / 1000 - 20;
    ASSERT_TRUE(daemon.observe_registrations({node_state("n1", "IDLE", {}, booted)}));
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n3"});
    EXPECT_EQ(m_bmcs.actions("n3"), 1);
}

// The thermal guard's hold: every power-on waits, journaled once with the
// guard's words, and all go once it lifts.
TEST_F(CarrierTest, AThermalHoldHoldsEveryPowerOnUntilLifted) {
    Carrier daemon = carrier(/*paced=*/true);
    daemon.hold_power_ons("31 °C (Inlet Temp of bmc1) at or above the thermal limit 30 °C");
    ask({"n1"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_TRUE(carry(daemon).empty());
    const auto held = events("n1", store::EventKind::paced);
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held.front().detail,
              "power-on held back: 31 °C (Inlet Temp of bmc1) at or above the thermal limit 30 °C");
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
    daemon.hold_power_ons(std::nullopt);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n1"});
}

// A hold longer than ResumeTimeout: Slurm gives up on the node
// (ResumeFailProgram), and the power-on that waited is not carried out
// when the hold lifts.
TEST_F(CarrierTest, APowerOnHeldUntilSlurmGaveUpIsNotCarriedOut) {
    Carrier daemon = carrier(/*paced=*/true);
    daemon.hold_power_ons("31 °C (Inlet Temp of bmc1) at or above the thermal limit 30 °C");
    ask({"n1", "n2"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_TRUE(carry(daemon).empty());
    m_clock.advance(std::chrono::seconds(300));
    ASSERT_TRUE(m_journal->record(
        {0, m_clock.wall_ms(), "n1", std::nullopt, store::EventKind::resume_failed, "Slurm: ResumeTimeout reached"}));
    m_clock.advance(std::chrono::seconds(10));
    daemon.hold_power_ons(std::nullopt);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n2"});
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
    EXPECT_EQ(latest("n1")->outcome_kind, store::OutcomeKind::refused);
    EXPECT_NE(latest("n1")->outcome.find("Slurm gave up on it"), std::string::npos) << latest("n1")->outcome;

    // A failed resume from before a request is no reason to drop it.
    daemon.hold_power_ons("still warm");
    ask({"n1"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_TRUE(carry(daemon).empty());
    daemon.hold_power_ons(std::nullopt);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n1"});
}

// Slurm gives up on a resume at ResumeTimeout but says so (ResumeFailProgram)
// at its next check, seconds later: a power-on held that long is not carried
// out meanwhile, where Slurm times it (its resume and reboot, not a
// person's power-on).
TEST_F(CarrierTest, APowerOnHeldForResumeTimeoutIsNotCarriedOut) {
    std::ofstream(m_dir / "slurm.conf") << "ClusterName=test\nResumeTimeout=60\n";
    m_config.slurm.conf = m_dir / "slurm.conf";
    Carrier daemon = carrier(/*paced=*/true);
    daemon.hold_power_ons("31 °C (Inlet Temp of bmc1) at or above the thermal limit 30 °C");
    ask({"n1"}, power::Action::on, store::RequestSource::slurm_resume);
    ask({"n2"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_TRUE(carry(daemon).empty());
    m_clock.advance(std::chrono::seconds(59));
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_EQ(latest("n1")->outcome_kind, std::nullopt) << "still within ResumeTimeout: held";
    m_clock.advance(std::chrono::seconds(1));
    daemon.hold_power_ons(std::nullopt);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n2"});
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
    EXPECT_EQ(latest("n1")->outcome_kind, store::OutcomeKind::refused);
    EXPECT_NE(latest("n1")->outcome.find("held back for Slurm's ResumeTimeout (60 s)"), std::string::npos)
        << latest("n1")->outcome;
}

// The crossed watch's open patterns (CrossedWatch::open()): Slurm's suspend
// of a node that woke unasked waits, journaled once with the watch's
// words, until it is decided; a power-on is never held by it. A suspend
// asked after the look that set the holds began waits for the next look.
TEST_F(CarrierTest, APowerChangeOfANodeBeingJudgedWaitsUntilItIsDecided) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERING_DOWN"}), node_state("n2", "IDLE", {})});
    Carrier daemon = carrier(/*paced=*/true);
    const std::string words = "n1 woke unasked after slumber switched n2 on";
    daemon.hold_changes({{"n1", words}, {"n2", words}}, m_clock.wall_ms());
    m_clock.advance(std::chrono::seconds(1));
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    ask({"n3"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n3"}) << "the suspend is newer than the look: it waits";
    EXPECT_TRUE(events("n1", store::EventKind::paced).empty());

    m_clock.advance(std::chrono::seconds(1));  // the next look
    daemon.hold_changes({{"n1", words}, {"n2", words}}, m_clock.wall_ms());
    EXPECT_TRUE(carry(daemon).empty());
    EXPECT_TRUE(carry(daemon).empty());
    const auto held = events("n1", store::EventKind::paced);
    ASSERT_EQ(held.size(), 1U) << "held back, journaled once";
    EXPECT_EQ(held.front().detail, "power-off held back: " + words);
    EXPECT_EQ(latest("n1")->state, store::RequestState::pending);
    EXPECT_EQ(m_bmcs.actions("n1"), 0);

    // Decided (nothing crossed): the suspend is carried out.
    daemon.hold_changes({}, m_clock.wall_ms());
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n1"});
    EXPECT_EQ(m_bmcs.actions("n1"), 1);
}

// What the daemon sets before its first look (a tester's restart let a
// suspend the watch held before it through at once): every change that
// takes a node's power waits for that look; power-ons go.
TEST_F(CarrierTest, BeforeTheFirstLookEveryPowerChangeThatTakesPowerWaits) {
    m_slurm.show({node_state("n1", "IDLE", {"POWERING_DOWN"}), node_state("n2", "IDLE", {})});
    Carrier daemon = carrier(/*paced=*/true);
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    ask({"n3"}, power::Action::on, store::RequestSource::hand_resume);
    daemon.hold_changes({}, 0);
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n3"});
    EXPECT_EQ(latest("n1")->state, store::RequestState::pending);
    EXPECT_EQ(m_bmcs.actions("n1"), 0);
    m_clock.advance(std::chrono::seconds(1));
    daemon.hold_changes({}, m_clock.wall_ms());  // the first look: nothing open
    EXPECT_EQ(carry(daemon), std::vector<std::string>{"n1"});
}

// Without pacing (a hook's carrier), every power-on goes at once.
TEST_F(CarrierTest, AnUnpacedCarrierHoldsNothingBack) {
    Carrier hook = carrier(/*paced=*/false);
    ask({"n1", "n2", "n3"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_EQ(carry(hook).size(), 3U);
    EXPECT_TRUE(events("n3", store::EventKind::paced).empty());
}

// [daemon] fanout bounds the power calls in flight at once: four power-ons
// go two at a time at fanout 2, and all together at the default (256).
TEST_F(CarrierTest, FanoutBoundsThePowerCallsInFlight) {
    m_bmcs.gather(4);
    m_config.daemon.fanout = 2;
    Carrier narrow = carrier();
    ask({"n1", "n2", "n3", "n9"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_EQ(carry(narrow).size(), 4U);
    EXPECT_EQ(m_bmcs.most_in_flight(), 2);

    for (const char* node : {"n1", "n2", "n3", "n9"}) m_bmcs.power(node, power::PowerState::off);
    m_config.daemon.fanout = config::DaemonSettings{}.fanout;
    Carrier wide = carrier();
    ask({"n1", "n2", "n3", "n9"}, power::Action::on, store::RequestSource::hand_resume);
    EXPECT_EQ(carry(wide).size(), 4U);
    EXPECT_EQ(m_bmcs.most_in_flight(), 4);
}

// The bound: what the open-files limit leaves room for at four descriptors a
// call, after 64 for all else; never below one call.
TEST(Fanout, IsBoundedByTheOpenFilesLimit) {
    EXPECT_EQ(bounded_fanout(256, 524288), 256);
    EXPECT_EQ(bounded_fanout(1024, 1024), 240) << "systemd's soft limit for a service, not raised";
    EXPECT_EQ(bounded_fanout(4096, 16448), 4096);
    EXPECT_EQ(bounded_fanout(4096, 16447), 4095);
    EXPECT_EQ(bounded_fanout(64, 10), 1);
    EXPECT_EQ(bounded_fanout(0, 1024), 1);
    EXPECT_EQ(bounded_fanout(256, -1), 256) << "a limit that could not be read";
}

// A boot counts once slurmd registers with a boot time after the power-on;
// a node up since before it was found running: no boot to time.
TEST_F(CarrierTest, ARegistrationCountsOnlyWithABootTimeAfterThePowerOn) {
    Carrier daemon = carrier();
    ask({"n1", "n2", "n3"}, power::Action::on, store::RequestSource::hand_resume);
    carry(daemon);
    const std::int64_t powered_on = m_clock.wall_ms() / 1000;
    m_clock.advance(std::chrono::seconds(40));
    ASSERT_TRUE(daemon.observe_registrations({
        node_state("n1", "IDLE", {}, powered_on + 30),           // fresh
        node_state("n2", "IDLE", {}, powered_on - 3600),         // stale: up all along
        node_state("n3", "IDLE", {"POWERING_UP"}, std::nullopt)  // still booting
    }));
    EXPECT_EQ(events("n1", store::EventKind::registered).size(), 1U);
    EXPECT_TRUE(events("n2", store::EventKind::registered).empty());
    EXPECT_TRUE(events("n3", store::EventKind::registered).empty());
    const std::vector<std::string> nodes{"n1", "n2", "n3"};
    const auto open = m_journal->open_boots(nodes);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->size(), 1U);
    EXPECT_TRUE(open->contains("n3")) << "only the boot still under way stays open";
}

// The reconciler's first-seen timers: a node powering up, or down after a
// failed boot, counts from when it was first seen so, not from each pass,
// and afresh once it has left that state.
TEST_F(CarrierTest, FirstSeenTimersCountFromTheFirstSightingAndStartAfresh) {
    Reconciler reconciler(m_config, *m_journal, m_slurm, m_clock,
                          [](const config::Config&, const std::vector<std::string>& nodes) {
                              std::map<std::string, PowerReading> states;
                              for (const std::string& node : nodes) states[node] = power::PowerState::on;
                              return states;
                          });
    const slurm::NodeState booting = node_state("n1", "IDLE", {"POWERING_UP"});
    slurm::NodeState failed = node_state("n2", "DOWN", {"POWERED_DOWN"});
    failed.reason = "ResumeTimeout reached";
    const auto facts_of = [&](const std::vector<slurm::NodeState>& nodes) {
        std::map<std::string, engine::NodeFacts> by_node;
        auto facts = reconciler.gather_facts(nodes);
        EXPECT_TRUE(facts) << (facts ? "" : facts.error());
        if (!facts) return by_node;
        for (engine::NodeFacts& fact : *facts) by_node[fact.slurm.name] = std::move(fact);
        return by_node;
    };

    const store::TimeMs first = m_clock.wall_ms();
    auto facts = facts_of({booting, failed});
    EXPECT_EQ(facts["n1"].powering_up_since, first);
    EXPECT_EQ(facts["n2"].failed_at, first);

    m_clock.advance(std::chrono::seconds(90));
    facts = facts_of({booting, failed});
    EXPECT_EQ(facts["n1"].powering_up_since, first) << "the same episode";
    EXPECT_EQ(facts["n2"].failed_at, first);

    m_clock.advance(std::chrono::seconds(10));
    facts_of({node_state("n1", "IDLE"), node_state("n2", "IDLE")});  // both well again
    m_clock.advance(std::chrono::seconds(10));
    const store::TimeMs again = m_clock.wall_ms();
    facts = facts_of({booting, failed});
    EXPECT_EQ(facts["n1"].powering_up_since, again) << "a new episode";
    EXPECT_EQ(facts["n2"].failed_at, again);
}

// With idle_on_node_suspend, Slurm lifts slumber's drain when it suspends
// the node: the reconciler sees that from Slurm's own suspend after the
// drain, never from a person's power-off.
TEST_F(CarrierTest, OnlySlurmsSuspendAfterADrainCountsAsLiftingIt) {
    slurm::PowerSaveRules rules;
    rules.idle_on_node_suspend = true;
    m_slurm.rules(rules);
    Reconciler reconciler(m_config, *m_journal, m_slurm, m_clock,
                          [](const config::Config&, const std::vector<std::string>& nodes) {
                              std::map<std::string, PowerReading> states;
                              for (const std::string& node : nodes) states[node] = power::PowerState::off;
                              return states;
                          });
    const store::TimeMs drained = m_clock.wall_ms();
    ASSERT_TRUE(m_journal->record({0, drained, "n1", std::nullopt, store::EventKind::recovery, "drain: a test",
                                   store::OutcomeKind::ok, std::nullopt, store::StepKind::slurm_drain}));
    ASSERT_TRUE(m_journal->record({0, drained, "n2", std::nullopt, store::EventKind::recovery, "drain: a test",
                                   store::OutcomeKind::ok, std::nullopt, store::StepKind::slurm_drain}));
    m_clock.advance(std::chrono::seconds(10));
    ask({"n1"}, power::Action::off, store::RequestSource::slurm_suspend);
    ask({"n2"}, power::Action::off, store::RequestSource::hand_suspend);
    auto facts = reconciler.gather_facts(
        {node_state("n1", "IDLE", {"POWERED_DOWN"}), node_state("n2", "IDLE", {"POWERED_DOWN"})});
    ASSERT_TRUE(facts) << facts.error();
    ASSERT_EQ(facts->size(), 2U);
    EXPECT_EQ((*facts)[0].drained_at, drained);
    EXPECT_TRUE((*facts)[0].drain_lifted_by_suspend) << "Slurm's suspend after the drain";
    EXPECT_EQ((*facts)[1].drained_at, drained);
    EXPECT_FALSE((*facts)[1].drain_lifted_by_suspend) << "a person's power-off";
}

// The daemon carries batches out on the carrier's own workers, each with
// its own journal connection; finish() waits for them.
TEST_F(CarrierTest, BatchesRunOnTheCarriersOwnWorkers) {
    Carrier daemon = carrier();
    ask({"n1", "n2"}, power::Action::on, store::RequestSource::hand_resume);
    ask({"n3"}, power::Action::off, store::RequestSource::hand_suspend);
    m_slurm.show({node_state("n3", "IDLE")});
    std::mutex guard;
    std::map<power::Action, int> failed;
    ASSERT_TRUE(daemon.start_pending(m_config.daemon.journal(),
                                     [&](const Batch& batch, const std::expected<int, std::string>& done) {
                                         const std::lock_guard lock(guard);
                                         failed[batch.action] = done.value_or(-1);
                                     }));
    daemon.finish();
    EXPECT_EQ(daemon.under_way(), 0U);
    EXPECT_EQ(failed, (std::map<power::Action, int>{{power::Action::on, 0}, {power::Action::off, 0}}));
    for (const std::string& node : std::vector<std::string>{"n1", "n2", "n3"}) {
        ASSERT_TRUE(latest(node));
        EXPECT_EQ(latest(node)->state, store::RequestState::done) << node;
        EXPECT_EQ(m_bmcs.actions(node), 1) << node;
    }
}

// One entry point for every switch: each target's outcome in the order
// asked, a target without a driver or blocked never called, and a failure
// that cannot heal blocking its target for the next automatic caller.
TEST_F(CarrierTest, TheSwitcherCallsOnlyWhatMayBeCalledAndRecordsBlocks) {
    const Switcher switcher{fake_drivers(m_bmcs), &m_clock};
    m_bmcs.fail_actions("n2", {power::ErrorKind::auth_failed, "login refused", ""});
    Blocks blocks(m_config, m_journal.get(), Caller::automatic, m_clock.wall());
    bool settled = false;
    SwitchPlan plan{.action = power::Action::on, .targets = {"n1", "nX", "n2"}};
    plan.source = [](std::size_t) { return std::string("a test"); };
    plan.settled = [&] { settled = true; };
    auto first = switcher.run(m_config, blocks, plan);
    ASSERT_EQ(first.size(), 3U);
    EXPECT_TRUE(settled);
    EXPECT_EQ(first[0].outcome.target, "n1");
    EXPECT_TRUE(first[0].outcome.result);
    EXPECT_EQ(first[1].not_called, NotCalled::no_driver);
    EXPECT_EQ(first[1].no_driver, "not configured");
    EXPECT_EQ(first[2].not_called, NotCalled::no);
    EXPECT_TRUE(first[2].block) << "a refused password blocks its target";

    auto second = switcher.run(m_config, blocks, plan);
    EXPECT_EQ(second[2].not_called, NotCalled::blocked);
    EXPECT_FALSE(second[2].outcome.result);
    EXPECT_EQ(m_bmcs.actions("n2"), 1);
    EXPECT_EQ(m_bmcs.actions("n1"), 2);
}

// The devices a power-on depends on come from the same source of drivers,
// and their settle time passes on the same clock: a live switch is waited
// for without real time passing, and a dead one fails its nodes unbooted.
TEST_F(CarrierTest, DevicesComeFromTheSameDriversAndSettleOnTheSameClock) {
    std::ofstream(m_dir / "devices.toml")
        << "[daemon]\nstate_dir = \"" << (m_dir / "state").string()
        << "\"\n[[device]]\nname = \"sw\"\ndriver = \"tasmota\"\naddress = \"http://sw\"\nsettle = \"10m\"\n"
           "[[device]]\nname = \"dead\"\ndriver = \"tasmota\"\naddress = \"http://dead\"\n"
           "[[node]]\nnames = \"n[1-2]\"\ndriver = \"tasmota\"\nbmc_pattern = \"http://{name}\"\n"
           "[[dependency]]\ndevice = \"sw\"\nnodes = \"n1\"\n[[dependency]]\ndevice = \"dead\"\nnodes = \"n2\"\n";
    auto devices = config::load(m_dir / "devices.toml");
    ASSERT_TRUE(devices) << config::format(devices.error().front());
    m_bmcs.fail_actions("dead", {power::ErrorKind::unreachable, "no answer", ""});
    Carrier daemon(*devices, *m_journal, m_slurm, "daemon", false, m_clock, fake_drivers(m_bmcs));
    ask({"n1", "n2"}, power::Action::on, store::RequestSource::hand_resume);
    const store::TimeMs before = m_clock.wall_ms();
    EXPECT_EQ(carry(daemon).size(), 2U);
    EXPECT_EQ(m_bmcs.actions("sw"), 1);
    EXPECT_GE(m_clock.wall_ms() - before, 600'000) << "the switch's settle time, on the test's clock";
    EXPECT_EQ(m_bmcs.actions("n1"), 1);
    EXPECT_EQ(m_bmcs.actions("n2"), 0) << "not booted into a dead fabric";
    ASSERT_TRUE(latest("n2"));
    EXPECT_EQ(latest("n2")->state, store::RequestState::failed);
}

// The daemon's keeper of devices switches an idle device off through the
// source of drivers and the clock it was given, as the carrier does: the
// switch's off_after passes on the test's clock, and its plug is the test's.
TEST_F(CarrierTest, TheDeviceKeeperSwitchesAnIdleDeviceOffThroughItsDrivers) {
    std::ofstream(m_dir / "keeper.toml")
        << "[daemon]\nstate_dir = \"" << (m_dir / "state").string()
        << "\"\n[[device]]\nname = \"sw\"\ndriver = \"tasmota\"\naddress = \"http://sw\"\n"
           "[[node]]\nnames = \"n[1-2]\"\ndriver = \"tasmota\"\nbmc_pattern = \"http://{name}\"\n"
           "[[dependency]]\ndevice = \"sw\"\nnodes = \"n[1-2]\"\noff_after = \"1m\"\n";
    auto devices = config::load(m_dir / "keeper.toml");
    ASSERT_TRUE(devices) << config::format(devices.error().front());
    m_bmcs.power("sw", power::PowerState::on);
    DeviceKeeper keeper(*devices, m_clock, fake_drivers(m_bmcs));
    Blocks blocks(*devices, m_journal.get(), Caller::automatic, m_clock.wall());
    std::vector<store::Event> logged;
    const DeviceLog log = [&logged](const store::Event& event) { logged.push_back(event); };
    const std::vector<slurm::NodeState> asleep{node_state("n1", "IDLE", {"POWERED_DOWN"}),
                                               node_state("n2", "IDLE", {"POWERED_DOWN"})};

    EXPECT_TRUE(keeper.run(asleep, m_clock.wall_ms(), log, blocks).empty()) << "asleep for less than off_after";
    m_clock.advance(std::chrono::seconds(30));
    EXPECT_TRUE(keeper.run({asleep[0], node_state("n2", "IDLE", {})}, m_clock.wall_ms(), log, blocks).empty());
    m_clock.advance(std::chrono::seconds(59));
    EXPECT_TRUE(keeper.run(asleep, m_clock.wall_ms(), log, blocks).empty()) << "n2 woke: its minute starts afresh";
    EXPECT_EQ(m_bmcs.actions("sw"), 0);

    m_clock.advance(std::chrono::seconds(61));
    const auto done = keeper.run(asleep, m_clock.wall_ms(), log, blocks);
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0], "sw: switched off, every node that depends on it asleep");
    EXPECT_EQ(m_bmcs.actions("sw"), 1) << "switched through the keeper's drivers";
    EXPECT_EQ(m_bmcs.status("sw"), power::PowerState::off);
    ASSERT_EQ(logged.size(), 1U);
    EXPECT_EQ(logged[0].kind, store::EventKind::power_off);
    EXPECT_TRUE(keeper.run(asleep, m_clock.wall_ms(), log, blocks).empty()) << "once each time it becomes idle";
}

}  // namespace
}  // namespace slumber::operate
