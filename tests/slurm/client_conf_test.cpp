// The copy of slurm.conf that slumber's calls of Slurm's commands read: the
// global settings through Include lines, no node or partition definitions,
// made again when a file it came from changes.
#include "slurm/client_conf.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "../support/temp_dir.hpp"

namespace slumber::slurm {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A file written now, later than anything written before (mtimes in ns).
void write(const fs::path& file, const std::string& text) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ofstream(file) << text;
}

TEST(ClientConf, KeepsTheSettingsAndLeavesTheDefinitionsOut) {
    const slumber::testing::TempDir dir("slumber-client-conf");
    write(dir.path() / "slurm.conf",
          "ClusterName=alpha\n"
          "SlurmctldHost=head(10.0.0.1)  # the controller\n"
          "NodeName=DEFAULT CPUs=2\n"
          "nodename=n[1-3] RealMemory=1000\n"
          "NodeName=gpu1 \\\n"
          "  Gres=gpu:1\n"
          "NodeSet=gpus Feature=gpu\n"
          "DownNodes=n3 State=DOWN Reason=\"broken fan\"\n"
          "PartitionName=batch Nodes=n[1-2] Default=YES\n"
          "Include nodes.conf\n");
    write(dir.path() / "nodes.conf", "NodeName=n[4-9]\nSuspendTime=600 \\\n  SuspendTimeout=30\n");
    const auto conf = read_slurm_conf(dir.path() / "slurm.conf");
    ASSERT_TRUE(conf);
    const std::string text = client_conf_text(*conf);
    EXPECT_NE(text.find("\nClusterName=alpha\nSlurmctldHost=head(10.0.0.1)\nSuspendTime=600   SuspendTimeout=30\n"),
              std::string::npos)
        << text;
    for (const char* gone : {"NodeName", "nodename", "NodeSet", "DownNodes", "PartitionName", "Include", "Gres"}) {
        EXPECT_EQ(text.find(gone), std::string::npos) << gone << " in\n" << text;
    }
    EXPECT_EQ(client_conf_sources(text), (std::vector<fs::path>{dir.path() / "slurm.conf", dir.path() / "nodes.conf"}));
    EXPECT_EQ(client_conf_sources("ClusterName=alpha\n"), std::nullopt);
}

TEST(ClientConf, IsMadeAgainWhenAFileItCameFromChanges) {
    const slumber::testing::TempDir dir("slumber-client-conf");
    const fs::path source = dir.path() / "slurm.conf";
    const fs::path copy = dir.path() / "state" / "slurm-client.conf";
    fs::create_directories(copy.parent_path());
    write(dir.path() / "nodes.conf", "NodeName=n[1-4]\n");
    write(source, "ClusterName=alpha\nInclude nodes.conf\n");

    // A reader alone (a CLI run) uses slurm.conf until the daemon made a copy.
    ClientConf reader(source, copy, /*writes=*/false);
    EXPECT_EQ(reader.conf_for_commands(), source);
    ClientConf daemon(source, copy, /*writes=*/true);
    EXPECT_EQ(daemon.conf_for_commands(), copy);
    EXPECT_NE(read(copy).find("\nClusterName=alpha\n"), std::string::npos) << read(copy);
    EXPECT_EQ(reader.conf_for_commands(), copy);

    // An included file changes: the reader stops using the stale copy, the
    // daemon makes it again.
    write(dir.path() / "nodes.conf", "NodeName=n[1-4]\nSuspendTime=300\n");
    EXPECT_EQ(reader.conf_for_commands(), source);
    EXPECT_EQ(daemon.conf_for_commands(), copy);
    EXPECT_NE(read(copy).find("\nSuspendTime=300\n"), std::string::npos) << read(copy);
    EXPECT_EQ(reader.conf_for_commands(), copy);

    // An Include that cannot be followed: slurm.conf itself, which makes
    // scontrol say what is wrong.
    write(source, "ClusterName=alpha\nInclude missing.conf\n");
    EXPECT_EQ(daemon.conf_for_commands(), source);
}

}  // namespace
}  // namespace slumber::slurm
