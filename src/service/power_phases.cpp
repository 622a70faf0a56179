#include "service/power_phases.hpp"

namespace slumber::service {

engine::PhaseRow phase_row(const store::Event& event) {
    return {event.time, event.kind, event.outcome, event.action, event.request};
}

std::map<std::string, engine::PhaseChange> current_phases(const store::Journal& journal,
                                                          const std::vector<std::string>& nodes) {
    std::map<std::string, std::vector<engine::PhaseRow>> rows;
    for (const store::Event& event : journal.events(nodes, 0).value_or(std::vector<store::Event>{})) {
        if (event.node.empty()) continue;  // about the cluster, not a node
        rows[event.node].push_back(phase_row(event));
    }
    std::map<std::string, engine::PhaseChange> phases;
    for (const auto& [node, node_rows] : rows) {
        const std::vector<engine::PhaseChange> timeline = engine::phase_timeline(node_rows);
        if (!timeline.empty()) phases[node] = timeline.back();
    }
    return phases;
}

}  // namespace slumber::service
