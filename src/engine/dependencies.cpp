#include "engine/dependencies.hpp"

#include <algorithm>
#include <map>

namespace slumber::engine {

std::vector<DeviceNeed> devices_needed(std::span<const DeviceGroup> groups, std::span<const std::string> nodes) {
    std::vector<DeviceNeed> needs;
    for (const DeviceGroup& group : groups) {
        std::vector<std::string> dependents;
        for (const std::string& node : nodes) {
            if (std::find(group.nodes.begin(), group.nodes.end(), node) != group.nodes.end())
                dependents.push_back(node);
        }
        if (dependents.empty()) continue;
        auto it = std::find_if(needs.begin(), needs.end(),
                               [&](const DeviceNeed& need) { return need.device == group.device; });
        if (it == needs.end()) it = needs.insert(needs.end(), {group.device, {}});
        for (std::string& node : dependents) {
            if (std::find(it->nodes.begin(), it->nodes.end(), node) == it->nodes.end())
                it->nodes.push_back(std::move(node));
        }
    }
    return needs;
}

std::vector<std::string> devices_idle(std::span<const DeviceGroup> groups, const AsleepSince& asleep_since,
                                      std::int64_t now_ms) {
    std::map<std::string, bool> idle;  // device -> every group so far idle
    std::vector<std::string> order;
    for (const DeviceGroup& group : groups) {
        if (!idle.contains(group.device)) order.push_back(group.device);
        const auto [it, first] = idle.try_emplace(group.device, true);
        for (const std::string& node : group.nodes) {
            const auto since = asleep_since(node);
            if (!since || now_ms - *since < group.off_after_ms) it->second = false;
        }
    }
    std::vector<std::string> devices;
    for (const std::string& device : order) {
        if (idle[device]) devices.push_back(device);
    }
    return devices;
}

}  // namespace slumber::engine
