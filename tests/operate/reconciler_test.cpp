// The daemon's recovery loop without a cluster: Slurm's view is made by hand,
// the BMCs are a reader the test controls, the clock is the test's (one
// ManualClock, as the carrier's), and a
// script stands in for scontrol and logs each call.
//
// 24.11.5: a silent BMC of an idle~ node, read on the daemon's loop, held
// every pass (and every hook request behind it) for its timeouts.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "../support/manual_clock.hpp"
#include "../support/node_state.hpp"
#include "../support/temp_dir.hpp"
#include "operate/reconciler.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::operate {
namespace {

namespace fs = std::filesystem;

using testing::node_state;

// idle~: asleep in Slurm's view, with no power-off of slumber's journaled,
// so its BMC is read every late_off_grace (60 s by default).
slurm::NodeState asleep(std::string name) { return node_state(std::move(name), "IDLE", {"POWERED_DOWN"}); }

// A BMC that does not answer until the test lets it (or, so that a test of
// a reconciler that waits for it ends, until a few seconds have passed);
// from then on it answers `answer` at once.
class HeldBmc {
  public:
    explicit HeldBmc(PowerReading answer) : m_state(std::move(answer)) {}
    std::map<std::string, PowerReading> read(const std::vector<std::string>& nodes) {
        std::unique_lock lock(m_guard);
        ++m_reads;
        m_asked.notify_all();
        const bool let_go = m_let_go.wait_for(lock, std::chrono::seconds(5), [this] { return m_answer; });
        if (!let_go) m_held_a_pass = true;  // nobody let it go: the pass was waiting for it
        std::map<std::string, PowerReading> states;
        for (const std::string& name : nodes) states[name] = m_state;
        return states;
    }
    void answer() {
        const std::lock_guard lock(m_guard);
        m_answer = true;
        m_let_go.notify_all();
    }
    int reads() {
        const std::lock_guard lock(m_guard);
        return m_reads;
    }
    bool held_a_pass() {
        const std::lock_guard lock(m_guard);
        return m_held_a_pass;
    }

  private:
    PowerReading m_state;
    std::mutex m_guard;
    std::condition_variable m_asked;
    std::condition_variable m_let_go;
    bool m_answer = false;
    bool m_held_a_pass = false;
    int m_reads = 0;
};

class ReconcilerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(m_dir / "state");
        std::ofstream(m_dir / "slurm.conf");  // scontrol is given one, as on a controller
        std::ofstream(m_dir / "slumber.toml")
            << "[daemon]\nstate_dir = \"" << (m_dir / "state").string()
            << "\"\n[[node]]\nnames = \"n[1-2]\"\ndriver = \"tasmota\"\nbmc_pattern = \"http://{name}\"\n";
        const fs::path program = m_dir / "scontrol";
        std::ofstream(program) << "#!/bin/sh\necho \"$@\" >> '" << (m_dir / "calls").string()
                               << "'\ncase \"$1\" in\n  --version) echo 'slurm 24.11.5' ;;\nesac\n";
        ::chmod(program.c_str(), 0755);
        auto config = config::load(m_dir / "slumber.toml");
        ASSERT_TRUE(config);
        m_config = std::move(*config);
        auto journal = store::Journal::open(m_config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        m_journal = std::make_unique<store::Journal>(std::move(*journal));
        m_slurm.emplace(m_dir, m_dir / "slurm.conf");
    }
    // The calls that change something in Slurm.
    [[nodiscard]] std::vector<std::string> scontrol_calls() const {
        std::ifstream in(m_dir / "calls");
        std::vector<std::string> calls;
        for (std::string line; std::getline(in, line);) {
            if (line.starts_with("update")) calls.push_back(line);
        }
        return calls;
    }
    [[nodiscard]] int diagnoses(const std::string& name) const {
        const std::vector<std::string> nodes{name};
        auto events = m_journal->events(nodes, 0);
        int count = 0;
        for (const store::Event& event : events ? *events : std::vector<store::Event>{}) {
            count += event.kind == store::EventKind::diagnosis ? 1 : 0;
        }
        return count;
    }
    // A reader whose BMCs all answer `state` at once.
    static PowerReader answering(PowerReading state, std::shared_ptr<std::atomic<int>> reads = nullptr) {
        return [state, reads](const config::Config&, const std::vector<std::string>& nodes) {
            if (reads) ++*reads;
            std::map<std::string, PowerReading> states;
            for (const std::string& name : nodes) states[name] = state;
            return states;
        };
    }
    testing::ManualClock& clock() { return m_clock; }
    // n1 and n2 powering up in Slurm's view, for longer than a lost wake's
    // 10 s and a BMC read: the steps of the pass after that.
    std::expected<std::vector<engine::Step>, std::string> steps_after_lost_wake_wait(Reconciler& reconciler) {
        const std::vector<slurm::NodeState> nodes{node_state("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"}),
                                                  node_state("n2", "IDLE", {"POWERED_DOWN", "POWERING_UP"})};
        if (auto first = reconciler.run(nodes); !first) return first;
        m_clock.advance(std::chrono::milliseconds(10'000));
        if (auto second = reconciler.run(nodes); !second) return second;  // a lost wake: its BMC is read first
        reconciler.finish_reads();
        m_clock.advance(std::chrono::milliseconds(1000));
        return reconciler.run(nodes);
    }

    const testing::TempDir m_temp{"slumber-reconciler"};
    const fs::path m_dir = m_temp.path();
    config::Config m_config;
    std::unique_ptr<store::Journal> m_journal;
    testing::ManualClock m_clock{1'000'000};
    std::optional<slurm::Scontrol> m_slurm;
};

// Slurm 22.05.8 keeps DRAIN but drops the reason when a powered-down node
// registers again (every slurmd does after a refused power-off's scontrol
// reconfigure): a tester's "bad DIMM, ticket 4711" became "none".
TEST_F(ReconcilerTest, ADrainsReasonSlurmDroppedIsGivenBackOnce) {
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::on));
    const std::string reason = "bad DIMM, ticket 4711";
    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {"DRAIN", "POWERED_DOWN"}, reason), asleep("n2")}));
    EXPECT_TRUE(scontrol_calls().empty());
    m_clock.advance(std::chrono::milliseconds(2000));
    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {"DRAIN", "POWERED_DOWN"}), asleep("n2")}));
    EXPECT_EQ(scontrol_calls(), std::vector<std::string>{"update NodeName=n1 State=DRAIN Reason=" + reason});
    // Not again while Slurm is slow to show it, nor for a drain it never saw a reason of.
    m_clock.advance(std::chrono::milliseconds(2000));
    ASSERT_TRUE(reconciler.run(
        {node_state("n1", "IDLE", {"DRAIN", "POWERED_DOWN"}), node_state("n2", "IDLE", {"DRAIN", "POWERED_DOWN"})}));
    EXPECT_EQ(scontrol_calls().size(), 1U);
    // An admin's resume ends the drain: nothing is remembered of it.
    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {"DRAIN"}, reason), asleep("n2")}));
    ASSERT_TRUE(reconciler.run({asleep("n1"), asleep("n2")}));
    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {"DRAIN", "POWERED_DOWN"}), asleep("n2")}));
    EXPECT_EQ(scontrol_calls().size(), 1U);
}

TEST_F(ReconcilerTest, ASilentBmcHoldsNoPassAndNoOtherNodesStep) {
    HeldBmc bmc(std::unexpected("timed out"));
    Reconciler reconciler(
        m_config, *m_journal, *m_slurm, clock(),
        [&bmc](const config::Config&, const std::vector<std::string>& nodes) { return bmc.read(nodes); });
    // n2 lost its power and Slurm powered it down: back into the pool.
    const std::vector<slurm::NodeState> nodes{asleep("n1"),
                                              node_state("n2", "DOWN", {"POWERED_DOWN"}, "Not responding")};
    auto steps = reconciler.run(nodes);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U);
    EXPECT_EQ((*steps)[0].node, "n2");
    EXPECT_EQ(scontrol_calls(), std::vector<std::string>{"update NodeName=n2 State=RESUME"});

    m_clock.advance(std::chrono::milliseconds(2000));
    steps = reconciler.run(nodes);  // the next pass, n1's BMC still silent
    ASSERT_TRUE(steps) << steps.error();
    EXPECT_FALSE(bmc.held_a_pass()) << "a pass waited for n1's silent BMC";
    bmc.answer();
    reconciler.finish_reads();
    EXPECT_EQ(bmc.reads(), 1) << "one read of n1's BMC at a time";

    m_clock.advance(std::chrono::milliseconds(2000));
    steps = reconciler.run(nodes);
    ASSERT_TRUE(steps) << steps.error();
    EXPECT_EQ(diagnoses("n1"), 1) << "its answer (an error) is taken by the pass after it came";
}

TEST_F(ReconcilerTest, OnWhileAsleepCountsFromWhenTheBmcSaidSo) {
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::on));
    const std::vector<slurm::NodeState> nodes{asleep("n1")};
    const store::TimeMs start = m_clock.wall_ms();
    ASSERT_TRUE(reconciler.run(nodes));  // asks
    reconciler.finish_reads();           // on, as of `start`
    m_clock.set_wall(start + 30'000);
    auto steps = reconciler.run(nodes);  // takes it, 30 s late
    ASSERT_TRUE(steps) << steps.error();
    EXPECT_TRUE(steps->empty());

    m_clock.set_wall(start + 60'000);
    ASSERT_TRUE(reconciler.run(nodes));  // a late_off_grace on: asks again
    reconciler.finish_reads();           // on, as of start + 60 s
    m_clock.set_wall(start + 61'000);
    steps = reconciler.run(nodes);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U) << "on for 60 s by its BMC's answers, though the first was taken 30 s late";
    EXPECT_EQ((*steps)[0].kind, engine::StepKind::power_off);
    auto requests = m_journal->latest_requests();
    ASSERT_TRUE(requests);
    ASSERT_TRUE(requests->contains("n1"));
    EXPECT_EQ(requests->at("n1").action, power::Action::off);
}

// Seen by a tester: a crossed pair unblocked with the addresses put right;
// n1, which slumber had switched off (its power-off reached the partner's
// machine), showed idle~ while its machine ran, for minutes, nothing
// journaled, although late_off_grace was 10 s: a node slumber switched off
// was read only every 10 minutes. Unblocked, its BMC is read at once.
TEST_F(ReconcilerTest, ANodeJustUnblockedHasItsBmcReadAtOnceAndIsSwitchedOffAfterTheGrace) {
    const std::vector<std::string> n1{"n1"};
    const auto started = m_journal->start_requests(n1, power::Action::off, store::RequestSource::slurm_suspend,
                                                   m_clock.wall_ms() - 120'000);
    ASSERT_TRUE(started && started->size() == 1U);
    ASSERT_TRUE(m_journal->finish(started->front(), store::OutcomeKind::ok, "ok", m_clock.wall_ms() - 119'000));
    ASSERT_TRUE(m_journal->add_block({"n1",
                                      std::nullopt,
                                      power::ErrorKind::crossed,
                                      "BMC addresses of n1 and n2 look crossed: test",
                                      m_clock.wall_ms() - 100'000,
                                      {},
                                      "the daemon"}));
    ASSERT_TRUE(m_journal->remove_blocks("n1", std::nullopt, "lifted by the test", m_clock.wall_ms() - 1000));
    auto reads = std::make_shared<std::atomic<int>>(0);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::on, reads));
    const std::vector<slurm::NodeState> nodes{asleep("n1")};
    const store::TimeMs start = m_clock.wall_ms();
    ASSERT_TRUE(reconciler.run(nodes));
    reconciler.finish_reads();
    EXPECT_EQ(*reads, 1) << "read at the first pass after the unblock";
    m_clock.set_wall(start + 2000);
    auto steps = reconciler.run(nodes);  // takes it: on
    ASSERT_TRUE(steps) << steps.error();
    EXPECT_TRUE(steps->empty()) << "on once: its own shutdown may be under way";

    m_clock.set_wall(start + 60'000);
    ASSERT_TRUE(reconciler.run(nodes));  // a late_off_grace on: asks again
    reconciler.finish_reads();
    m_clock.set_wall(start + 62'000);
    steps = reconciler.run(nodes);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U);
    EXPECT_EQ((*steps)[0].kind, engine::StepKind::power_off);
    EXPECT_NE((*steps)[0].why.find("its block was lifted"), std::string::npos) << (*steps)[0].why;
}

TEST_F(ReconcilerTest, AnOffBetweenReadsStartsTheGraceAfresh) {
    auto state = std::make_shared<std::atomic<power::PowerState>>(power::PowerState::on);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(),
                          [state](const config::Config&, const std::vector<std::string>& nodes) {
                              std::map<std::string, PowerReading> states;
                              for (const std::string& name : nodes) states[name] = state->load();
                              return states;
                          });
    const std::vector<slurm::NodeState> nodes{asleep("n1")};
    const store::TimeMs start = m_clock.wall_ms();
    for (const auto& [at, found] : {std::pair{0, power::PowerState::on}, std::pair{60'000, power::PowerState::off},
                                    std::pair{120'000, power::PowerState::on}}) {
        m_clock.set_wall(start + at);
        *state = found;
        ASSERT_TRUE(reconciler.run(nodes));
        reconciler.finish_reads();
        m_clock.set_wall(start + at + 1000);
        auto steps = reconciler.run(nodes);
        ASSERT_TRUE(steps) << steps.error();
        EXPECT_TRUE(steps->empty()) << "an off in between: never on for 60 s in a row (at " << at << " ms)";
    }
}

// H2, H3: a node an admin switched off with `slumber power off` (its
// request journaled by the command itself) that Slurm then finds silent is
// slumber's power-off, not a power lost behind its back; a node with no
// such request is.
TEST_F(ReconcilerTest, AnAdminsPowerOffIsNoPowerLoss) {
    const std::vector<std::string> admin{"n1"};
    const auto started = m_journal->start_requests(admin, power::Action::off, store::RequestSource::hand_power,
                                                   m_clock.wall_ms() - 5000);
    ASSERT_TRUE(started && started->size() == 1U);
    ASSERT_TRUE(m_journal->finish(started->front(), store::OutcomeKind::ok, "ok", m_clock.wall_ms() - 4000));
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::off));
    const std::int64_t booted = m_clock.wall_ms() / 1000 - 3600;
    std::vector<slurm::NodeState> nodes{node_state("n1", "IDLE", {"NOT_RESPONDING"}),
                                        node_state("n2", "IDLE", {"NOT_RESPONDING"})};
    for (slurm::NodeState& node : nodes) node.boot_time = booted;
    ASSERT_TRUE(reconciler.run(nodes));
    reconciler.finish_reads();
    m_clock.advance(std::chrono::milliseconds(1000));
    auto steps = reconciler.run(nodes);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U);
    EXPECT_EQ(steps->front().node, "n2");
    EXPECT_EQ(steps->front().event, store::EventKind::power_lost);
}

// A resume that reached the daemon of a controller not in control is
// handed over (docs/ha.md): for the daemon that acts it is a lost wake,
// powered on after 10 s. A tester's resume, refused that way, waited out
// ResumeTimeout: the refused request counted as slumber's own power-on.
TEST_F(ReconcilerTest, AResumeHandedOverIsALostWakeHere) {
    const std::vector<std::string> both{"n1", "n2"};
    const auto started = m_journal->start_requests(both, power::Action::on, store::RequestSource::slurm_resume,
                                                   m_clock.wall_ms() - 5000);
    ASSERT_TRUE(started && started->size() == 2U);
    ASSERT_TRUE(m_journal->finish(started->at(0), store::OutcomeKind::handed_over, "not carried out here",
                                  m_clock.wall_ms() - 4000));
    ASSERT_TRUE(m_journal->finish(started->at(1), store::OutcomeKind::ok, "ok", m_clock.wall_ms() - 4000));
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::off));
    auto steps = steps_after_lost_wake_wait(reconciler);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U) << "n2's power-on was carried out here: nothing to do";
    EXPECT_EQ(steps->front().node, "n1");
    EXPECT_EQ(steps->front().kind, engine::StepKind::power_on);
}

// Control went to the other controller's daemon and came back: a tester's
// node that Slurm was waking again had, as its latest request in this
// journal, a power-on an hour old, which counted as this wake's, so the
// lost wake was never seen. A power-on carried out before the daemon last
// took control answers no wake.
TEST_F(ReconcilerTest, APowerOnFromBeforeTakingControlAnswersNoWake) {
    const std::vector<std::string> both{"n1", "n2"};
    const store::TimeMs earlier = m_clock.wall_ms() - 600'000;  // 10 min before
    const auto started =
        m_journal->start_requests(both, power::Action::on, store::RequestSource::slurm_resume, earlier);
    ASSERT_TRUE(started && started->size() == 2U);
    ASSERT_TRUE(m_journal->finish(started->at(0), store::OutcomeKind::ok, "ok", earlier + 1000));
    ASSERT_TRUE(m_journal->took_control({0, m_clock.wall_ms() - 20'000, "", std::nullopt,
                                         store::EventKind::took_control, "took over: ctl1 is in control"}));
    // n2's power-on waited for the daemon to act, and was carried out after.
    ASSERT_TRUE(m_journal->finish(started->at(1), store::OutcomeKind::ok, "ok", m_clock.wall_ms() - 15'000));
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::off));
    reconciler.began_acting(m_clock.wall_ms() - 20'000);
    auto steps = steps_after_lost_wake_wait(reconciler);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U) << "n2's power-on was carried out in this period: nothing to do";
    EXPECT_EQ(steps->front().node, "n1") << steps->front().why;
    EXPECT_EQ(steps->front().kind, engine::StepKind::power_on);
}

// A node this daemon switched off in an earlier period of acting, switched
// on meanwhile by the other controller's daemon, and asleep in Slurm's
// saved state: a tester's stayed on for 10 minutes after the takeover (the
// routine re-read of a node slumber switched off). Its BMC is read every
// late_off_grace, as for a node whose suspend never reached slumber.
TEST_F(ReconcilerTest, APowerOffFromBeforeTakingControlLeavesTheNodeWatchedClosely) {
    const std::vector<std::string> n1{"n1"};
    const store::TimeMs earlier = m_clock.wall_ms() - 600'000;
    const auto started =
        m_journal->start_requests(n1, power::Action::off, store::RequestSource::slurm_suspend, earlier);
    ASSERT_TRUE(started && started->size() == 1U);
    ASSERT_TRUE(m_journal->finish(started->front(), store::OutcomeKind::ok, "ok", earlier + 1000));
    ASSERT_TRUE(m_journal->took_control({0, m_clock.wall_ms() - 1000, "", std::nullopt, store::EventKind::took_control,
                                         "took over: ctl1 is in control"}));
    auto reads = std::make_shared<std::atomic<int>>(0);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::on, reads));
    reconciler.began_acting(m_clock.wall_ms() - 1000);
    const std::vector<slurm::NodeState> nodes{asleep("n1")};
    const store::TimeMs start = m_clock.wall_ms();
    ASSERT_TRUE(reconciler.run(nodes));
    reconciler.finish_reads();
    EXPECT_EQ(*reads, 1) << "read at the first pass";
    m_clock.set_wall(start + 2000);
    ASSERT_TRUE(reconciler.run(nodes));  // takes it: on
    m_clock.set_wall(start + 60'000);
    ASSERT_TRUE(reconciler.run(nodes));  // a late_off_grace on: asks again
    reconciler.finish_reads();
    EXPECT_EQ(*reads, 2) << "read again after late_off_grace, not after 10 minutes";
    m_clock.set_wall(start + 62'000);
    auto steps = reconciler.run(nodes);
    ASSERT_TRUE(steps) << steps.error();
    ASSERT_EQ(steps->size(), 1U);
    EXPECT_EQ((*steps)[0].kind, engine::StepKind::power_off);
    EXPECT_NE((*steps)[0].why.find("the other controller's daemon may have switched it on since"), std::string::npos)
        << (*steps)[0].why;
}

// The same node found off: read once, then only at the routine re-read
// (every BMC of 10,000 sleeping nodes read every minute after a takeover
// would cost for nothing).
TEST_F(ReconcilerTest, APowerOffFromBeforeTakingControlFoundOffIsReadOnce) {
    const std::vector<std::string> n1{"n1"};
    const store::TimeMs earlier = m_clock.wall_ms() - 600'000;
    const auto started =
        m_journal->start_requests(n1, power::Action::off, store::RequestSource::slurm_suspend, earlier);
    ASSERT_TRUE(started && started->size() == 1U);
    ASSERT_TRUE(m_journal->finish(started->front(), store::OutcomeKind::ok, "ok", earlier + 1000));
    ASSERT_TRUE(m_journal->took_control({0, m_clock.wall_ms() - 1000, "", std::nullopt, store::EventKind::took_control,
                                         "took over: ctl1 is in control"}));
    auto reads = std::make_shared<std::atomic<int>>(0);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::off, reads));
    reconciler.began_acting(m_clock.wall_ms() - 1000);
    const std::vector<slurm::NodeState> nodes{asleep("n1")};
    const store::TimeMs start = m_clock.wall_ms();
    for (const store::TimeMs at : {0, 2000, 60'000, 62'000, 120'000}) {
        m_clock.set_wall(start + at);
        ASSERT_TRUE(reconciler.run(nodes));
        reconciler.finish_reads();
    }
    EXPECT_EQ(*reads, 1) << "found off: no read again before the routine re-read";
}

// What the reconciler remembered of a node in an earlier period of acting
// (when it was first seen powering up) is not this period's.
TEST_F(ReconcilerTest, BeganActingForgetsWhatItSawBefore) {
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::off));
    const std::vector<slurm::NodeState> waking{node_state("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"})};
    auto facts = reconciler.gather_facts(waking);
    ASSERT_TRUE(facts);
    const engine::TimeMs first_seen = m_clock.wall_ms();
    EXPECT_EQ(facts->at(0).powering_up_since, first_seen);
    m_clock.advance(std::chrono::milliseconds(600'000));  // standing by meanwhile: no pass
    EXPECT_EQ(reconciler.gather_facts(waking)->at(0).powering_up_since, first_seen);
    reconciler.began_acting(m_clock.wall_ms());
    EXPECT_EQ(reconciler.gather_facts(waking)->at(0).powering_up_since, m_clock.wall_ms());
}

TEST_F(ReconcilerTest, TheSameBmcErrorIsJournaledOnceWhileTheNodeSleeps) {
    auto reads = std::make_shared<std::atomic<int>>(0);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(std::unexpected("timed out"), reads));
    const std::vector<slurm::NodeState> nodes{asleep("n1")};
    for (int round = 0; round < 3; ++round) {
        ASSERT_TRUE(reconciler.run(nodes));
        reconciler.finish_reads();
        m_clock.advance(std::chrono::milliseconds(1000));
        ASSERT_TRUE(reconciler.run(nodes));
        m_clock.advance(std::chrono::milliseconds(60'000));
    }
    EXPECT_EQ(reads->load(), 3) << "read once per late_off_grace";
    EXPECT_EQ(diagnoses("n1"), 1);
}

TEST_F(ReconcilerTest, AnAnswerAskedBeforeTheNodeFellAsleepIsNotTaken) {
    HeldBmc bmc(power::PowerState::on);
    Reconciler reconciler(
        m_config, *m_journal, *m_slurm, clock(),
        [&bmc](const config::Config&, const std::vector<std::string>& nodes) { return bmc.read(nodes); });
    const store::TimeMs start = m_clock.wall_ms();
    ASSERT_TRUE(reconciler.run({asleep("n1")}));  // asks, during its first sleep
    m_clock.set_wall(start + 1000);
    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {})}));  // woken meanwhile: the watch ends
    bmc.answer();                                                 // on, as of start + 1 s
    reconciler.finish_reads();
    m_clock.set_wall(start + 2000);
    ASSERT_TRUE(reconciler.run({asleep("n1")}));  // asleep again: a new watch; asks afresh
    reconciler.finish_reads();                    // on, as of start + 2 s
    m_clock.set_wall(start + 61'000);
    auto steps = reconciler.run({asleep("n1")});  // had the old answer counted, its grace would be over: asked now
    ASSERT_TRUE(steps) << steps.error();
    reconciler.finish_reads();
    m_clock.set_wall(start + 61'500);
    steps = reconciler.run({asleep("n1")});
    ASSERT_TRUE(steps) << steps.error();
    EXPECT_TRUE(steps->empty()) << "on since its new sleep's first answer only, 59.5 s ago";
    EXPECT_FALSE(bmc.held_a_pass());
}

// The routine read of a node slumber switched off (every asleep_recheck_ms,
// 10 min) waits for the next idle look for its answer: at 10,000 nodes
// asleep, a look every 2 s after each batch of such reads was a third of
// the idle daemon's cost (issue 21). An answer that finds it on makes the
// looks frequent again from the pass after the one that takes it (the
// late_off_grace clock runs), as before.
TEST_F(ReconcilerTest, ARoutineReadOfASleepingNodeKeepsNothingInFlux) {
    const std::vector<std::string> n1{"n1"};
    const auto started = m_journal->start_requests(n1, power::Action::off, store::RequestSource::slurm_suspend,
                                                   m_clock.wall_ms() - 5000);
    ASSERT_TRUE(started && started->size() == 1U);
    ASSERT_TRUE(m_journal->finish(started->front(), store::OutcomeKind::ok, "ok", m_clock.wall_ms() - 4000));
    auto reads = std::make_shared<std::atomic<int>>(0);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::on, reads));
    const std::vector<slurm::NodeState> nodes{asleep("n1"), node_state("n2", "ALLOCATED", {})};
    ASSERT_TRUE(reconciler.run(nodes));
    EXPECT_EQ(reconciler.in_flux(), std::nullopt);
    m_clock.advance(std::chrono::minutes(10));
    ASSERT_TRUE(reconciler.run(nodes));
    reconciler.finish_reads();
    EXPECT_EQ(reads->load(), 1) << "asleep for asleep_recheck_ms: its BMC is read";
    EXPECT_EQ(reconciler.in_flux(), std::nullopt) << "a routine read: its answer waits for the next idle look";
    m_clock.advance(std::chrono::seconds(30));
    ASSERT_TRUE(reconciler.run(nodes));  // takes the answer
    m_clock.advance(std::chrono::seconds(30));
    ASSERT_TRUE(reconciler.run(nodes));
    EXPECT_EQ(reconciler.in_flux(), "n1: on at its BMC while Slurm counts it asleep");
}

// What keeps the daemon looking every 2 s: a node in flux, a BMC read
// under way, a step just taken; a quiet cluster lets it wait its idle_poll.
TEST_F(ReconcilerTest, APassSaysWhatIsInFlux) {
    auto reads = std::make_shared<std::atomic<int>>(0);
    Reconciler reconciler(m_config, *m_journal, *m_slurm, clock(), answering(power::PowerState::off, reads));
    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {}), node_state("n2", "ALLOCATED", {})}));
    EXPECT_EQ(reconciler.in_flux(), std::nullopt);

    ASSERT_TRUE(reconciler.run({node_state("n1", "IDLE", {}), node_state("n2", "IDLE", {"POWERING_UP"})}));
    EXPECT_EQ(reconciler.in_flux(), "n2: powering up");

    // Asleep with no power-off of slumber's: its BMC is read, on a worker;
    // the read under way keeps the looks frequent until its answer is used.
    ASSERT_TRUE(reconciler.run({asleep("n1"), node_state("n2", "IDLE", {})}));
    EXPECT_EQ(reconciler.in_flux(), "BMC reads under way");
    reconciler.finish_reads();
    ASSERT_EQ(reads->load(), 1);
    ASSERT_TRUE(reconciler.run({asleep("n1"), node_state("n2", "IDLE", {})}));
    EXPECT_EQ(reconciler.in_flux(), std::nullopt) << "its BMC says off, as Slurm: nothing to do";
}

}  // namespace
}  // namespace slumber::operate
