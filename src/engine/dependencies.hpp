// The planner's side of devices that nodes need before they boot ([[dependency]]
// in the configuration): which devices a set of nodes needs, and which devices
// may go off because every node of every group that needs them has slept for
// that group's off_after. Pure: the caller switches the devices and tells how
// long each node has slept.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace slumber::engine {

/// One group of nodes that needs a device (one [[dependency]] table).
struct DeviceGroup {
    std::string device;
    std::vector<std::string> nodes;
    /// How long every node of the group sleeps before the device may go off,
    /// in milliseconds (>= 0).
    std::int64_t off_after_ms = 0;
};

/// One device and the nodes among those asked for that need it.
struct DeviceNeed {
    std::string device;
    std::vector<std::string> nodes;

    bool operator==(const DeviceNeed&) const = default;
};

/// The devices `nodes` depend on, in the groups' order, each once, with the
/// nodes among `nodes` that need it (each once, in the order asked).
std::vector<DeviceNeed> devices_needed(std::span<const DeviceGroup> groups, std::span<const std::string> nodes);

/// Since when a node has slept, in milliseconds since the epoch; nullopt: awake.
using AsleepSince = std::function<std::optional<std::int64_t>(const std::string& node)>;

/// The devices every one of whose dependents (in every group that names the
/// device) has been asleep for its group's off_after at `now_ms`, in the
/// groups' order, each once.
std::vector<std::string> devices_idle(std::span<const DeviceGroup> groups, const AsleepSince& asleep_since,
                                      std::int64_t now_ms);

}  // namespace slumber::engine
