// scontrol --oneliner show node, as Slurm 22.05 prints it, parsed into typed
// node states.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "slurm/node_state.hpp"
#include "util/time_text.hpp"

namespace slumber::slurm {
namespace {

// Real lines from the virtual cluster's slurmctld, shortened only where noted.
constexpr std::string_view kIdle =
    "NodeName=vnode001 Arch=x86_64 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=23.44 "
    "AvailableFeatures=(null) ActiveFeatures=(null) Gres=(null) NodeAddr=127.0.0.1 NodeHostName=localhost "
    "Port=29001 Version=22.05.8 OS=Linux 6.18.44-fc-v782 #1 SMP PREEMPT_DYNAMIC @0  RealMemory=1000 AllocMem=0 "
    "FreeMem=22320 Sockets=2 Boards=1 State=IDLE ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A "
    "Partitions=batch  BootTime=2026-11-25T22:49:19 SlurmdStartTime=2026-11-25T22:49:20 "
    "LastBusyTime=2026-11-25T22:49:20 CfgTRES=cpu=2,mem=1000M,billing=2 AllocTRES= CapWatts=n/a CurrentWatts=0 "
    "AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s";
constexpr std::string_view kResumeFailed =
    "NodeName=vnode002 CPUAlloc=0 CPUTot=2 State=DOWN+POWERED_DOWN BootTime=None "
    "Reason=ResumeTimeout reached [slurm@2026-11-25T22:50:01]";
constexpr std::string_view kBusy =
    "NodeName=vnode003 CPUAlloc=2 State=ALLOCATED+POWERING_UP BootTime=2026-11-25T22:49:19 "
    "Reason=Node unexpectedly rebooted boot_time=1764111000 last response=1764110990 [slurm@2026-11-25T22:51:00]";

TEST(NodeState, ReadsAnIdleNodeWithSpacesInItsOsField) {
    auto nodes = parse_show_node(kIdle);
    ASSERT_TRUE(nodes) << nodes.error().message;
    ASSERT_EQ(nodes->size(), 1U);
    const NodeState& node = nodes->front();
    EXPECT_EQ(node.name, "vnode001");
    EXPECT_EQ(node.base, "IDLE");
    EXPECT_TRUE(node.flags.empty());
    EXPECT_EQ(node.boot_time, util::parse_slurm_time("2026-11-25T22:49:19").value());
    EXPECT_TRUE(node.boot_time.has_value());
    EXPECT_EQ(node.address, "127.0.0.1");
    EXPECT_EQ(node.port, 29001);
    EXPECT_FALSE(node.running_jobs());
    EXPECT_TRUE(node.responding());
}

TEST(NodeState, ReadsFlagsAndAReasonWithoutItsSuffix) {
    auto nodes = parse_show_node(std::string(kResumeFailed) + "\n" + std::string(kBusy) + "\n");
    ASSERT_TRUE(nodes) << nodes.error().message;
    ASSERT_EQ(nodes->size(), 2U);
    EXPECT_EQ((*nodes)[0].base, "DOWN");
    EXPECT_TRUE((*nodes)[0].powered_down());
    EXPECT_EQ((*nodes)[0].reason, "ResumeTimeout reached");
    EXPECT_FALSE((*nodes)[0].boot_time.has_value()) << "BootTime=None";
    EXPECT_EQ((*nodes)[0].state_text(), "DOWN+POWERED_DOWN");
    // A reason may itself contain '=': it runs to the end of the line.
    EXPECT_EQ((*nodes)[1].reason, "Node unexpectedly rebooted boot_time=1764111000 last response=1764110990");
    EXPECT_TRUE((*nodes)[1].running_jobs());
    EXPECT_TRUE((*nodes)[1].powering_up());
}

TEST(NodeState, NotRespondingMarksAndCompletingJobsCount) {
    auto nodes = parse_show_node(
        "NodeName=n1 State=IDLE*+NOT_RESPONDING CPUAlloc=0\n"
        "NodeName=n2 State=IDLE+COMPLETING CPUAlloc=0\n");
    ASSERT_TRUE(nodes) << nodes.error().message;
    EXPECT_EQ((*nodes)[0].base, "IDLE");
    EXPECT_FALSE((*nodes)[0].responding());
    EXPECT_TRUE((*nodes)[1].running_jobs()) << "a completing job still has processes there";
}

TEST(NodeState, GarbageIsAnErrorNamingItsLine) {
    auto bad = parse_show_node(std::string(kIdle) + "\nslurm_load_node error: Unable to contact slurm controller\n");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().line, 2);
    EXPECT_NE(bad.error().message.find("slurm_load_node"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(parse_show_node("NodeName=n1 CPUAlloc=0\n")) << "no State=";
    EXPECT_FALSE(parse_show_node("State=IDLE\n")) << "no NodeName=";
    auto empty = parse_show_node("No nodes in the system\n");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(NodeState, ABootTimeOutOfRangeIsNoBootTime) {
    // Slurm's own parser accepts a sign inside a field and years before 1970;
    // recovery decides on BootTime, so those are no boot time at all.
    for (const char* boot : {"1969-12-31T23:59:00", "2026-01-01T10:-0:00", "0006-01-01T00:00:00", "None"}) {
        auto nodes = parse_show_node(fmt::format("NodeName=n1 State=IDLE BootTime={} CPUAlloc=0\n", boot));
        ASSERT_TRUE(nodes) << nodes.error().message;
        EXPECT_FALSE(nodes->at(0).boot_time) << boot;
    }
}

TEST(NodeState, AReasonCannotControlTheTerminal) {
    auto nodes = parse_show_node(
        "NodeName=n1 State=IDLE+DRAIN\x1b[2J CPUAlloc=0 Reason=fan\x1b]0;owned\x07 \xff [root@2026-01-01T00:00:00]\n");
    ASSERT_TRUE(nodes) << nodes.error().message;
    EXPECT_EQ(nodes->at(0).reason, "fan\\x1b]0;owned\\x07 \\xff");
    EXPECT_EQ(nodes->at(0).flags.at(0), "DRAIN\\x1b[2J");
}

// Slurm 24.11.5 prints ReservationName= after Reason= (22.05.8 does not: the
// order is slurm_sprint_node_table()'s, checked in both releases' libslurmfull).
constexpr std::string_view kReserved2411 =
    "NodeName=vnode002 CoresPerSocket=1 CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=0.00 AvailableFeatures=(null) "
    "ActiveFeatures=(null) Gres=(null) NodeAddr=127.0.0.1 NodeHostName=localhost Port=29002 RealMemory=1000 "
    "AllocMem=0 FreeMem=N/A Sockets=2 Boards=1 State=DOWN+POWERED_DOWN+MAINTENANCE+RESERVED ThreadsPerCore=1 "
    "TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=batch BootTime=None SlurmdStartTime=None "
    "LastBusyTime=2026-11-25T22:49:20 ResumeAfterTime=None CfgTRES=cpu=2,mem=1000M,billing=2 AllocTRES= "
    "CurrentWatts=n/a AveWatts=n/a Reason=Not responding : ResumeTimeout reached [slurm@2026-11-25T22:50:01] "
    "ReservationName=maint_0412";

TEST(NodeState, AReasonEndsAtItsSuffixAndReservationNameFollowsIt) {
    auto nodes = parse_show_node(kReserved2411);
    ASSERT_TRUE(nodes) << nodes.error().message;
    const NodeState& node = nodes->at(0);
    EXPECT_EQ(node.reason, "Not responding : ResumeTimeout reached");
    EXPECT_EQ(node.reason_time, util::parse_slurm_time("2026-11-25T22:50:01").value());
    EXPECT_EQ(node.reservation, "maint_0412");
    EXPECT_TRUE(node.powered_down());
}

// Printed by Slurm 24.11.5's scontrol (a slurmctld in a Debian 13 root, a node
// in a maintenance reservation whose reason survived State=RESUME).
constexpr std::string_view kReal2411 =
    "NodeName=v1 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=0.00 AvailableFeatures=(null) A"
    "ctiveFeatures=(null) Gres=(null) NodeAddr=127.0.0.1 NodeHostName=localhost  RealMemory=1000 AllocMem"
    "=0 FreeMem=N/A Sockets=2 Boards=1 State=UNKNOWN+MAINTENANCE+POWER_DOWN+RESERVED+NOT_RESPONDING Threa"
    "dsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=batch  BootTime=None SlurmdStartTi"
    "me=None LastBusyTime=2026-11-30T12:14:17 ResumeAfterTime=None CfgTRES=cpu=2,mem=1000M,billing=2 Allo"
    "cTRES= CurrentWatts=0 AveWatts=0  Reason=Not responding [root@2026-11-30T12:14:07] ReservationName=m"
    "aint_0412";

TEST(NodeState, ReadsSlurm2411sLineWithItsReservation) {
    auto nodes = parse_show_node(kReal2411);
    ASSERT_TRUE(nodes) << nodes.error().message;
    const NodeState& node = nodes->at(0);
    EXPECT_EQ(node.reason, "Not responding");
    EXPECT_EQ(node.reservation, "maint_0412");
    EXPECT_EQ(node.reason_time, util::parse_slurm_time("2026-11-30T12:14:07").value());
    EXPECT_TRUE(node.has("POWER_DOWN"));
    EXPECT_EQ(node.partitions, std::vector<std::string>{"batch"});
}

TEST(NodeState, TheFieldsAfterAReasonAreNotPartOfIt) {
    // Every field slurm_sprint_node_table() prints after Reason= (24.11).
    auto nodes = parse_show_node(
        "NodeName=n1 State=IDLE+DRAIN CPUAlloc=0 Reason=fan broken [root@2026-01-01T00:00:00] Comment=rack 4, "
        "slot 2 Extra={\"a\": 1} InstanceId=i-0abc InstanceType=m5.large ReservationName=r1\n"
        // No time with the reason (Slurm prints none when it has none).
        "NodeName=n2 State=IDLE+DRAIN CPUAlloc=0 Reason=fan broken Comment=see ticket\n"
        // No reason: a comment that quotes one is no reason.
        "NodeName=n3 State=IDLE CPUAlloc=0 Comment=was Reason=ResumeTimeout reached ReservationName=r2\n"
        // A reason that quotes a field stays whole: its suffix ends it.
        "NodeName=n4 State=DOWN CPUAlloc=0 Reason=bad ReservationName=x text [slurm@2026-01-01T00:00:00]\n");
    ASSERT_TRUE(nodes) << nodes.error().message;
    EXPECT_EQ(nodes->at(0).reason, "fan broken");
    EXPECT_EQ(nodes->at(0).reservation, "r1");
    EXPECT_EQ(nodes->at(1).reason, "fan broken");
    EXPECT_FALSE(nodes->at(1).reason_time);
    EXPECT_EQ(nodes->at(2).reason, "");
    EXPECT_EQ(nodes->at(2).reservation, "r2");
    EXPECT_EQ(nodes->at(3).reason, "bad ReservationName=x text");
    EXPECT_EQ(nodes->at(3).reservation, "");
}

TEST(NodeState, AReasonOfSeveralLinesIsReadWhole) {
    // --oneliner joins a reason's lines with a space and seven more; the
    // suffix follows the first line only.
    auto nodes = parse_show_node(
        "NodeName=n1 State=IDLE+DRAIN CPUAlloc=0 Reason=first [root@2026-01-01T00:00:00]        second "
        "ReservationName=r1\n");
    ASSERT_TRUE(nodes) << nodes.error().message;
    EXPECT_EQ(nodes->at(0).reason, "first second");
    EXPECT_EQ(nodes->at(0).reservation, "r1");
}

}  // namespace
}  // namespace slumber::slurm
