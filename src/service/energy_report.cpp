#include "service/energy_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "hostlist/hostlist.hpp"
#include "service/journal_events.hpp"
#include "service/power_phases.hpp"
#include "sim/power_model.hpp"

namespace slumber::service {
namespace {

double per_second(double joules, std::int64_t seconds) {
    return seconds > 0 ? joules / static_cast<double>(seconds) : 0;
}

std::int64_t whole_seconds(util::Duration duration) {
    return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
}

// One target's rows, gathered from the journal's.
struct Rows {
    std::vector<engine::PhaseRow> phases;
    std::vector<engine::PowerSample> samples;
};

std::map<std::string, Rows> rows_of(const std::vector<store::Event>& events,
                                    const std::vector<store::Reading>& readings) {
    std::map<std::string, Rows> rows;
    for (const store::Event& event : events) {
        if (!event.node.empty()) rows[event.node].phases.push_back(phase_row(event));
    }
    for (const store::Reading& reading : readings) {
        if (reading.watts) rows[reading.target].samples.push_back({reading.time, *reading.watts});
    }
    return rows;
}

bool within(store::TimeMs time, store::TimeMs since, store::TimeMs until) { return time >= since && time < until; }

void count_events(const std::vector<store::Event>& events, store::TimeMs since, store::TimeMs until,
                  std::map<std::string, NodeEnergy*>& by_node) {
    for (const store::Event& event : events) {
        const auto it = by_node.find(event.node);
        if (it == by_node.end() || !within(event.time, since, until)) continue;
        if (event.kind == store::EventKind::resume_failed) ++it->second->failed_resumes;
        if (event.kind == store::EventKind::power_cycle && event.outcome == store::OutcomeKind::ok) {
            ++it->second->power_cycles;
        }
    }
}

}  // namespace

double EnergyReport::measured_share(const engine::EnergyAccount& energy, std::size_t node_count) const {
    if (node_count == 0) return 0;
    const store::TimeMs known = std::max<store::TimeMs>(1, until - known_since);
    const double share =
        static_cast<double>(energy.measured_ms) / (static_cast<double>(known) * static_cast<double>(node_count));
    return std::min(1.0, share);
}

engine::EnergyModel energy_model(const config::SimulationSettings& settings) {
    const sim::PowerModel defaults;
    const std::int64_t boot_s = settings.boot_time ? whole_seconds(*settings.boot_time) : defaults.boot_seconds;
    const std::int64_t shutdown_s =
        settings.shutdown_time ? whole_seconds(*settings.shutdown_time) : defaults.shutdown_seconds;
    return engine::EnergyModel{
        .off_watts = settings.off_watts.value_or(defaults.off_watts),
        .idle_watts = settings.idle_watts.value_or(defaults.idle_watts),
        .boot_watts = per_second(settings.boot_joules.value_or(defaults.boot_joules), boot_s),
        .shutdown_watts = per_second(settings.shutdown_joules.value_or(defaults.shutdown_joules), shutdown_s),
    };
}

std::string describe(const engine::EnergyModel& model) {
    return fmt::format(
        "saved against never switching off (idle {:.4g} W); where no reading covers the time, "
        "[simulate]'s model: off {:.4g} W, booting {:.4g} W, powering off {:.4g} W, up {:.4g} W",
        model.idle_watts, model.off_watts, model.boot_watts, model.shutdown_watts, model.idle_watts);
}

store::TimeMs max_reading_gap(const config::EnergySettings& settings) {
    const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(settings.interval).count();
    return interval > 0 ? 3 * interval : 180'000;
}

store::DbResult<NodeReadings> readings_before(const store::Journal& journal, const std::vector<std::string>& nodes,
                                              store::TimeMs until) {
    NodeReadings out;
    if (nodes.empty()) return out;
    auto events = journal.events(nodes, 0);
    if (!events) return std::unexpected(events.error());
    auto readings = journal.readings(nodes, 0, until);
    if (!readings) return std::unexpected(readings.error());
    std::map<std::string, Rows> rows = rows_of(*events, *readings);
    for (const std::string& node : nodes) {
        const Rows& own = rows[node];
        out[node].add(engine::phase_timeline(own.phases), own.samples, 0, until);
    }
    return out;
}

store::DbResult<EnergyReport> energy_report(const store::Journal& journal, const config::Config& config,
                                            const std::vector<std::string>& nodes,
                                            const std::vector<std::string>& devices, store::TimeMs since,
                                            store::TimeMs until) {
    auto history = readings_before(journal, nodes, since);
    if (!history) return std::unexpected(history.error());
    return energy_report(journal, config, nodes, devices, since, until, *history);
}

store::DbResult<EnergyReport> energy_report(const store::Journal& journal, const config::Config& config,
                                            const std::vector<std::string>& nodes,
                                            const std::vector<std::string>& devices, store::TimeMs since,
                                            store::TimeMs until, NodeReadings& history) {
    std::vector<std::string> targets = nodes;
    targets.insert(targets.end(), devices.begin(), devices.end());
    if (targets.empty()) return EnergyReport{since, until, since, {}, {}, {}, energy_model(config.simulate), 0, ""};
    std::vector<std::string> unread;
    for (const std::string& node : nodes) {
        if (!history.contains(node)) unread.push_back(node);
    }
    if (!unread.empty()) {
        auto earlier = readings_before(journal, unread, since);
        if (!earlier) return std::unexpected(earlier.error());
        history.merge(*earlier);
    }
    // A phase at `since` needs the rows before it: from the journal's start.
    auto events = journal.events(targets, 0);
    if (!events) return std::unexpected(events.error());
    const store::TimeMs gap = max_reading_gap(config.energy);
    auto readings = journal.readings(targets, since - gap, until + gap);
    if (!readings) return std::unexpected(readings.error());
    auto boots = journal.boots(nodes);
    if (!boots) return std::unexpected(boots.error());

    EnergyReport report;
    report.since = since;
    report.until = until;
    report.known_since = until;
    // events() gives the cluster's own rows (a daemon's start) too: the
    // journal's first row, whoever it is about.
    for (const store::Event& event : *events) report.known_since = std::min(report.known_since, event.time);
    for (const store::Reading& reading : *readings) report.known_since = std::min(report.known_since, reading.time);
    report.known_since = std::max(report.known_since, since);
    report.model = energy_model(config.simulate);
    report.price_per_kwh = config.energy.price_per_kwh;
    report.currency = config.energy.currency;
    const engine::Integration span{since, until, gap};
    std::map<std::string, Rows> rows = rows_of(*events, *readings);
    report.nodes.reserve(nodes.size());
    std::map<std::string, NodeEnergy*> by_node;
    for (const std::string& node : nodes) {
        const Rows& own = rows[node];
        const std::vector<engine::PhaseChange> timeline = engine::phase_timeline(own.phases);
        NodeEnergy& entry = report.nodes.emplace_back();
        entry.node = node;
        entry.energy =
            engine::integrate_learning(timeline, own.samples, report.model, span, history[node], &entry.model);
        report.total += entry.energy;
    }
    for (NodeEnergy& entry : report.nodes) by_node.emplace(entry.node, &entry);
    for (const store::Boot& boot : *boots) {
        const auto it = by_node.find(boot.node);
        if (it == by_node.end() || !within(boot.powered_on, since, until)) continue;
        ++it->second->boots;
        if (boot.registered) it->second->boot_ms.push_back(*boot.registered - boot.powered_on);
    }
    count_events(*events, since, until, by_node);
    // A device has no model: only what its meter measured counts.
    const engine::EnergyModel unmetered{0, 0, 0, 0};
    for (const std::string& device : devices) {
        const Rows& own = rows[device];
        const std::vector<engine::PhaseChange> timeline = engine::phase_timeline(own.phases);
        DeviceEnergy& entry = report.devices.emplace_back();
        entry.device = device;
        entry.energy = engine::integrate(timeline, own.samples, unmetered, span);
        for (const engine::PowerPhase phase :
             {engine::PowerPhase::booting, engine::PowerPhase::up, engine::PowerPhase::powering_off}) {
            entry.on_ms += entry.energy.phase_ms[static_cast<std::size_t>(phase)];
        }
    }
    return report;
}

std::expected<EnergyReport, ReportError> energy_report(const std::filesystem::path& file,
                                                       const std::vector<std::string>& targets, store::TimeMs since,
                                                       store::TimeMs until) {
    auto config = config::load(file, {.credentials = false});
    if (!config) return std::unexpected(ReportError{std::move(config.error()), {}});
    std::vector<std::string> nodes;
    std::vector<std::string> devices;
    std::set<std::string> device_names;
    for (const config::PowerTarget& device : config->devices) device_names.insert(device.name);
    if (targets.empty()) {
        for (const config::PowerTarget& node : config->nodes) nodes.push_back(node.name);
        devices.assign(device_names.begin(), device_names.end());
    } else {
        // `vnode001,vnode001` is one node: reported, and added to the total, once.
        for (const std::string& target : hostlist::once_each(targets)) {
            (device_names.contains(target) ? devices : nodes).push_back(target);
        }
    }
    auto journal = store::JournalReader::open(config->daemon.journal());
    if (!journal) return std::unexpected(ReportError{{}, journal.error()});
    auto unknown = unknown_names(&*config, **journal, nodes);
    if (!unknown) return std::unexpected(ReportError{{}, "journal: " + unknown.error()});
    if (!unknown->empty()) {
        return std::unexpected(
            ReportError{{},
                        fmt::format("{}: not in {} and never in its journal",
                                    hostlist::compress(*unknown, false).value_or(unknown->front()), file.string()),
                        true});
    }
    auto report = energy_report(**journal, *config, nodes, devices, since, until);
    if (!report) return std::unexpected(ReportError{{}, "journal: " + report.error()});
    return std::move(*report);
}

}  // namespace slumber::service
