#include "operate/first_seen.hpp"

#include <fmt/format.h>

#include <optional>

namespace slumber::operate {
namespace {

// What Slurm shows of the node's power, if it settles its phase.
std::optional<power::Action> seen_power(const slurm::NodeState& node) {
    if (node.powering_up() || node.has("POWERING_DOWN")) return std::nullopt;
    if (node.powered_down()) return power::Action::off;
    if (node.responding() && node.base != "DOWN" && node.base != "UNKNOWN") return power::Action::on;
    return std::nullopt;
}

}  // namespace

std::expected<int, std::string> journal_first_seen(store::Journal& journal, const config::Config& config,
                                                   const std::vector<slurm::NodeState>& nodes, store::TimeMs now) {
    auto known = journal.nodes_with_phase_rows();
    if (!known) return std::unexpected(known.error());
    std::vector<store::Event> events;
    for (const slurm::NodeState& node : nodes) {
        if (config.find(node.name) == nullptr || known->contains(node.name)) continue;
        const auto power = seen_power(node);
        if (!power) continue;
        events.push_back({0, now, node.name, std::nullopt, store::EventKind::first_seen,
                          fmt::format("first seen by the daemon: {} in Slurm ({})",
                                      *power == power::Action::on ? "up" : "powered down", node.state_text()),
                          std::nullopt, *power});
    }
    if (events.empty()) return 0;
    if (auto recorded = journal.record_all(events); !recorded) return std::unexpected(recorded.error());
    return static_cast<int>(events.size());
}

}  // namespace slumber::operate
