#include "service/energy_counters.hpp"

namespace slumber::service {

std::expected<void, std::string> EnergyCounters::advance(store::Journal& journal, const config::Config& config,
                                                         store::TimeMs until,
                                                         const std::vector<store::Reading>& readings) {
    store::TimeMs since = 0;
    NodeReadings history;  // m_history once the round is recorded, not before
    {
        const std::lock_guard lock(m_guard);
        since = m_last;
        history = m_history;
    }
    if (until <= since) return {};
    std::vector<std::string> nodes;
    std::vector<std::string> devices;
    for (const config::PowerTarget& node : config.nodes) nodes.push_back(node.name);
    for (const config::PowerTarget& device : config.devices) devices.push_back(device.name);
    auto report = energy_report(journal, config, nodes, devices, since, until, history);
    if (!report) return std::unexpected(report.error());

    std::vector<store::EnergyTotal> increments;
    const auto add = [&](const std::string& target, const engine::EnergyAccount& energy, bool device) {
        increments.push_back(
            {target, since, until, energy.joules, energy.measured_joules, device ? 0 : energy.saved_joules()});
    };
    for (const NodeEnergy& node : report->nodes) add(node.node, node.energy, false);
    for (const DeviceEnergy& device : report->devices) add(device.device, device.energy, true);
    if (auto recorded = journal.add_energy(increments); !recorded) return std::unexpected(recorded.error());

    const std::lock_guard lock(m_guard);
    m_last = until;
    m_history = std::move(history);
    m_order.clear();
    for (std::size_t i = 0; i < increments.size(); ++i) {
        const store::EnergyTotal& increment = increments[i];
        EnergyCounter& counter = m_counters[increment.target];
        counter.target = increment.target;
        counter.device = i >= report->nodes.size();
        if (!counter.device) {
            counter.saved_gross_joules += report->nodes[i].energy.saved_gross_joules;
            counter.switching_joules += report->nodes[i].energy.switching_joules;
        }
        counter.joules += increment.joules;
        counter.measured_joules += increment.measured_joules;
        counter.saved_joules += increment.saved_joules;
        m_order.push_back(increment.target);
    }
    for (const store::Reading& reading : readings) {
        const auto it = m_counters.find(reading.target);
        if (it != m_counters.end() && reading.watts) it->second.watts = reading.watts;
    }
    return {};
}

std::vector<EnergyCounter> EnergyCounters::counters() const {
    const std::lock_guard lock(m_guard);
    std::vector<EnergyCounter> out;
    out.reserve(m_order.size());
    for (const std::string& target : m_order) out.push_back(m_counters.at(target));
    return out;
}

}  // namespace slumber::service
