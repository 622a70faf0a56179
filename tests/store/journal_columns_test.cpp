// The recovery queries read columns, not words: rewording a message cannot
// change a drain or retry decision. Open boots and retention.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/journal.hpp"

namespace slumber::store {
namespace {

namespace fs = std::filesystem;

class JournalColumnsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const fs::path dir =
            fs::temp_directory_path() / ("slumber-columns-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        m_dir = dir;
        auto opened = Journal::open(m_dir / "journal.db");
        ASSERT_TRUE(opened) << opened.error();
        journal = std::make_unique<Journal>(std::move(*opened));
    }
    void TearDown() override {
        journal.reset();
        fs::remove_all(m_dir);
    }
    // One request for `node`, carried out and finished.
    std::int64_t carry(const std::string& node, power::Action action, OutcomeKind kind, const std::string& words,
                       TimeMs at) {
        const std::vector<std::string> one{node};
        EXPECT_TRUE(journal->add_requests(one, action, store::RequestSource::slurm_suspend, at));
        auto taken = journal->take_pending();
        EXPECT_TRUE(taken && taken->size() == 1U);
        const std::int64_t id = (*taken)[0].id;
        EXPECT_TRUE(journal->finish_with(id, kind, words,
                                         {0, at + 10, node, id, event_kind(action), "by the daemon: " + words}));
        return id;
    }

    fs::path m_dir;
    std::unique_ptr<Journal> journal;
};

TEST_F(JournalColumnsTest, AFailedCallIsACauseWhateverItsWords) {
    ASSERT_TRUE(journal->record({0, 100, "n1", std::nullopt, EventKind::resume_failed, "ResumeFailProgram"}));
    // A BMC's words that happen to read like an error, in a call that worked.
    ASSERT_TRUE(journal->record({0, 200, "n1", 7, EventKind::power_on, "on: BMC said: error: none", OutcomeKind::ok}));
    auto streaks = journal->failure_streaks();
    ASSERT_TRUE(streaks) << streaks.error();
    EXPECT_EQ(streaks->at("n1").last_failure, "ResumeFailProgram") << "a call that worked is no cause";
    // A failure worded without "error:".
    ASSERT_TRUE(journal->record({0, 300, "n1", 8, EventKind::power_on, "on: the BMC hung up", OutcomeKind::error}));
    streaks = journal->failure_streaks();
    ASSERT_TRUE(streaks) << streaks.error();
    EXPECT_EQ(streaks->at("n1").last_failure, "on: the BMC hung up");
}

TEST_F(JournalColumnsTest, ARefusalIsToldByItsKindNotItsWords) {
    // The BMC's own words begin "refused:", but the call was made and failed.
    carry("n1", power::Action::off, OutcomeKind::error, "refused: by the BMC (busy)", 1000);
    // slumber refused, in words that do not begin "refused:".
    carry("n2", power::Action::off, OutcomeKind::refused, "Slurm shows it running a job", 1000);
    auto failed = journal->failed_offs();
    ASSERT_TRUE(failed) << failed.error();
    ASSERT_EQ(failed->size(), 1U);
    EXPECT_EQ(failed->at("n1").count, 1);
    EXPECT_EQ(failed->at("n1").last_error, "refused: by the BMC (busy)");
}

TEST_F(JournalColumnsTest, EventsCarryTheirRequestsOutcomeAndAction) {
    carry("n1", power::Action::soft, OutcomeKind::refused, "refused: no driver", 1000);
    const std::vector<std::string> n1{"n1"};
    const auto events = journal->events(n1, 0);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 2U);
    EXPECT_EQ((*events)[0].kind, EventKind::requested);
    EXPECT_EQ((*events)[0].action, power::Action::soft);
    EXPECT_EQ((*events)[1].kind, EventKind::shutdown);
    EXPECT_EQ((*events)[1].outcome, OutcomeKind::refused);
    EXPECT_EQ((*events)[1].action, power::Action::soft) << "taken from the request";
    const auto requests = journal->requests(n1, 0);
    ASSERT_TRUE(requests);
    EXPECT_EQ((*requests)[0].state, RequestState::failed);
    EXPECT_EQ((*requests)[0].outcome_kind, OutcomeKind::refused);
}

TEST_F(JournalColumnsTest, OpenBootsAreEachNodesLatestUnregistered) {
    ASSERT_TRUE(journal->boot_started("n1", 1000));
    ASSERT_TRUE(journal->boot_registered("n1", 2000));
    ASSERT_TRUE(journal->boot_started("n1", 3000));
    ASSERT_TRUE(journal->boot_started("n2", 1500));
    ASSERT_TRUE(journal->boot_registered("n2", 2500));
    ASSERT_TRUE(journal->boot_started("n3", 1700));
    const std::vector<std::string> asked{"n1", "n2"};
    EXPECT_EQ(journal->open_boots(asked).value_or(std::map<std::string, TimeMs>{}),
              (std::map<std::string, TimeMs>{{"n1", 3000}}));
    EXPECT_EQ(journal->open_boots({}).value_or(std::map<std::string, TimeMs>{}),
              (std::map<std::string, TimeMs>{{"n1", 3000}, {"n3", 1700}}));
}

TEST_F(JournalColumnsTest, PruneKeepsWhatDecisionsStartFrom) {
    const TimeMs day = 86'400'000;
    // n1: an old registration, then two old failed resumes; nothing recent.
    ASSERT_TRUE(journal->record({0, 1 * day, "n1", std::nullopt, EventKind::registered, "registered"}));
    ASSERT_TRUE(journal->record({0, 2 * day, "n1", std::nullopt, EventKind::resume_failed, "first"}));
    ASSERT_TRUE(journal->record({0, 3 * day, "n1", std::nullopt, EventKind::resume_failed, "second"}));
    // n2: old failed power-offs, then a recent one; its last request that worked is old.
    carry("n2", power::Action::on, OutcomeKind::ok, "on", 1 * day);
    carry("n2", power::Action::off, OutcomeKind::error, "error: timeout", 2 * day);
    carry("n2", power::Action::off, OutcomeKind::error, "error: timeout", 3 * day);
    carry("n2", power::Action::off, OutcomeKind::error, "error: unreachable", 200 * day);
    // n3: an old pending request and an old open boot; n4 old registered boots.
    const std::vector<std::string> n3{"n3"};
    ASSERT_TRUE(journal->add_requests(n3, power::Action::on, store::RequestSource::hand_resume, 1 * day));
    ASSERT_TRUE(journal->boot_started("n3", 1 * day));
    ASSERT_TRUE(journal->boot_started("n4", 1 * day));
    ASSERT_TRUE(journal->boot_registered("n4", 1 * day + 60000));
    ASSERT_TRUE(journal->boot_started("n4", 2 * day));
    ASSERT_TRUE(journal->boot_registered("n4", 2 * day + 60000));

    const auto pruned = journal->prune(100 * day, 201 * day);
    ASSERT_TRUE(pruned) << pruned.error();
    EXPECT_GT(pruned->events, 0);
    EXPECT_EQ(pruned->requests, 2) << "n2's older failed offs; its latest done and latest failed stay";
    EXPECT_EQ(pruned->boots, 1) << "n4's older boot";

    const std::vector<std::string> n1{"n1"};
    const auto n1_events = journal->events(n1, 0);
    ASSERT_TRUE(n1_events);
    ASSERT_EQ(n1_events->size(), 3U) << "the latest registered, the latest resume-failed, and the cluster's pruned";
    EXPECT_EQ((*n1_events)[0].kind, EventKind::registered);
    EXPECT_EQ((*n1_events)[1].detail, "second");
    EXPECT_EQ(journal->failure_streaks()->at("n1").last_failure, "second");
    EXPECT_EQ(journal->failed_offs()->at("n2").last_error, "error: unreachable");
    EXPECT_EQ(journal->open_requests().value_or(std::set<std::string>{}), (std::set<std::string>{"n3"}));
    EXPECT_EQ(journal->open_boots({}).value_or(std::map<std::string, TimeMs>{}),
              (std::map<std::string, TimeMs>{{"n3", 1 * day}}));
    const auto all = journal->events({}, 0);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->back().kind, EventKind::pruned);
    EXPECT_EQ(all->back().time, 201 * day);

    const auto again = journal->prune(100 * day, 202 * day);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->events + again->requests + again->boots, 0);
    EXPECT_EQ(journal->events({}, 0)->back().time, 201 * day) << "nothing removed, nothing journaled";
}

}  // namespace
}  // namespace slumber::store
