#include "power/details.hpp"

#include "util/safe_text.hpp"

namespace slumber::power {

Details read_details(const std::string& target, Driver& driver) {
    Details details{target, driver.status(), {}, {}, {}, {}};
    if (!details.state) {
        const ErrorKind kind = details.state.error().kind;
        if (kind == ErrorKind::unreachable || kind == ErrorKind::auth_failed || kind == ErrorKind::timeout) {
            return details;
        }
    }
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
    if ((can & kPowerReading) != 0) details.watts = driver.power_reading();
    if ((can & kSensors) != 0) {
        details.sensors = driver.sensors();
        if (*details.sensors) {
            for (SensorReading& sensor : **details.sensors) {
                sensor.name = util::safe_text(sensor.name);
                sensor.unit = util::safe_text(sensor.unit);
            }
        }
    }
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
