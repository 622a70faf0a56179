// The journal's events for a reader (`slumber journal`), without Slurm: from
// the file's state_dir, from the state_dir of a file that does not load, and
// an empty journal where none was made.
#include "service/journal_events.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>

#include "../support/exec_nodes.hpp"
#include "../support/temp_dir.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

class JournalEventsTest : public ::testing::Test {
  protected:
    void SetUp() override { std::ofstream(file) << testing::exec_nodes_toml(dir, "n[1-2]"); }

    void journal(const std::vector<store::Event>& events) {
        auto made = store::Journal::open(dir / "state" / "journal.db");
        ASSERT_TRUE(made) << made.error();
        for (const store::Event& event : events) ASSERT_TRUE(made->record(event));
    }

    slumber::testing::TempDir m_temp{"slumber-journal-events"};
    fs::path dir = m_temp.path();
    fs::path file = dir / "slumber.toml";
};

TEST_F(JournalEventsTest, TheNodesEventsSinceATimeFromTheFilesStateDirectory) {
    const auto none = journal_events(file, {}, 0);
    ASSERT_TRUE(none) << none.error().words;
    EXPECT_TRUE(none->events.empty());
    ASSERT_TRUE(none->notes.missing) << "no journal yet: said";
    EXPECT_FALSE(fs::exists(dir / "state" / "journal.db")) << "a reader makes none";

    journal(
        {{.time = 1'000, .node = "n1", .request = std::nullopt, .kind = store::EventKind::power_on, .detail = "old"},
         {.time = 5'000, .node = "n1", .request = std::nullopt, .kind = store::EventKind::power_on, .detail = "new"},
         {.time = 6'000,
          .node = "n2",
          .request = std::nullopt,
          .kind = store::EventKind::power_off,
          .detail = "other"}});
    const auto read = journal_events(file, {"n1"}, 2'000);
    ASSERT_TRUE(read) << read.error().words;
    ASSERT_EQ(read->events.size(), 1U);
    EXPECT_EQ(read->events[0].detail, "new");
    EXPECT_FALSE(read->notes.missing);
    EXPECT_FALSE(read->notes.fallback);
}

TEST_F(JournalEventsTest, AFileThatDoesNotLoadStillNamesItsJournal) {
    journal({{.time = 1'000,
              .node = "",
              .request = std::nullopt,
              .kind = store::EventKind::daemon_start,
              .detail = "refused reload"}});
    std::ofstream(file, std::ios::app) << "[[node]]\nnames = \"n3\"\ndriver = \"no-such-driver\"\n";
    const auto read = journal_events(file, {}, 0);
    ASSERT_TRUE(read) << read.error().words;
    ASSERT_TRUE(read->notes.fallback);
    EXPECT_EQ(read->notes.fallback->state_dir, dir / "state");
    EXPECT_FALSE(read->notes.fallback->error.message.empty());
    ASSERT_EQ(read->events.size(), 1U);
    EXPECT_EQ(read->events[0].detail, "refused reload");
}

TEST_F(JournalEventsTest, AFileThatCannotBeReadIsEveryProblemOfIt) {
    const auto read = journal_events(dir / "absent.toml", {}, 0);
    ASSERT_FALSE(read);
    EXPECT_FALSE(read.error().config.empty());
    EXPECT_FALSE(read.error().notes.fallback);
}

}  // namespace
}  // namespace slumber::service
