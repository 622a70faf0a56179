// The service layer's readers (the node view behind `slumber status`, the
// ResumeTimeout advice behind `slumber slurm-config`) open the journal
// read-only: they never make it, never migrate an older one, and read one
// this user may not write.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "../support/exec_nodes.hpp"
#include "../support/temp_dir.hpp"
#include "service/node_view.hpp"
#include "service/slurm_setup.hpp"
#include "store/journal.hpp"
#include "store/schema.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

class JournalReadersTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ::chmod(dir.path().c_str(), 0755);
        auto loaded = config::load_text(testing::exec_nodes_toml(dir.path(), "n1"), "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
    }

    [[nodiscard]] int version() const {
        auto db = store::Database::open(config.daemon.journal(), store::Access::read_only);
        return db ? store::schema_version(*db).value_or(-1) : -1;
    }

    testing::TempDir dir{"slumber-readers"};
    config::Config config;
};

store::TimeMs at_1000s() { return 1'000'000; }

TEST_F(JournalReadersTest, WithoutAJournalTheViewAndTheAdviceMakeNoneAndTheViewSaysSo) {
    auto view = view_nodes(config, {}, at_1000s);
    ASSERT_TRUE(view) << view.error();
    ASSERT_EQ(view->nodes.size(), 1U);
    EXPECT_EQ(view->nodes[0].power.text(), "on");
    EXPECT_TRUE(std::any_of(view->warnings.begin(), view->warnings.end(), [&](const std::string& warning) {
        return warning.starts_with("no journal at " + config.daemon.journal().string());
    })) << fmt::format("{}", fmt::join(view->warnings, "\n"));
    EXPECT_FALSE(resume_timeout_advice(config));
    EXPECT_FALSE(fs::exists(config.daemon.state_dir)) << "a reader makes neither the journal nor its directory";
}

TEST_F(JournalReadersTest, AnOlderJournalIsLeftForAWriterToMigrate) {
    fs::create_directories(config.daemon.state_dir);
    fs::copy_file(SLUMBER_JOURNAL_V0, config.daemon.journal());
    auto view = view_nodes(config, {}, at_1000s);
    ASSERT_FALSE(view);
    EXPECT_NE(view.error().find("older than this slumber's"), std::string::npos) << view.error();
    EXPECT_FALSE(resume_timeout_advice(config));
    EXPECT_EQ(version(), 0) << "not migrated by a reader";
}

// A journal made by root, 0644 in a 0755 directory: an admin outside
// SlurmUser's group sees the view (a writer could not open it).
TEST_F(JournalReadersTest, TheViewReadsAJournalThisUserMayNotWrite) {
    {
        auto journal = store::Journal::open(config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        const std::vector<std::string> n1{"n1"};
        ASSERT_TRUE(journal->add_requests(n1, power::Action::off, store::RequestSource::hand_suspend, 990'000));
    }
    ::chmod(config.daemon.state_dir.c_str(), 0555);
    ::chmod(config.daemon.journal().c_str(), 0444);
    const pid_t child = ::fork();
    if (child == 0) {
        if (::geteuid() == 0) {
            const passwd* nobody = ::getpwnam("nobody");
            if (nobody == nullptr || ::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(2);
        }
        auto view = view_nodes(config, {}, at_1000s);
        if (!view) {
            fmt::print(stderr, "{}\n", view.error());
            ::_exit(3);
        }
        const auto& node = view->nodes.at(0);
        ::_exit(node.last_request && node.last_request->action == power::Action::off ? 0 : 4);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ::chmod(config.daemon.state_dir.c_str(), 0755);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: cannot become nobody, 3: no view, 4: not the journal's request";
}

}  // namespace
}  // namespace slumber::service
