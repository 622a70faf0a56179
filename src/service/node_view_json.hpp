// The JSON of the node view, written once: `slumber status --json` prints it
// and the HTTP API serves it, so both keep one schema.
#pragma once

#include <nlohmann/json.hpp>

#include "service/node_view.hpp"

namespace slumber::service {

/// {"action": "on"|…|"every", "kind": ErrorKind's name, "error": words,
///  "since_ms": Unix ms, "met_by": who met the failure}
nlohmann::json to_json(const store::Block& block);

/// {"node", "slurm" (Slurm's state, "?" when unknown), "power"
///  (PowerReading::text()), and when known: "disagreement", "reason",
///  "sinfo" ("idle~", as sinfo %t prints it), "last_request" {action,
///  source, time_ms, state, outcome}, "blocked" [to_json(Block)…], "boots"
///  {count, median_ms, p95_ms, max_ms}}. Text from Slurm and devices is
///  kept as it came: a renderer escapes it for where it shows it.
nlohmann::json to_json(const NodeView& node);

/// The nodes' objects, in order.
nlohmann::json to_json(const ClusterView& view);

}  // namespace slumber::service
