// The daemon's view of Slurm's controllers (docs/ha.md): slurm.conf's
// SlurmctldHost lines, and `scontrol ping` answered by a script that stands
// in for scontrol and prints what the test writes.
#include "daemon/controller_watch.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "config/config.hpp"

namespace slumber::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ControllerWatchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const fs::path program = m_dir / "scontrol";
        std::ofstream(program) << "#!/bin/sh\n[ \"$1\" = ping ] || exit 2\ncat '" << (m_dir / "ping").string()
                               << "'\nexit $(cat '" << (m_dir / "exit").string() << "')\n";
        ::chmod(program.c_str(), 0755);
        answer("Slurmctld(primary) at ctl1 is UP\nSlurmctld(backup) at ctl2 is UP\n");
    }
    void slurm_conf(const std::string& hosts) const {
        std::ofstream(m_dir / "slurm.conf") << hosts << "ClusterName=c\nNodeName=n1\n";
    }
    void answer(const std::string& text, int code = 0) const {
        std::ofstream(m_dir / "ping") << text;
        std::ofstream(m_dir / "exit") << code;
    }
    [[nodiscard]] config::Config config(const std::string& controller) const {
        config::Config out;
        out.slurm.conf = m_dir / "slurm.conf";
        out.slurm.bin_dir = m_dir;
        out.daemon.controller = controller;
        return out;
    }
    [[nodiscard]] slurm::Scontrol scontrol() const { return {m_dir, m_dir / "slurm.conf"}; }

    const testing::TempDir m_temp{"slumber-controllers"};
    const fs::path m_dir = m_temp.path();
};

TEST_F(ControllerWatchTest, OneControllerActsWithoutAsking) {
    slurm_conf("SlurmctldHost=head(10.0.0.1)\n");
    auto watch = ControllerWatch::make(config("somewhere-else"));
    ASSERT_TRUE(watch) << watch.error();
    EXPECT_FALSE(watch->shared());
    EXPECT_TRUE(watch->acting());
    answer("", 1);  // never asked
    EXPECT_FALSE(watch->update(scontrol()));
    EXPECT_TRUE(watch->acting());
}

TEST_F(ControllerWatchTest, TheBackupsDaemonStandsByThenTakesOverAndGivesBack) {
    slurm_conf("SlurmctldHost=ctl1(10.0.0.1)\nSlurmctldHost=ctl2(10.0.0.2)\nSlurmctldTimeout=30\n");
    auto watch = ControllerWatch::make(config("ctl2"));
    ASSERT_TRUE(watch) << watch.error();
    EXPECT_TRUE(watch->shared());
    EXPECT_FALSE(watch->acting()) << "nothing carried out before the first ping";

    const auto start = std::chrono::steady_clock::now();
    auto change = watch->update(scontrol(), start);
    ASSERT_TRUE(change);
    EXPECT_TRUE(change->first);
    EXPECT_FALSE(change->role.acting);
    EXPECT_EQ(change->role.acting_host, "ctl1");
    EXPECT_FALSE(watch->update(scontrol(), start + 5s)) << "no change, nothing to say";

    answer(
        "Slurmctld(primary) at ctl1 is DOWN\nSlurmctld(backup) at ctl2 is UP\n"
        "*****************************************\n** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
        "*****************************************\n");
    EXPECT_FALSE(watch->update(scontrol(), start + 10s)) << "Slurm's backup waits SlurmctldTimeout (30 s here)";
    EXPECT_FALSE(watch->acting());
    EXPECT_FALSE(watch->update(scontrol(), start + 34s));
    change = watch->update(scontrol(), start + 35s);
    ASSERT_TRUE(change) << "ctl1 has not answered for 30 s";
    EXPECT_FALSE(change->took_over) << "not before ctl1's daemon, if it runs, has seen it";
    EXPECT_FALSE(watch->acting());
    EXPECT_TRUE(watch->taking_control());
    EXPECT_EQ(change->role.acting_host, "ctl2");
    EXPECT_TRUE(change->role.why.starts_with("taking control: the slurmctld beside it (ctl2, backup) is in control"))
        << change->role.why;
    // A ping a hook's wake asked for, 3 s later: not yet. The next regular
    // one (every 5 s at the wall clock's multiples, within the loop's 1 s
    // slack) counts.
    EXPECT_FALSE(watch->update(scontrol(), start + 38s)) << "sooner than one ping interval later";
    EXPECT_FALSE(watch->acting());
    change = watch->update(scontrol(), start + 40s);
    ASSERT_TRUE(change);
    EXPECT_TRUE(change->took_over);
    EXPECT_TRUE(watch->acting());
    EXPECT_FALSE(watch->taking_control());
    EXPECT_EQ(change->role.why, "the slurmctld beside it (ctl2, backup) is in control; ctl1 does not answer");

    answer("Slurmctld(primary) at ctl1 is UP\nSlurmctld(backup) at ctl2 is UP\n");
    change = watch->update(scontrol(), start + 45s);
    ASSERT_TRUE(change) << "the primary took control back: standing by at once";
    EXPECT_FALSE(change->role.acting);
    EXPECT_FALSE(watch->taking_control());
    EXPECT_FALSE(change->took_over);
}

// When the primary's slurmctld answers again, its daemon and the backup's
// each learn it at their next ping, up to 5 s apart: the primary's waits for
// a second ping before it acts, so that the two never act at once.
TEST_F(ControllerWatchTest, TheDaemonTakingControlBackWaitsForTheOtherToStandDown) {
    slurm_conf("SlurmctldHost=ctl1(10.0.0.1)\nSlurmctldHost=ctl2(10.0.0.2)\nSlurmctldTimeout=30\n");
    auto watch = ControllerWatch::make(config("ctl1"));
    ASSERT_TRUE(watch) << watch.error();
    const auto start = std::chrono::steady_clock::now();
    answer("Slurmctld(primary) at ctl1 is DOWN\nSlurmctld(backup) at ctl2 is UP\n");
    auto change = watch->update(scontrol(), start);
    ASSERT_TRUE(change);
    EXPECT_FALSE(change->role.acting);
    EXPECT_FALSE(watch->taking_control());

    answer("Slurmctld(primary) at ctl1 is UP\nSlurmctld(backup) at ctl2 is UP\n");
    change = watch->update(scontrol(), start + 5s);
    ASSERT_TRUE(change);
    EXPECT_FALSE(change->role.acting);
    EXPECT_TRUE(watch->taking_control());
    EXPECT_EQ(change->role.acting_host, "ctl1");
    EXPECT_FALSE(watch->update(scontrol(), start + 8s)) << "sooner than one ping interval later";
    EXPECT_FALSE(watch->acting());
    change = watch->update(scontrol(), start + 10s);
    ASSERT_TRUE(change);
    EXPECT_TRUE(change->role.acting);
    EXPECT_TRUE(change->took_over);
    EXPECT_FALSE(watch->taking_control());
}

TEST_F(ControllerWatchTest, NoAnswerOrGarbageKeepsTheRoleForSlurmctldTimeoutThenStandsBy) {
    slurm_conf("SlurmctldHost=ctl1\nSlurmctldHost=ctl2\n");  // SlurmctldTimeout: Slurm's default, 120 s
    auto watch = ControllerWatch::make(config("ctl1"));
    ASSERT_TRUE(watch) << watch.error();
    const auto start = std::chrono::steady_clock::now() - 5s;
    auto first = watch->update(scontrol(), start);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->first);
    EXPECT_FALSE(watch->acting()) << "a daemon that starts acts from its second ping";
    EXPECT_TRUE(watch->taking_control());
    first = watch->update(scontrol(), start + 5s);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->first) << "nothing was handed over to a daemon that starts";
    EXPECT_FALSE(first->took_over);
    EXPECT_TRUE(watch->acting());
    // scontrol exits 1 when nobody answers, its lines on standard output
    // (root gets a banner too): still an answer, which a tester saw shown
    // raw, "\n" and all, as the reason for standing by.
    answer(
        "Slurmctld(primary) at ctl1 is DOWN\nSlurmctld(backup) at ctl2 is DOWN\n"
        "*****************************************\n** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
        "*****************************************\n",
        1);
    EXPECT_FALSE(watch->update(scontrol(), start + 10s)) << "one unanswered ping changes nothing";
    EXPECT_TRUE(watch->acting());
    EXPECT_NE(watch->role().why.find("it has not answered for 5 s, less than SlurmctldTimeout"), std::string::npos)
        << watch->role().why;
    // Its own controller is given up a second before SlurmctldTimeout, so
    // that it stands by no later than the other daemon takes control.
    EXPECT_FALSE(watch->update(scontrol(), start + 123s));
    auto change = watch->update(scontrol(), start + 124s);
    ASSERT_TRUE(change);
    EXPECT_FALSE(change->role.acting);
    EXPECT_EQ(change->role.why, "standing by: no slurmctld answers (ctl1, ctl2): nothing to act for");
    answer("slurm_ping: Unable to contact slurm controller\n", 1);
    EXPECT_FALSE(watch->update(scontrol(), start + 127s)) << "still standing by";
    EXPECT_NE(watch->role().why.find("standing by: scontrol ping: slurm_ping: Unable"), std::string::npos)
        << watch->role().why;
    answer("slurm_ping: Unable to contact slurm controller\x1b[2J\n");
    EXPECT_FALSE(watch->update(scontrol(), start + 130s)) << "still standing by";
    EXPECT_FALSE(watch->acting());
    EXPECT_EQ(watch->role().why.find('\x1b'), std::string::npos) << "Slurm's text is shown safely";
}

// Both daemons ping at the wall clock's multiples of 5 s, so that they
// count a silent controller's silence alike (a tester saw the old daemon
// stand down 8 s after the other decided to take control).
TEST(ControllerPings, ComeAtTheWallClocksMultiplesOfTheInterval) {
    EXPECT_EQ(until_next_ping(1'764'800'000'000), kControllerLookMs) << "on a multiple: the next one";
    EXPECT_EQ(until_next_ping(1'764'800'001'234), std::chrono::milliseconds(3766));
    EXPECT_EQ(until_next_ping(1'764'800'004'999), std::chrono::milliseconds(1));
    EXPECT_EQ(until_next_ping(-1), std::chrono::milliseconds(1));
}

TEST_F(ControllerWatchTest, ADaemonBesideNoneOfTheControllersIsAConfigurationError) {
    slurm_conf("SlurmctldHost=ctl1(10.0.0.1)\nSlurmctldHost=ctl2(10.0.0.2)\n");
    auto watch = ControllerWatch::make(config("head3"));
    ASSERT_FALSE(watch);
    EXPECT_NE(watch.error().find("lists 2 controllers (ctl1, ctl2) and this daemon's, \"head3\", is none of them"),
              std::string::npos)
        << watch.error();
    EXPECT_NE(watch.error().find("[daemon] controller"), std::string::npos);
}

}  // namespace
}  // namespace slumber::daemon
