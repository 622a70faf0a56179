#include "power/details.hpp"

#include "util/safe_text.hpp"

namespace slumber::power {

bool stops_conversation(ErrorKind kind) {
    return kind == ErrorKind::unreachable || kind == ErrorKind::auth_failed || kind == ErrorKind::timeout;
}

MeterReading read_meter(Driver& driver) {
    MeterReading meter;
    const std::uint32_t can = driver.capabilities();
    if ((can & kPowerReading) != 0) {
        meter.watts = driver.power_reading();
        if (!*meter.watts && stops_conversation(meter.watts->error().kind)) return meter;
    }
    if ((can & kSensors) != 0) {
        meter.sensors = driver.sensors();
        if (*meter.sensors) {
            for (SensorReading& sensor : **meter.sensors) {
                sensor.name = util::safe_text(sensor.name);
                sensor.unit = util::safe_text(sensor.unit);
            }
        }
    }
    return meter;
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
    MeterReading reading = read_meter(driver);
    details.watts = std::move(reading.watts);
    details.sensors = std::move(reading.sensors);
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
