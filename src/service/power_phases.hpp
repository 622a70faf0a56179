// Each node's power phase now (off, powering-on, booting, up, powering-off,
// failed), derived from its journal rows by engine::phase_timeline: the
// node view shows it, and the energy report and counters count time in each
// phase from the same rows (phase_row()), without a second store of state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/power_phase.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// The columns of `event` the phase reads: every reader of phases (the
/// node view, `slumber report`, the energy counters, the measured means)
/// builds its rows here, so that all derive the same timeline.
engine::PhaseRow phase_row(const store::Event& event);

/// The current phase and since when, for each of `nodes` whose journal rows
/// give one (a node with no power row yet has none). Reads the nodes'
/// events, oldest first; a journal error reads as no phases.
std::map<std::string, engine::PhaseChange> current_phases(const store::Journal& journal,
                                                          const std::vector<std::string>& nodes);

}  // namespace slumber::service
