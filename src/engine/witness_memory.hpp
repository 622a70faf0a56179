// What the daemon remembers of one managed node for the crossed-address
// check (engine/crossed.hpp), pass after pass, and its words in the journal
// (store::Journal::save_watch_memory): a restart of the daemon between a
// power change of slumber's and its effect would otherwise forget what the
// node was before (a tester's: a node restarted by a power cycle through a
// crossed address, seen only with its new boot after the restart, was taken
// for its own).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "engine/crossed.hpp"

namespace slumber::engine {

/// Times are Unix ms.
struct WitnessMemory {
    std::optional<TimeMs> asleep_at;  ///< last seen asleep (IDLE+POWERED_DOWN)
    /// Seen powering up or rebooting by Slurm since it was last seen asleep.
    bool asked_up = false;
    /// Seen powering up or rebooting by Slurm since it was last seen up.
    bool asked_since_up = false;
    std::optional<UnaskedWake> woke_unasked;
    std::optional<TimeMs> seen_up_at;
    std::optional<TimeMs> seen_up_boot_ms;
    std::optional<TimeMs> silent_since;
    std::optional<TimeMs> dark_since;
    /// Last seen being powered up by Slurm (POWERING_UP).
    std::optional<TimeMs> powering_up_at;
    /// Power changes before this are not judged (a block just lifted).
    TimeMs judged_from = 0;

    bool operator==(const WitnessMemory&) const = default;
};

/// Adds one look at `node` (Slurm's view of it at `now`, Unix ms) to what
/// is remembered of it: asleep, asked up by Slurm, up (and whether it
/// booted unasked: from sleep, or its machine restarted under it; or, not
/// up, whether it registered a boot since it was seen asleep), silent,
/// dark. The crossed-address watch looks at every pass (the daemon's, and a
/// hook's carrier's around its batches when no daemon runs); an admin's
/// `slumber power` looks after its switches (operate::remember_without_daemon()).
void remember(WitnessMemory& memory, const slurm::NodeState& node, TimeMs now);

/// The memory as one line of JSON, what witness_memory_from() reads.
std::string witness_memory_words(const WitnessMemory& memory);

/// Reads witness_memory_words()'s line. Errors: not JSON, or a field of the
/// wrong type or out of range (a negative time, an unknown `from`), named.
/// Fields it does not know are ignored (a newer slumber's).
std::expected<WitnessMemory, std::string> witness_memory_from(std::string_view words);

}  // namespace slumber::engine
