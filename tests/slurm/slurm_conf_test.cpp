#include "slurm/slurm_conf.hpp"
#include "slurm/scontrol.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace slumber::slurm {
namespace {

TEST(SlurmConf, ReadsAGlobalOptionAsSlurmctldDoes) {
    constexpr std::string_view kText =
        "# SlurmUser=nobody in a comment does not count\n"
        "ClusterName=lab\n"
        "slurmuser = slurm   # keys are case-insensitive\n"
        "NodeName=n[1-4] CPUs=2\n";
    EXPECT_EQ(conf_option(kText, "SlurmUser"), "slurm");
    EXPECT_EQ(conf_option(kText, "ClusterName"), "lab");
    EXPECT_FALSE(conf_option(kText, "SuspendTime").has_value());
    EXPECT_EQ(conf_option("SlurmUser=a\nSlurmUser=b", "SlurmUser"), "b") << "the last setting wins";
}

TEST(SlurmConf, ResumeTimeoutInSecondsWithSlurmsDefault) {
    const auto file = std::filesystem::temp_directory_path() / "slumber-resume-timeout.conf";
    auto with = [&](const std::string& text) {
        std::ofstream(file) << text;
        return resume_timeout(file);
    };
    EXPECT_EQ(with("ResumeTimeout=300\n"), std::chrono::seconds(300));
    EXPECT_EQ(with("ClusterName=lab\n"), std::chrono::seconds(60)) << "slurm.conf(5): 60 when unset";
    EXPECT_FALSE(with("ResumeTimeout=INFINITE\n").has_value()) << "25.05: Slurm never gives up";
    EXPECT_FALSE(with("ResumeTimeout=-5\n").has_value());
    std::filesystem::remove(file);
    EXPECT_FALSE(resume_timeout(file).has_value()) << "unreadable";
}

// Sites keep SlurmUser and the power-saving timers in an Include file
// (the virtual cluster's site deployment does): read where slurmctld reads.
TEST(SlurmConf, SlurmUserAndResumeTimeoutFollowIncludeLines) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-include-{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "slurm.conf") << "ClusterName=lab\nInclude power.conf\nNodeName=n[1-4] CPUs=2\n";
    std::ofstream(dir / "power.conf") << "SlurmUser=slurm\nResumeTimeout=420\n";
    EXPECT_EQ(slurm_user(dir / "slurm.conf"), "slurm");
    EXPECT_EQ(resume_timeout(dir / "slurm.conf"), std::chrono::seconds(420));
    std::ofstream(dir / "slurm.conf", std::ios::app) << "ResumeTimeout=90\n";
    EXPECT_EQ(resume_timeout(dir / "slurm.conf"), std::chrono::seconds(90)) << "the last setting wins";
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slumber::slurm

namespace slumber::slurm {
namespace {

// scontrol without a slurm.conf waits for a controller forever: slumber
// names the missing file at once instead of timing out after 20 s.
TEST(ScontrolWithoutSlurmConf, NamesTheFileAtOnce) {
    const Scontrol scontrol("/usr/bin", "/nonexistent/slurm.conf");
    const auto nodes = scontrol.nodes();
    ASSERT_FALSE(nodes);
    EXPECT_NE(nodes.error().find("/nonexistent/slurm.conf ([slurm] conf): No such file or directory"),
              std::string::npos)
        << nodes.error();
    const auto rules = scontrol.power_save_rules();
    ASSERT_FALSE(rules);
    EXPECT_NE(rules.error().find("No such file"), std::string::npos) << rules.error();
    // `scontrol --version` too retries reading slurm.conf for 60 s: doctor
    // on a machine without one waited 20 s for it at each run.
    const auto version = scontrol.version();
    ASSERT_FALSE(version);
    EXPECT_NE(version.error().find("scontrol --version: /nonexistent/slurm.conf ([slurm] conf): No such file"),
              std::string::npos)
        << version.error();
}

}  // namespace
}  // namespace slumber::slurm
