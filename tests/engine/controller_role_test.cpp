// Which daemon acts with two controllers (docs/ha.md).
#include "engine/controller_role.hpp"

#include <gtest/gtest.h>

namespace slumber::engine {
namespace {

using slurm::ControllerPing;

const ControllerPing kPrimaryUp{"primary", "ctl1", true};
const ControllerPing kPrimaryDown{"primary", "ctl1", false};
const ControllerPing kBackupUp{"backup", "ctl2", true};
const ControllerPing kBackupDown{"backup", "ctl2", false};

TEST(ControllerRole, OneControllerActsAlways) {
    EXPECT_TRUE(controller_role({}, "head").acting);
    const std::vector<ControllerPing> one{kPrimaryDown};
    EXPECT_TRUE(controller_role(one, "anything").acting) << "nothing to share";
}

TEST(ControllerRole, TheFirstThatAnswersIsInControl) {
    const std::vector<ControllerPing> both{kPrimaryUp, kBackupUp};
    EXPECT_TRUE(controller_role(both, "ctl1").acting);
    const ControllerRole standby = controller_role(both, "ctl2");
    EXPECT_FALSE(standby.acting) << "a backup in standby answers pings too";
    EXPECT_EQ(standby.acting_host, "ctl1");
    EXPECT_EQ(standby.why, "standing by: the slurmctld on ctl1 (primary) is in control");

    const std::vector<ControllerPing> failed_over{kPrimaryDown, kBackupUp};
    const ControllerRole took = controller_role(failed_over, "ctl2");
    EXPECT_TRUE(took.acting);
    EXPECT_EQ(took.why, "the slurmctld beside it (ctl2, backup) is in control; ctl1 does not answer");
    EXPECT_FALSE(controller_role(failed_over, "ctl1").acting) << "its own slurmctld is gone";
}

TEST(ControllerRole, NoneAnsweringOrAStrangerStandsBy) {
    const std::vector<ControllerPing> none{kPrimaryDown, kBackupDown};
    EXPECT_FALSE(controller_role(none, "ctl1").acting);
    EXPECT_EQ(controller_role(none, "ctl1").acting_host, "");
    const std::vector<ControllerPing> both{kPrimaryUp, kBackupUp};
    const ControllerRole stranger = controller_role(both, "head3");
    EXPECT_FALSE(stranger.acting);
    EXPECT_EQ(stranger.why, "[daemon] controller \"head3\" is none of Slurm's controllers (ctl1, ctl2): standing by");
}

}  // namespace
}  // namespace slumber::engine
