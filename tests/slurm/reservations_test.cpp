// `scontrol --oneliner show reservation` read as Slurm 22.05 prints it (the
// virtual cluster's, 2026-12-05): the nodes a reservation holds, whether it
// is active, when it starts and ends; garbage refused with its line.
#include "slurm/reservations.hpp"

#include <gtest/gtest.h>

#include "util/time_text.hpp"

namespace slumber::slurm {
namespace {

constexpr std::string_view kActive =
    "ReservationName=t1 StartTime=2026-12-05T18:13:33 EndTime=2026-12-05T18:43:33 Duration=00:30:00 "
    "Nodes=vnode[001-002],vnode007 NodeCnt=3 CoreCnt=6 Features=(null) PartitionName=(null) Flags=SPEC_NODES "
    "TRES=cpu=6 Users=root Groups=(null) Accounts=(null) Licenses=(null) State=ACTIVE BurstBuffer=(null) "
    "Watts=n/a MaxStartDelay=(null)\n";
constexpr std::string_view kLater =
    "ReservationName=maint StartTime=2026-12-06T08:00:00 EndTime=2026-12-06T10:00:00 Duration=02:00:00 "
    "Nodes=(null) NodeCnt=0 CoreCnt=0 Features=(null) PartitionName=(null) Flags=MAINT,SPEC_NODES TRES=(null) "
    "Users=root Groups=(null) Accounts=(null) Licenses=(null) State=INACTIVE BurstBuffer=(null) Watts=n/a "
    "MaxStartDelay=(null) Comment=see Nodes=vnode999 in the ticket\n";

TEST(Reservations, EachRecordGivesItsNodesStateAndTimes) {
    const auto read = parse_show_reservation(std::string(kActive) + std::string(kLater));
    ASSERT_TRUE(read) << read.error().line << ": " << read.error().message;
    ASSERT_EQ(read->size(), 2U);
    const Reservation& active = (*read)[0];
    EXPECT_EQ(active.name, "t1");
    EXPECT_EQ(active.nodes, (std::vector<std::string>{"vnode001", "vnode002", "vnode007"}));
    EXPECT_TRUE(active.active);
    EXPECT_EQ(active.start, util::parse_slurm_time("2026-12-05T18:13:33").value());
    EXPECT_EQ(active.end, util::parse_slurm_time("2026-12-05T18:43:33").value());
    const Reservation& later = (*read)[1];
    EXPECT_EQ(later.name, "maint");
    EXPECT_TRUE(later.nodes.empty()) << "Nodes=(null); a Nodes= in the free text after it is no field";
    EXPECT_FALSE(later.active);
}

TEST(Reservations, NoneIsAnEmptyList) {
    const auto read = parse_show_reservation("No reservations in the system\n");
    ASSERT_TRUE(read);
    EXPECT_TRUE(read->empty());
    EXPECT_TRUE(parse_show_reservation("")->empty());
}

TEST(Reservations, GarbageIsRefusedWithItsLine) {
    const auto stray = parse_show_reservation(std::string(kActive) + "slurm_load_reservations error: x\n");
    ASSERT_FALSE(stray);
    EXPECT_EQ(stray.error().line, 2);
    EXPECT_NE(stray.error().message.find("is no reservation record"), std::string::npos) << stray.error().message;
    const auto nodes = parse_show_reservation("ReservationName=r Nodes=vnode[3-1] State=ACTIVE\n");
    ASSERT_FALSE(nodes);
    EXPECT_NE(nodes.error().message.find("reservation r: Nodes=vnode[3-1]"), std::string::npos)
        << nodes.error().message;
    EXPECT_FALSE(parse_show_reservation("ReservationName= Nodes=n1\n"));
    // A name from Slurm is shown only made safe.
    const auto odd = parse_show_reservation("ReservationName=a\x1b[31m Nodes=n1 State=ACTIVE\n");
    ASSERT_TRUE(odd);
    EXPECT_EQ((*odd)[0].name.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace slumber::slurm
