// The BMCs of the virtual cluster, driven by real ipmitool: their chassis
// power is the node's power, as Slurm sees it.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "test_cluster.hpp"
#include "vcluster/room.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class VclusterPower : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // No power saving here: only the BMCs change the nodes' power.
        cluster = std::make_unique<TestCluster>(ClusterOptions{
            "power", 11, 27100, {"--suspend-time", "1h", "--slurmd-timeout", "6s", "--boot-delay", "2s"}});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    static std::string power(int index) {
        auto out = cluster->ipmitool(index, {"chassis", "power", "status"});
        return out ? *out : "error: " + out.error();
    }

    // A sensor's reading as `ipmitool sensor reading NAME` prints it, e.g. "180".
    static std::string sensor(int index, const std::string& name) {
        auto out = cluster->ipmitool(index, {"sensor", "reading", name});
        if (!out) return "error: " + out.error();
        std::string value = out->substr(out->rfind('|') + 1);
        value.erase(0, value.find_first_not_of(' '));
        return value.substr(0, value.find_first_of(" \n"));
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(VclusterPower, EveryNodeStartsOnAndIdleWithItsOwnBmc) {
    std::set<std::string> guids;
    for (int i = 0; i < cluster->nodes(); ++i) {
        EXPECT_EQ(power(i), "Chassis Power is on\n") << cluster->node(i);
        EXPECT_EQ(cluster->state(i), "idle") << cluster->node(i);
        EXPECT_TRUE(cluster->slurmd_running(i)) << cluster->node(i);
        auto guid = cluster->ipmitool(i, {"mc", "guid"});
        ASSERT_TRUE(guid) << guid.error();
        guids.insert(guid->substr(0, guid->find('\n')));
        auto info = cluster->ipmitool(i, {"mc", "info"});
        // ipmitool also asks for HPM capabilities, which ipmi_sim lacks, and
        // then exits non-zero; the Device ID answer is what counts.
        const std::string text = info ? *info : info.error();
        EXPECT_NE(text.find("IPMI Version"), std::string::npos) << text;
    }
    EXPECT_EQ(guids.size(), static_cast<std::size_t>(cluster->nodes())) << "every BMC has its own GUID";
}

TEST_F(VclusterPower, PowerOffStopsTheNodeAndPowerOnBootsItAfresh) {
    const int node = cluster->nodes() - 1;
    const auto boot_before = cluster->boot_time(node);
    ASSERT_TRUE(boot_before) << cluster->field(node, "BootTime");

    // ipmi_sim reads the sensor files once a second, on its own timer: CI
    // (2026-12-01, a loaded machine) read both sensors as they were before
    // the nodes booted, seconds after they had, and current ones a few
    // seconds later. The readings are waited for, as a client would poll.
    const int nodes_on = cluster->nodes();
    EXPECT_TRUE(cluster->wait_for([&] { return sensor(node, "Power") == "180"; }, seconds{15}))
        << sensor(node, "Power");
    // The room's air (docs/vcluster.md): every node on warms every inlet by 2 °C.
    EXPECT_TRUE(cluster->wait_for(
        [&] {
            return sensor(node, "Inlet Temp") ==
                   std::to_string(vcluster::kRoomCelsius + vcluster::kWarmingPerNodeOn * nodes_on);
        },
        seconds{15}))
        << sensor(node, "Inlet Temp") << " °C: the room and the warmth of each of " << nodes_on << " nodes";
    const int inlet_on = std::stoi(sensor(node, "Inlet Temp"));
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "off"}));
    EXPECT_EQ(power(node), "Chassis Power is off\n");
    EXPECT_FALSE(cluster->slurmd_running(node));
    // ipmi_sim polls the sensors every second: standby power, cooler air.
    EXPECT_TRUE(cluster->wait_for([&] { return sensor(node, "Power") == "8"; }, seconds{5})) << sensor(node, "Power");
    EXPECT_TRUE(
        cluster->wait_for([&] { return sensor(node, "Inlet Temp") == std::to_string(inlet_on - 2); }, seconds{15}))
        << sensor(node, "Inlet Temp");
    // slurmctld notices at its next ping: the node leaves the responding set.
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->state(node).ends_with("*"); }, seconds{60}))
        << cluster->state(node);
    auto responding = cluster->run({"sinfo", "--noheader", "--Node", "--responding", "--format=%N"});
    ASSERT_TRUE(responding);
    EXPECT_EQ(responding->find(cluster->node(node)), std::string::npos) << *responding;
    EXPECT_EQ(power(node), "Chassis Power is off\n");

    // Operator privilege is enough for power control.
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "on"}, "operator"));
    EXPECT_EQ(power(node), "Chassis Power is on\n");
    EXPECT_TRUE(cluster->wait_for([&] { return !cluster->state(node).ends_with("*"); }, seconds{60}))
        << cluster->state(node);
    EXPECT_TRUE(cluster->slurmd_running(node));
    // A fresh boot: a new boot time, which Slurm (ReturnToService=1) reports
    // as a reboot nobody asked it for.
    EXPECT_TRUE(cluster->booted_since(node, *boot_before)) << cluster->field(node, "BootTime");
    EXPECT_NE(cluster->field(node, "Reason").find("unexpectedly rebooted"), std::string::npos)
        << cluster->field(node, "Reason");
    ASSERT_TRUE(cluster->run({"scontrol", "update", "nodename=" + cluster->node(node), "state=resume"}));
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->state(node) == "idle"; }, seconds{20}));
}

TEST_F(VclusterPower, SoftShutdownStopsSlurmdCleanly) {
    const int node = 0;
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "soft"}));
    // Soft returns at once; the power goes off when the OS has shut down.
    EXPECT_TRUE(cluster->wait_for([&] { return power(node) == "Chassis Power is off\n"; }, seconds{20}));
    EXPECT_FALSE(cluster->slurmd_running(node));
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "on"}));
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->slurmd_running(node); }, seconds{20}));
}

TEST_F(VclusterPower, CycleRestartsTheNode) {
    const int node = 1 % cluster->nodes();
    const auto boot_before = cluster->boot_time(node);
    ASSERT_TRUE(boot_before) << cluster->field(node, "BootTime");
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "cycle"}));
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->booted_since(node, *boot_before); }, seconds{60}))
        << "the node registers again with a new boot time";
    EXPECT_EQ(power(node), "Chassis Power is on\n");
}

TEST_F(VclusterPower, StatusAgreesWithTheBmcsAndTheProcesses) {
    const int node = 0;
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "off"}));
    auto status = cluster->rig({"status", "--dir", cluster->dir()});
    ASSERT_TRUE(status) << status.error();
    for (int i = 0; i < cluster->nodes(); ++i) {
        const bool on = power(i) == "Chassis Power is on\n";
        EXPECT_EQ(on, cluster->slurmd_running(i)) << cluster->node(i);
        const std::string row = status->substr(status->find(cluster->node(i)), 20);
        EXPECT_NE(row.find(on ? " on " : " off "), std::string::npos) << row;
    }
    ASSERT_TRUE(cluster->ipmitool(node, {"chassis", "power", "on"}));
}

}  // namespace
}  // namespace slumber::testing
