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
//
// A look's cost grows with the cluster (0.2–0.25 CPU-seconds at 10,000
// nodes, scontrol's and the daemon's, bench/results/scale.md, and the
// routine BMC reads of sleeping nodes it starts), so the idle
// interval does too: it is stretched until idle looks cost at most
// kIdleLookShare of one core, which leaves room under issue 21's 1 % for
// slurmctld's share and everything else the daemon does while idle.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/recovery.hpp"

namespace slumber::engine {

/// The share of one core that looks at Slurm may cost while nothing is in
/// flux.
inline constexpr double kIdleLookShare = 0.005;

/// The longest interval between two looks: [daemon] idle_poll's upper bound.
inline constexpr TimeMs kLongestIdleMs = 600'000;

/// The intervals between two looks, in ms.
struct LookPace {
    TimeMs busy_ms = 2000;  ///< while something is in flux
    /// While nothing is ([daemon] idle_poll, 2 s–10 min).
    TimeMs idle_ms = 30000;

    /// The interval while nothing is in flux, for looks that cost
    /// `look_cpu_us` µs of CPU each: idle_ms, or as much longer as keeps
    /// the looks within kIdleLookShare of one core, up to kLongestIdleMs
    /// (or idle_ms, if that is longer).
    [[nodiscard]] TimeMs idle_for(std::int64_t look_cpu_us) const;
};

/// What a look at Slurm costs, from the last few measured: the least of
/// them, so that a look that did more than watch (journaled the nodes first
/// seen, recovered one) does not stretch the next idle interval, while a
/// cluster that grew stretches it within a few looks.
class LookCosts {
  public:
    /// Adds a look's CPU time (µs; util::work_cpu()'s difference across
    /// it, with the BMC reads it started).
    void add(std::int64_t cpu_us);
    /// The least of the last kKept looks' costs, in µs; 0 before the first.
    [[nodiscard]] std::int64_t cost_us() const;

  private:
    static constexpr std::size_t kKept = 3;
    std::array<std::int64_t, kKept> m_costs{};
    std::size_t m_added = 0;
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
