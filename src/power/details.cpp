#include "power/details.hpp"

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
    if ((can & kIdentity) != 0) details.identity = driver.identity();
    if ((can & kGuid) != 0) details.guid = driver.guid();
    if ((can & kPowerReading) != 0) details.watts = driver.power_reading();
    if ((can & kSensors) != 0) details.sensors = driver.sensors();
    return details;
}

}  // namespace slumber::power
