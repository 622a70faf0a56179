// `slumber report`: the energy a cluster's nodes used and saved, and the
// boots that cost it, over a span of the journal — the numbers a site puts
// in a slide. Computed from the journal's rows (events, boots, readings) by
// engine::integrate(), with [simulate]'s figures as the model where no
// reading covers the time (docs/energy.md).
#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/energy.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// [simulate]'s figures as the energy model (sim::PowerModel's defaults
/// where unset): off_watts, idle_watts, boot_energy / boot_time and
/// shutdown_energy / shutdown_time.
engine::EnergyModel energy_model(const config::SimulationSettings& settings);

/// The model in words, for a report and a metric's HELP: "never-off
/// baseline: idle 95 W; model ([simulate]): off 9.75 W, boot 125.2 W,
/// shutdown 103.3 W, idle 95 W; measured where readings cover the time".
std::string describe(const engine::EnergyModel& model);

/// How far apart two readings may be and still measure the time between
/// them: three [energy] intervals (3 min when sampling is off).
store::TimeMs max_reading_gap(const config::EnergySettings& settings);

struct NodeEnergy {
    std::string node;
    engine::EnergyAccount energy;
    engine::EnergyModel model;  ///< [simulate]'s, with this node's measured means (over the journal's history)
    int boots = 0;              ///< power-ons journaled as boots in the span
    /// Those that registered: from power-on to slurmd's registration (ms).
    std::vector<store::TimeMs> boot_ms;
    int failed_resumes = 0;  ///< resume-failed events (ResumeTimeout, the boot deadline)
    int power_cycles = 0;    ///< power cycles carried out that worked
};

/// A device (a switch on a metered plug): measured energy only, since the
/// model is a node's; and how long it was on.
struct DeviceEnergy {
    std::string device;
    engine::EnergyAccount energy;
    store::TimeMs on_ms = 0;  ///< switched on (not off, not yet switched) by its journal
};

struct EnergyReport {
    store::TimeMs since = 0;  ///< ms since the epoch
    store::TimeMs until = 0;
    /// Where the journal's knowledge starts: its first row in the span
    /// (an event or a reading), `since` when it is older, `until` when the
    /// span holds none.
    store::TimeMs known_since = 0;
    std::vector<NodeEnergy> nodes;  ///< in the order asked
    std::vector<DeviceEnergy> devices;
    engine::EnergyAccount total;  ///< the nodes'
    engine::EnergyModel model;    ///< [simulate]'s, before any measured mean
    double price_per_kwh = 0;     ///< [energy]; 0: no cost
    std::string currency;
    [[nodiscard]] double cost(double joules) const { return engine::kwh(joules) * price_per_kwh; }
    /// The share (0–1) of the time the journal knows (known_since to until)
    /// that readings measured, for one node's `energy`, or for the total of
    /// `node_count` nodes (their measured time over as many times that). Of
    /// the time it knows, not of the span: a journal an hour old cannot have
    /// measured 4 % of a day and no more. The text's "measured" column and
    /// the JSON's "measured_share".
    [[nodiscard]] double measured_share(const engine::EnergyAccount& energy, std::size_t node_count = 1) const;
};

/// Each node's readings summed per phase, by name: the measured means a
/// node is charged at (its never-off draw among them) come from these.
using NodeReadings = std::map<std::string, engine::PhaseReadings>;

/// The readings of `nodes` timed before `until`, from the journal's whole
/// history (as far back as [daemon] journal_keep keeps them). Errors: the
/// journal's.
store::DbResult<NodeReadings> readings_before(const store::Journal& journal, const std::vector<std::string>& nodes,
                                              store::TimeMs until);

/// The report of `nodes` and `devices` from `since` to `until` (ms) from
/// the journal's rows. Each node is charged at [simulate]'s figures, or at
/// its measured means over the journal's history up to `until` where it
/// has kMeasuredMeanSamples readings in a phase. Errors: the journal's.
store::DbResult<EnergyReport> energy_report(const store::Journal& journal, const config::Config& config,
                                            const std::vector<std::string>& nodes,
                                            const std::vector<std::string>& devices, store::TimeMs since,
                                            store::TimeMs until);

/// The same, for one who reports span after span (the daemon's counters):
/// `history` holds the nodes' readings before `since` (readings_before(),
/// then what earlier calls added) and gets the span's added, so that the
/// journal's history is read once rather than every few seconds. A node
/// missing from it is read from the journal.
store::DbResult<EnergyReport> energy_report(const store::Journal& journal, const config::Config& config,
                                            const std::vector<std::string>& nodes,
                                            const std::vector<std::string>& devices, store::TimeMs since,
                                            store::TimeMs until, NodeReadings& history);

struct ReportError {
    std::vector<config::ConfigError> config;  ///< the file does not load
    std::string words;                        ///< else why the journal could not be read, or the unknown targets
    bool unknown_targets = false;             ///< targets neither the file nor its journal knows (a usage error)
};

/// The report from the journal of the configuration `file` (loaded without
/// credentials, the journal opened read-only). `targets` empty: every
/// configured node and device; else those named, each once however often
/// (nodes, devices, or names only the journal knows, counted as nodes). A
/// name neither knows is an error (unknown_targets): a report must not
/// invent a node's energy.
std::expected<EnergyReport, ReportError> energy_report(const std::filesystem::path& file,
                                                       const std::vector<std::string>& targets, store::TimeMs since,
                                                       store::TimeMs until);

}  // namespace slumber::service
