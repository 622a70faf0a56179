// The JSON of doctor's report: `slumber doctor --json` prints it.
#pragma once

#include <nlohmann/json.hpp>

#include "service/doctor.hpp"

namespace slumber::service {

/// {"config": path, "slurm_conf": path or null, "errors", "warnings",
///  "advice": counts, "findings": [{"severity": "error"|"warning"|"advice",
///  "check": kChecks' id, "what", "file" (null when none), "line" (0: the
///  whole file), "fix", "paste" (null when the fix is no slurm.conf line),
///  "nodes": [names]}]}.
nlohmann::json to_json(const DoctorReport& report);

}  // namespace slumber::service
