// A fabric switch on a smart plug that the nodes depend on ([[dependency]]),
// end to end on the virtual cluster: real Slurm, a real ipmi_sim BMC for
// vnode001 and an emulated Redfish BMC for vnode002, an emulated Tasmota
// plug, slumber's hooks and daemon. A node whose boot ends while the switch
// is off comes up without fabric and never registers, so a job that
// completes proves the order. The cycle: all asleep -> the switch
// goes off after off_after -> a job arrives -> switch on, then the nodes,
// the job runs -> all asleep -> the switch goes off again.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_cluster.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class FabricSwitch : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(ClusterOptions{
            "dependency",
            22,
            28300,
            {"--hooks", "slumber", "--daemon", "--fabric-switch", "--switch-off-after", "5s", "--redfish-nodes", "1",
             "--suspend-time", "10s", "--suspend-timeout", "5s", "--resume-timeout", "60s"},
            2});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    static std::string switch_state() {
        std::ifstream in(cluster->dir() + "/fabric-switch");
        std::string word;
        in >> word;
        return word;
    }
    static nlohmann::json journal() {
        auto out = cluster->run(
            {slumber_program(), "journal", "--json", "--since", "1h", "-c", cluster->dir() + "/slumber.toml"});
        auto parsed = out ? nlohmann::json::parse(*out, nullptr, false) : nlohmann::json::array();
        return parsed.is_discarded() ? nlohmann::json::array() : parsed;
    }
    // Times (ms) of the events of `kind` for `node`, oldest first.
    static std::vector<std::int64_t> times(const std::string& node, const std::string& kind) {
        std::vector<std::int64_t> found;
        for (const auto& event : journal()) {
            if (event["node"] == node && event["kind"] == kind) found.push_back(event["time_ms"].get<std::int64_t>());
        }
        std::sort(found.begin(), found.end());
        return found;
    }
    static bool all_asleep() {
        return cluster->every_node([](int i) { return cluster->state(i) == "idle~"; });
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(FabricSwitch, GoesOnBeforeItsNodesAndOffAfterThem) {
    ASSERT_EQ(switch_state(), "on") << "the cluster starts with its fabric";
    // vnode002's BMC speaks Redfish, over HTTPS with its own certificate.
    const std::string config = cluster->dir() + "/slumber.toml";
    auto info = cluster->run({slumber_program(), "power", "info", "vnode002", "-c", config});
    ASSERT_TRUE(info) << info.error();
    EXPECT_NE(info->find("Virtual BMC"), std::string::npos) << *info;
    EXPECT_NE(info->find("180"), std::string::npos) << *info;
    // Everything sleeps, and off_after later the switch goes off.
    ASSERT_TRUE(cluster->wait_for(all_asleep, seconds{90})) << cluster->states();
    ASSERT_TRUE(cluster->wait_for([] { return switch_state() == "off"; }, seconds{30}))
        << "the switch stayed on; journal: " << journal().dump();
    const auto first_off = times("ibswitch", "power-off");
    ASSERT_EQ(first_off.size(), 1U);

    // A job on both nodes: the switch must come on first, or they would boot
    // without fabric and never register.
    auto job = cluster->run({"sbatch", "--parsable", "--nodes", "2", "--output", "/dev/null", "--wrap", "sleep 1"});
    ASSERT_TRUE(job) << job.error();
    const std::string id = job->substr(0, job->find_first_of(";\n"));
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(id) == "COMPLETED"; }, seconds{90}))
        << "job " << id << " is " << cluster->job_state(id) << "; nodes " << cluster->states() << "; switch "
        << switch_state();
    const auto switched_on = times("ibswitch", "power-on");
    ASSERT_EQ(switched_on.size(), 1U) << journal().dump();
    for (int i = 0; i < cluster->nodes(); ++i) {
        const auto node_on = times(cluster->node(i), "power-on");
        ASSERT_FALSE(node_on.empty()) << cluster->node(i);
        // Settle is 1 s: the nodes' power-ons are journaled once confirmed,
        // at least the settle time after the switch's.
        EXPECT_GE(node_on.back(), switched_on.front() + 1000) << cluster->node(i);
    }

    // Asleep again, and the switch with them.
    ASSERT_TRUE(cluster->wait_for(all_asleep, seconds{90})) << cluster->states();
    ASSERT_TRUE(cluster->wait_for([] { return switch_state() == "off"; }, seconds{30}));
    EXPECT_EQ(times("ibswitch", "power-off").size(), 2U);
    EXPECT_TRUE(times("ibswitch", "failed").empty()) << journal().dump();
}

// The other half of the proof: what the first test avoids does happen. A node
// switched on behind slumber's back while the switch is off has no fabric.
TEST_F(FabricSwitch, ANodeBootedWhileTheSwitchIsOffNeverRegisters) {
    ASSERT_TRUE(cluster->wait_for([] { return all_asleep() && switch_state() == "off"; }, seconds{120}))
        << cluster->states() << "; switch " << switch_state();
    ASSERT_TRUE(cluster->ipmitool(0, {"chassis", "power", "on"}));
    const std::string console = cluster->dir() + "/log/" + cluster->node(0) + ".console";
    EXPECT_TRUE(cluster->wait_for(
        [&] {
            std::ifstream in(console);
            const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            return text.find("booted without fabric") != std::string::npos;
        },
        seconds{20}));
    EXPECT_FALSE(cluster->slurmd_running(0));
    ASSERT_TRUE(cluster->ipmitool(0, {"chassis", "power", "off"}));
}

}  // namespace
}  // namespace slumber::testing
