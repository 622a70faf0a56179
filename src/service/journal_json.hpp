// The JSON of the journal's events, written once: `slumber journal --json`
// prints it and the HTTP API will serve it, so both keep one schema.
#pragma once

#include <nlohmann/json.hpp>

#include "store/journal.hpp"

namespace slumber::service {

/// {"time_ms": Unix ms, "node" ("" for the cluster's own events), "request"
///  (its id, or null), "kind" (store::to_string(EventKind)), "detail", and
///  when the event has them: "outcome" (ok, error, refused), "action"
///  (power::to_string(Action)), "step" (a recovery step's word)}. Text is
///  kept as it came: a renderer escapes it for where it shows it.
nlohmann::json to_json(const store::Event& event);

}  // namespace slumber::service
