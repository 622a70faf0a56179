#include "engine/look_pace.hpp"

#include <fmt/format.h>

namespace slumber::engine {

std::optional<std::string> in_flux(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    const slurm::NodeState& state = node.slurm;
    if (state.powering_up()) return "powering up";
    if (state.has("POWERING_DOWN")) return "powering down";
    if (state.has("POWER_DOWN")) return "power down asked";
    if (slurm::rebooting(state)) return "rebooting";
    if (node.request_open) return "a power request in flight";
    // Registration ends a boot: its time is the boot's duration.
    if (node.booting_since) return "booting";
    if (failed_boot_now(node) && node.failed_at && now - *node.failed_at < policy.late_boot_grace_ms) {
        return "may still register after a failed boot";
    }
    if (node.last_recovery && now - *node.last_recovery < 2 * policy.settle_ms) return "recovery acted on it";
    if (node.on_while_asleep_since) return "on at its BMC while Slurm counts it asleep";
    return std::nullopt;
}

std::optional<std::string> first_in_flux(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy,
                                         TimeMs now) {
    for (const NodeFacts& node : nodes) {
        if (auto why = in_flux(node, policy, now)) return fmt::format("{}: {}", node.slurm.name, *why);
    }
    return std::nullopt;
}

}  // namespace slumber::engine
