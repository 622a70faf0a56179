#include "web/overview.hpp"

#include <algorithm>

namespace slumber::web {
namespace {

nlohmann::json device_json(const config::Config& config, const MetricsSnapshot& snapshot,
                           const config::PowerTarget& device) {
    nlohmann::json nodes = nlohmann::json::array();
    std::optional<util::Duration> off_after;
    for (const config::Dependency& dependency : config.dependencies) {
        if (dependency.device != device.name) continue;
        for (const std::string& node : dependency.nodes) {
            if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) nodes.push_back(node);
        }
        off_after = std::max(off_after.value_or(util::Duration{0}), dependency.off_after);
    }
    std::string power = "-";
    for (const service::NodeView& view : snapshot.devices.nodes) {
        if (view.name == device.name) power = view.power.text();
    }
    return {{"name", device.name},
            {"driver", device.driver},
            {"power", power},
            {"off_after_ms", off_after ? nlohmann::json(off_after->count()) : nlohmann::json(nullptr)},
            {"nodes", std::move(nodes)}};
}

}  // namespace

nlohmann::json overview_json(const config::Config& config, const MetricsSnapshot& snapshot,
                             std::optional<std::chrono::seconds> resume_timeout) {
    nlohmann::json devices = nlohmann::json::array();
    for (const config::PowerTarget& device : config.devices) devices.push_back(device_json(config, snapshot, device));
    nlohmann::json energy = nlohmann::json::array();
    for (const EnergyReading& reading : snapshot.energy) {
        energy.push_back({{"node", reading.node},
                          {"watts", reading.watts ? nlohmann::json(*reading.watts) : nlohmann::json(nullptr)},
                          {"joules", reading.joules},
                          {"saved_joules", reading.saved_joules - reading.switching_joules}});
    }
    const auto timeout_ms =
        resume_timeout ? nlohmann::json(std::chrono::milliseconds(*resume_timeout).count()) : nlohmann::json(nullptr);
    return {{"resume_timeout_ms", timeout_ms},
            {"devices", std::move(devices)},
            {"energy", std::move(energy)},
            {"thermal_hold", snapshot.thermal_hold ? nlohmann::json(*snapshot.thermal_hold) : nlohmann::json(nullptr)},
            {"slurm_up", snapshot.slurm_up}};
}

}  // namespace slumber::web
