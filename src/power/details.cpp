#include "power/details.hpp"

#include "util/safe_text.hpp"

namespace slumber::power {

namespace {

// The power draw and sensors the driver offers; after a power reading that
// failed as unreachable, refused or timed out, nothing more.
void ask_meter(Driver& driver, std::optional<Result<double>>& watts,
               std::optional<Result<std::vector<SensorReading>>>& sensors) {
    const std::uint32_t can = driver.capabilities();
    if ((can & kPowerReading) != 0) {
        watts = driver.power_reading();
        if (!*watts && stops_conversation(watts->error().kind)) return;
    }
    if ((can & kSensors) != 0) sensors = driver.sensors();
}

void make_safe(std::optional<Result<std::vector<SensorReading>>>& sensors) {
    if (!sensors || !*sensors) return;
    for (SensorReading& sensor : **sensors) {
        sensor.name = util::safe_text(sensor.name);
        sensor.unit = util::safe_text(sensor.unit);
    }
}

}  // namespace

Sample Driver::sample() {
    Sample result{status(), {}, {}};
    if (!result.state && stops_conversation(result.state.error().kind)) return result;
    ask_meter(*this, result.watts, result.sensors);
    return result;
}

Sample read_sample(Driver& driver) {
    Sample result = driver.sample();
    make_safe(result.sensors);
    return result;
}

Details read_details(const std::string& target, Driver& driver, ReadMeter meter) {
    Details details{target, driver.status(), {}, {}, {}, {}};
    if (!details.state && stops_conversation(details.state.error().kind)) return details;
    const std::uint32_t can = driver.capabilities();
    // What a device says about itself is its own text: made safe to print
    // here, once, for every front end.
    if ((can & kIdentity) != 0) {
        details.identity = driver.identity();
        if (*details.identity) {
            Identity& id = **details.identity;
            for (std::string* field : {&id.manufacturer, &id.model, &id.firmware}) *field = util::safe_text(*field);
        }
    }
    if ((can & kGuid) != 0) {
        details.guid = driver.guid();
        if (*details.guid) **details.guid = util::safe_text(**details.guid);
    }
    if (meter == ReadMeter::no) return details;
    ask_meter(driver, details.watts, details.sensors);
    make_safe(details.sensors);
    return details;
}

std::string identity_text(const Identity& identity) {
    std::string text;
    const auto add = [&](std::string_view part) {
        if (part.empty()) return;
        if (!text.empty()) text += ", ";
        text += part;
    };
    add(identity.manufacturer);
    add(identity.model);
    if (!identity.firmware.empty()) add("firmware " + identity.firmware);
    return text.empty() ? "not reported" : text;
}

}  // namespace slumber::power
