// GET /api/overview: what the dashboard shows beside the nodes and that
// neither `slumber status --json` nor the journal carries: Slurm's
// ResumeTimeout (the line the boot durations are drawn against), the
// devices with the nodes that depend on them, and the energy readings once
// the daemon samples power.
#pragma once

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "web/metrics.hpp"

namespace slumber::web {

/// {"resume_timeout_ms": ms or null (slurm.conf does not say, or cannot
/// be read), "devices": [{"name", "driver", "power" (as status's POWER
/// column; "-" when not read), "off_after_ms" (the longest of its
/// [[dependency]]s; null without one), "nodes": [names, in the
/// configuration's order]}], "energy": [{"node", "watts" (null without a
/// reading), "joules", "saved_joules" (net: the saved counter less the
/// switching cost, as `slumber report` gives it)}], "thermal_hold": why
/// power-ons are held or null, "slurm_up": whether Slurm answered the shared
/// look the nodes come from (slumber_slurm_up)}. No address or credentials:
/// the page needs none.
nlohmann::json overview_json(const config::Config& config, const MetricsSnapshot& snapshot,
                             std::optional<std::chrono::seconds> resume_timeout);

}  // namespace slumber::web
