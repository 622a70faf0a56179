// The journal on a real SQLite file: requests survive a reopen (a crash),
// are taken once, superseded by a newer word for the same node, and boots
// are timed.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "store/journal.hpp"

namespace slumber::store {
namespace {

class JournalTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir =
            std::filesystem::temp_directory_path() / ("slumber-journal-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(m_dir);
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }
    [[nodiscard]] std::filesystem::path file() const { return m_dir / "state" / "journal.db"; }

    std::filesystem::path m_dir;
};

const std::vector<std::string> kNodes{"n1", "n2", "n3"};

// A daemon standing by hands over only what has waited a ping (docs/ha.md).
TEST_F(JournalTest, PendingRequestsAreTakenUpToATime) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    const std::vector<std::string> early{"n1"};
    const std::vector<std::string> late{"n2"};
    ASSERT_TRUE(journal->add_requests(early, power::Action::on, RequestSource::slurm_resume, 1000));
    ASSERT_TRUE(journal->add_requests(late, power::Action::on, RequestSource::slurm_resume, 7000));
    auto taken = journal->take_pending(100, 6000);
    ASSERT_TRUE(taken) << taken.error();
    ASSERT_EQ(taken->size(), 1U);
    EXPECT_EQ((*taken)[0].node, "n1");
    EXPECT_TRUE(journal->has_pending().value_or(false)) << "n2 waits";
    EXPECT_EQ(journal->take_pending(100, 7000)->size(), 1U);
}

// The crossed-address check needs when a power-on was asked for: a boot
// before that is not its (engine/crossed.hpp).
TEST_F(JournalTest, PowerChangesSayWhenTheirRequestWasJournaled) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    const std::vector<std::string> n1{"n1"};
    ASSERT_TRUE(journal->add_requests(n1, power::Action::on, RequestSource::slurm_resume, 1000));
    auto taken = journal->take_pending();
    ASSERT_TRUE(taken && taken->size() == 1U);
    ASSERT_TRUE(journal->record(
        {0, 5000, "n1", taken->front().id, EventKind::power_on, "on", OutcomeKind::ok, power::Action::on}));
    ASSERT_TRUE(journal->record(
        {0, 6000, "n2", std::nullopt, EventKind::power_on, "on by recovery", OutcomeKind::ok, power::Action::on}));
    // A power-on Slurm asked for, carried out as a power cycle (the BMC said on).
    ASSERT_TRUE(journal->record({0, 7000, "n3", std::nullopt, EventKind::power_on, "on: power cycle (…)",
                                 OutcomeKind::ok, power::Action::cycle}));
    const auto changes = journal->power_changes(0);
    ASSERT_TRUE(changes) << changes.error();
    ASSERT_EQ(changes->size(), 3U);
    EXPECT_EQ((*changes)[0].asked, 1000);
    EXPECT_EQ((*changes)[0].action, power::Action::on);
    EXPECT_EQ((*changes)[1].asked, std::nullopt) << "no request asked for it";
    EXPECT_EQ((*changes)[2].action, power::Action::cycle) << "what happened to the machine";
}

TEST_F(JournalTest, RequestsSurviveAReopenAndAreTakenOnce) {
    {
        auto journal = Journal::open(file());
        ASSERT_TRUE(journal) << journal.error();
        auto batch = journal->add_requests(kNodes, power::Action::on, store::RequestSource::slurm_resume, 1000);
        ASSERT_TRUE(batch) << batch.error();
    }
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    auto taken = journal->take_pending();
    ASSERT_TRUE(taken) << taken.error();
    ASSERT_EQ(taken->size(), 3U);
    EXPECT_EQ((*taken)[0].node, "n1");
    EXPECT_EQ((*taken)[0].action, power::Action::on);
    EXPECT_EQ((*taken)[0].source, RequestSource::slurm_resume);
    EXPECT_EQ((*taken)[0].batch, (*taken)[2].batch);
    EXPECT_TRUE(journal->take_pending()->empty()) << "taken once";
    EXPECT_FALSE(journal->has_pending().value_or(true));

    // A taker that dies leaves them running; the next start puts them back.
    EXPECT_EQ(journal->requeue_running().value_or(-1), 3);
    EXPECT_EQ(journal->take_pending()->size(), 3U);
    ASSERT_TRUE(journal->finish((*taken)[0].id, true, "on", 2000));
    ASSERT_TRUE(journal->finish((*taken)[1].id, false, "error: authentication failed", 2000));
    auto all = journal->requests({}, 0);
    ASSERT_TRUE(all);
    EXPECT_EQ((*all)[0].state, RequestState::done);
    EXPECT_EQ((*all)[1].state, RequestState::failed);
    EXPECT_EQ((*all)[1].outcome, "error: authentication failed");
    EXPECT_EQ((*all)[2].state, RequestState::running);
}

TEST_F(JournalTest, TheLatestWordForANodeSupersedesAPendingOne) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->add_requests(kNodes, power::Action::off, store::RequestSource::slurm_suspend, 1000));
    const std::vector<std::string> n2{"n2"};
    ASSERT_TRUE(journal->add_requests(n2, power::Action::on, store::RequestSource::slurm_resume, 1500));
    auto taken = journal->take_pending();
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->size(), 3U);
    EXPECT_EQ((*taken)[0].node, "n1");
    EXPECT_EQ((*taken)[1].node, "n3");
    EXPECT_EQ((*taken)[2].node, "n2");
    EXPECT_EQ((*taken)[2].action, power::Action::on) << "the job that arrived meanwhile wins";
    auto history = journal->requests(n2, 0);
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 2U);
    EXPECT_EQ((*history)[0].state, RequestState::superseded);
}

TEST_F(JournalTest, ANodeWaitsWhileItsEarlierRequestRuns) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    const std::vector<std::string> n1{"n1"};
    ASSERT_TRUE(journal->add_requests(n1, power::Action::on, store::RequestSource::slurm_resume, 1000));
    auto first = journal->take_pending();
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 1U);
    // A suspend arrives while the power-on still runs (a silent BMC): it must
    // not be sent to the same BMC at the same time.
    ASSERT_TRUE(journal->add_requests(kNodes, power::Action::off, store::RequestSource::slurm_suspend, 1500));
    auto second = journal->take_pending();
    ASSERT_TRUE(second);
    ASSERT_EQ(second->size(), 2U);
    EXPECT_EQ((*second)[0].node, "n2");
    EXPECT_EQ((*second)[1].node, "n3");
    ASSERT_TRUE(journal->finish((*first)[0].id, true, "on", 2000));
    auto third = journal->take_pending();
    ASSERT_TRUE(third);
    ASSERT_EQ(third->size(), 1U);
    EXPECT_EQ((*third)[0].node, "n1");
    EXPECT_EQ((*third)[0].action, power::Action::off);
}

TEST_F(JournalTest, OutcomesAndBootsInOneGo) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->add_requests(kNodes, power::Action::on, store::RequestSource::slurm_resume, 1000));
    auto taken = journal->take_pending();
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->size(), 3U);
    const std::vector<Finished> finished{
        {(*taken)[0].id, true, "on", Event{0, 1100, "n1", (*taken)[0].id, EventKind::power_on, "on"}, 1050},
        {(*taken)[1].id, false, "error: timeout", Event{0, 1200, "n2", (*taken)[1].id, EventKind::power_on, "timeout"},
         std::nullopt},
    };
    ASSERT_TRUE(journal->finish_all(finished));
    auto all = journal->requests({}, 0);
    ASSERT_TRUE(all);
    EXPECT_EQ((*all)[0].state, RequestState::done);
    EXPECT_EQ((*all)[1].state, RequestState::failed);
    EXPECT_EQ((*all)[2].state, RequestState::running);
    auto boots = journal->boots({});
    ASSERT_TRUE(boots);
    ASSERT_EQ(boots->size(), 1U) << "only the power-on that worked opens a boot";
    EXPECT_EQ((*boots)[0].node, "n1");
    EXPECT_EQ((*boots)[0].powered_on, 1050);
    EXPECT_EQ(journal->events({}, 1100)->size(), 2U);
}

// A tester: a resume failed, recovery switched the node off, and a manual
// power-on long after closed the old boot as a 116 s "boot".
TEST_F(JournalTest, APowerOffEndsTheOpenBootUnmeasured) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->boot_started("n1", 1000));
    ASSERT_TRUE(journal->boot_started("n2", 1000));
    const auto carry = [&](const std::string& node, power::Action action, bool ok, EventKind kind) {
        ASSERT_TRUE(journal->add_requests(std::vector<std::string>{node}, action, RequestSource::recovery, 2000));
        auto taken = journal->take_pending();
        ASSERT_TRUE(taken);
        ASSERT_EQ(taken->size(), 1U);
        const std::vector<Finished> finished{
            {(*taken)[0].id, ok, ok ? "off" : "error: timeout", Event{0, 2100, node, (*taken)[0].id, kind, "x"}, {}}};
        ASSERT_TRUE(journal->finish_all(finished));
    };
    carry("n1", power::Action::off, false, EventKind::power_off);  // failed: the machine may still boot
    carry("n2", power::Action::soft, true, EventKind::shutdown);
    const std::vector<std::string> both{"n1", "n2"};
    EXPECT_EQ(journal->open_boots(both)->size(), 1U);
    EXPECT_TRUE(journal->open_boots(both)->contains("n1"));
    carry("n1", power::Action::off, true, EventKind::power_off);
    EXPECT_TRUE(journal->open_boots(both)->empty());
    ASSERT_TRUE(journal->boot_registered("n1", 120'000));
    EXPECT_TRUE(journal->boots(both)->empty()) << "a registration after it measures no boot";
}

TEST_F(JournalTest, FailedPowerOffsInARow) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    const std::vector<std::string> n1{"n1"};
    const std::vector<std::string> n2{"n2"};
    auto carry = [&](const std::vector<std::string>& nodes, power::Action action, OutcomeKind ok, const char* outcome,
                     TimeMs at) {
        const RequestSource source =
            action == power::Action::on ? RequestSource::slurm_resume : RequestSource::slurm_suspend;
        ASSERT_TRUE(journal->add_requests(nodes, action, source, at));
        auto taken = journal->take_pending();
        ASSERT_TRUE(taken);
        for (const Request& request : *taken) {
            ASSERT_TRUE(journal->finish(request.id, ok, outcome, at + 100));
        }
    };
    carry(n1, power::Action::off, OutcomeKind::error, "error: timeout", 1000);
    carry(n1, power::Action::off, OutcomeKind::error, "error: authentication failed", 2000);
    carry(n2, power::Action::off, OutcomeKind::refused, "refused: Slurm shows it running a job (ALLOCATED)", 1000);
    auto failed = journal->failed_offs();
    ASSERT_TRUE(failed) << failed.error();
    ASSERT_EQ(failed->size(), 1U) << "a refusal is not a failure to retry";
    EXPECT_EQ(failed->at("n1").count, 2);
    EXPECT_EQ(failed->at("n1").last, 2100);
    EXPECT_EQ(failed->at("n1").last_error, "error: authentication failed");
    carry(n1, power::Action::on, OutcomeKind::ok, "on", 3000);
    EXPECT_TRUE(journal->failed_offs()->empty()) << "a request that worked ends the streak";
}

TEST_F(JournalTest, EventsAndBootsByNode) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->add_requests(kNodes, power::Action::on, store::RequestSource::hand_resume, 1000));
    ASSERT_TRUE(journal->record({0, 1200, "", std::nullopt, EventKind::daemon_start, "slumberd started"}));
    const std::vector<std::string> n3{"n3"};
    auto events = journal->events(n3, 0);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 2U) << "n3's request and the cluster-wide event";
    EXPECT_EQ((*events)[0].kind, store::EventKind::requested);
    EXPECT_EQ((*events)[0].detail, "on asked by hand-resume");
    EXPECT_EQ(journal->events(n3, 1100)->size(), 1U);

    ASSERT_TRUE(journal->boot_started("n1", 2000));
    ASSERT_TRUE(journal->boot_registered("n1", 47000));
    ASSERT_TRUE(journal->boot_started("n1", 90000));
    ASSERT_TRUE(journal->boot_registered("n2", 50000)) << "no open boot: nothing to do";
    ASSERT_TRUE(journal->boot_started("n3", 1000));
    ASSERT_TRUE(journal->boot_started("n3", 5000)) << "carried out again after a restart";
    EXPECT_EQ(journal->boot_counts(0, 0).value_or(std::pair{-1, -1}), (std::pair{2, 3}))
        << "booting: n1's second boot and n3's latest; n3's first was replaced";
    ASSERT_TRUE(journal->cancel_boot("n3"));
    auto boots = journal->boots({});
    ASSERT_TRUE(boots);
    ASSERT_EQ(boots->size(), 2U);
    EXPECT_EQ((*boots)[0].registered, 47000);
    EXPECT_FALSE((*boots)[1].registered.has_value());
}

TEST_F(JournalTest, FailureStreaksCountSinceTheLastRegistration) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    auto event = [&](const std::string& node, const std::string& kind, const std::string& detail,
                     std::optional<OutcomeKind> outcome = std::nullopt) {
        ASSERT_TRUE(journal->record({0, 0, node, std::nullopt, *event_kind_from(kind), detail, outcome}));
    };
    event("n1", "resume-failed", "Slurm: ResumeTimeout reached");
    event("n1", "registered", "slurmd registered 90 s after power-on");
    event("n1", "resume-failed", "Slurm: ResumeTimeout reached");
    event("n1", "power-on", "on by the daemon for recovery: error: authentication failed (BMC said: x)",
          OutcomeKind::error);
    event("n1", "resume-failed", "Slurm: ResumeTimeout reached (2)");
    event("n2", "registered", "slurmd registered");
    auto streaks = journal->failure_streaks();
    ASSERT_TRUE(streaks) << streaks.error();
    ASSERT_EQ(streaks->size(), 1U) << "n2 never failed";
    EXPECT_EQ(streaks->at("n1").failed_resumes, 2);
    EXPECT_EQ(streaks->at("n1").last_failure,
              "on by the daemon for recovery: error: authentication failed (BMC said: x)")
        << "the cause, not Slurm's timeout";
    event("n4", "resume-failed", "Slurm: ResumeTimeout reached");
    event("n4", "diagnosis", "slurmd is not running");
    event("n4", "resume-failed", "Slurm: ResumeTimeout reached (2)");
    streaks = journal->failure_streaks();
    ASSERT_TRUE(streaks) << streaks.error();
    EXPECT_EQ(streaks->at("n4").last_failure, "slurmd is not running");
    EXPECT_EQ(streaks->at("n4").failed_resumes, 2);

    const std::vector<std::string> n3{"n3"};
    ASSERT_TRUE(journal->add_requests(n3, power::Action::off, store::RequestSource::recovery, 0));
    EXPECT_EQ(journal->open_requests().value_or(std::set<std::string>{}), std::set<std::string>{"n3"});
}

TEST_F(JournalTest, AnAdminsReturnEndsTheStreakAndTheDrain) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    TimeMs clock = 1000;
    auto event = [&](const std::string& kind, const std::string& detail) {
        ASSERT_TRUE(journal->record({0, clock += 1000, "n1", std::nullopt, *event_kind_from(kind), detail}));
    };
    // A recovery step's event, as the reconciler journals it: the step and
    // whether Slurm took it are columns.
    auto step = [&](StepKind kind, OutcomeKind outcome, const std::string& detail) {
        ASSERT_TRUE(journal->record(
            {0, clock += 1000, "n1", std::nullopt, EventKind::recovery, detail, outcome, std::nullopt, kind}));
    };
    for (int i = 0; i < 3; ++i) event("resume-failed", "Slurm: ResumeTimeout reached");
    step(StepKind::slurm_drain, OutcomeKind::error,
         "drain failed (scontrol: timeout): slumber: 3 failed resumes in a row, last: x");
    EXPECT_TRUE(journal->slumber_drains()->empty()) << "a drain Slurm did not take";
    step(StepKind::slurm_drain, OutcomeKind::ok, "drain: slumber: 3 failed resumes in a row, last: x");
    EXPECT_EQ(journal->slumber_drains()->at("n1"), clock);
    EXPECT_EQ(journal->failure_streaks()->at("n1").failed_resumes, 3);
    event("returned", "forget: drained by slumber, now IDLE+POWERED_DOWN: returned to service by an admin");
    EXPECT_TRUE(journal->failure_streaks()->empty()) << "the admin's resume starts a new streak";
    EXPECT_TRUE(journal->slumber_drains()->empty());
    event("resume-failed", "Slurm: ResumeTimeout reached");
    EXPECT_EQ(journal->failure_streaks()->at("n1").failed_resumes, 1);
}

// With two controllers, the daemon that acts again after another one did
// has none of that one's registrations or boots: a tester's node showed a
// streak whose last failure was 1 h 40 min old, and a registration measured
// as a "5822 s boot" from a power-on of the earlier period (docs/ha.md).
TEST_F(JournalTest, TakingControlStartsStreaksAgainAndEndsOpenBoots) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->record({0, 1000, "n1", std::nullopt, EventKind::resume_failed, "Slurm: ResumeTimeout"}));
    ASSERT_TRUE(journal->record({0, 2000, "n1", std::nullopt, EventKind::resume_failed, "Slurm: ResumeTimeout"}));
    ASSERT_TRUE(journal->boot_started("n2", 2500));
    const std::vector<std::string> n3{"n3"};
    ASSERT_TRUE(journal->add_requests(n3, power::Action::off, RequestSource::slurm_suspend, 2600));
    auto taken = journal->take_pending();
    ASSERT_TRUE(taken);
    ASSERT_TRUE(journal->finish((*taken)[0].id, OutcomeKind::error, "error: timeout", 2700));
    ASSERT_EQ(journal->failure_streaks()->at("n1").failed_resumes, 2);
    ASSERT_EQ(journal->failed_offs()->at("n3").count, 1);

    ASSERT_TRUE(journal->took_control(
        {0, 3000, "", std::nullopt, EventKind::took_control, "took over: the slurmctld beside it is in control"}));
    EXPECT_TRUE(journal->failure_streaks()->empty()) << "the streak starts again";
    EXPECT_TRUE(journal->failed_offs()->empty()) << "so do failed power-offs";
    EXPECT_TRUE(journal->open_boots({})->empty()) << "the earlier period's boot is ended unmeasured";
    ASSERT_TRUE(journal->boot_registered("n2", 9000));
    EXPECT_TRUE(journal->boots({})->empty()) << "a registration now measures no boot";
    EXPECT_EQ(journal->latest_event_time(EventKind::took_control)->value_or(0), 3000);

    ASSERT_TRUE(journal->record({0, 4000, "n1", std::nullopt, EventKind::resume_failed, "Slurm: ResumeTimeout"}));
    EXPECT_EQ(journal->failure_streaks()->at("n1").failed_resumes, 1) << "counted from the new period";
    EXPECT_EQ(journal->latest_request("n3")->value().finished, 2700) << "a request says when it ended";
}

// Rewording a step's detail changes no drain decision: the columns decide.
TEST_F(JournalTest, SlumbersDrainsAreReadFromTheStepColumnNotTheWords) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->record({0, 2000, "n1", std::nullopt, EventKind::recovery,
                                 "drain: only words, as an event that is no step says them"}));
    EXPECT_TRUE(journal->slumber_drains()->empty()) << "words alone are not a drain";
    ASSERT_TRUE(journal->record({0, 3000, "n2", std::nullopt, EventKind::power_lost,
                                 "drained in Slurm, reworded: power lost again", OutcomeKind::ok, std::nullopt,
                                 StepKind::slurm_drain}));
    ASSERT_TRUE(journal->record({0, 4000, "n3", std::nullopt, EventKind::recovery, "resume: slumber: it booted",
                                 OutcomeKind::ok, std::nullopt, StepKind::slurm_resume}));
    EXPECT_EQ(*journal->slumber_drains(), (std::map<std::string, TimeMs>{{"n2", 3000}}));
    const auto events = journal->events({}, 0);
    ASSERT_TRUE(events);
    EXPECT_EQ(events->at(1).step, StepKind::slurm_drain);
    EXPECT_EQ(events->at(0).step, std::nullopt);
}

TEST_F(JournalTest, PowerLossesCountWithinTheWindowSinceTheLastReturn) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    auto event = [&](TimeMs time, const std::string& kind, const std::string& detail) {
        ASSERT_TRUE(journal->record({0, time, "n1", std::nullopt, *event_kind_from(kind), detail}));
    };
    event(1000, "power-lost", "power-down: BMC off while Slurm shows it IDLE+NOT_RESPONDING");
    event(5000, "power-lost", "power-down: BMC off while Slurm shows it DOWN+NOT_RESPONDING");
    auto losses = journal->power_losses(2000);
    ASSERT_TRUE(losses) << losses.error();
    EXPECT_EQ(losses->at("n1").recent, 1) << "the first is outside the window";
    EXPECT_EQ(losses->at("n1").latest, 5000);
    event(6000, "returned", "forget: returned to service by an admin");
    EXPECT_TRUE(journal->power_losses(0)->empty());
}

TEST_F(JournalTest, ABlockIsRecordedOnceAndLiftedByScope) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    const Block refused{"n1", std::nullopt, power::ErrorKind::auth_failed, "authentication failed",
                        1000, "1:2:3:4",    "daemon for slurm-resume"};
    EXPECT_EQ(journal->add_block(refused), true);
    EXPECT_EQ(journal->add_block(refused), false) << "the same block again is not news";
    const Block no_cycle{
        "n2", power::Action::cycle, power::ErrorKind::unsupported, "no ResetType for a power cycle", 2000, "", "cli"};
    EXPECT_EQ(journal->add_block(no_cycle), true);
    auto events = journal->events({}, 0);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 2U);
    EXPECT_EQ((*events)[0].kind, store::EventKind::blocked);
    EXPECT_NE((*events)[0].detail.find("slumber unblock n1"), std::string::npos) << (*events)[0].detail;

    // Survives a reopen, with every field.
    journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    auto blocks = journal->blocks();
    ASSERT_TRUE(blocks) << blocks.error();
    ASSERT_EQ(blocks->size(), 2U);
    EXPECT_EQ((*blocks)[0].target, "n1");
    EXPECT_EQ((*blocks)[0].action, std::nullopt);
    EXPECT_EQ((*blocks)[0].kind, power::ErrorKind::auth_failed);
    EXPECT_EQ((*blocks)[0].credentials, "1:2:3:4");
    EXPECT_EQ((*blocks)[1].action, power::Action::cycle);
    EXPECT_EQ(journal->blocks(std::vector<std::string>{"n2"})->size(), 1U);

    // A power-on that worked proves nothing about a cycle.
    EXPECT_EQ(journal->remove_blocks("n2", power::Action::on, "power-on worked", 3000), 0);
    EXPECT_EQ(journal->remove_blocks("n2", power::Action::cycle, "power cycle worked", 3000), 1);
    EXPECT_EQ(journal->remove_blocks("n1", std::nullopt, "slumber unblock by root", 3000), 1);
    EXPECT_TRUE(journal->blocks()->empty());
    events = journal->events({}, 0);
    EXPECT_EQ(events->back().kind, store::EventKind::unblocked);
    EXPECT_EQ(events->back().detail, "slumber unblock by root");
}

// `--verify-mapping` blocks a crossed pair's power-ons and cycles while
// Slurm powers it down, then every action: one block, said once more.
TEST_F(JournalTest, ACrossedBlockOfSomeActionsIsWidenedToEveryAction) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    const std::string words = "BMC addresses of n1 and n2 look crossed: n1's BMC started n2";
    for (const power::Action action : {power::Action::on, power::Action::cycle}) {
        ASSERT_EQ(journal->add_block({"n1", action, power::ErrorKind::crossed, words, 1000, "", "doctor"}), true);
    }
    ASSERT_EQ(journal->add_block({"n1", std::nullopt, power::ErrorKind::auth_failed, "refused", 1000, "", "cli"}),
              true);
    EXPECT_EQ(journal->widen_crossed_block("n1", 5000), true);
    auto blocks = journal->blocks();
    ASSERT_TRUE(blocks) << blocks.error();
    ASSERT_EQ(blocks->size(), 1U) << "the crossed block took the place of the one for every action";
    EXPECT_EQ((*blocks)[0].kind, power::ErrorKind::crossed);
    EXPECT_EQ((*blocks)[0].action, std::nullopt);
    EXPECT_EQ((*blocks)[0].words, words);
    const auto events = journal->events({}, 0);
    ASSERT_TRUE(events);
    EXPECT_EQ(events->back().kind, store::EventKind::blocked);
    EXPECT_EQ(events->back().time, 5000);
    EXPECT_EQ(journal->widen_crossed_block("n1", 6000), false) << "nothing narrow left";
    EXPECT_EQ(journal->widen_crossed_block("n9", 6000), false);
}

TEST_F(JournalTest, TwoWritersAtOnceLoseNothing) {
    auto first = Journal::open(file());
    ASSERT_TRUE(first);
    auto writer = [this](std::string prefix) {
        auto journal = Journal::open(file());
        ASSERT_TRUE(journal);
        for (int i = 0; i < 50; ++i) {
            const std::vector<std::string> node{prefix + std::to_string(i)};
            ASSERT_TRUE(journal->add_requests(node, power::Action::on, store::RequestSource::hand_resume, i));
        }
    };
    std::jthread a(writer, "a");
    std::jthread b(writer, "b");
    a.join();
    b.join();
    EXPECT_EQ(first->take_pending()->size(), 100U);
}

TEST_F(JournalTest, AnUnwritableDirectoryIsAClearError) {
    auto journal = Journal::open("/proc/slumber/journal.db");
    ASSERT_FALSE(journal);
    EXPECT_NE(journal.error().find("/proc/slumber"), std::string::npos) << journal.error();
}

}  // namespace
}  // namespace slumber::store
