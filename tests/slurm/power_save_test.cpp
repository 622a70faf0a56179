// Slurm's power-saving rules (SuspendExc*, max_powered_nodes,
// idle_on_node_suspend) read from `scontrol show config` and slurm.conf, and
// the one place slumber's own power changes ask them.
#include <gtest/gtest.h>

#include "nodes.hpp"

#include "slurm/power_save.hpp"

namespace slumber::slurm {
namespace {

// As `scontrol show config` prints it (24.11.5; 22.05.8 has the same form
// without SuspendExcStates), shortened.
constexpr std::string_view kShowConfig2411 =
    "Configuration data as of 2026-11-30T10:00:00\n"
    "AccountingStorageBackupHost = (null)\n"
    "SlurmctldParameters     = idle_on_node_suspend,max_powered_nodes=3\n"
    "SLURM_VERSION           = 24.11.5\n"
    "SuspendExcNodes         = head,n[1-4]:2\n"
    "SuspendExcParts         = debug\n"
    "SuspendExcStates        = DOWN,drain\n"
    "SuspendProgram          = /usr/sbin/slumber-suspend\n"
    "\n"
    "Cgroup Support Configuration:\n"
    "AllowedRAMSpace         = 100.0%\n";

NodeState up(std::string name, std::string base = "IDLE", std::vector<std::string> flags = {}) {
    return testing::node(std::move(name), std::move(base), std::move(flags));
}

TEST(PowerSave, ReadsTheRulesFromShowConfig) {
    const PowerSaveRules rules = rules_from_show_config(kShowConfig2411);
    EXPECT_TRUE(rules.error.empty()) << rules.error;
    ASSERT_TRUE(rules.version);
    EXPECT_EQ(*rules.version, (Version{24, 11, 5}));
    EXPECT_TRUE(rules.idle_on_node_suspend);
    EXPECT_EQ(rules.max_powered_nodes, 3);
    EXPECT_EQ(rules.exc_parts, std::vector<std::string>{"debug"});
    EXPECT_EQ(rules.exc_states, (std::vector<std::string>{"DOWN", "DRAIN"}));
    // A count per group; "head" has none: kept whole.
    ASSERT_EQ(rules.exc_nodes.size(), 2U);
    EXPECT_EQ(rules.exc_nodes[0].nodes, std::vector<std::string>{"head"});
    EXPECT_FALSE(rules.exc_nodes[0].keep);
    EXPECT_EQ(rules.exc_nodes[1].nodes, (std::vector<std::string>{"n1", "n2", "n3", "n4"}));
    EXPECT_EQ(rules.exc_nodes[1].keep, 2);
    EXPECT_EQ(parse_show_config(kShowConfig2411).at("AllowedRAMSpace"), "100.0%");
}

TEST(PowerSave, UnsetValuesAndSlurmConfReadTheSame) {
    const PowerSaveRules unset = rules_from_show_config(
        "SuspendExcNodes         = (null)\nSuspendExcParts         = (null)\nSlurmctldParameters     = (null)\n");
    EXPECT_TRUE(unset.exc_nodes.empty());
    EXPECT_TRUE(unset.exc_parts.empty());
    EXPECT_FALSE(unset.idle_on_node_suspend);
    const PowerSaveRules conf = rules_from_slurm_conf("SuspendExcNodes=n[1-2],head:1,n9  # keep\n");
    ASSERT_EQ(conf.exc_nodes.size(), 3U);
    EXPECT_EQ(conf.exc_nodes[0].nodes, (std::vector<std::string>{"n1", "n2"}));
    EXPECT_EQ(conf.exc_nodes[1].keep, 1);
    EXPECT_EQ(conf.exc_nodes[2].nodes, std::vector<std::string>{"n9"});
    EXPECT_FALSE(conf.exc_nodes[2].keep);
    EXPECT_FALSE(rules_from_slurm_conf("SuspendExcNodes=n[1-\n").error.empty());
    EXPECT_FALSE(rules_from_slurm_conf("SuspendExcNodes=n[1-2]:x\n").error.empty());
}

TEST(PowerSave, ANodeSlurmKeepsOnIsNamed) {
    const PowerSaveRules rules =
        rules_from_slurm_conf("SuspendExcNodes=head,n[1-3]:2\nSuspendExcParts=debug\nSuspendExcStates=DRAIN\n");
    std::vector<NodeState> cluster{up("head"),      up("n1"),
                                   up("n2"),        up("n3", "IDLE", {"POWERED_DOWN"}),
                                   up("p1"),        up("d1", "DOWN", {"DRAIN", "POWERED_DOWN"}),
                                   up("x1", "DOWN")};
    cluster[4].partitions = {"batch", "debug"};
    EXPECT_NE(keep_on_reason(rules, cluster[0], cluster).find("SuspendExcNodes"), std::string::npos);
    // n1 and n2 are the two up nodes of the counted group: both kept.
    EXPECT_NE(keep_on_reason(rules, cluster[1], cluster), "");
    cluster[3].flags.clear();  // n3 up too: one of three may go
    EXPECT_EQ(keep_on_reason(rules, cluster[1], cluster), "");
    EXPECT_NE(keep_on_reason(rules, cluster[4], cluster).find("debug"), std::string::npos);
    EXPECT_NE(keep_on_reason(rules, cluster[5], cluster).find("DRAIN"), std::string::npos);
    EXPECT_EQ(keep_on_reason(rules, cluster[6], cluster), "") << "DOWN is not in SuspendExcStates";
}

TEST(PowerSave, TheCapOnPoweredNodesRefusesOnlyANodeSlurmCountsAsOff) {
    const PowerSaveRules rules = rules_from_slurm_conf("SlurmctldParameters=max_powered_nodes=2\n");
    std::vector<NodeState> cluster{up("n1"), up("n2", "ALLOCATED", {"POWERING_UP"}),
                                   up("n3", "DOWN", {"POWERED_DOWN"})};
    EXPECT_NE(power_on_refusal(rules, cluster[2], cluster).find("max_powered_nodes=2"), std::string::npos);
    EXPECT_EQ(power_on_refusal(rules, cluster[1], cluster), "") << "counted already";
    cluster[0].flags = {"POWERING_DOWN"};
    EXPECT_EQ(power_on_refusal(rules, cluster[2], cluster), "");
    EXPECT_EQ(power_on_refusal(PowerSaveRules{}, cluster[2], cluster), "") << "no cap";
}

TEST(PowerSave, IdleOnNodeSuspendIsNamedAsAConflict) {
    EXPECT_TRUE(describe_conflicts(rules_from_slurm_conf("SuspendTime=60\n")).empty());
    const auto lines = describe_conflicts(rules_from_slurm_conf("SlurmctldParameters=idle_on_node_suspend\n"));
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("idle_on_node_suspend"), std::string::npos);
}

}  // namespace
}  // namespace slumber::slurm
