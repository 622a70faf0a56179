// The daemon's energy counters (slumber_node_energy_joules_total and
// slumber_node_energy_saved_joules_total): after each sampling round, the
// energy of every node and device from the last round to this one,
// computed as `slumber report` computes it (energy_report(): measured where
// readings cover the time, [simulate]'s model or the node's measured means
// over the journal's history where none do), added to
// counters that start at 0 when the daemon starts and to the journal's
// running totals (store::EnergyTotal).
//
// Thread-safe: the sampler's worker advances them, the web server reads.
#pragma once

#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "service/energy_report.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// One target's counters since the daemon started.
struct EnergyCounter {
    std::string target;
    bool device = false;
    std::optional<double> watts;  ///< the last power reading (W); nothing before the first
    double joules = 0;            ///< used, J
    double measured_joules = 0;   ///< the part readings covered, J
    double saved_joules = 0;      ///< against never switching off, J (nodes; may go down: a boot costs)
    /// saved_joules split into the parts that only grow (nodes): what the
    /// stretches it drew less than the never-off node spared, and what the
    /// stretches it drew more cost (boots, shutdowns). saved_joules is
    /// saved_gross_joules - switching_joules; /metrics exports these two,
    /// as counters must never go down.
    double saved_gross_joules = 0;
    double switching_joules = 0;
};

class EnergyCounters {
  public:
    /// Counting starts at `start` (Unix ms): the daemon's start.
    explicit EnergyCounters(store::TimeMs start) : m_last(start) {}

    /// Adds the energy of every configured node and device from the last
    /// call (or the start) to `until`, records the increments in the
    /// journal, and takes each target's last power reading from `readings`
    /// (a round's). Does nothing when `until` is not later. Errors: the
    /// journal's; the counters are then left as they were, and the next
    /// call covers the time.
    std::expected<void, std::string> advance(store::Journal& journal, const config::Config& config, store::TimeMs until,
                                             const std::vector<store::Reading>& readings);

    /// Every target's counters, in the configuration's order as last seen.
    [[nodiscard]] std::vector<EnergyCounter> counters() const;

  private:
    mutable std::mutex m_guard;
    store::TimeMs m_last;
    /// The nodes' readings before m_last, per phase: their measured means.
    NodeReadings m_history;
    std::vector<std::string> m_order;
    std::map<std::string, EnergyCounter> m_counters;
};

}  // namespace slumber::service
