#include "web/overview.hpp"

#include <gtest/gtest.h>

namespace slumber::web {
namespace {

config::PowerTarget plug(std::string name) {
    config::PowerTarget device;
    device.name = std::move(name);
    device.kind = config::TargetKind::device;
    device.driver = "tasmota";
    device.address = "http://admin:hunter2@plug.lan";
    return device;
}

TEST(Overview, DevicesWithTheirDependantsResumeTimeoutAndEnergy) {
    config::Config config;
    config.devices = {plug("ibswitch"), plug("fan")};
    config.dependencies = {{"ibswitch", {"n1", "n2"}, std::chrono::minutes(10), 1},
                           {"ibswitch", {"n2", "n3"}, std::chrono::minutes(20), 5}};
    MetricsSnapshot snapshot;
    service::NodeView view;
    view.name = "ibswitch";
    view.power.kind = service::PowerReading::Kind::on;
    view.power.state = power::PowerState::on;
    snapshot.devices.nodes.push_back(view);
    snapshot.energy = {{"n1", 120.5, 1000, 3.6e6 + 500, 500}, {"n2", std::nullopt, 0, 0}};
    snapshot.thermal_hold = "31 °C (Inlet Temp of n1) at or above the thermal limit 30 °C";

    const nlohmann::json overview = overview_json(config, snapshot, std::chrono::seconds{90});
    EXPECT_EQ(overview["resume_timeout_ms"], 90000);
    ASSERT_EQ(overview["devices"].size(), 2U);
    const nlohmann::json& ibswitch = overview["devices"][0];
    EXPECT_EQ(ibswitch["name"], "ibswitch");
    EXPECT_EQ(ibswitch["driver"], "tasmota");
    EXPECT_EQ(ibswitch["power"], "on");
    EXPECT_EQ(ibswitch["off_after_ms"], 20 * 60 * 1000);
    EXPECT_EQ(ibswitch["nodes"], nlohmann::json({"n1", "n2", "n3"}));
    const nlohmann::json& fan = overview["devices"][1];
    EXPECT_EQ(fan["power"], "-");  // not read
    EXPECT_TRUE(fan["off_after_ms"].is_null());
    EXPECT_TRUE(fan["nodes"].empty());
    ASSERT_EQ(overview["energy"].size(), 2U);
    EXPECT_EQ(overview["energy"][0]["watts"], 120.5);
    EXPECT_EQ(overview["energy"][0]["saved_joules"], 3.6e6) << "the net saving: saved less switching";
    EXPECT_TRUE(overview["energy"][1]["watts"].is_null());
    EXPECT_EQ(overview["thermal_hold"], *snapshot.thermal_hold);
    EXPECT_EQ(overview.value("slurm_up", nlohmann::json()), false) << "the snapshot's look at Slurm did not answer";
    // The page needs no address, and an address may hold a password.
    EXPECT_EQ(overview.dump().find("hunter2"), std::string::npos);
    EXPECT_EQ(overview.dump().find("plug.lan"), std::string::npos);
}

TEST(Overview, NothingKnownIsNullOrEmpty) {
    const nlohmann::json overview = overview_json(config::Config{}, MetricsSnapshot{}, std::nullopt);
    EXPECT_TRUE(overview["resume_timeout_ms"].is_null());
    EXPECT_TRUE(overview["devices"].is_array() && overview["devices"].empty());
    EXPECT_TRUE(overview["energy"].is_array() && overview["energy"].empty());
    EXPECT_TRUE(overview["thermal_hold"].is_null());
    EXPECT_EQ(overview.value("slurm_up", nlohmann::json()), false);
}

// A tester stopped slurmctld: the page showed every tile's Slurm state as
// "?" and nothing said that Slurm had not answered. The page reads it here.
TEST(Overview, SaysWhetherSlurmAnswered) {
    MetricsSnapshot snapshot;
    snapshot.slurm_up = true;
    EXPECT_EQ(overview_json(config::Config{}, snapshot, std::nullopt).value("slurm_up", nlohmann::json()), true);
}

}  // namespace
}  // namespace slumber::web
