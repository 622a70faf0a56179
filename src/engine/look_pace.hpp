// How often the daemon looks at Slurm. Each look is `scontrol show node` of
// the whole cluster: at 10,000 nodes, 5.9 MB of text that scontrol prints
// and the daemon parses (issue 21 measured 8 % of a core at a look every
// 2 s). Most of the time nothing moves, and what starts a change reaches
// the daemon without a look: Slurm runs a hook, which wakes it. So the
// daemon looks every couple of seconds only while something is in flux,
// which times boots well and catches a late one before Slurm suspends it
// again, and seldom otherwise. What then shows late is what nothing
// announces: a node that rebooted by itself, one whose power was lost, an
// admin's drain or resume; each is seen within the idle interval.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/recovery.hpp"

namespace slumber::engine {

/// The intervals between two looks, in ms.
struct LookPace {
    TimeMs busy_ms = 2000;  ///< while something is in flux
    /// While nothing is ([daemon] idle_poll, 2 s–10 min).
    TimeMs idle_ms = 30000;
};

/// Why this node needs the daemon's next look soon, in words
/// ("powering up"); nothing when it may wait for the idle interval. In flux:
/// Slurm changing its power (POWERING_UP, POWERING_DOWN, POWER_DOWN asked,
/// REBOOT_REQUESTED or REBOOT_ISSUED, scontrol(1)); a request of slumber's
/// in flight; a boot of slumber's not registered yet; a failed boot still
/// within `policy.late_boot_grace_ms`; recovery's last step on it less than
/// twice `policy.settle_ms` ago; its BMC found on while Slurm counts it
/// asleep (the late_off_grace clock runs).
std::optional<std::string> in_flux(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now);

/// The first node in flux, as "NODE: why"; nothing when none is.
std::optional<std::string> first_in_flux(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now);

}  // namespace slumber::engine
