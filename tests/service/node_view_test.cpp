// The node view without Slurm and without root: a node behind an `exec`
// command, one behind an emulated plug on loopback that refuses the
// password, and a journal in a temporary directory. What `slumber status`
// and the HTTP API show comes from here, so its JSON schema is pinned too.
#include "service/node_view.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "../support/exec_nodes.hpp"
#include "../support/refusing_plug.hpp"
#include "../support/temp_dir.hpp"
#include "service/node_view_json.hpp"
#include "service/unblock.hpp"
#include "vcluster/plug.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

class NodeViewTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const fs::path secret = dir / "plug.secret";
        plug = testing::refusing_plug(secret);
        // n1 behind an exec command, n2 behind the plug; Slurm cannot be
        // asked, as on a machine where the daemon runs but slurmctld is down.
        auto loaded = config::load_text(testing::exec_nodes_toml(dir, "n1",
                                                                 fmt::format(R"(
[[node]]
names = "n2"
driver = "tasmota"
bmc = "http://127.0.0.1:{}"
credentials = "{}"
timeout = "1s"
retries = 2
)",
                                                                             plug->port(), secret.string())),
                                        "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
        // The journal as the daemon or a hook makes it: a view only reads it,
        // and writes only a block.
        ASSERT_TRUE(store::Journal::open(config.daemon.journal()));
    }

    ClusterView view(const std::vector<std::string>& nodes = {}) {
        auto taken = view_nodes(config, nodes, [] { return store::TimeMs{1'000'000}; });
        EXPECT_TRUE(taken) << taken.error();
        return taken ? *taken : ClusterView{};
    }

    slumber::testing::TempDir m_temp{"slumber-view"};
    std::filesystem::path dir = m_temp.path();
    std::unique_ptr<vcluster::Plug> plug;
    config::Config config;
};

TEST_F(NodeViewTest, EveryConfiguredNodeWithWhatItsControllerSays) {
    const ClusterView taken = view();
    ASSERT_EQ(taken.nodes.size(), 2U);
    EXPECT_EQ(taken.time, 1'000'000);
    EXPECT_EQ(taken.nodes[0].name, "n1");
    EXPECT_EQ(taken.nodes[0].power.kind, PowerReading::Kind::on);
    EXPECT_EQ(taken.nodes[0].power.text(), "on");
    EXPECT_EQ(taken.nodes[1].name, "n2");
    // The refusal is a block from the first look on: shown as such, with the
    // controller's words.
    EXPECT_EQ(taken.nodes[1].power.kind, PowerReading::Kind::blocked);
    ASSERT_EQ(taken.nodes[1].blocks.size(), 1U);
    EXPECT_NE(taken.nodes[1].blocks[0].words.find("authentication failed"), std::string::npos)
        << taken.nodes[1].blocks[0].words;
    EXPECT_EQ(taken.blocks.size(), 1U);
    // Slurm could not be asked: said once, and no node has Slurm's view.
    ASSERT_EQ(taken.warnings.size(), 1U) << fmt::format("{}", fmt::join(taken.warnings, "\n"));
    EXPECT_FALSE(taken.nodes[0].slurm);
    EXPECT_TRUE(taken.nodes[0].disagreement.empty());
}

TEST_F(NodeViewTest, ARefusedPasswordIsAskedOnceThenShownBlockedWithoutAskingAgain) {
    (void)view();
    const int refused = plug->refused_logins();
    EXPECT_GE(refused, 1);
    for (int i = 0; i < 3; ++i) {
        const ClusterView taken = view({"n2"});
        ASSERT_EQ(taken.nodes.size(), 1U);
        EXPECT_EQ(taken.nodes[0].power.kind, PowerReading::Kind::blocked);
        EXPECT_EQ(taken.nodes[0].power.text(), "blocked");
        ASSERT_EQ(taken.nodes[0].blocks.size(), 1U);
        EXPECT_EQ(taken.nodes[0].blocks[0].kind, power::ErrorKind::auth_failed);
    }
    EXPECT_EQ(plug->refused_logins(), refused) << "a polled view must not hammer a BMC that refused the password";
}

TEST_F(NodeViewTest, TheJournalsLatestRequestAndTheJsonSchema) {
    {
        auto journal = store::Journal::open(config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        const std::vector<std::string> n1{"n1"};
        ASSERT_TRUE(
            journal->add_requests(n1, power::Action::off, store::RequestSource::hand_suspend, 990'000, "by hand"));
    }
    (void)view();  // n2's refusal makes its block
    const nlohmann::json json = to_json(view());
    ASSERT_TRUE(json.is_array());
    ASSERT_EQ(json.size(), 2U);
    EXPECT_EQ(json[0]["node"], "n1");
    EXPECT_EQ(json[0]["slurm"], "?");
    EXPECT_EQ(json[0]["power"], "on");
    EXPECT_FALSE(json[0].contains("reason"));
    EXPECT_EQ(json[0]["last_request"]["action"], "off");
    EXPECT_EQ(json[0]["last_request"]["source"], "hand-suspend");
    EXPECT_EQ(json[0]["last_request"]["time_ms"], 990'000);
    EXPECT_EQ(json[0]["last_request"]["state"], "pending");
    EXPECT_EQ(json[1]["power"], "blocked");
    ASSERT_EQ(json[1]["blocked"].size(), 1U);
    EXPECT_EQ(json[1]["blocked"][0]["kind"], "auth_failed");
    EXPECT_EQ(json[1]["blocked"][0]["action"], "every");
    EXPECT_EQ(json[1]["blocked"][0]["met_by"], "slumber status");
}

// The phase comes from the journal's rows (engine::phase_timeline), the
// same rows metrics will read.
TEST_F(NodeViewTest, EachNodesPowerPhaseFromTheJournal) {
    {
        auto journal = store::Journal::open(config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        const std::vector<std::string> n1{"n1"};
        ASSERT_TRUE(journal->add_requests(n1, power::Action::on, store::RequestSource::slurm_resume, 900'000));
        ASSERT_TRUE(journal->record({0, 905'000, "n1", std::nullopt, store::EventKind::power_on, "on",
                                     store::OutcomeKind::ok, power::Action::on}));
    }
    const ClusterView taken = view();
    ASSERT_TRUE(taken.nodes[0].phase);
    EXPECT_EQ(taken.nodes[0].phase->phase, engine::PowerPhase::booting);
    EXPECT_EQ(taken.nodes[0].phase->since, 905'000);
    EXPECT_FALSE(taken.nodes[1].phase) << "no power row for n2 yet";
    const nlohmann::json json = to_json(taken);
    EXPECT_EQ(json[0]["phase"]["name"], "booting");
    EXPECT_EQ(json[0]["phase"]["since_ms"], 905'000);
    EXPECT_FALSE(json[1].contains("phase"));
}

// A tester's `slumber status` on the controller standing by showed its
// journal as if it were what was being done.
TEST_F(NodeViewTest, ADaemonStandingByIsSaid) {
    const auto said = [this] {
        const ClusterView taken = view();
        return std::ranges::any_of(taken.warnings, [](const std::string& warning) {
            return warning.find("this controller's daemon stands by (the slurmctld on ctl1 (primary) is in control)") !=
                   std::string::npos;
        });
    };
    auto journal = store::Journal::open(config.daemon.journal());
    ASSERT_TRUE(journal) << journal.error();
    const auto role = [&](store::TimeMs time, std::string words) {
        ASSERT_TRUE(journal->record({0, time, "", std::nullopt, store::EventKind::controller_role, std::move(words)}));
    };
    role(900'000, "the slurmctld beside it (ctl2, backup) is in control; ctl1 does not answer");
    EXPECT_FALSE(said());
    role(910'000, "standing by: the slurmctld on ctl1 (primary) is in control");
    EXPECT_TRUE(said());
    ASSERT_TRUE(journal->took_control({0, 915'000, "", std::nullopt, store::EventKind::took_control,
                                       "took over: the slurmctld beside it (ctl2, backup) is in control"}));
    EXPECT_FALSE(said()) << "acting again";
    role(916'000, "standing by: the slurmctld on ctl1 (primary) is in control");
    EXPECT_TRUE(said());
    ASSERT_TRUE(journal->record({0, 920'000, "", std::nullopt, store::EventKind::daemon_stop, "slumberd stopped"}));
    EXPECT_FALSE(said()) << "no daemon runs: nothing stands by";
}

// A tester's `slumber status` on a controller whose daemon was down (its
// host killed) showed that journal as current, while the other acted.
TEST_F(NodeViewTest, NoDaemonBesideOneOfSeveralControllersIsSaid) {
    const auto said = [this] {
        const ClusterView taken = view();
        return std::ranges::any_of(taken.warnings, [](const std::string& warning) {
            return warning.find("no daemon runs beside this controller: with 2 controllers (ctl1, ctl2)") !=
                   std::string::npos;
        });
    };
    config.slurm.conf = dir / "slurm.conf";  // never the machine's
    std::ofstream(config.slurm.conf) << "ClusterName=test\n";
    EXPECT_FALSE(said()) << "one controller: the hooks carry out requests themselves, as status says elsewhere";
    std::ofstream(config.slurm.conf) << "ClusterName=test\nSlurmctldHost=ctl1\nSlurmctldHost=ctl2(10.0.0.2)\n";
    EXPECT_TRUE(said());
    const int lock = ::open(config.daemon.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    ASSERT_GE(lock, 0);
    ASSERT_EQ(::flock(lock, LOCK_EX | LOCK_NB), 0);
    EXPECT_FALSE(said()) << "a daemon holds the lock";
    ::close(lock);
}

TEST_F(NodeViewTest, UnblockLiftsTheBlockAndRefusesAnUnknownNameChangingNothing) {
    (void)view();
    const auto typo = unblock(config, {"n2", "n9"}, "`slumber unblock`", [] { return store::TimeMs{1'001'000}; });
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().kind, UnblockError::Kind::unknown);
    EXPECT_NE(typo.error().words.find("n9"), std::string::npos) << typo.error().words;
    EXPECT_EQ(view({"n2"}).nodes[0].power.kind, PowerReading::Kind::blocked) << "nothing was lifted";

    const auto lifted = unblock(config, {"n2", "n1"}, "`slumber unblock`", [] { return store::TimeMs{1'001'000}; });
    ASSERT_TRUE(lifted);
    ASSERT_EQ(lifted->targets.size(), 2U);
    EXPECT_EQ(lifted->targets[0].words, "unblocked");
    EXPECT_EQ(lifted->targets[1].words, "was not blocked");
    EXPECT_FALSE(lifted->woken);
    plug->set_password("the-old-one");
    EXPECT_EQ(view({"n2"}).nodes[0].power.text(), "off");
}

}  // namespace
}  // namespace slumber::service
