#include "service/node_view_json.hpp"

#include "slurm/dialect.hpp"

namespace slumber::service {

nlohmann::json to_json(const store::Block& block) {
    return {{"action", block.action ? nlohmann::json(power::to_string(*block.action)) : nlohmann::json("every")},
            {"kind", power::to_string(block.kind)},
            {"error", block.words},
            {"since_ms", block.since},
            {"met_by", block.source}};
}

nlohmann::json to_json(const NodeView& node) {
    nlohmann::json item{{"node", node.name},
                        {"slurm", node.slurm ? node.slurm->state_text() : std::string("?")},
                        {"power", node.power.text()}};
    if (!node.disagreement.empty()) item["disagreement"] = node.disagreement;
    if (node.slurm) {
        item["reason"] = node.slurm->reason;
        item["sinfo"] = slurm::sinfo_state(*node.slurm);
    }
    if (node.last_request) {
        const store::Request& request = *node.last_request;
        item["last_request"] = {{"action", power::to_string(request.action)},
                                {"source", store::to_string(request.source)},
                                {"time_ms", request.time},
                                {"state", store::to_string(request.state)},
                                {"outcome", request.outcome}};
    }
    for (const store::Block& block : node.blocks) item["blocked"].push_back(to_json(block));
    if (node.boots) {
        item["boots"] = {{"count", node.boots->count},
                         {"median_ms", node.boots->median_ms},
                         {"p95_ms", node.boots->p95_ms},
                         {"max_ms", node.boots->max_ms},
                         {"recent_max_ms", node.boots->recent_max_ms}};
    }
    if (node.phase) {
        item["phase"] = {{"name", engine::to_string(node.phase->phase)}, {"since_ms", node.phase->since}};
    }
    return item;
}

nlohmann::json to_json(const ClusterView& view) {
    nlohmann::json list = nlohmann::json::array();
    for (const NodeView& node : view.nodes) list.push_back(to_json(node));
    return list;
}

}  // namespace slumber::service
