// `slumber unblock` (and the dashboard's) on nodes blocked for crossed BMC
// addresses, against a script standing in for scontrol: a pair is lifted
// together, and the one named alone says that its partner came with it.
#include "service/unblock.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "operate/shared_journal.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

const std::string kReason = "slumber: BMC addresses of n2 and n3 look crossed; check, then slumber unblock n2,n3";
const std::string kWords = "BMC addresses of n2 and n3 look crossed: slumber switched n2 off; n3 went silent";

class UnblockCrossed : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(m_dir / "state");
        std::ofstream(m_dir / "nodes") << "NodeName=n1 State=IDLE\n"
                                       << "NodeName=n2 State=IDLE+DRAIN Reason=" << kReason
                                       << " [root@2026-11-25T22:50:01]\n"
                                       << "NodeName=n3 State=DOWN+DRAIN+NOT_RESPONDING Reason=" << kReason
                                       << " [root@2026-11-25T22:50:01]\n";
        const fs::path program = m_dir / "scontrol";
        std::ofstream(program) << "#!/bin/sh\ncase \"$*\" in\n  --version) echo 'slurm 22.05.8' ;;\n"
                               << "  *show\\ node*) cat '" << (m_dir / "nodes").string() << "' ;;\n"
                               << "  *) echo \"$@\" >> '" << (m_dir / "calls").string() << "' ;;\nesac\n";
        ::chmod(program.c_str(), 0755);
        std::ofstream(m_dir / "slurm.conf") << "ClusterName=test\n";
        auto config =
            config::load_text(fmt::format("[slurm]\nbin_dir = \"{}\"\nconf = \"{}\"\n[daemon]\nstate_dir = \"{}\"\n"
                                          "[[node]]\nnames = \"n[1-3]\"\ndriver = \"exec\"\n"
                                          "on = \"true\"\noff = \"true\"\n",
                                          m_dir.string(), (m_dir / "slurm.conf").string(), (m_dir / "state").string()),
                              "test.toml");
        ASSERT_TRUE(config) << config::format(config.error().front());
        m_config = std::move(*config);
        auto journal = operate::open_journal(m_config.daemon, m_config.slurm);
        ASSERT_TRUE(journal) << journal.error();
        for (const std::string node : {"n2", "n3"}) {
            ASSERT_TRUE(
                journal->add_block({node, std::nullopt, power::ErrorKind::crossed, kWords, 1000, {}, "the daemon"}));
        }
    }
    [[nodiscard]] std::vector<std::string> calls() const {
        std::ifstream in(m_dir / "calls");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) {
            if (!line.starts_with("show")) lines.push_back(line);
        }
        return lines;
    }
    [[nodiscard]] std::size_t blocks() const {
        auto journal = operate::open_journal(m_config.daemon, m_config.slurm);
        return journal ? journal->blocks().value_or(std::vector<store::Block>{}).size() : 99;
    }

    const testing::TempDir m_temp{"slumber-unblock"};
    const fs::path m_dir = m_temp.path();
    config::Config m_config;
};

// A tester's `slumber unblock vnode002` said "unblocked; back in service"
// with no word of vnode003, which stayed blocked and was drained again as
// "vnode003 and vnode003 look crossed".
// What unblock adds once it has cleared slumber's drain of a crossed pair.
const std::string kCleared =
    " (slumber's drain \"slumber: BMC addresses of n2 and n3 look crossed; check, then slumber unblock n2,n3\" "
    "cleared)";

TEST_F(UnblockCrossed, OneNodeOfAPairLiftsBothAndSaysSo) {
    const auto result = unblock(m_config, {"n2"}, "the test", [] { return store::TimeMs{5000}; });
    ASSERT_TRUE(result) << result.error().words;
    ASSERT_EQ(result->targets.size(), 2U);
    EXPECT_EQ(result->targets[0].target, "n2") << "the node asked for first (the web API answers with it)";
    EXPECT_EQ(result->targets[0].words,
              "unblocked, and n3 with it (their BMC addresses looked crossed: a pair is lifted together); back in "
              "service in Slurm" +
                  kCleared);
    EXPECT_EQ(result->targets[1].target, "n3");
    EXPECT_EQ(result->targets[1].words,
              "unblocked with n2 (their BMC addresses looked crossed: a pair is lifted together); back in service in "
              "Slurm" +
                  kCleared);
    EXPECT_EQ(blocks(), 0U);
    EXPECT_TRUE(result->lifted) << "the daemon is woken: it reads both BMCs at once";
    EXPECT_EQ(calls(),
              (std::vector<std::string>{"update NodeName=n2 State=RESUME", "update NodeName=n3 State=RESUME"}));
    // The journal says it of both.
    auto journal = operate::open_journal(m_config.daemon, m_config.slurm);
    ASSERT_TRUE(journal);
    std::vector<std::string> said;
    for (const store::Event& event : journal->events({}, 0).value_or(std::vector<store::Event>{})) {
        if (event.kind == store::EventKind::unblocked) said.push_back(event.node + ": " + event.detail);
    }
    EXPECT_EQ(said,
              (std::vector<std::string>{
                  "n2: lifted by the test, with n3 (their BMC addresses looked crossed: a pair is lifted together)",
                  "n3: lifted by the test of n2 (their BMC addresses looked crossed: a pair is lifted together)"}));
}

// One power-on that woke two nodes blocks each as a pair with the switched
// node, whose own block names one of them: a tester's unblock of it (as its
// drain said) left the other pair's address crossed and unblocked on one
// side, and slumber switched that machine through it. Every node tied by
// crossed blocks is lifted together.
TEST_F(UnblockCrossed, EveryNodeTiedByCrossedBlocksIsLiftedTogether) {
    {
        auto journal = operate::open_journal(m_config.daemon, m_config.slurm);
        ASSERT_TRUE(journal);
        ASSERT_TRUE(journal->add_block({"n1",
                                        std::nullopt,
                                        power::ErrorKind::crossed,
                                        "BMC addresses of n1 and n3 look crossed: a test",
                                        1000,
                                        {},
                                        "the daemon"}));
    }
    const auto result = unblock(m_config, {"n1"}, "the test", [] { return store::TimeMs{5000}; });
    ASSERT_TRUE(result) << result.error().words;
    std::vector<std::string> lifted;
    for (const auto& done : result->targets) lifted.push_back(done.target);
    EXPECT_EQ(lifted, (std::vector<std::string>{"n1", "n3", "n2"}));
    EXPECT_EQ(blocks(), 0U);
}

TEST_F(UnblockCrossed, BothNamedAreLiftedAsAnyTwo) {
    const auto result = unblock(m_config, {"n2", "n3"}, "the test", [] { return store::TimeMs{5000}; });
    ASSERT_TRUE(result) << result.error().words;
    ASSERT_EQ(result->targets.size(), 2U);
    EXPECT_EQ(result->targets[0].words, "unblocked; back in service in Slurm" + kCleared);
    EXPECT_EQ(result->targets[1].words, "unblocked; back in service in Slurm" + kCleared);
    EXPECT_EQ(blocks(), 0U);
}

TEST_F(UnblockCrossed, AnotherNodeIsLiftedAlone) {
    auto journal = operate::open_journal(m_config.daemon, m_config.slurm);
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->add_block(
        {"n1", std::nullopt, power::ErrorKind::auth_failed, "authentication failed", 1000, {}, "the daemon"}));
    const auto result = unblock(m_config, {"n1"}, "the test", [] { return store::TimeMs{5000}; });
    ASSERT_TRUE(result) << result.error().words;
    ASSERT_EQ(result->targets.size(), 1U);
    EXPECT_EQ(result->targets[0].words, "unblocked");
    EXPECT_EQ(blocks(), 2U);
    const auto again = unblock(m_config, {"n1"}, "the test", [] { return store::TimeMs{6000}; });
    ASSERT_TRUE(again) << again.error().words;
    EXPECT_FALSE(again->lifted) << "nothing lifted: the daemon has nothing new to read";
}

// A node Slurm counts as powered down whose machine may still run (the one
// a crossed suspend left behind): the words say who switches it off. A
// tester's, without a daemon, was told the daemon would.
TEST_F(UnblockCrossed, WhoSwitchesOffAMachineLeftRunningIsSaid) {
    std::ofstream(m_dir / "nodes") << "NodeName=n2 State=IDLE+DRAIN Reason=" << kReason
                                   << " [root@2026-11-25T22:50:01]\n"
                                   << "NodeName=n3 State=IDLE+DRAIN+POWERED_DOWN Reason=" << kReason
                                   << " [root@2026-11-25T22:50:01]\n";
    const auto without = unblock(m_config, {"n2", "n3"}, "the test", [] { return store::TimeMs{5000}; });
    ASSERT_TRUE(without) << without.error().words;
    ASSERT_EQ(without->targets.size(), 2U);
    EXPECT_EQ(without->targets[0].words, "unblocked; back in service in Slurm" + kCleared);
    EXPECT_EQ(
        without->targets[1].words,
        "unblocked; back in service in Slurm" + kCleared +
            "; Slurm counts it as powered down, and no daemon runs to switch its machine off if it still runs: "
            "`slumber power status n3`, then `slumber power off n3` if it says on (once its BMC address is right: "
            "through a crossed one, both read and switch the other machine)");

    // A daemon holds its lock (here this test, as slumberd does: flock(2)).
    for (const std::string node : {"n2", "n3"}) {
        auto journal = operate::open_journal(m_config.daemon, m_config.slurm);
        ASSERT_TRUE(journal);
        ASSERT_TRUE(
            journal->add_block({node, std::nullopt, power::ErrorKind::crossed, kWords, 6000, {}, "the daemon"}));
    }
    const int lock = ::open(m_config.daemon.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(lock, 0);
    ASSERT_EQ(::flock(lock, LOCK_EX | LOCK_NB), 0);
    const auto with = unblock(m_config, {"n3"}, "the test", [] { return store::TimeMs{7000}; });
    ::close(lock);
    ASSERT_TRUE(with) << with.error().words;
    ASSERT_EQ(with->targets.size(), 2U);
    EXPECT_TRUE(with->targets[0].words.ends_with(
        "; Slurm counts it as powered down: if its machine still runs, the daemon reads its BMC and switches it off "
        "after [daemon] late_off_grace"))
        << with->targets[0].words;
}

}  // namespace
}  // namespace slumber::service
