#include "store/sharing.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/journal.hpp"

namespace slumber::store {
namespace {

// Whether a process running as `user` with only `group` can add a request to
// the journal, as a Slurm hook running as SlurmUser does.
bool can_write_as(uid_t user, gid_t group, const std::filesystem::path& file) {
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setgroups(1, &group) != 0 || ::setgid(group) != 0 || ::setuid(user) != 0) ::_exit(2);
        auto journal = Journal::open(file);
        const std::vector<std::string> nodes{"n1"};
        ::_exit(journal && journal->add_requests(nodes, power::Action::on, store::RequestSource::slurm_resume, 1000)
                    ? 0
                    : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(ShareJournal, SlurmUsersGroupCanWriteTheDaemonsJournal) {
    if (::geteuid() != 0) GTEST_SKIP() << "changing users needs root";
    const passwd* nobody = ::getpwnam("nobody");
    const group* nogroup = ::getgrnam("nogroup");
    ASSERT_NE(nobody, nullptr);
    ASSERT_NE(nogroup, nullptr);
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("slumber-share-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const std::filesystem::path file = dir / "state" / "journal.db";
    {
        auto journal = Journal::open(file);  // as the daemon, root, with umask 022
        ASSERT_TRUE(journal) << journal.error();
        EXPECT_FALSE(can_write_as(nobody->pw_uid, nogroup->gr_gid, file)) << "not shared yet";

        ASSERT_TRUE(share_journal(file, nogroup->gr_gid));
        EXPECT_TRUE(can_write_as(nobody->pw_uid, nogroup->gr_gid, file));
    }
    // The daemon gone, SQLite removed the -wal file; the hook makes a new one.
    EXPECT_TRUE(can_write_as(nobody->pw_uid, nogroup->gr_gid, file));
    struct stat status {};
    ASSERT_EQ(::stat(file.parent_path().c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 07777, 02770U);
    EXPECT_EQ(status.st_gid, nogroup->gr_gid);
    ASSERT_EQ(::stat(file.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0660U) << "others get nothing";
    auto journal = Journal::open(file);
    ASSERT_TRUE(journal);
    EXPECT_EQ(journal->requests({}, 0)->size(), 2U);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slumber::store
