// Gathers what /metrics and the JSON API serve, on the web server's own
// threads: the node view (service::view_nodes, which asks Slurm once and no
// controller: the BMC power states are those the daemon's loop read and
// published here), and the journal read through read-only connections of
// its own. Nothing here touches the daemon loop's objects.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "config/config.hpp"
#include "operate/clock.hpp"
#include "service/node_view.hpp"
#include "store/journal.hpp"
#include "web/metrics.hpp"

namespace slumber::web {

/// Counts the journal's power actions, their failures and the recovery
/// steps since `start` (Unix ms), reading only the events added since the
/// last update().
class JournalCounter {
  public:
    explicit JournalCounter(store::TimeMs start) : m_start(start) {}
    /// Reads the new events and the boots; an error leaves the counts as
    /// they were.
    store::DbResult<void> update(const store::Journal& journal);
    [[nodiscard]] const JournalCounts& counts() const { return m_counts; }
    /// The latest registered boot of each node, seconds (all the journal keeps).
    [[nodiscard]] const std::map<std::string, double>& last_boots() const { return m_last_boots; }

  private:
    void count(const store::Event& event);
    store::TimeMs m_start;
    store::TimeMs m_cursor = 0;  ///< the newest event time seen
    std::int64_t m_last_id = 0;  ///< the highest event id counted
    JournalCounts m_counts;
    std::map<std::string, double> m_last_boots;
};

/// The error kind a failed power event's words name (power::describe()
/// begins with the kind's summary): "unknown" when none does. The journal
/// stores the outcome, not the kind, of a failed call.
std::string error_kind_in(std::string_view detail);

/// The energy counters (service::EnergyCounters in the daemon): called
/// on a web thread, so it must be thread-safe. Empty: no energy series.
using EnergySource = std::function<std::vector<EnergyReading>()>;

/// One look at everything, shared by the requests of a few seconds: a page
/// polled by many clients asks Slurm once per `max_age`, however many ask,
/// and never a controller.
class Collector {
  public:
    Collector(config::SharedConfig config, std::string version, EnergySource energy, std::chrono::milliseconds max_age,
              const operate::Now& now = operate::wall_clock_ms);
    /// The configuration in force after a reload (the daemon calls it).
    void reconfigure(config::SharedConfig config);
    /// The daemon's latest BMC reads (operate::Reconciler::latest_reads()),
    /// after each pass: what the snapshots show as each node's power. Until
    /// the first, and for a node not in them, the power is not known.
    void publish_bmc_reads(std::shared_ptr<const service::PublishedReads> reads);
    /// Why the thermal guard holds power-ons, or nullopt (the daemon
    /// calls it after each pass).
    void publish_thermal_hold(std::optional<std::string> hold);
    /// What publish_thermal_hold() last said.
    [[nodiscard]] std::optional<std::string> thermal_hold() const;
    /// The latest snapshot, taken anew when it is older than max_age. It
    /// never asks a BMC.
    std::shared_ptr<const MetricsSnapshot> snapshot();
    /// The configuration in force.
    [[nodiscard]] config::SharedConfig config() const;

  private:
    MetricsSnapshot take(const config::Config& config);
    mutable std::mutex m_config_mutex;
    config::SharedConfig m_config;
    std::shared_ptr<const service::PublishedReads> m_reads;  ///< under m_config_mutex
    std::optional<std::string> m_thermal_hold;               ///< under m_config_mutex
    std::string m_version;
    EnergySource m_energy;
    std::chrono::milliseconds m_max_age;
    operate::Now m_now;
    std::mutex m_take_mutex;  ///< one look at a time; held while taking
    JournalCounter m_counter;
    std::shared_ptr<const MetricsSnapshot> m_latest;
    std::chrono::steady_clock::time_point m_taken{};
};

}  // namespace slumber::web
