// The JSON of an admin's power outcomes, written once: `slumber power
// --json` prints it and the HTTP API will serve it, so both keep one schema.
#pragma once

#include <nlohmann/json.hpp>

#include "power/executor.hpp"

namespace slumber::service {

/// {"target", "action" (power::to_string(Action)), "ok", "confirmed",
///  "attempts", "elapsed_ms", and "state" (power::to_string(PowerState)
///  for a status read or a confirmed change, else null) when it worked,
///  "error" {"kind" (ErrorKind's name), "message", "bmc_said"} when not}.
///  Text from devices is kept as it came: a renderer escapes it for where
///  it shows it.
nlohmann::json to_json(power::Action action, const power::Outcome& outcome);

}  // namespace slumber::service
