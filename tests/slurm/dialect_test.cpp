// What each Slurm version says and needs: versions, reasons (22.05's and
// 23.02's wording), ResumeTimeout (INFINITE from 25.05), and the scontrol
// calls that make Slurm show a node up again after a refused power-off.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nodes.hpp"

#include "slurm/dialect.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::slurm {
namespace {

using testing::node;

TEST(Dialect, ReadsScontrolVersionAsEachPackagePrintsIt) {
    EXPECT_EQ(parse_version("slurm 22.05.8\n"), (Version{22, 5, 8}));
    EXPECT_EQ(parse_version("slurm-wlm 22.05.8"), (Version{22, 5, 8}));
    EXPECT_EQ(parse_version("slurm 24.11.1-1"), (Version{24, 11, 1}));
    EXPECT_EQ(parse_version("slurm 25.05.0-rc1"), (Version{25, 5, 0}));
    EXPECT_EQ(parse_version("slurm 23.02"), (Version{23, 2, 0}));
    EXPECT_FALSE(parse_version("scontrol: error: fetch_config: DNS SRV lookup failed"));
    EXPECT_FALSE(parse_version("slurm x.y"));
    EXPECT_FALSE(parse_version(""));
    EXPECT_LT((Version{22, 5, 8}), (Version{23, 2, 0}));
    EXPECT_GE((Version{24, 11, 1}), kOldestSupported);
}

TEST(Dialect, ReadsResumeTimeoutAloneAsSlurm2205SetsIt) {
    EXPECT_TRUE(has_reason("ResumeTimeout reached", Reason::resume_timeout));
    EXPECT_TRUE(has_reason("Node unexpectedly rebooted", Reason::unexpected_reboot));
    EXPECT_TRUE(has_reason("Node unexpectedly rebooted boot_time=1764111000 last response=1764110990",
                           Reason::unexpected_reboot));
    EXPECT_FALSE(has_reason("Not responding", Reason::resume_timeout));
    EXPECT_FALSE(has_reason("", Reason::resume_timeout));
}

TEST(Dialect, ReadsResumeTimeoutAppendedToAnEarlierReasonAsSlurm2302Does) {
    EXPECT_TRUE(has_reason("Not responding : ResumeTimeout reached", Reason::resume_timeout));
    EXPECT_TRUE(has_reason("Not responding : ResumeTimeout reached", Reason::not_responding));
    EXPECT_TRUE(has_reason("Kill task failed : Node unexpectedly rebooted", Reason::unexpected_reboot));
    EXPECT_TRUE(has_reason("a : b : ResumeTimeout reached", Reason::resume_timeout));
}

TEST(Dialect, AReasonThatOnlyQuotesSlurmsWordsIsNotSlurms) {
    // slumber's own drain reason names the last failure.
    EXPECT_FALSE(has_reason("slumber: 3 failed resumes in a row, last: ResumeTimeout reached", Reason::resume_timeout));
    EXPECT_FALSE(has_reason("admin: ResumeTimeout reached too often", Reason::resume_timeout));
}

TEST(Dialect, ReadsResumeTimeoutSecondsAndInfinite) {
    EXPECT_EQ(parse_resume_timeout("90")->limit, std::chrono::seconds(90));
    EXPECT_EQ(parse_resume_timeout("60 sec")->limit, std::chrono::seconds(60));  // scontrol show config
    EXPECT_TRUE(parse_resume_timeout("INFINITE")->infinite());                   // 25.05
    EXPECT_TRUE(parse_resume_timeout("unlimited")->infinite());
    EXPECT_FALSE(parse_resume_timeout("soon"));
    EXPECT_FALSE(parse_resume_timeout("-5"));
    EXPECT_EQ(ResumeTimeout{}.limit, std::chrono::seconds(60));  // slurm.conf(5) default
}

TEST(Dialect, ANodeShownPoweringDownIsEndedThenReregistered) {
    const auto calls = still_up_calls({22, 5, 8}, {node("vnode004", "IDLE", {"POWERING_DOWN"})});
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_EQ(calls[0], (ScontrolCall{"update", "NodeName=vnode004", "State=RESUME"}));
    EXPECT_EQ(calls[1], (ScontrolCall{"reconfigure"}));
}

TEST(Dialect, NodesShownPoweredDownNeedOneReconfigureForAll) {
    for (const Version version : {Version{22, 5, 8}, Version{23, 2, 7}, Version{24, 11, 1}}) {
        const auto calls =
            still_up_calls(version, {node("a", "IDLE", {"POWERED_DOWN"}), node("b", "IDLE", {"POWERED_DOWN"}),
                                     node("c", "IDLE", {"POWERING_DOWN"})});
        ASSERT_EQ(calls.size(), 2U);
        EXPECT_EQ(calls[0], (ScontrolCall{"update", "NodeName=c", "State=RESUME"}));
        EXPECT_EQ(calls[1], (ScontrolCall{"reconfigure"}));
    }
}

TEST(Dialect, NothingIsCalledWhenSlurmAlreadyShowsTheNodeUpOrRecoveryOwnsIt) {
    EXPECT_TRUE(still_up_calls({22, 5, 8}, {node("a", "ALLOCATED", {})}).empty());
    EXPECT_TRUE(still_up_calls({22, 5, 8}, {node("a", "IDLE", {"POWERING_UP"})}).empty());
    EXPECT_TRUE(still_up_calls({22, 5, 8}, {node("a", "DOWN", {"POWERED_DOWN"})}).empty());
    EXPECT_TRUE(still_up_calls({22, 5, 8}, {}).empty());
}

constexpr std::string_view kConf =
    "SlurmUser=root\n"
    "SuspendExcNodes=head01,vnode[001-002]:1 # keep one of them up\n"
    "SuspendExcParts=debug\n";

TEST(Dialect, PowerRequestsUseTheWordsOfTheRunningRelease) {
    // scontrol power … from 24.05; 22.05 (and 23.x) know only update State=.
    EXPECT_EQ(power_call({22, 5, 8}, PowerRequest::down_force, "n[1-2]"),
              (ScontrolCall{"update", "NodeName=n[1-2]", "State=POWER_DOWN_FORCE"}));
    EXPECT_EQ(power_call({23, 11, 4}, PowerRequest::up, "n1"),
              (ScontrolCall{"update", "NodeName=n1", "State=POWER_UP"}));
    EXPECT_EQ(power_call({24, 5, 0}, PowerRequest::up, "n1"), (ScontrolCall{"power", "up", "n1"}));
    EXPECT_EQ(power_call({24, 11, 5}, PowerRequest::down_force, "n[1-2]"),
              (ScontrolCall{"power", "down", "force", "n[1-2]"}));
    EXPECT_EQ(power_call({24, 11, 5}, PowerRequest::down_asap, "n1"), (ScontrolCall{"power", "down", "asap", "n1"}));
    EXPECT_EQ(power_call({24, 11, 5}, PowerRequest::down, "n1"), (ScontrolCall{"power", "down", "n1"}));
}

TEST(Dialect, TheLatestReasonIsTheLastPartSlurmAppended) {
    EXPECT_EQ(latest_reason("Not responding : ResumeTimeout reached"), "ResumeTimeout reached");
    EXPECT_EQ(latest_reason("ResumeTimeout reached"), "ResumeTimeout reached");
    EXPECT_EQ(latest_reason(""), "");
}

TEST(Dialect, StatesAsSinfoPrintsThem) {
    // Seen on 24.11.5 (issue 16) and 22.05.8: the same suffixes.
    EXPECT_EQ(sinfo_state(node("n", "IDLE", {"POWERED_DOWN"})), "idle~");
    EXPECT_EQ(sinfo_state(node("n", "DOWN", {"POWERED_DOWN", "NOT_RESPONDING"})), "down~");
    EXPECT_EQ(sinfo_state(node("n", "MIXED", {"POWERING_UP"})), "mix#");
    EXPECT_EQ(sinfo_state(node("n", "IDLE", {"POWERING_DOWN"})), "idle%");
    EXPECT_EQ(sinfo_state(node("n", "ALLOCATED", {"DRAIN", "POWER_DOWN"})), "drng!") << "POWER_DOWN_ASAP";
    EXPECT_EQ(sinfo_state(node("n", "IDLE", {"DRAIN", "POWERED_DOWN"})), "drain~");
    EXPECT_EQ(sinfo_state(node("n", "IDLE", {"REBOOT_REQUESTED"})), "idle@");
    EXPECT_EQ(sinfo_state(node("n", "IDLE", {"REBOOT_ISSUED", "NOT_RESPONDING"})), "idle^");
    EXPECT_EQ(sinfo_state(node("n", "DOWN", {"NOT_RESPONDING"})), "down*");
    EXPECT_EQ(sinfo_state(node("n", "IDLE", {"INVALID_REG"})), "inval");
    EXPECT_TRUE(rebooting(node("n", "IDLE", {"REBOOT_ISSUED"})));
    EXPECT_FALSE(rebooting(node("n", "IDLE", {"POWERING_UP"})));
}

TEST(Exclusions, NamesNodesSlumberExcludesButSlurmSuspends) {
    const auto check = compare_exclusions({"head01", "vnode001", "vnode002", "vnode003", "vnode004"},
                                          {"head01", "vnode001", "vnode004"}, kConf);
    EXPECT_FALSE(check.agrees());
    EXPECT_EQ(check.only_in_slumber, (std::vector<std::string>{"vnode001", "vnode004"}));
    EXPECT_EQ(check.counted, (std::vector<std::string>{"vnode001"}));
    EXPECT_TRUE(check.only_in_slurm.empty());
    EXPECT_EQ(check.parts, "debug");
    const auto lines = check.describe();
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_NE(lines[0].find("vnode[001,004] in [slurm] exclude but not in slurm.conf's SuspendExcNodes"),
              std::string::npos)
        << lines[0];
    EXPECT_NE(lines[1].find("SuspendExcParts=debug"), std::string::npos);
}

TEST(Exclusions, NamesNodesSlurmExcludesButSlumberMayPowerOff) {
    const auto check = compare_exclusions({"head01", "vnode001"}, {}, "SuspendExcNodes=head01\n");
    EXPECT_EQ(check.only_in_slurm, (std::vector<std::string>{"head01"}));
    EXPECT_TRUE(check.only_in_slumber.empty());
}

TEST(Exclusions, AgreeingListsSayNothing) {
    const auto check = compare_exclusions({"n1", "n2", "n3"}, {"n1", "n2"}, "suspendexcnodes = n[1-2]\n");
    EXPECT_TRUE(check.agrees());
    EXPECT_TRUE(check.describe().empty());
    EXPECT_TRUE(compare_exclusions({"n1"}, {}, "").agrees());
}

TEST(Exclusions, ABadHostlistIsReportedNotGuessed) {
    const auto check = compare_exclusions({"n1"}, {"n1"}, "SuspendExcNodes=n[1-\n");
    EXPECT_FALSE(check.agrees());
    EXPECT_NE(check.error.find("SuspendExcNodes=n[1-"), std::string::npos) << check.error;
}

// slurm-config compared [slurm] exclude with SuspendExcNodes as slurm.conf
// writes it; Slurm goes by the value in force (scontrol show config), which
// an Include file or scontrol update may have set.
TEST(Exclusions, TheValueInForceCountsAndTheFilesLineIsWhereToFixIt) {
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / fmt::format("slumber-exclusions-{}.conf", ::getpid());
    std::ofstream(file) << "ClusterName=test\nSuspendExcNodes=n1\n";
    const std::vector<std::string> managed{"n1", "n2", "n3"};
    // In force n[1-2] (an Include file): [slurm] exclude n[1-2] agrees.
    const std::string include = "SuspendExcNodes         = n[1-2]\nSuspendExcParts         = (null)\n";
    EXPECT_TRUE(check_exclusions_in_force(file, include, managed, {"n1", "n2"}).empty());
    // Exclude n1 alone: n2 is Slurm's only, and the value in force is named, not the file's line.
    auto lines = check_exclusions_in_force(file, include, managed, {"n1"});
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find(fmt::format(
                  "SuspendExcNodes in force (scontrol show config) is n[1-2], not {}'s line 2: n1", file.string())),
              std::string::npos)
        << lines[0];
    EXPECT_NE(lines[0].find("n2 in slurm.conf's SuspendExcNodes but not in [slurm] exclude"), std::string::npos)
        << lines[0];
    // In force as the file says: the file's line is the place to fix.
    lines = check_exclusions_in_force(file, "SuspendExcNodes = n1\n", managed, {"n1", "n2"});
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_TRUE(lines[0].starts_with(fmt::format("{} line 2: n2 in [slurm] exclude", file.string()))) << lines[0];
    // slurmctld does not answer: the file as written, said so.
    lines = check_exclusions_in_force(file, std::unexpected(std::string("scontrol show config: refused")), managed,
                                      {"n1", "n2"});
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("slurmctld did not answer, so slurm.conf as written"), std::string::npos) << lines[0];
    std::filesystem::remove(file);
}

}  // namespace
}  // namespace slumber::slurm
