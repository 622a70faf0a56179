// A journal written before schema versions (tests/store/data/journal-v0.db,
// made by make_journal_v0.cpp with that version's own code) opens, migrates
// to the current version, and its recovery queries find what that version
// found; a journal from a newer slumber is refused.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "store/journal.hpp"
#include "store/schema.hpp"

namespace slumber::store {
namespace {

namespace fs = std::filesystem;

class JournalMigrationTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("slumber-migration-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
        fs::copy_file(SLUMBER_JOURNAL_V0, file());
    }
    void TearDown() override { fs::remove_all(m_dir); }
    [[nodiscard]] fs::path file() const { return m_dir / "journal.db"; }

    fs::path m_dir;
};

int version_of(const fs::path& file) {
    auto db = Database::open(file);
    if (!db) return -1;
    return schema_version(*db).value_or(-1);
}

TEST_F(JournalMigrationTest, TheFixtureIsAVersion0Journal) { EXPECT_EQ(version_of(file()), 0); }

TEST_F(JournalMigrationTest, AVersion0JournalMigratesAndAnswersAsItDid) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    EXPECT_EQ(version_of(file()), kSchemaVersion);

    // What make_journal_v0 printed from the old code's queries.
    const auto streaks = journal->failure_streaks();
    ASSERT_TRUE(streaks) << streaks.error();
    ASSERT_EQ(streaks->size(), 1U);
    EXPECT_EQ(streaks->at("n2").failed_resumes, 1);
    EXPECT_EQ(streaks->at("n2").failed_at, 400000);
    EXPECT_EQ(streaks->at("n2").last_failure,
              "on by the daemon for slurm-resume: error: authentication failed: bad password after 1 attempt(s), "
              "100 ms");
    const auto drains = journal->slumber_drains();
    ASSERT_TRUE(drains);
    EXPECT_EQ(*drains, (std::map<std::string, TimeMs>{{"n3", 7100000}}));
    const auto losses = journal->power_losses(7050000);
    ASSERT_TRUE(losses);
    ASSERT_EQ(losses->size(), 1U);
    EXPECT_EQ(losses->at("n3").recent, 1);
    EXPECT_EQ(losses->at("n3").latest, 7100000);
    const auto offs = journal->failed_offs();
    ASSERT_TRUE(offs);
    ASSERT_EQ(offs->size(), 1U) << "the refused shutdown of n1 is not a failed off";
    EXPECT_EQ(offs->at("n1").count, 1);
    EXPECT_EQ(offs->at("n1").last, 5000100);
    EXPECT_EQ(offs->at("n1").last_error, "error: no answer from the controller");
    EXPECT_EQ(journal->open_requests().value_or(std::set<std::string>{}), (std::set<std::string>{"n5"}));
    // Its requests' sources read back as the values they were written for;
    // "cli", which only tests ever wrote, is a word this version does not know.
    const auto latest = journal->latest_requests();
    ASSERT_TRUE(latest) << latest.error();
    EXPECT_EQ(latest->at("n1").source, RequestSource::slurm_suspend);
    EXPECT_EQ(latest->at("n2").source, RequestSource::recovery);
    EXPECT_EQ(latest->at("n5").source, RequestSource::unknown);
    EXPECT_EQ(journal->open_boots({}).value_or(std::map<std::string, TimeMs>{}),
              (std::map<std::string, TimeMs>{{"n2", 410000}}));
    EXPECT_EQ(journal->events({}, 0)->size(), 22U);
    EXPECT_EQ(journal->requests({}, 0)->size(), 6U);
    const auto blocks = journal->blocks();
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 1U);
    EXPECT_EQ((*blocks)[0].kind, power::ErrorKind::auth_failed);
}

TEST_F(JournalMigrationTest, OldRowsGetTheirColumnsFromTheirWords) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    const std::vector<std::string> n1{"n1"};
    const auto requests = journal->requests(n1, 0);
    ASSERT_TRUE(requests);
    ASSERT_EQ(requests->size(), 3U);
    EXPECT_EQ((*requests)[0].outcome_kind, OutcomeKind::ok);
    EXPECT_EQ((*requests)[1].outcome_kind, OutcomeKind::error);
    EXPECT_EQ((*requests)[2].outcome_kind, OutcomeKind::refused);
    const auto events = journal->events(n1, 0);
    ASSERT_TRUE(events);
    std::vector<std::tuple<EventKind, std::optional<OutcomeKind>, std::optional<power::Action>>> found;
    for (const Event& event : *events) {
        if (!event.node.empty()) found.emplace_back(event.kind, event.outcome, event.action);
    }
    using A = power::Action;
    EXPECT_EQ(found, (decltype(found){{EventKind::requested, std::nullopt, A::on},
                                      {EventKind::power_on, OutcomeKind::ok, A::on},
                                      {EventKind::registered, std::nullopt, std::nullopt},
                                      {EventKind::requested, std::nullopt, A::off},
                                      {EventKind::power_off, OutcomeKind::error, A::off},
                                      {EventKind::requested, std::nullopt, A::soft},
                                      {EventKind::refused, OutcomeKind::refused, A::soft}}));
}

TEST_F(JournalMigrationTest, OldRecoveryStepsGetTheirStepAndOutcomeFromTheirWords) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal) << journal.error();
    std::vector<std::tuple<std::string, TimeMs, std::optional<StepKind>, std::optional<OutcomeKind>>> found;
    const auto events = journal->events({}, 0);
    ASSERT_TRUE(events);
    for (const Event& event : *events) {
        if (event.kind == EventKind::recovery || event.kind == EventKind::power_lost ||
            event.kind == EventKind::returned) {
            found.emplace_back(event.node, event.time, event.step, event.outcome);
        }
    }
    const auto drain = StepKind::slurm_drain;
    EXPECT_EQ(found, (decltype(found){{"n3", 7000000, std::nullopt, std::nullopt},
                                      {"n3", 7100000, drain, OutcomeKind::ok},
                                      {"n4", 8000000, drain, OutcomeKind::ok},
                                      {"n4", 8100000, std::nullopt, std::nullopt},
                                      {"n4", 8200000, drain, OutcomeKind::error}}));
}

TEST_F(JournalMigrationTest, TwoOpensMigrateOnceAndAReopenChangesNothing) {
    {
        auto first = Journal::open(file());
        auto second = Journal::open(file());
        ASSERT_TRUE(first) << first.error();
        ASSERT_TRUE(second) << second.error();
    }
    auto again = Journal::open(file());
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(again->events({}, 0)->size(), 22U);
    EXPECT_EQ(version_of(file()), kSchemaVersion);
}

TEST_F(JournalMigrationTest, AJournalFromANewerSlumberIsRefused) {
    {
        auto db = Database::open(file());
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion + 1)));
    }
    auto journal = Journal::open(file());
    ASSERT_FALSE(journal);
    EXPECT_NE(journal.error().find("newer"), std::string::npos) << journal.error();
}

TEST_F(JournalMigrationTest, ANewJournalIsMadeAtTheCurrentVersion) {
    const fs::path fresh = m_dir / "new" / "journal.db";
    auto journal = Journal::open(fresh);
    ASSERT_TRUE(journal) << journal.error();
    EXPECT_EQ(version_of(fresh), kSchemaVersion);
}

}  // namespace
}  // namespace slumber::store
