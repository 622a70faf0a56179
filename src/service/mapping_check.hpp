// `slumber doctor --verify-mapping`'s decisions, without I/O: which nodes
// may be powered on to prove that the BMC at each one's address is its own,
// and what Slurm's view says after one was (verify_mapping.hpp does the
// asking and the waiting).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/node_state.hpp"

namespace slumber::service {

/// Why Slurm's view of a node keeps --verify-mapping from powering it on,
/// in words; nothing when it may be. Only a node Slurm shows idle and
/// powered down (`idle~`) qualifies: no job, not drained, not in a
/// reservation, no power change under way or pending. NOT_RESPONDING does
/// not count: Slurm 22.05 leaves it on a node powered down by
/// POWER_DOWN_FORCE (sinfo shows `idle~`), and Slurm resumes such nodes.
std::optional<std::string> why_not_verifiable(const slurm::NodeState& node);

/// A node that was powered down when the check of another began, and the
/// boot time Slurm had for it then (Unix s).
struct Sleeper {
    std::string name;
    std::optional<std::int64_t> boot_time;
};

/// The powered-down nodes of `nodes` other than `checked`: those whose
/// machine a crossed BMC may start instead.
std::vector<Sleeper> sleepers(const std::vector<slurm::NodeState>& nodes, std::string_view checked);

enum class MappingVerdict {
    waiting,           ///< neither the node nor a sleeper has registered yet
    registered,        ///< the node registered with a boot after the power-up
    other_registered,  ///< a sleeper nobody asked for registered instead
};

struct MappingObservation {
    MappingVerdict verdict = MappingVerdict::waiting;
    std::string other;  ///< the sleeper that registered (other_registered)
};

/// Slurm's view `now` after `checked` was asked up at `asked_at` (Unix s).
/// A node registered when Slurm shows it up (not powered down, not
/// powering up, responding) with a boot time at or after asked_at (Slurm
/// keeps whole seconds: one second of slack). A sleeper registered when
/// its boot time is newer than it was and at or after asked_at; it counts
/// unless it is in `asked_elsewhere` (nodes Slurm or anyone else asked
/// slumber to power on since, which boot for their own reason). The
/// checked node's own registration wins when both show.
MappingObservation observe_mapping(std::string_view checked, std::int64_t asked_at, const std::vector<Sleeper>& before,
                                   const std::vector<slurm::NodeState>& now,
                                   const std::set<std::string>& asked_elsewhere);

}  // namespace slumber::service
