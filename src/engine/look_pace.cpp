#include "engine/look_pace.hpp"

#include <fmt/format.h>

#include <algorithm>

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

TimeMs LookPace::idle_for(std::int64_t look_cpu_us) const {
    // At kIdleLookShare of a core, a look of C ms of CPU may come every
    // C / kIdleLookShare ms.
    const auto needed =
        static_cast<TimeMs>(static_cast<double>(std::max<std::int64_t>(look_cpu_us, 0)) / 1000.0 / kIdleLookShare);
    return std::max(idle_ms, std::min(needed, kLongestIdleMs));
}

void LookCosts::add(std::int64_t cpu_us) {
    m_costs[m_added % kKept] = cpu_us;
    ++m_added;
}

std::int64_t LookCosts::cost_us() const {
    if (m_added == 0) return 0;
    const auto kept = std::min(m_added, kKept);
    return *std::min_element(m_costs.begin(), m_costs.begin() + static_cast<std::ptrdiff_t>(kept));
}

std::optional<std::string> first_in_flux(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy,
                                         TimeMs now) {
    for (const NodeFacts& node : nodes) {
        if (auto why = in_flux(node, policy, now)) return fmt::format("{}: {}", node.slurm.name, *why);
    }
    return std::nullopt;
}

}  // namespace slumber::engine
