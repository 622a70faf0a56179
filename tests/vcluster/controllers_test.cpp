#include <gtest/gtest.h>

#include "vcluster/controllers.hpp"

namespace slumber::vcluster {
namespace {

// `scontrol ping` of Slurm 22.05.8 with the primary killed, as it printed it.
TEST(VclusterControllers, PingSaysEachControllerUpOrDown) {
    const auto words = parse_ping(
        "Slurmctld(primary) at vctl1 is DOWN\n"
        "Slurmctld(backup) at vctl2 is UP\n"
        "*****************************************\n"
        "** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
        "*****************************************\n");
    EXPECT_EQ(words, (std::map<std::string, std::string>{{"vctl1", "DOWN"}, {"vctl2", "UP"}}));
    EXPECT_EQ(parse_ping("Slurmctld(primary) at localhost is UP\n"),
              (std::map<std::string, std::string>{{"localhost", "UP"}}));
    EXPECT_TRUE(parse_ping("").empty());
    EXPECT_TRUE(parse_ping("slurm_load_ctl_conf error: Unable to contact slurm controller\n").empty());
}

TEST(VclusterControllers, ActionsAreOneTable) {
    ASSERT_NE(find_controller_action("kill"), nullptr);
    EXPECT_EQ(find_controller_action("kill")->action, ControllerAction::kill);
    EXPECT_EQ(find_controller_action("start")->action, ControllerAction::start);
    EXPECT_EQ(find_controller_action("reboot"), nullptr);
    EXPECT_EQ(controller_actions().size(), 3U);
}

}  // namespace
}  // namespace slumber::vcluster
