// The crossed-address watch's memory in the journal (schema version 4).
#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.hpp"
#include "store/journal.hpp"
#include "store/sqlite.hpp"

namespace slumber::store {
namespace {

TEST(JournalWatchMemory, ASaveReplacesTheLastAndIsReadBackFromItsTime) {
    const testing::TempDir dir{"slumber-watch-memory"};
    auto journal = Journal::open(dir.path() / "journal.db");
    ASSERT_TRUE(journal) << journal.error();
    auto none = journal->watch_memory(0);
    ASSERT_TRUE(none) << none.error();
    EXPECT_TRUE(none->words.empty());

    ASSERT_TRUE(journal->save_watch_memory({{"n1", "{\"asleep_at\":1}"}, {"n2", "{}"}}, 1000));
    ASSERT_TRUE(journal->save_watch_memory({{"n2", "{\"seen_up_at\":2}"}, {"n3", "{}"}}, 2000));
    const auto saved = journal->watch_memory(2000);
    ASSERT_TRUE(saved) << saved.error();
    const std::map<std::string, std::string> expected{{"n2", "{\"seen_up_at\":2}"}, {"n3", "{}"}};
    EXPECT_EQ(saved->words, expected) << "n1, no longer in the memory, is gone";
    EXPECT_TRUE(saved->undated.empty());
    const auto later = journal->watch_memory(2001);
    ASSERT_TRUE(later) << later.error();
    EXPECT_TRUE(later->words.empty()) << "saved before `since`";
}

// SQLite orders text after every number: a hand-edited saved_ms would pass
// any `since`, so it is named instead of taken back.
TEST(JournalWatchMemory, ARowWhoseTimeIsNoIntegerIsNamedNotTakenBack) {
    const testing::TempDir dir{"slumber-watch-memory"};
    {
        auto journal = Journal::open(dir.path() / "journal.db");
        ASSERT_TRUE(journal) << journal.error();
        ASSERT_TRUE(journal->save_watch_memory({{"n1", "{}"}, {"n2", "{}"}}, 5000));
    }
    auto db = Database::open(dir.path() / "journal.db");
    ASSERT_TRUE(db) << db.error();
    ASSERT_TRUE(db->exec("UPDATE watch_memory SET saved_ms = 'soon' WHERE node = 'n2'"));
    auto journal = Journal::open(dir.path() / "journal.db");
    ASSERT_TRUE(journal) << journal.error();
    const auto saved = journal->watch_memory(4000);
    ASSERT_TRUE(saved) << saved.error();
    EXPECT_EQ(saved->words.size(), 1U);
    EXPECT_TRUE(saved->words.contains("n1"));
    EXPECT_EQ(saved->undated, std::vector<std::string>{"n2"});
}

}  // namespace
}  // namespace slumber::store
