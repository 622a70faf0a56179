#include "operate/thermal_guard.hpp"

#include "hostlist/hostlist.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include <utility>

namespace slumber::operate {

std::vector<std::string> idle_to_power_down(const config::Config& config, const slurm::PowerSaveRules& rules,
                                            const std::vector<slurm::NodeState>& cluster) {
    std::vector<std::string> nodes;
    for (const slurm::NodeState& node : cluster) {
        if (node.base != "IDLE" || !node.flags.empty() || node.cpus_allocated > 0 || node.running_jobs()) continue;
        if (config.find(node.name) == nullptr || config.excluded(node.name)) continue;
        if (!slurm::keep_on_reason(rules, node, cluster).empty()) continue;
        nodes.push_back(node.name);
    }
    return nodes;
}

std::vector<engine::Temperature> journal_temperatures(const store::Journal& journal) {
    std::vector<engine::Temperature> temperatures;
    for (const auto& [target, reading] : journal.latest_readings().value_or(std::map<std::string, store::Reading>{})) {
        if (reading.temperature) temperatures.push_back({target, reading.sensor, *reading.temperature, reading.time});
    }
    return temperatures;
}

std::expected<std::vector<std::string>, std::string> ThermalGuard::power_down_idle(
    const config::Config& config, const slurm::PowerSaveRules& rules, const std::vector<slurm::NodeState>& cluster,
    const slurm::SlurmView& slurm) {
    if (!m_hold || !config.thermal.power_down_idle) return std::vector<std::string>{};
    std::vector<std::string> nodes = idle_to_power_down(config, rules, cluster);
    if (nodes.empty()) return nodes;
    const std::string hostlist = hostlist::compress(nodes, true).value_or(fmt::format("{}", fmt::join(nodes, ",")));
    if (auto asked = slurm.update(hostlist, "POWER_DOWN", ""); !asked) {
        record(
            fmt::format("thermal guard: Slurm refused to power down the idle nodes {}: {}", hostlist, asked.error()));
        return std::unexpected(asked.error());
    }
    record(fmt::format("thermal guard: asked Slurm to power down the idle nodes {} ([thermal] power_down_idle)",
                       hostlist));
    return nodes;
}

namespace {

// Why power-ons wait, as the journal, /api/overview, a 202's words and the
// dashboard say it. In the hysteresis band (below the limit, not yet below
// resume) the reading no longer reaches the limit: saying it did would be
// false, so the words say what still holds the power-ons back.
std::string hold_words(const engine::Temperature& warmest, const config::ThermalSettings& settings) {
    if (warmest.celsius >= *settings.limit) {
        return fmt::format("{} °C ({} of {}) at or above the thermal limit {} °C; power-ons wait until below {} °C",
                           warmest.celsius, warmest.sensor, warmest.target, *settings.limit, settings.resume);
    }
    return fmt::format(
        "{} °C ({} of {}) not yet below the resume point {} °C (the hold began at or above the limit "
        "{} °C)",
        warmest.celsius, warmest.sensor, warmest.target, settings.resume, *settings.limit);
}

}  // namespace

ThermalGuard::ThermalGuard(store::Journal& journal, Clock& clock, Readings readings)
    : m_journal(journal), m_clock(clock), m_readings(std::move(readings)) {}

void ThermalGuard::update(const config::ThermalSettings& settings, std::int64_t max_age_ms) {
    if (!settings.limit) {
        if (m_hold) record("thermal guard off ([thermal] limit removed): power-ons go again");
        m_hold.reset();
        m_warmest.reset();
        m_blind = false;
        return;
    }
    const engine::ThermalPolicy policy{*settings.limit, settings.resume, max_age_ms};
    const std::vector<engine::Temperature> readings = m_readings();
    const engine::ThermalVerdict verdict =
        engine::judge_temperature(policy, readings, m_clock.wall_ms(), m_hold.has_value());
    m_warmest = verdict.warmest;
    if (!verdict.warmest) {
        if (!m_blind) {
            record(
                fmt::format("thermal guard cannot see: no temperature reading in the last {} s; power-ons are not "
                            "held back",
                            max_age_ms / 1000));
        }
        m_blind = true;
    } else if (m_blind) {
        m_blind = false;
        record("thermal guard sees again");
    }
    if (!verdict.hold) {
        if (m_hold && verdict.warmest) {
            record(fmt::format("{} °C ({} of {}) is below {} °C: power-ons go again", verdict.warmest->celsius,
                               verdict.warmest->sensor, verdict.warmest->target, settings.resume));
        }
        m_hold.reset();
        return;
    }
    const bool starting = !m_hold;
    m_hold = hold_words(*verdict.warmest, settings);
    if (starting) record(*m_hold);
}

void ThermalGuard::record(const std::string& text) {
    (void)m_journal.record({0, m_clock.wall_ms(), "", std::nullopt, store::EventKind::thermal, text});
}

}  // namespace slumber::operate
