// Which daemon acts with two controllers (docs/ha.md): Slurm's rule of who
// is in control, followed across pings.
#include "engine/controller_role.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace slumber::engine {
namespace {

using slurm::ControllerPing;

const ControllerPing kPrimaryUp{"primary", "ctl1", true};
const ControllerPing kPrimaryDown{"primary", "ctl1", false};
const ControllerPing kBackupUp{"backup", "ctl2", true};
const ControllerPing kBackupDown{"backup", "ctl2", false};

const std::vector<ControllerPing> kBoth{kPrimaryUp, kBackupUp};
const std::vector<ControllerPing> kPrimarySilent{kPrimaryDown, kBackupUp};
const std::vector<ControllerPing> kNone{kPrimaryDown, kBackupDown};

constexpr ControlFollower::TimeMs kTimeout = 120000;  // Slurm's default SlurmctldTimeout

TEST(ControllerRole, OneControllerActsAlways) {
    ControlFollower follower(kTimeout);
    EXPECT_TRUE(follower.update({}, "head", 0).acting);
    const std::vector<ControllerPing> one{kPrimaryDown};
    EXPECT_TRUE(follower.update(one, "anything", 0).acting) << "nothing to share";
}

TEST(ControllerRole, TheFirstThatAnswersIsInControl) {
    ControlFollower primary(kTimeout);
    ControlFollower backup(kTimeout);
    EXPECT_TRUE(primary.update(kBoth, "ctl1", 0).acting);
    const ControllerRole standby = backup.update(kBoth, "ctl2", 0);
    EXPECT_FALSE(standby.acting) << "a backup in standby answers pings too";
    EXPECT_EQ(standby.acting_host, "ctl1");
    EXPECT_EQ(standby.why, "standing by: the slurmctld on ctl1 (primary) is in control");
}

TEST(ControllerRole, AtItsFirstPingADaemonTakesTheAnswerAsItIs) {
    // Nothing is known from before: a primary silent at the first ping may
    // have been silent for long (a backup's daemon restarted after a
    // failover), and the backup that answers is taken as in control.
    ControlFollower backup(kTimeout);
    const ControllerRole took = backup.update(kPrimarySilent, "ctl2", 0);
    EXPECT_TRUE(took.acting);
    EXPECT_EQ(took.why, "the slurmctld beside it (ctl2, backup) is in control; ctl1 does not answer");
    ControlFollower primary(kTimeout);
    EXPECT_FALSE(primary.update(kPrimarySilent, "ctl1", 0).acting) << "its own slurmctld does not answer";
    const ControllerRole back = primary.update(kBoth, "ctl1", 5000);
    EXPECT_TRUE(back.acting) << "a controller listed earlier takes control back as soon as it answers";
}

TEST(ControllerRole, APrimaryThatMissesPingsKeepsControlForSlurmctldTimeout) {
    // A tester's primary stalled for a few seconds: its daemon stood by
    // and refused Slurm's requests while the backup's acted, although
    // Slurm never failed over.
    ControlFollower primary(kTimeout);
    ControlFollower backup(kTimeout);
    ASSERT_TRUE(primary.update(kBoth, "ctl1", 0).acting);
    ASSERT_FALSE(backup.update(kBoth, "ctl2", 0).acting);

    const ControllerRole kept = primary.update(kPrimarySilent, "ctl1", 5000);
    EXPECT_TRUE(kept.acting);
    EXPECT_EQ(kept.acting_host, "ctl1");
    EXPECT_EQ(kept.why,
              "the slurmctld beside it (ctl1, primary) is in control; it has not answered for 5 s, less than "
              "SlurmctldTimeout (120 s)");
    const ControllerRole waiting = backup.update(kPrimarySilent, "ctl2", 5000);
    EXPECT_FALSE(waiting.acting) << "Slurm's backup takes control only after SlurmctldTimeout";
    EXPECT_EQ(waiting.acting_host, "ctl1");

    EXPECT_TRUE(primary.update(kPrimarySilent, "ctl1", kTimeout - 1).acting);
    EXPECT_FALSE(backup.update(kPrimarySilent, "ctl2", kTimeout - 1).acting);

    // Silent for SlurmctldTimeout: the backup is in control.
    EXPECT_FALSE(primary.update(kPrimarySilent, "ctl1", kTimeout).acting);
    const ControllerRole took = backup.update(kPrimarySilent, "ctl2", kTimeout);
    EXPECT_TRUE(took.acting);
    EXPECT_EQ(took.why, "the slurmctld beside it (ctl2, backup) is in control; ctl1 does not answer");

    // The primary starts again and asks for control back: at once.
    EXPECT_TRUE(primary.update(kBoth, "ctl1", kTimeout + 5000).acting);
    EXPECT_FALSE(backup.update(kBoth, "ctl2", kTimeout + 5000).acting);
}

TEST(ControllerRole, AnAnswerInBetweenStartsTheSilenceAfresh) {
    ControlFollower backup(kTimeout);
    ASSERT_FALSE(backup.update(kBoth, "ctl2", 0).acting);
    ASSERT_FALSE(backup.update(kPrimarySilent, "ctl2", 100000).acting);
    ASSERT_FALSE(backup.update(kBoth, "ctl2", 110000).acting);
    EXPECT_FALSE(backup.update(kPrimarySilent, "ctl2", 200000).acting) << "90 s since ctl1's last answer";
    EXPECT_TRUE(backup.update(kPrimarySilent, "ctl2", 230000).acting);
}

TEST(ControllerRole, AFailedPingIsAPingNobodyAnswered) {
    ControlFollower primary(kTimeout);
    ASSERT_TRUE(primary.update(kBoth, "ctl1", 0).acting);
    const ControllerRole kept = primary.update(kNone, "ctl1", 5000, "scontrol ping: exit 1");
    EXPECT_TRUE(kept.acting);
    EXPECT_EQ(kept.why,
              "the slurmctld beside it (ctl1, primary) is in control; it has not answered for 5 s (scontrol ping: "
              "exit 1), less than SlurmctldTimeout (120 s)");
    const ControllerRole gone = primary.update(kNone, "ctl1", kTimeout, "scontrol ping: exit 1");
    EXPECT_FALSE(gone.acting);
    EXPECT_EQ(gone.acting_host, "");
    EXPECT_EQ(gone.why, "standing by: scontrol ping: exit 1");
}

TEST(ControllerRole, NoneAnsweringOrAStrangerStandsBy) {
    ControlFollower follower(kTimeout);
    const ControllerRole none = follower.update(kNone, "ctl1", 0);
    EXPECT_FALSE(none.acting);
    EXPECT_EQ(none.acting_host, "");
    EXPECT_EQ(none.why, "standing by: no slurmctld answers (ctl1, ctl2): nothing to act for");
    const ControllerRole stranger = follower.update(kBoth, "head3", 0);
    EXPECT_FALSE(stranger.acting);
    EXPECT_EQ(stranger.why, "[daemon] controller \"head3\" is none of Slurm's controllers (ctl1, ctl2): standing by");
}

TEST(ControllerRole, ASecondBackupWaitsForEveryControllerBeforeIt) {
    const ControllerPing second{"backup2", "ctl3", true};
    const std::vector<ControllerPing> all{kPrimaryUp, kBackupUp, second};
    const std::vector<ControllerPing> primary_gone{kPrimaryDown, kBackupUp, second};
    const std::vector<ControllerPing> only_third{kPrimaryDown, kBackupDown, second};
    ControlFollower third(kTimeout);
    ASSERT_FALSE(third.update(all, "ctl3", 0).acting);
    EXPECT_EQ(third.update(primary_gone, "ctl3", kTimeout).acting_host, "ctl2");
    // ctl2 in control goes silent: it keeps control for SlurmctldTimeout.
    EXPECT_EQ(third.update(only_third, "ctl3", kTimeout + 1000).acting_host, "ctl2");
    EXPECT_TRUE(third.update(only_third, "ctl3", 2 * kTimeout).acting);
}

}  // namespace
}  // namespace slumber::engine
