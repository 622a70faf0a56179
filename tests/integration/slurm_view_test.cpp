// Slurm's view kept true when slumber does not do what Slurm asked, on the
// virtual cluster with real slurmctld 22.05: an excluded node is woken for a
// job, a suspend slumber refuses leaves Slurm showing the node up, and a
// later job runs there without the node going `down~`; a boot past slumber's
// own deadline is recovered while Slurm waits.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_cluster.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class SlurmView : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster =
            std::make_unique<TestCluster>(ClusterOptions{"slurm-view",
                                                         63,
                                                         28620,
                                                         // ResumeTimeout long enough that only slumber's boot deadline
                                                         // can end a boot that never registers (as INFINITE would).
                                                         {"--hooks", "slumber", "--daemon", "--suspend-time", "10s",
                                                          "--suspend-timeout", "5s", "--resume-timeout", "300s"},
                                                         3});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    static std::string config() { return cluster->dir() + "/slumber.toml"; }
    static std::string daemon_log() { return cluster->dir() + "/log/slumberd.log"; }

    static nlohmann::json journal() {
        auto out = cluster->run({slumber_program(), "journal", "--json", "--since", "1h", "-c", config()});
        auto parsed = out ? nlohmann::json::parse(*out, nullptr, false) : nlohmann::json::array();
        return parsed.is_discarded() ? nlohmann::json::array() : parsed;
    }
    static int events(const std::string& node, const std::string& kind, const std::string& text = {}) {
        int count = 0;
        for (const auto& event : journal()) {
            count += event["node"] == node && event["kind"] == kind &&
                             event["detail"].get<std::string>().find(text) != std::string::npos
                         ? 1
                         : 0;
        }
        return count;
    }
    static std::string submit(const std::string& nodes, const std::string& command) {
        auto job =
            cluster->run({"sbatch", "--parsable", "--nodelist", nodes, "--output", "/dev/null", "--wrap", command});
        return job ? job->substr(0, job->find_first_of(";\n")) : "error: " + job.error();
    }
    // slumber.toml with `lines` added to `section`, and a daemon that read
    // it (the hooks read the file at each call).
    static void reconfigure_slumber(const std::string& section, const std::string& lines) {
        std::ifstream in(config());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto at = text.find(section + "\n");
        ASSERT_NE(at, std::string::npos) << text;
        text.insert(at + section.size() + 1, lines + "\n");
        std::ofstream(config(), std::ios::trunc) << text;
        const std::string record = cluster->dir() + "/pids/slumberd";
        if (auto daemon = vcluster::read_record(record)) vcluster::terminate(*daemon, seconds{10});
        auto daemon = vcluster::spawn_detached(
            {.argv = slumberd_command({"--config", config()}), .log = daemon_log(), .cgroup = std::nullopt});
        ASSERT_TRUE(daemon) << daemon.error();
        ASSERT_TRUE(vcluster::write_record(record, *daemon));
        ASSERT_TRUE(cluster->wait_for(
            [] { return std::filesystem::exists(cluster->dir() + "/slumber-state/slumberd.sock"); }, seconds{10}));
    }
    // Runs `job` to its end while watching the node; false if it ever showed
    // `down` (the fault a false view of Slurm's leads to).
    static bool runs_without_down(const std::string& job, int node, std::string& seen) {
        bool down = false;
        const bool done = cluster->wait_for(
            [&] {
                const std::string state = cluster->state(node);
                if (seen.empty() || seen.substr(seen.rfind(' ') + 1) != state) seen += " " + state;
                down = down || state.starts_with("down");
                return cluster->job_state(job) == "COMPLETED";
            },
            seconds{150});
        return done && !down;
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(SlurmView, AnExcludedNodeThatIsOffIsWokenForAJob) {
    // vnode001 sleeps (off) before the admin adds it to [slurm] exclude.
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle~"; }, seconds{90})) << cluster->states();
    ASSERT_TRUE(cluster->bmc_says(0, "off"));
    reconfigure_slumber("[slurm]", "exclude = \"vnode001\"");
    const std::string job = submit("vnode001", "srun /bin/true");
    std::string seen;
    EXPECT_TRUE(runs_without_down(job, 0, seen))
        << "job " << job << " is " << cluster->job_state(job) << "; vnode001 was" << seen;
    EXPECT_GE(events("vnode001", "power-on", "on by the daemon for slurm-resume: on"), 1);
    EXPECT_EQ(events("vnode001", "refused", "on refused"), 0);
    // The daemon names the disagreement with slurm.conf where admins look.
    std::ifstream log(daemon_log());
    const std::string said((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(said.find("vnode001 in [slurm] exclude but not in slurm.conf's SuspendExcNodes"), std::string::npos)
        << said;
}

TEST_F(SlurmView, ARefusedSuspendLeavesSlurmShowingTheNodeUpAndTheNextJobRuns) {
    // vnode001 is excluded (above) and up; Slurm, which does not exclude it,
    // asks to suspend it once it has been idle for SuspendTime.
    ASSERT_TRUE(cluster->wait_for([] { return cluster->bmc_says(0, "on"); }, seconds{10}));
    const int offs = events("vnode001", "power-off");
    ASSERT_TRUE(cluster->wait_for(
        [] { return events("vnode001", "refused", "excluded in [slurm] exclude: never powered off") >= 1; },
        seconds{60}))
        << cluster->states();
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode001", "slurm-view", "told it the node is still up") >= 1; },
                                  seconds{20}));
    // Slurm shows it up (not powered down) while its BMC says on.
    EXPECT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle"; }, seconds{20})) << cluster->states();
    EXPECT_TRUE(cluster->bmc_says(0, "on"));
    EXPECT_TRUE(cluster->slurmd_running(0));
    // Without the correction Slurm would count it powered down after
    // SuspendTimeout (5 s), and this job would wait for a boot that never
    // comes and leave the node down~ at ResumeTimeout.
    std::this_thread::sleep_for(seconds{8});
    const std::string job = submit("vnode001", "srun /bin/true");
    std::string seen;
    EXPECT_TRUE(runs_without_down(job, 0, seen))
        << "job " << job << " is " << cluster->job_state(job) << "; vnode001 was" << seen;
    EXPECT_EQ(events("vnode001", "power-off"), offs) << "never switched off since it was excluded";
}

// What Slurm 25.05 does with ResumeTimeout=INFINITE, a boot Slurm waits for
// as long as it takes, is what 22.05 does within a long ResumeTimeout: only
// slumber's own boot deadline starts recovery.
TEST_F(SlurmView, ABootPastSlumbersDeadlineIsRecoveredWhileSlurmWaits) {
    reconfigure_slumber("[daemon]", "boot_deadline = \"20s\"");
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(1) == "idle~"; }, seconds{90})) << cluster->states();
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "never-registers"}));
    const int ons = events("vnode002", "power-on", "for slurm-resume: on");
    const std::string job = submit("vnode002", "srun /bin/true");
    ASSERT_TRUE(
        cluster->wait_for([&] { return events("vnode002", "power-on", "for slurm-resume: on") > ons; }, seconds{30}));
    // This boot never registers (the boot delay is 2 s); the next one would.
    std::this_thread::sleep_for(seconds{4});
    ASSERT_FALSE(cluster->slurmd_running(1));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "clear"}));
    ASSERT_TRUE(cluster->wait_for(
        [] { return events("vnode002", "resume-failed", "past the boot deadline of 20 s") >= 1; }, seconds{60}))
        << cluster->states();
    // A power cycle: the fresh boot registers and the job runs.
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{90}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    EXPECT_GE(events("vnode002", "power-cycle", "for recovery"), 1);
    EXPECT_GE(events("vnode002", "registered"), 1);
}

}  // namespace
}  // namespace slumber::testing
