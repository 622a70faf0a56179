// The power phase of a node the journal knows nothing of yet, from Slurm's
// view at the daemon's first look: a node up since before slumber watched
// it has no row that moves its phase (engine/power_phase.hpp) until its
// first suspend, and its meter's readings until then counted for no phase.
// Its measured draw up was then unknown, and what sleeping it saved was
// reckoned against [simulate]'s idle figure (95 W) rather than its own
// (a tester's node read 180 W). docs/energy.md says it for the user.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "slurm/node_state.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// Journals a `first-seen` event (store::EventKind::first_seen) for each
/// node of `config` that `nodes` (Slurm's view) lists and that has no row
/// of store::kPhaseEventKinds: action `on` for a node up (responding, not
/// powered down or on its way up or down), `off` for one powered down and
/// not on its way up. A node in neither state gets none: its phase starts
/// with the next row that moves it. The daemon calls it once a start and
/// after each reload.
/// Returns how many it journaled; an error is the journal's.
std::expected<int, std::string> journal_first_seen(store::Journal& journal, const config::Config& config,
                                                   const std::vector<slurm::NodeState>& nodes, store::TimeMs now);

}  // namespace slumber::operate
