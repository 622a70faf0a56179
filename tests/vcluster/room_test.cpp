#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "vcluster/room.hpp"

namespace slumber::vcluster {
namespace {

int read_inlet(const RunDir& dir, const std::string& node) {
    std::ifstream in(dir.sensor_file(node, "inlet"));
    int celsius = -1000;
    in >> celsius;
    return celsius;
}

void power(const RunDir& dir, const std::string& node, bool on) {
    std::ofstream(dir.sensor_file(node, "watts")) << (on ? kWattsOn : kWattsOff) << '\n';
}

TEST(VclusterRoom, EveryNodeOnWarmsEveryInletAndTheRoomCanBeHeated) {
    const testing::TempDir temp("slumber-room");
    const RunDir dir{temp.path()};
    Spec spec;
    spec.nodes = 3;
    for (const std::string& node : spec.node_names()) {
        std::filesystem::create_directories(dir.node_dir(node));
        power(dir, node, false);
    }
    warm_inlets(dir, spec);
    EXPECT_EQ(read_inlet(dir, "vnode002"), kRoomCelsius) << "every node off: the room's air";

    power(dir, "vnode001", true);
    power(dir, "vnode003", true);
    warm_inlets(dir, spec);
    EXPECT_EQ(nodes_on(dir, spec), 2);
    for (const std::string& node : spec.node_names()) {
        EXPECT_EQ(read_inlet(dir, node), kRoomCelsius + 2 * kWarmingPerNodeOn) << node << ", on or off";
    }
    EXPECT_EQ(inlet_celsius(dir, "vnode002"), kRoomCelsius + 2 * kWarmingPerNodeOn);

    ASSERT_TRUE(set_room_celsius(dir, spec, 35));
    EXPECT_EQ(room_celsius(dir), 35);
    EXPECT_EQ(read_inlet(dir, "vnode001"), 35 + 2 * kWarmingPerNodeOn);
    EXPECT_FALSE(set_room_celsius(dir, spec, 101)) << "beyond the sensor's record";
    EXPECT_EQ(room_celsius(dir), 35) << "a refused value changes nothing";
    const auto leftovers = std::distance(std::filesystem::directory_iterator(dir.node_dir("vnode001")),
                                         std::filesystem::directory_iterator());
    EXPECT_EQ(leftovers, 2) << "sensor.watts and sensor.inlet, no temporary file";
}

}  // namespace
}  // namespace slumber::vcluster
