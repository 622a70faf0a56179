// slurm.conf as `slumber doctor` reads it: Include lines followed, every
// setting with its file and line, node and partition lines as records.
#include "slurm/conf_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "../support/temp_dir.hpp"

namespace slumber::slurm {
namespace {

namespace fs = std::filesystem;

// Files in memory, read as the disk would be.
ConfReader files(std::map<fs::path, std::string> texts) {
    return [texts = std::move(texts)](const fs::path& file) -> std::optional<std::string> {
        const auto it = texts.find(file);
        return it == texts.end() ? std::nullopt : std::optional(it->second);
    };
}

TEST(ConfFile, SettingsKeepTheirFileAndLineThroughIncludes) {
    const auto conf = read_slurm_conf(
        "/etc/slurm/slurm.conf",
        files({{"/etc/slurm/slurm.conf",
                "ClusterName=alpha\n"
                "suspendtime=60  # a comment\n"
                "include power-%c.conf\n"
                "NodeName=DEFAULT CPUs=2\n"
                "NodeName=n[1-3] RealMemory=1000\n"
                "NodeName=gpu1 \\\n"
                "  Gres=gpu:1\n"
                "PartitionName=batch Nodes=n[1-2] Default=YES\n"
                "PartitionName=all Nodes=ALL\n"},
               {"/etc/slurm/power-alpha.conf", "\n\nSuspendTime=600 SuspendProgram=\"/usr/sbin/slumber-suspend\"\n"}}));
    ASSERT_TRUE(conf);
    EXPECT_EQ(conf->files, (std::vector<fs::path>{"/etc/slurm/slurm.conf", "/etc/slurm/power-alpha.conf"}));
    const ConfSetting* time = conf->find("SUSPENDTIME");
    ASSERT_NE(time, nullptr);
    EXPECT_EQ(time->value, "600") << "the last setting wins";
    EXPECT_EQ(time->place.file, "/etc/slurm/power-alpha.conf");
    EXPECT_EQ(time->place.line, 3);
    ASSERT_NE(conf->find("SuspendProgram"), nullptr);
    EXPECT_EQ(conf->find("SuspendProgram")->value, "/usr/sbin/slumber-suspend") << "quotes removed";
    EXPECT_EQ(conf->node_names(), (std::vector<std::string>{"n1", "n2", "n3", "gpu1"}));
    ASSERT_EQ(conf->nodes.size(), 3U);
    EXPECT_EQ(conf->nodes[2].get("gres"), "gpu:1") << "a backslash continues the line";
    EXPECT_EQ(conf->nodes[2].place.line, 6);
    EXPECT_EQ(conf->partition_nodes("batch"), (std::vector<std::string>{"n1", "n2"}));
    EXPECT_EQ(conf->partition_nodes("all").size(), 4U);
    EXPECT_TRUE(conf->problems.empty());
}

TEST(ConfFile, IncludesThatCannotBeFollowedAreProblemsAtTheirLine) {
    const auto conf = read_slurm_conf(
        "/etc/slurm/slurm.conf", files({{"/etc/slurm/slurm.conf", "Include /etc/slurm/a.conf\nInclude missing.conf\n"},
                                        {"/etc/slurm/a.conf", "SlurmUser=slurm\nInclude /etc/slurm/slurm.conf\n"}}));
    ASSERT_TRUE(conf);
    ASSERT_EQ(conf->problems.size(), 2U);
    EXPECT_EQ(conf->problems[0].first.file, "/etc/slurm/a.conf");
    EXPECT_EQ(conf->problems[0].first.line, 2);
    EXPECT_NE(conf->problems[0].second.find("includes itself"), std::string::npos);
    EXPECT_EQ(conf->problems[1].first.line, 2);
    EXPECT_NE(conf->problems[1].second.find("/etc/slurm/missing.conf"), std::string::npos) << "beside slurm.conf";
    ASSERT_NE(conf->find("SlurmUser"), nullptr);
    EXPECT_FALSE(read_slurm_conf("/nowhere/slurm.conf", files({})));
}

// A pattern is expanded as glob(3) does, in its order; one that matches
// nothing includes nothing.
TEST(ConfFile, AnIncludePatternReadsEveryFileItMatches) {
    slumber::testing::TempDir dir("slumber-conf-file");
    fs::create_directory(dir / "conf.d");
    std::ofstream(dir / "slurm.conf") << "Include conf.d/*.conf\nInclude none.d/*.conf\n";
    std::ofstream(dir / "conf.d/b.conf") << "SuspendTime=600\n";
    std::ofstream(dir / "conf.d/a.conf") << "SuspendTime=60\nResumeTimeout=300\n";
    const auto conf = read_slurm_conf(dir / "slurm.conf");
    ASSERT_TRUE(conf);
    EXPECT_EQ(conf->files, (std::vector<fs::path>{dir / "slurm.conf", dir / "conf.d/a.conf", dir / "conf.d/b.conf"}));
    ASSERT_NE(conf->find("SuspendTime"), nullptr);
    EXPECT_EQ(conf->find("SuspendTime")->value, "600");
    EXPECT_TRUE(conf->problems.empty());
}

TEST(ConfFile, AnEscapedHashIsNoComment) {
    const SlurmConf conf = parse_slurm_conf("AuthInfo=a\\#b # comment\n", "slurm.conf");
    ASSERT_NE(conf.find("AuthInfo"), nullptr);
    EXPECT_EQ(conf.find("AuthInfo")->value, "a#b");
}

}  // namespace
}  // namespace slumber::slurm
