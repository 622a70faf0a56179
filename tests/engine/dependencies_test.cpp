// [[dependency]]: which devices a set of nodes needs, and when a device may go
// off (shared devices, each group's off_after).
#include "engine/dependencies.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

namespace slumber::engine {
namespace {

using std::chrono::minutes;

DeviceGroup dependency(std::string device, std::vector<std::string> nodes, std::chrono::milliseconds off_after) {
    return {std::move(device), std::move(nodes), off_after.count()};
}

TEST(Dependencies, EachNeededDeviceOnceWithTheNodesThatNeedIt) {
    const std::vector deps{dependency("ibswitch", {"n1", "n2", "n3"}, minutes(10)),
                           dependency("pdu", {"n3", "n4"}, minutes(10)),
                           dependency("ibswitch", {"n4", "n5"}, minutes(10))};
    const std::vector<std::string> nodes{"n2", "n4", "n6"};
    const auto needs = devices_needed(deps, nodes);
    ASSERT_EQ(needs.size(), 2U);
    EXPECT_EQ(needs[0].device, "ibswitch");
    EXPECT_EQ(needs[0].nodes, (std::vector<std::string>{"n2", "n4"}));
    EXPECT_EQ(needs[1].device, "pdu");
    EXPECT_EQ(needs[1].nodes, (std::vector<std::string>{"n4"}));
    EXPECT_TRUE(devices_needed(deps, std::vector<std::string>{"n6"}).empty());
}

TEST(Dependencies, ASharedDeviceGoesOffOnlyWhenEveryGroupHasSleptItsOffAfter) {
    // ibswitch serves two groups: n1-n2 after 10 minutes, n3 after 1 minute.
    const std::vector deps{dependency("ibswitch", {"n1", "n2"}, minutes(10)),
                           dependency("ibswitch", {"n3"}, minutes(1)), dependency("fan", {"n3"}, minutes(1))};
    std::map<std::string, std::int64_t> asleep{{"n1", 0}, {"n2", 0}, {"n3", 0}};
    auto since = [&](const std::string& node) -> std::optional<std::int64_t> {
        const auto it = asleep.find(node);
        return it == asleep.end() ? std::nullopt : std::optional(it->second);
    };
    const std::int64_t minute = 60'000;
    EXPECT_TRUE(devices_idle(deps, since, 30'000).empty());
    EXPECT_EQ(devices_idle(deps, since, 5 * minute), (std::vector<std::string>{"fan"}));
    EXPECT_EQ(devices_idle(deps, since, 10 * minute), (std::vector<std::string>{"ibswitch", "fan"}));
    asleep.erase("n2");  // n2 woke: its group needs the switch
    EXPECT_EQ(devices_idle(deps, since, 60 * minute), (std::vector<std::string>{"fan"}));
}

}  // namespace
}  // namespace slumber::engine
