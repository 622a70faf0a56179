// `slumber-vcluster up|down` as an admin meets them: twice in a row, after a
// crash, and the proof that down leaves nothing of the cluster running.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "test_cluster.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

namespace fs = std::filesystem;

std::vector<vcluster::Process> recorded(const std::string& dir) {
    std::vector<vcluster::Process> out;
    for (const auto& entry : fs::directory_iterator(dir + "/pids")) {
        if (entry.path().extension() == ".slurm-pid") continue;
        if (auto process = vcluster::read_record(entry.path())) out.push_back(*process);
    }
    return out;
}

class VclusterLifecycle : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
    }
};

TEST_F(VclusterLifecycle, SecondUpRefusesAndCrashedRunIsCleanedUp) {
    TestCluster cluster({"lifecycle", 14, 27500, {"--suspend-time", "1h"}});
    ASSERT_TRUE(cluster.ready()) << cluster.failure();
    const std::vector<std::string> up{"up",           "--dir", cluster.dir(), "--nodes", "2",
                                      "--bmc-subnet", "14",    "--port",      "27500"};

    auto again = cluster.rig(up);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().find("already running in " + cluster.dir()), std::string::npos) << again.error();
    EXPECT_EQ(cluster.state(0), "idle") << "the running cluster is untouched";

    // A crash: slurmctld and one BMC die without a word.
    const auto before = recorded(cluster.dir());
    for (const char* victim : {"slurmctld", "bmc.vnode001"}) {
        auto process = vcluster::read_record(cluster.dir() + "/pids/" + victim);
        ASSERT_TRUE(process) << victim;
        ::kill(process->pid, SIGKILL);
    }
    auto restarted = cluster.rig(up);
    ASSERT_TRUE(restarted) << restarted.error();
    for (const auto& old : before) EXPECT_FALSE(vcluster::alive(old)) << "pid " << old.pid << " of the old run";
    EXPECT_EQ(cluster.state(1), "idle");

    // down stops exactly what it recorded, and a second down says so.
    const auto running = recorded(cluster.dir());
    auto down = cluster.rig({"down", "--dir", cluster.dir()});
    ASSERT_TRUE(down) << down.error();
    EXPECT_NE(down->find("Stopped the virtual cluster"), std::string::npos) << *down;
    for (const auto& process : running) EXPECT_FALSE(vcluster::alive(process)) << "pid " << process.pid;
    EXPECT_FALSE(cluster.slurmd_running(0));
    EXPECT_FALSE(cluster.slurmd_running(1));
    auto status = cluster.rig({"status", "--dir", cluster.dir(), "--json"});
    ASSERT_TRUE(status) << status.error();
    EXPECT_NE(status->find("\"slurmctld\": \"stopped\""), std::string::npos) << *status;
    EXPECT_EQ(status->find("\"power\": \"on\""), std::string::npos) << *status;
    auto twice = cluster.rig({"down", "--dir", cluster.dir()});
    ASSERT_TRUE(twice) << twice.error();
    EXPECT_NE(twice->find("No virtual cluster was running"), std::string::npos) << *twice;
}

}  // namespace
}  // namespace slumber::testing
