// slurm.conf as `slumber doctor` reads it: Include lines followed, every
// setting with its file and line, node and partition lines as records.
#include "slurm/conf_file.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "slurm/conf_keys.hpp"

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
        "/etc/slurm/slurm.conf", files({{"/etc/slurm/slurm.conf",
                                         "ClusterName=alpha\n"
                                         "suspendtime=60  # a comment\n"
                                         "include power-%c.conf\n"
                                         "NodeName=DEFAULT CPUs=2\n"
                                         "NodeName=n[1-3] RealMemory=1000\n"
                                         "NodeName=gpu1 \\\n"
                                         "  Gres=gpu:1\n"
                                         "PartitionName=batch Nodes=n[1-2] Default=YES\n"
                                         "PartitionName=all Nodes=ALL\n"},
                                        {"/etc/slurm/power-alpha.conf",
                                         "\n\nSuspendTime = 600\nSuspendProgram=\"/usr/sbin/slumber-suspend\"\n"}}));
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
    EXPECT_TRUE(conf->refused.empty());
}

// What slurmctld refuses, and with it the file (it does not start): a line
// that is not Key=Value, a second setting on a global line, a key Slurm does
// not know, on its line's kind. Each as `scontrol show config` of 22.05.8
// refused it ("Parse error in file F line N: ..." or "Parsing error at
// unrecognized key: K"); the lines after them are read all the same.
TEST(ConfFile, LinesSlurmRefusesAreKeptWithWhereAndWhy) {
    const SlurmConf conf = parse_slurm_conf(
        "ClusterName=alpha\n"
        "this is garbage\n"
        "SuspendProgramm=/usr/sbin/slumber-suspend\n"
        "SuspendTime=600 SuspendTimeout=30\n"
        "NodeName=n1 CPUs=2 Bogus=1\n"
        "PartitionName=p Nodes=n1 trailing\n"
        "=600\n"
        "ResumeTimeout=\n"
        "DownNodes=n1 State=DOWN Reason=\"a b\"\n"
        "suspendtimeout = 60 # keys in any case, blanks around '='\n"
        "SuspendExcStates=down  # 23.02 and later: 24.11 knows it\n"
        "SlurmctldPlugstack=/x  # 22.05's parser knows it\n"
        "FastSchedule=1  # neither man page, both parsers\n",
        "/etc/slurm/slurm.conf");
    ASSERT_EQ(conf.refused.size(), 7U);
    EXPECT_EQ(conf.refused[0].place.line, 2);
    EXPECT_EQ(conf.refused[0].rest, "this is garbage");
    EXPECT_EQ(conf.refused[0].unknown_key, "");
    EXPECT_EQ(conf.refused[1].unknown_key, "SuspendProgramm");
    EXPECT_EQ(conf.refused[2].rest, "SuspendTimeout=30") << "a global line holds one setting";
    EXPECT_EQ(conf.refused[3].unknown_key, "Bogus");
    EXPECT_EQ(conf.refused[3].kind, ConfLineKind::node);
    EXPECT_EQ(conf.refused[4].rest, "trailing");
    EXPECT_EQ(conf.refused[5].rest, "=600");
    EXPECT_EQ(conf.refused[6].rest, "ResumeTimeout=") << "no value";
    EXPECT_EQ(conf.refused[6].place.line, 8);
    ASSERT_NE(conf.find("SuspendTimeout"), nullptr);
    EXPECT_EQ(conf.find("SuspendTimeout")->value, "60");
    EXPECT_EQ(conf.find("SuspendTime")->value, "600") << "the readable setting of a refused line is kept";
    ASSERT_EQ(conf.nodes.size(), 1U);
    EXPECT_EQ(conf.nodes[0].get("CPUs"), "2");
}

// The keys: case-insensitive, each on its own kind of line, the union of
// 22.05 and 24.11 (conf_keys.cpp names its sources).
TEST(ConfKeys, KnownKeysAreTheUnionOfBothVersionsPerKindOfLine) {
    EXPECT_EQ(known_key(ConfLineKind::global, "suspendprogram"), KeyVersions::both);
    EXPECT_EQ(known_key(ConfLineKind::global, "SuspendExcStates"), KeyVersions::only_24_11);
    EXPECT_EQ(known_key(ConfLineKind::global, "SlurmctldPlugstack"), KeyVersions::only_22_05);
    EXPECT_FALSE(known_key(ConfLineKind::global, "NoSuchKey"));
    EXPECT_FALSE(known_key(ConfLineKind::global, "CPUs")) << "a NodeName key";
    EXPECT_TRUE(known_key(ConfLineKind::node, "CPUs"));
    EXPECT_FALSE(known_key(ConfLineKind::node, "SuspendTime"));
    EXPECT_TRUE(known_key(ConfLineKind::partition, "SuspendTime"));
    EXPECT_EQ(line_kind("nodename"), ConfLineKind::node);
    EXPECT_EQ(line_kind("DownNodes"), ConfLineKind::down_nodes);
    EXPECT_EQ(line_kind("SuspendTime"), ConfLineKind::global);
    EXPECT_EQ(nearest_key(ConfLineKind::global, "SuspendProgramm"), "SuspendProgram");
    EXPECT_EQ(nearest_key(ConfLineKind::global, "nodenames"), "NodeName");
    EXPECT_EQ(nearest_key(ConfLineKind::node, "RealMem"), std::nullopt) << "too far to be a typo";
}

TEST(ConfFile, IncludesThatCannotBeFollowedAreProblemsAtTheirLine) {
    const auto conf = read_slurm_conf(
        "/etc/slurm/slurm.conf", files({{"/etc/slurm/slurm.conf", "Include /etc/slurm/a.conf\nInclude missing.conf\n"},
                                        {"/etc/slurm/a.conf", "SlurmUser=slurm\nInclude /etc/slurm/slurm.conf\n"}}));
    ASSERT_TRUE(conf);
    ASSERT_EQ(conf->problems.size(), 2U);
    EXPECT_EQ(conf->problems[0].place.file, "/etc/slurm/a.conf");
    EXPECT_EQ(conf->problems[0].place.line, 2);
    EXPECT_NE(conf->problems[0].what.find("Include /etc/slurm/slurm.conf: that file is already being read, which "
                                          "includes this one (a loop)"),
              std::string::npos)
        << conf->problems[0].what << ": a.conf does not include itself";
    const auto itself =
        read_slurm_conf("/etc/slurm/slurm.conf", files({{"/etc/slurm/slurm.conf", "Include /etc/slurm/slurm.conf\n"}}));
    ASSERT_TRUE(itself);
    ASSERT_EQ(itself->problems.size(), 1U);
    EXPECT_NE(itself->problems[0].what.find("the file includes itself"), std::string::npos) << itself->problems[0].what;
    EXPECT_EQ(conf->problems[1].place.line, 2);
    EXPECT_NE(conf->problems[1].what.find("/etc/slurm/missing.conf"), std::string::npos) << "beside slurm.conf";
    ASSERT_NE(conf->find("SlurmUser"), nullptr);
    EXPECT_FALSE(read_slurm_conf("/nowhere/slurm.conf", files({})));
}

// slurmctld 22.05 and 24.11 look for a file whose name has the quotes
// ("cannot stat file /etc/slurm/\"/etc/slurm/a.conf\""), and do not start.
TEST(ConfFile, AQuotedIncludeIsAProblem) {
    const auto conf =
        read_slurm_conf("/etc/slurm/slurm.conf", files({{"/etc/slurm/slurm.conf", "Include \"/etc/slurm/a.conf\"\n"},
                                                        {"/etc/slurm/a.conf", "SlurmUser=slurm\n"}}));
    ASSERT_TRUE(conf);
    ASSERT_EQ(conf->problems.size(), 1U);
    EXPECT_EQ(conf->problems[0].place.line, 1);
    EXPECT_NE(conf->problems[0].what.find("as part of the file's name"), std::string::npos) << conf->problems[0].what;
    EXPECT_EQ(conf->problems[0].fix, "write the name without quotes");
    EXPECT_EQ(conf->find("SlurmUser"), nullptr) << "not read, as Slurm does not";
}

// A pattern is expanded as glob(3) does, in its order; one that matches
// nothing includes nothing.
// doctor expanded a pattern and reported a clean bill, while Debian's Slurm
// reads none: 22.05 looks for a file named "*.conf" and slurmctld stops,
// 24.11 skips the line (a tester, both versions). A problem now, and the
// files are not read.
TEST(ConfFile, AnIncludePatternIsAProblemAndNotFollowed) {
    slumber::testing::TempDir dir("slumber-conf-file");
    fs::create_directory(dir / "conf.d");
    std::ofstream(dir / "slurm.conf") << "SuspendTime=60\nInclude conf.d/*.conf\n";
    std::ofstream(dir / "conf.d/a.conf") << "SuspendTime=600\n";
    const auto conf = read_slurm_conf(dir / "slurm.conf");
    ASSERT_TRUE(conf);
    EXPECT_EQ(conf->files, (std::vector<fs::path>{dir / "slurm.conf"}));
    ASSERT_NE(conf->find("SuspendTime"), nullptr);
    EXPECT_EQ(conf->find("SuspendTime")->value, "60");
    ASSERT_EQ(conf->problems.size(), 1U);
    EXPECT_NE(conf->problems.front().what.find("Include conf.d/*.conf: Slurm as Debian builds it expands no pattern"),
              std::string::npos)
        << conf->problems.front().what;
    EXPECT_EQ(conf->problems.front().fix, "name each file on an Include line of its own");
}

// A relative Include in an included file: Slurm 24.11 reads it from
// slurm.conf's directory (as doctor does), 22.05 from the including file's
// (a tester). Where those differ it is a problem; where they do not, none.
TEST(ConfFile, ARelativeIncludeInAnIncludedFileIsAProblemWhereSlurmsVersionsDiffer) {
    slumber::testing::TempDir dir("slumber-conf-file");
    fs::create_directory(dir / "conf.d");
    std::ofstream(dir / "slurm.conf") << "Include conf.d/power.conf\nInclude same.conf\n";
    std::ofstream(dir / "conf.d/power.conf") << "Include timers.conf\n";
    std::ofstream(dir / "same.conf") << "Include timers.conf\n";
    std::ofstream(dir / "timers.conf") << "SuspendTime=600\n";
    const auto conf = read_slurm_conf(dir / "slurm.conf");
    ASSERT_TRUE(conf);
    ASSERT_NE(conf->find("SuspendTime"), nullptr) << "read as 24.11 reads it";
    ASSERT_EQ(conf->problems.size(), 1U);
    EXPECT_EQ(conf->problems.front().place.file, dir / "conf.d/power.conf");
    EXPECT_NE(conf->problems.front().what.find(fmt::format("Include timers.conf: a relative name in an included file "
                                                           "is {} for Slurm 24.11",
                                                           (dir / "timers.conf").string())),
              std::string::npos)
        << conf->problems.front().what;
    EXPECT_EQ(conf->problems.front().fix,
              fmt::format("write the name in full: Include {}", (dir / "timers.conf").string()))
        << "the name slurm.conf(5) gives it";
    EXPECT_EQ(conf->problems.front().paste, fmt::format("Include {}", (dir / "timers.conf").string()));
}

TEST(ConfFile, AnEscapedHashIsNoComment) {
    const SlurmConf conf = parse_slurm_conf("AuthInfo=a\\#b # comment\n", "slurm.conf");
    ASSERT_NE(conf.find("AuthInfo"), nullptr);
    EXPECT_EQ(conf.find("AuthInfo")->value, "a#b");
}

}  // namespace
}  // namespace slumber::slurm
