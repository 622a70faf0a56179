// The JSON of `slumber report --json`, written once, so that the HTTP API
// can serve the same schema.
#pragma once

#include <nlohmann/json.hpp>

#include "service/energy_report.hpp"

namespace slumber::service {

/// {"since_ms", "until_ms", "known_since_ms" (Unix ms; the journal's first
///  row in the span, EnergyReport::known_since), "model" {"off_watts", "idle_watts",
///  "boot_watts", "shutdown_watts", "description"}, "price_per_kwh",
///  "currency", "total" {energy…}, "nodes" [{"node", energy…, "boots",
///  "boot_ms" [ms…], "failed_resumes", "power_cycles", "model" {…}}],
///  "devices" [{"device", "used_kwh", "measured_kwh", "on_hours"}]}, where
///  energy is "used_kwh", "measured_kwh", "saved_kwh", "saved_gross_kwh",
///  "switching_kwh" (saved_kwh = saved_gross_kwh - switching_kwh), "never_off_kwh",
///  "measured_share" (0–1: the share of the time the journal knows, from
///  known_since_ms to until_ms, that readings measured, as the text's
///  "measured" column; the total's over all its nodes' time:
///  EnergyReport::measured_share), "hours" {phase: hours…},
///  "unknown_hours", and with a price "used_cost", "saved_cost".
nlohmann::json to_json(const EnergyReport& report);

}  // namespace slumber::service
