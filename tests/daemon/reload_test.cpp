// The daemon's configuration in force: a reload that applies, one that is
// refused (invalid, or a change that needs a restart), an edit not reloaded,
// the record `slumber status` reads, and a batch that keeps the
// configuration it was taken with while a reload replaces it.
#include "daemon/reload.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "../support/temp_dir.hpp"
#include "operate/carrier.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::daemon {
namespace {

namespace fs = std::filesystem;

class Reload : public ::testing::Test {
  protected:
    void SetUp() override { write(with_exclude("n1")); }

    [[nodiscard]] fs::path file() const { return m_dir / "slumber.toml"; }
    [[nodiscard]] std::string with_exclude(const std::string& exclude, const std::string& nodes = "n[1-3]") const {
        return "[slurm]\nexclude = \"" + exclude + "\"\n[daemon]\nstate_dir = \"" + (m_dir / "state").string() +
               "\"\n[[node]]\nnames = \"" + nodes + "\"\ndriver = \"tasmota\"\nbmc_pattern = \"http://{name}\"\n";
    }
    void write(const std::string& text) const {
        std::ofstream(file().string() + ".new", std::ios::trunc) << text;
        fs::rename(file().string() + ".new", file());
    }
    [[nodiscard]] config::SharedConfig load() const {
        auto loaded = config::load(file());
        EXPECT_TRUE(loaded) << (loaded ? "" : config::format(loaded.error().front()));
        return loaded ? std::make_shared<const config::Config>(std::move(*loaded)) : nullptr;
    }
    // Moves the file's modification time, as a later save would.
    void touch_later() const { fs::last_write_time(file(), fs::last_write_time(file()) + std::chrono::seconds(1)); }

    slumber::testing::TempDir m_temp{"slumber-reload"};
    std::filesystem::path m_dir = m_temp.path();
};

TEST_F(Reload, AValidFileIsPutInForceAndWhatChangedSaid) {
    LiveConfig live(load());
    const config::SharedConfig before = live.current();
    write(with_exclude("n[1-2]", "n[1-4]"));
    const Reloaded outcome = live.reload();
    EXPECT_TRUE(outcome.applied);
    EXPECT_TRUE(outcome.problems.empty());
    EXPECT_EQ(outcome.summary, file().string() + " reloaded: nodes added n4; exclude n[1-2] (was n1)");
    EXPECT_TRUE(live.current()->excluded("n2"));
    // Whoever still holds the old one keeps it whole.
    EXPECT_FALSE(before->excluded("n2"));
    EXPECT_EQ(before->nodes.size(), 3U);
}

TEST_F(Reload, AnInvalidFileIsRefusedAndTheRunningConfigurationKept) {
    LiveConfig live(load());
    const config::SharedConfig before = live.current();
    write(with_exclude("n[1-2"));
    const Reloaded outcome = live.reload();
    EXPECT_FALSE(outcome.applied);
    EXPECT_EQ(live.current(), before);
    ASSERT_EQ(outcome.problems.size(), 1U);
    EXPECT_NE(outcome.problems[0].find(file().string() + ":2: [slurm], exclude"), std::string::npos)
        << outcome.problems[0];
    EXPECT_NE(
        outcome.summary.find("not reloaded, the daemon keeps the configuration it runs: line 2: [slurm], exclude"),
        std::string::npos)
        << outcome.summary;
    // Refused once is said once: not again as an edit that was not loaded.
    touch_later();
    EXPECT_FALSE(live.notice_edit());
    EXPECT_FALSE(live.notice_edit());
}

TEST_F(Reload, AChangeOnlyARestartCanMakeIsRefused) {
    LiveConfig live(load());
    std::string moved = with_exclude("n2");
    moved.replace(moved.find("/state\""), 7, "/elsewhere\"");
    write(moved);
    const Reloaded outcome = live.reload();
    EXPECT_FALSE(outcome.applied);
    EXPECT_TRUE(live.current()->excluded("n1")) << "nothing of the file applied, the exclude neither";
    ASSERT_EQ(outcome.problems.size(), 1U);
    EXPECT_NE(outcome.problems[0].find("[daemon] state_dir"), std::string::npos);
    EXPECT_NE(outcome.summary.find("restart slumberd"), std::string::npos) << outcome.summary;
}

TEST_F(Reload, AnEditNotReloadedIsPointedOutOnceItHoldsStill) {
    LiveConfig live(load());
    EXPECT_FALSE(live.notice_edit());
    write(with_exclude("n3"));
    touch_later();
    EXPECT_FALSE(live.notice_edit()) << "first seen: the editor may still be writing";
    const auto warning = live.notice_edit();
    ASSERT_TRUE(warning);
    EXPECT_NE(warning->find("changed on disk"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("kill -HUP"), std::string::npos) << *warning;
    EXPECT_FALSE(live.notice_edit()) << "said once";
    // Put back as it was loaded: nothing to say.
    write(with_exclude("n1"));
    fs::last_write_time(file(), fs::last_write_time(file()) + std::chrono::seconds(2));
    EXPECT_FALSE(live.notice_edit());
    EXPECT_FALSE(live.notice_edit());
    // Edited and reloaded at once: never reported.
    write(with_exclude("n2"));
    touch_later();
    EXPECT_FALSE(live.notice_edit());
    EXPECT_TRUE(live.reload().applied);
    EXPECT_FALSE(live.notice_edit());
    EXPECT_FALSE(live.notice_edit());
}

// A tester made the web token readable by others and reloaded: the API went
// read-only while the journal said "reloaded: no change".
TEST_F(Reload, ATokenThatCannotBeReadAgainIsSaidWithTheReload) {
    LiveConfig live(load());
    const Reloaded outcome = live.reload();
    ASSERT_TRUE(outcome.applied);
    EXPECT_EQ(reload_words(outcome, std::nullopt), outcome.summary);
    EXPECT_EQ(reload_words(outcome, "/etc/slumber/web.token is mode 0644: chmod 600 it"),
              outcome.summary +
                  "; web API: /etc/slumber/web.token is mode 0644: chmod 600 it: every action is refused until a "
                  "reload reads a usable token");
    EXPECT_EQ(reload_words(outcome, std::nullopt, Audience::journal, /*token_back=*/true),
              outcome.summary + "; web API: its token is usable again, and so are the actions");
    // The journal, which /api/events shows without a token, names no file.
    EXPECT_EQ(reload_words(outcome, "/etc/slumber/web.token is mode 0644: chmod 600 it", Audience::journal),
              outcome.summary +
                  "; web API: its token cannot be used (slumberd's log says why): every action is refused until a "
                  "reload reads a usable token");
}

TEST_F(Reload, StatusSaysWhenTheDaemonRunsAnotherVersionOfTheFile) {
    const config::SharedConfig running = load();
    fs::create_directories(running->daemon.state_dir);
    EXPECT_FALSE(operate::running_config_warning(*running)) << "no daemon recorded";
    ASSERT_TRUE(operate::record_running_config(*running, nullptr));  // this process plays the daemon
    EXPECT_FALSE(operate::running_config_warning(*running));
    write(with_exclude("n2"));
    const auto warning = operate::running_config_warning(*load());
    ASSERT_TRUE(warning);
    EXPECT_NE(warning->find("changed since slumberd"), std::string::npos) << *warning;
    operate::forget_running_config(*running);
    EXPECT_FALSE(operate::running_config_warning(*load()));
}

TEST_F(Reload, ABatchKeepsTheConfigurationItWasTakenWith) {
    config::SharedConfig before = load();
    fs::create_directories(before->daemon.state_dir);
    auto journal = store::Journal::open(before->daemon.journal());
    ASSERT_TRUE(journal) << journal.error();
    const slurm::Scontrol slurm("/nonexistent", "/nonexistent/slurm.conf");  // power-ons do not ask Slurm
    operate::Carrier carrier(before, *journal, slurm, "daemon");
    const std::vector<std::string> nodes{"n3"};
    ASSERT_TRUE(journal->add_requests(nodes, power::Action::on, store::RequestSource::hand_resume, 1000));
    auto batches = carrier.take();
    ASSERT_TRUE(batches);
    ASSERT_EQ(batches->size(), 1U);

    // A reload drops n3 while the batch is in flight.
    write(with_exclude("n1", "n[1-2]"));
    LiveConfig live(before);
    ASSERT_TRUE(live.reload().applied);
    carrier.reconfigure(live.current());
    const config::Config* taken_with = before.get();
    before.reset();
    EXPECT_EQ((*batches)[0].config.get(), taken_with);
    EXPECT_NE((*batches)[0].config->find("n3"), nullptr);

    // The next request for n3 is decided with the new file.
    carrier.give_back((*batches)[0]);
    ASSERT_TRUE(journal->add_requests(nodes, power::Action::on, store::RequestSource::hand_resume, 2000));
    auto next = carrier.take();
    ASSERT_TRUE(next);
    EXPECT_TRUE(next->empty());
    auto events = journal->events(nodes, 0);
    ASSERT_TRUE(events);
    ASSERT_FALSE(events->empty());
    EXPECT_EQ(events->back().kind, store::EventKind::refused);
    EXPECT_NE(events->back().detail.find("not in"), std::string::npos) << events->back().detail;
}

}  // namespace
}  // namespace slumber::daemon
