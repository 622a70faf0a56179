// Readers (`slumber status`, `slumber journal`, `slumber slurm-config`, the
// front ends) open the journal read-only: a missing one reads as empty and
// is not made, an older one is not migrated (the reader says what to do),
// and a journal this user may only read is read.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "store/journal.hpp"
#include "store/schema.hpp"

namespace slumber::store {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int read_only_version(const fs::path& file) {
    auto db = Database::open(file, Access::read_only);
    if (!db) return -1;
    return schema_version(*db).value_or(-1);
}

TEST(JournalReader, AMissingJournalReadsAsEmptyAndIsNotMade) {
    const testing::TempDir dir("slumber-reader");
    const fs::path file = dir / "state" / "journal.db";
    auto reader = JournalReader::open(file);
    ASSERT_TRUE(reader) << reader.error();
    ASSERT_TRUE(reader->missing());
    EXPECT_NE(reader->missing()->find("no journal at " + file.string()), std::string::npos) << *reader->missing();
    EXPECT_TRUE((*reader)->events({}, 0)->empty());
    EXPECT_TRUE((*reader)->latest_requests()->empty());
    EXPECT_TRUE((*reader)->blocks()->empty());
    EXPECT_FALSE(fs::exists(file.parent_path())) << "a reader makes neither the journal nor its directory";
}

TEST(JournalReader, ReadsWhatAWriterWroteAndSeesItsLaterCommits) {
    const testing::TempDir dir("slumber-reader");
    const fs::path file = dir / "journal.db";
    auto writer = Journal::open(file);
    ASSERT_TRUE(writer) << writer.error();
    const std::vector<std::string> n1{"n1"};
    ASSERT_TRUE(writer->add_requests(n1, power::Action::on, store::RequestSource::hand_resume, 1000));
    auto reader = JournalReader::open(file);
    ASSERT_TRUE(reader) << reader.error();
    EXPECT_FALSE(reader->missing());
    EXPECT_EQ((*reader)->requests({}, 0)->size(), 1U);
    ASSERT_TRUE(writer->add_requests(n1, power::Action::off, store::RequestSource::hand_suspend, 2000));
    EXPECT_EQ((*reader)->requests({}, 0)->size(), 2U);
}

TEST(JournalReader, AnOlderJournalIsNotMigratedAndTheReaderSaysWhatToDo) {
    const testing::TempDir dir("slumber-reader");
    const fs::path file = dir / "journal.db";
    fs::copy_file(SLUMBER_JOURNAL_V0, file);
    const std::string before = contents(file);
    auto reader = JournalReader::open(file);
    ASSERT_FALSE(reader);
    EXPECT_NE(reader.error().find("schema version is 0, older than this slumber's"), std::string::npos)
        << reader.error();
    EXPECT_NE(reader.error().find("start (or restart) `slumber daemon`"), std::string::npos) << reader.error();
    EXPECT_EQ(read_only_version(file), 0);
    EXPECT_EQ(contents(file), before) << "the file is left exactly as it was";
}

TEST(JournalReader, ANewerJournalIsRefused) {
    const testing::TempDir dir("slumber-reader");
    const fs::path file = dir / "journal.db";
    {
        auto db = Database::open(file);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion + 1)));
    }
    auto reader = JournalReader::open(file);
    ASSERT_FALSE(reader);
    EXPECT_NE(reader.error().find("newer than this slumber's"), std::string::npos) << reader.error();
}

// As a user who may read the journal but write neither it nor its
// directory (an admin outside SlurmUser's group, the journal made 0644 by
// root): the reader reads it; a writer could not even open it.
TEST(JournalReader, AJournalAndDirectoryThisUserMayOnlyReadAreRead) {
    const testing::TempDir dir("slumber-reader");
    const fs::path state = dir / "state";
    const fs::path file = state / "journal.db";
    {
        auto writer = Journal::open(file);
        ASSERT_TRUE(writer) << writer.error();
        const std::vector<std::string> nodes{"n1", "n2"};
        ASSERT_TRUE(writer->add_requests(nodes, power::Action::on, store::RequestSource::slurm_resume, 1000));
    }
    ASSERT_FALSE(fs::exists(state / "journal.db-wal")) << "the last writer gone, SQLite removed its WAL";
    ::chmod(dir.path().c_str(), 0755);
    ::chmod(state.c_str(), 0555);
    ::chmod(file.c_str(), 0444);
    const pid_t child = ::fork();
    if (child == 0) {
        // Root writes anywhere: the child becomes nobody to meet the modes.
        if (::geteuid() == 0) {
            const passwd* nobody = ::getpwnam("nobody");
            if (nobody == nullptr || ::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(2);
        }
        if (Journal::open(file)) ::_exit(3);  // the test's setup is wrong: this user could write
        auto reader = JournalReader::open(file);
        if (!reader) {
            fmt::print(stderr, "{}\n", reader.error());
            ::_exit(4);
        }
        auto requests = (*reader)->requests({}, 0);
        ::_exit(requests && requests->size() == 2 ? 0 : 5);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ::chmod(state.c_str(), 0755);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: cannot become nobody, 3: could write, 4: cannot read, 5: wrong rows";
    EXPECT_EQ(contents(file).empty(), false);
    EXPECT_FALSE(fs::exists(state / "journal.db-shm")) << "nothing made beside it";
}

}  // namespace
}  // namespace slumber::store
