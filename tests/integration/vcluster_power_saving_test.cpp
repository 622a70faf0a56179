// Slurm's power saving on the virtual cluster, with the hooks sites write by
// hand (ipmitool per node): idle nodes are powered down, a job powers them
// up, runs, and they go back to sleep.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "test_cluster.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class VclusterPowerSaving : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"power-saving",
                           12,
                           27200,
                           {"--suspend-time", "10s", "--suspend-timeout", "5s", "--resume-timeout", "60s"}});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(VclusterPowerSaving, TwoFullCyclesOfSleepWakeRunSleep) {
    const std::string everyone = std::to_string(cluster->nodes());
    for (int cycle = 1; cycle <= 2; ++cycle) {
        SCOPED_TRACE(fmt::format("cycle {}", cycle));
        // Idle nodes are suspended: powered down through their BMCs.
        ASSERT_TRUE(cluster->wait_for(
            [] { return cluster->every_node([](int i) { return cluster->state(i) == "idle~"; }); }, seconds{90}))
            << cluster->states();
        EXPECT_TRUE(
            cluster->every_node([](int i) { return cluster->bmc_says(i, "off") && !cluster->slurmd_running(i); }));

        // A job for every node wakes them all.
        auto job = cluster->run({"sbatch", "--parsable", "--nodes", everyone, "--output", "/dev/null", "--wrap",
                                 "srun /bin/true && sleep 1"});
        ASSERT_TRUE(job) << job.error();
        const std::string id = job->substr(0, job->find_first_of(";\n"));
        bool saw_powering_up = false;
        const bool completed = cluster->wait_for(
            [&] {
                saw_powering_up = saw_powering_up || cluster->states().find('#') != std::string::npos;
                return cluster->job_state(id) == "COMPLETED";
            },
            seconds{120});
        ASSERT_TRUE(completed) << "job " << id << " is " << cluster->job_state(id) << "; nodes " << cluster->states();
        EXPECT_TRUE(saw_powering_up) << "Slurm showed the nodes powering up (#)";
        EXPECT_TRUE(cluster->every_node([](int i) { return cluster->bmc_says(i, "on"); }));
    }
    // And back to sleep once more.
    EXPECT_TRUE(cluster->wait_for(
        [] { return cluster->every_node([](int i) { return cluster->state(i) == "idle~"; }); }, seconds{90}))
        << cluster->states();

    // The hooks ran, each with a hostlist: three suspends and two resumes
    // (more if Slurm split a call).
    std::ifstream log(cluster->dir() + "/log/hooks.log");
    std::string line;
    int suspends = 0;
    int resumes = 0;
    while (std::getline(log, line)) {
        suspends += line.find(" suspend vnode") != std::string::npos ? 1 : 0;
        resumes += line.find(" resume vnode") != std::string::npos ? 1 : 0;
    }
    EXPECT_GE(suspends, 3);
    EXPECT_GE(resumes, 2);
    // And none of them is left: Slurm 22.05 starts hooks with SIGCHLD
    // blocked, and a hook whose shell waits for its ipmitools slept for ever.
    EXPECT_TRUE(cluster->wait_for([] { return cluster->running_hooks().empty(); }, seconds{20}))
        << fmt::format("{}", fmt::join(cluster->running_hooks(), "\n"));
}

}  // namespace
}  // namespace slumber::testing
