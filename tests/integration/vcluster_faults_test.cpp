// Faults injected into a running virtual cluster produce the Slurm states
// that DESIGN.md's recovery table starts from, and the BMC errors a power
// driver must tell apart.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "hostlist/hostlist.hpp"
#include "test_cluster.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class VclusterFaults : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(ClusterOptions{
            "faults",
            13,
            27300,
            {"--suspend-time", "10s", "--suspend-timeout", "5s", "--resume-timeout", "15s", "--boot-delay", "2s"}});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
        if (cluster->nodes() < 4) GTEST_SKIP() << "needs 4 nodes, one per kind of fault";
    }

    static void fault(int index, std::vector<std::string> what) {
        std::vector<std::string> args{"fault", "--dir", cluster->dir(), cluster->node(index)};
        args.insert(args.end(), what.begin(), what.end());
        auto done = cluster->rig(args);
        ASSERT_TRUE(done) << done.error();
    }
    static bool sleeping(int index) {
        return cluster->wait_for([&] { return cluster->state(index) == "idle~"; }, seconds{60});
    }
    static std::string submit_on(int index) {
        auto job = cluster->run({"sbatch", "--parsable", "--nodelist", cluster->node(index), "--output", "/dev/null",
                                 "--wrap", "/bin/true"});
        return job ? job->substr(0, job->find_first_of(";\n")) : "";
    }
    static std::string hooks_log() {
        std::ifstream in(cluster->dir() + "/log/hooks.log");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    // Whether the hook was called with a hostlist that names the node.
    static bool hook_called(std::string_view hook, int index) {
        std::istringstream lines(hooks_log());
        std::string date;
        std::string name;
        std::string nodes;
        while (lines >> date >> name) {
            if (!std::getline(lines, nodes) || name != hook) continue;
            auto names = hostlist::expand(nodes.substr(nodes.find_first_not_of(' ')));
            if (names && std::ranges::find(*names, cluster->node(index)) != names->end()) return true;
        }
        return false;
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

// A boot slower than ResumeTimeout, and a boot that never registers: both
// end `down~` with Slurm's reason, and ResumeFailProgram is called.
TEST_F(VclusterFaults, BootsThatMissResumeTimeoutEndDownPoweredOff) {
    const int slow = 0;
    const int silent = 1;
    fault(slow, {"slow-boot", "60s"});
    fault(silent, {"never-registers"});
    ASSERT_TRUE(sleeping(slow)) << cluster->state(slow);
    ASSERT_TRUE(sleeping(silent)) << cluster->state(silent);
    const std::string jobs[] = {submit_on(slow), submit_on(silent)};

    for (const int index : {slow, silent}) {
        SCOPED_TRACE(cluster->node(index));
        EXPECT_TRUE(cluster->wait_for([&] { return cluster->state(index) == "down~"; }, seconds{60}))
            << cluster->state(index);
        EXPECT_NE(cluster->field(index, "Reason").find("ResumeTimeout reached"), std::string::npos)
            << cluster->field(index, "Reason");
        // Slurm marks the node down first and runs ResumeFailProgram a
        // moment later (a loaded machine's run looked in between).
        EXPECT_TRUE(cluster->wait_for([&] { return hook_called("resume-fail", index); }, seconds{30})) << hooks_log();
    }
    // The BMC is honest: the never-registering node is powered on.
    auto power = cluster->ipmitool(silent, {"chassis", "power", "status"});
    EXPECT_EQ(power.value_or(power.error()), "Chassis Power is on\n");
    EXPECT_FALSE(cluster->slurmd_running(silent));

    for (const std::string& job : jobs) (void)cluster->run({"scancel", job});
    fault(slow, {"clear"});
    fault(silent, {"clear"});
}

// A node that comes up while Slurm has it powered down is DOWN, "unexpectedly
// rebooted" (ReturnToService=1).
TEST_F(VclusterFaults, NodeThatBootsUnaskedIsDown) {
    const int node = 2;
    ASSERT_TRUE(sleeping(node)) << cluster->state(node);
    fault(node, {"reboot"});
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->state(node).starts_with("down"); }, seconds{60}))
        << cluster->state(node);
    EXPECT_NE(cluster->field(node, "Reason").find("unexpectedly rebooted"), std::string::npos)
        << cluster->field(node, "Reason");
    EXPECT_TRUE(cluster->slurmd_running(node));
}

TEST_F(VclusterFaults, SilentBmcTimesOutAndTheOthersStillAnswer) {
    const int node = 3;
    fault(node, {"bmc-silent"});
    auto silent = cluster->ipmitool(node, {"chassis", "power", "status"});
    ASSERT_FALSE(silent) << *silent;
    EXPECT_NE(silent.error().find("Unable to establish"), std::string::npos) << silent.error();
    // FreeIPMI tells a silent BMC from one that refuses the password.
    auto freeipmi = cluster->ipmipower(node, {"--stat"});
    EXPECT_EQ(freeipmi.value_or(freeipmi.error()), cluster->bmc(node) + ": connection timeout");
    for (const int other : {0, 1, 2}) EXPECT_TRUE(cluster->ipmitool(other, {"chassis", "power", "status"}));

    fault(node, {"clear"});
    EXPECT_TRUE(cluster->ipmitool(node, {"chassis", "power", "status"}));
}

TEST_F(VclusterFaults, ChangedBmcPasswordIsAnAuthenticationFailure) {
    const int node = 3;
    fault(node, {"bmc-password"});
    auto refused = cluster->ipmitool(node, {"chassis", "power", "status"});
    ASSERT_FALSE(refused) << *refused;
    auto freeipmi = cluster->ipmipower(node, {"--stat"});
    EXPECT_EQ(freeipmi.value_or(freeipmi.error()), cluster->bmc(node) + ": password invalid");
    auto status = cluster->rig({"status", "--dir", cluster->dir()});
    ASSERT_TRUE(status);
    EXPECT_NE(status->find("bmc-password"), std::string::npos) << *status;
    for (const int other : {0, 1, 2}) EXPECT_TRUE(cluster->ipmitool(other, {"chassis", "power", "status"}));

    fault(node, {"clear"});
    EXPECT_TRUE(cluster->ipmitool(node, {"chassis", "power", "status"}));
}

}  // namespace
}  // namespace slumber::testing
