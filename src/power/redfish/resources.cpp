#include "power/redfish/resources.hpp"

#include <array>
#include <utility>

#include "power/http/json_reply.hpp"

namespace slumber::power::redfish {
namespace {

using nlohmann::json;

// What a missing member reads as: null (a json cannot be constexpr).
const json null_value;

const json& member(const json& object, std::string_view key) {
    if (!object.is_object()) return null_value;
    const auto it = object.find(key);
    return it == object.end() ? null_value : *it;
}

std::vector<std::string> strings(const json& list) {
    std::vector<std::string> out;
    if (!list.is_array()) return out;
    for (const json& item : list) {
        if (item.is_string()) out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<double> number(const json& value) {
    if (!value.is_number()) return std::nullopt;
    return value.get<double>();
}

}  // namespace

std::string link(const json& object, std::string_view key) {
    const json& found = member(object, key);
    const json& target = found.is_array() ? (found.empty() ? null_value : found[0]) : found;
    return http::text(target, "@odata.id");
}

std::vector<std::string> members(const json& collection) {
    std::vector<std::string> paths;
    const json& list = member(collection, "Members");
    if (!list.is_array()) return paths;
    for (const json& item : list) {
        if (std::string path = http::text(item, "@odata.id"); !path.empty()) paths.push_back(std::move(path));
    }
    return paths;
}

ResetAction reset_action(const json& system) {
    const json& reset = member(member(system, "Actions"), "#ComputerSystem.Reset");
    return {http::text(reset, "target"), strings(member(reset, "ResetType@Redfish.AllowableValues")),
            http::text(reset, "@Redfish.ActionInfo")};
}

std::vector<std::string> reset_types_in(const json& action_info) {
    const json& parameters = member(action_info, "Parameters");
    if (!parameters.is_array()) return {};
    for (const json& parameter : parameters) {
        if (http::text(parameter, "Name") == "ResetType") return strings(member(parameter, "AllowableValues"));
    }
    return {};
}

std::optional<PowerState> power_state(const json& system) {
    static constexpr std::array<std::pair<std::string_view, PowerState>, 5> kStates{{
        {"On", PowerState::on},
        {"Off", PowerState::off},
        {"PoweringOn", PowerState::powering_on},
        {"PoweringOff", PowerState::powering_off},
        {"Paused", PowerState::paused},
    }};
    const std::string state = http::text(system, "PowerState");
    for (const auto& [name, value] : kStates) {
        if (name == state) return value;
    }
    return std::nullopt;
}

std::vector<SensorReading> environment_readings(const json& metrics) {
    std::vector<SensorReading> found;
    if (auto watts = number(member(member(metrics, "PowerWatts"), "Reading"))) found.push_back({"Power", *watts, "W"});
    if (auto celsius = number(member(member(metrics, "TemperatureCelsius"), "Reading")))
        found.push_back({"Temperature", *celsius, "C"});
    return found;
}

std::vector<SensorReading> power_readings(const json& power) {
    const json& control = member(power, "PowerControl");
    if (!control.is_array() || control.empty()) return {};
    if (auto watts = number(member(control[0], "PowerConsumedWatts"))) return {{"Power", *watts, "W"}};
    return {};
}

std::vector<SensorReading> thermal_readings(const json& thermal) {
    std::vector<SensorReading> found;
    const json& sensors = member(thermal, "Temperatures");
    if (!sensors.is_array()) return found;
    for (const json& sensor : sensors) {
        const auto celsius = number(member(sensor, "ReadingCelsius"));
        if (!celsius) continue;
        const std::string name = http::text(sensor, "Name");
        found.push_back({name.empty() ? "Temperature" : name, *celsius, "C"});
    }
    return found;
}

}  // namespace slumber::power::redfish
