#include "service/mapping_check.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace slumber::service {
namespace {

// Slurm's boot times are whole seconds; a boot in the request's second counts.
constexpr std::int64_t kSlackSeconds = 1;

bool booted_since(const std::optional<std::int64_t>& boot_time, std::int64_t since) {
    return boot_time && *boot_time >= since - kSlackSeconds;
}

const slurm::NodeState* find(const std::vector<slurm::NodeState>& nodes, std::string_view name) {
    const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const slurm::NodeState& n) { return n.name == name; });
    return it == nodes.end() ? nullptr : &*it;
}

}  // namespace

std::optional<std::string> why_not_verifiable(const slurm::NodeState& node) {
    const std::string shown = node.state_text();
    if (node.running_jobs()) return fmt::format("Slurm shows it running a job ({})", shown);
    if (node.has("DRAIN"))
        return fmt::format("drained in Slurm ({}{})", shown, node.reason.empty() ? "" : ": " + node.reason);
    if (!node.reservation.empty() || node.has("RESERVED") || node.has("MAINTENANCE")) {
        return fmt::format("in a reservation ({}{})", shown,
                           node.reservation.empty() ? "" : ", ReservationName=" + node.reservation);
    }
    if (node.powering_up() || node.has("POWERING_DOWN") || node.has("POWER_DOWN") || node.has("REBOOT_REQUESTED") ||
        node.has("REBOOT_ISSUED")) {
        return fmt::format("a power change is under way or pending ({})", shown);
    }
    if (!node.powered_down()) return fmt::format("not powered down ({}): it may run a job at any moment", shown);
    if (node.base != "IDLE") return fmt::format("Slurm shows it {}, not idle", shown);
    return std::nullopt;
}

std::vector<Sleeper> sleepers(const std::vector<slurm::NodeState>& nodes, std::string_view checked) {
    std::vector<Sleeper> out;
    for (const slurm::NodeState& node : nodes) {
        if (node.name != checked && node.powered_down() && !node.powering_up()) {
            out.push_back({node.name, node.boot_time});
        }
    }
    return out;
}

MappingObservation observe_mapping(std::string_view checked, std::int64_t asked_at, const std::vector<Sleeper>& before,
                                   const std::vector<slurm::NodeState>& now,
                                   const std::set<std::string>& asked_elsewhere) {
    if (const slurm::NodeState* node = find(now, checked); node != nullptr && !node->powered_down() &&
                                                           !node->powering_up() && node->responding() &&
                                                           booted_since(node->boot_time, asked_at)) {
        return {MappingVerdict::registered, ""};
    }
    for (const Sleeper& sleeper : before) {
        if (asked_elsewhere.contains(sleeper.name)) continue;
        const slurm::NodeState* node = find(now, sleeper.name);
        if (node == nullptr || node->powering_up()) continue;
        const bool newer = !sleeper.boot_time || (node->boot_time && *node->boot_time > *sleeper.boot_time);
        if (newer && booted_since(node->boot_time, asked_at)) return {MappingVerdict::other_registered, sleeper.name};
    }
    return {};
}

}  // namespace slumber::service
