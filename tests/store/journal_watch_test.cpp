// The crossed-address watch's memory in the journal (schema version 4).
#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.hpp"
#include "store/journal.hpp"

namespace slumber::store {
namespace {

TEST(JournalWatchMemory, ASaveReplacesTheLastAndIsReadBackFromItsTime) {
    const testing::TempDir dir{"slumber-watch-memory"};
    auto journal = Journal::open(dir.path() / "journal.db");
    ASSERT_TRUE(journal) << journal.error();
    auto none = journal->watch_memory(0);
    ASSERT_TRUE(none) << none.error();
    EXPECT_TRUE(none->empty());

    ASSERT_TRUE(journal->save_watch_memory({{"n1", "{\"asleep_at\":1}"}, {"n2", "{}"}}, 1000));
    ASSERT_TRUE(journal->save_watch_memory({{"n2", "{\"seen_up_at\":2}"}, {"n3", "{}"}}, 2000));
    const auto saved = journal->watch_memory(2000);
    ASSERT_TRUE(saved) << saved.error();
    const std::map<std::string, std::string> expected{{"n2", "{\"seen_up_at\":2}"}, {"n3", "{}"}};
    EXPECT_EQ(*saved, expected) << "n1, no longer in the memory, is gone";
    const auto later = journal->watch_memory(2001);
    ASSERT_TRUE(later) << later.error();
    EXPECT_TRUE(later->empty()) << "saved before `since`";
}

}  // namespace
}  // namespace slumber::store
