#include "service/energy_json.hpp"

namespace slumber::service {
namespace {

constexpr double kMsPerHour = 3.6e6;

double hours(store::TimeMs ms) { return static_cast<double>(ms) / kMsPerHour; }

nlohmann::json model_json(const engine::EnergyModel& model) {
    return {{"off_watts", model.off_watts},
            {"idle_watts", model.idle_watts},
            {"boot_watts", model.boot_watts},
            {"shutdown_watts", model.shutdown_watts}};
}

// `nodes`: how many nodes `energy` adds up (1, or all of them for the total).
nlohmann::json energy_json(const engine::EnergyAccount& energy, const EnergyReport& report, std::size_t nodes) {
    nlohmann::json phases = nlohmann::json::object();
    for (std::size_t i = 0; i < engine::kPowerPhases; ++i) {
        phases[std::string(engine::to_string(static_cast<engine::PowerPhase>(i)))] = hours(energy.phase_ms[i]);
    }
    nlohmann::json item{{"used_kwh", engine::kwh(energy.joules)},
                        {"measured_kwh", engine::kwh(energy.measured_joules)},
                        {"saved_kwh", engine::kwh(energy.saved_joules())},
                        {"saved_gross_kwh", engine::kwh(energy.saved_gross_joules)},
                        {"switching_kwh", engine::kwh(energy.switching_joules)},
                        {"never_off_kwh", engine::kwh(energy.never_off_joules)},
                        {"measured_share", report.measured_share(energy, nodes)},
                        {"hours", std::move(phases)},
                        {"unknown_hours", hours(energy.unknown_ms)}};
    if (report.price_per_kwh > 0) {
        item["used_cost"] = report.cost(energy.joules);
        item["saved_cost"] = report.cost(energy.saved_joules());
    }
    return item;
}

}  // namespace

nlohmann::json to_json(const EnergyReport& report) {
    nlohmann::json model = model_json(report.model);
    model["description"] = describe(report.model);
    nlohmann::json nodes = nlohmann::json::array();
    for (const NodeEnergy& node : report.nodes) {
        nlohmann::json item = energy_json(node.energy, report, 1);
        item["node"] = node.node;
        item["boots"] = node.boots;
        item["boot_ms"] = node.boot_ms;
        item["failed_resumes"] = node.failed_resumes;
        item["power_cycles"] = node.power_cycles;
        item["model"] = model_json(node.model);
        nodes.push_back(std::move(item));
    }
    nlohmann::json devices = nlohmann::json::array();
    for (const DeviceEnergy& device : report.devices) {
        devices.push_back({{"device", device.device},
                           {"used_kwh", engine::kwh(device.energy.joules)},
                           {"measured_kwh", engine::kwh(device.energy.measured_joules)},
                           {"on_hours", hours(device.on_ms)}});
    }
    return {{"since_ms", report.since},
            {"until_ms", report.until},
            {"known_since_ms", report.known_since},
            {"model", std::move(model)},
            {"price_per_kwh", report.price_per_kwh},
            {"currency", report.currency},
            {"total", energy_json(report.total, report, report.nodes.size())},
            {"nodes", std::move(nodes)},
            {"devices", std::move(devices)}};
}

}  // namespace slumber::service
