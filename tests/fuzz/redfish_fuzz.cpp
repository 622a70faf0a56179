// What a Redfish BMC answers is external input: any bytes, JSON or not, of
// any shape, must be read or refused by the driver's resource readers and
// its error reader, never crash them (nlohmann's value() would throw on a
// member of an unexpected type; these must not).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "power/redfish/client.hpp"
#include "power/redfish/resources.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace slumber::power::redfish;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)said(body);
    const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
    if (answer.is_discarded()) return 0;
    for (const std::string& path : members(answer)) {
        if (path.empty()) __builtin_trap();
    }
    (void)link(answer, "Systems");
    (void)link(answer, "Chassis");
    (void)reset_action(answer);
    (void)reset_types_in(answer);
    (void)power_state(answer);
    for (auto* read : {&environment_readings, &power_readings, &thermal_readings}) {
        for (const auto& reading : read(answer)) {
            if (reading.unit.empty() || reading.name.empty()) __builtin_trap();
        }
    }
    return 0;
}
