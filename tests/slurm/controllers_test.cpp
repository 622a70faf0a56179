// slurm.conf's controllers and `scontrol ping`'s answer (Slurm 22.05 to 24.11).
#include "slurm/controllers.hpp"

#include <gtest/gtest.h>

namespace slumber::slurm {
namespace {

TEST(Controllers, SlurmctldHostLinesInOrderWithoutTheirAddresses) {
    const SlurmConf conf = parse_slurm_conf(
        "SlurmctldHost=ctl1(10.0.0.1)\nClusterName=c\nslurmctldhost=ctl2\nSlurmctldHost=ctl3( 10.0.0.3 )\n",
        "/etc/slurm/slurm.conf");
    EXPECT_EQ(controller_hosts(conf), (std::vector<std::string>{"ctl1", "ctl2", "ctl3"}));
    EXPECT_TRUE(controller_hosts(parse_slurm_conf("ClusterName=c\n", "slurm.conf")).empty());
}

TEST(Controllers, PingAsSlurmPrintsIt) {
    // Root's run with the backup down: the banner is skipped.
    const auto pings = parse_ping(
        "Slurmctld(primary) at vctl1 is UP\nSlurmctld(backup) at vctl2 is DOWN\n"
        "*****************************************\n** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
        "*****************************************\n");
    ASSERT_TRUE(pings) << pings.error().message;
    ASSERT_EQ(pings->size(), 2U);
    EXPECT_EQ((*pings)[0].mode, "primary");
    EXPECT_EQ((*pings)[0].host, "vctl1");
    EXPECT_TRUE((*pings)[0].up);
    EXPECT_EQ((*pings)[1].mode, "backup");
    EXPECT_FALSE((*pings)[1].up);
    const auto three = parse_ping(
        "Slurmctld(primary) at a is DOWN\nSlurmctld(backup1) at b is UP\n"
        "Slurmctld(backup2) at c is UP");
    ASSERT_TRUE(three);
    EXPECT_EQ((*three)[2].mode, "backup2");
}

TEST(Controllers, AnythingElseIsRefusedNamingItsLine) {
    for (const char* text :
         {"Slurmctld(primary) at vctl1 is UP\nslurm_ping error\n", "Slurmctld(primary) at vctl1 is MAYBE\n",
          "Slurmctld() at  is UP\n", "Slurmctld(primary) at two words is UP\n", "Slurmctld(primary)at x is UP\n"}) {
        const auto pings = parse_ping(text);
        ASSERT_FALSE(pings) << text;
        EXPECT_GE(pings.error().line, 1) << text;
    }
    EXPECT_EQ(parse_ping("Slurmctld(primary) at vctl1 is UP\nbad\n").error().line, 2);
    EXPECT_TRUE(parse_ping("")->empty());
}

// slurmctld takes its own SlurmctldHost entry by the short or the long
// host name; the daemon beside it takes the same one.
TEST(Controllers, OwnControllerByTheShortOrTheLongName) {
    const std::vector<std::string> hosts{"ctl1.cluster.example", "ctl2"};
    EXPECT_EQ(own_controller(hosts, "ctl1"), "ctl1.cluster.example");
    EXPECT_EQ(own_controller(hosts, "ctl2"), "ctl2");
    EXPECT_EQ(own_controller(hosts, "ctl"), std::nullopt) << "a prefix is no name";
    EXPECT_EQ(own_controller(hosts, ""), std::nullopt);
    EXPECT_EQ(own_controller({"ctl1x.example"}, "ctl1"), std::nullopt);
}

}  // namespace
}  // namespace slumber::slurm
