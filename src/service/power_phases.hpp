// Each node's power phase now (off, powering-on, booting, up, powering-off,
// failed), derived from its journal rows by engine::phase_timeline: the
// node view shows it, and metrics will count time in each phase from the
// same rows, without a second store of state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/power_phase.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// The current phase and since when, for each of `nodes` whose journal rows
/// give one (a node with no power row yet has none). Reads the nodes'
/// events, oldest first; a journal error reads as no phases.
std::map<std::string, engine::PhaseChange> current_phases(const store::Journal& journal,
                                                          const std::vector<std::string>& nodes);

}  // namespace slumber::service
