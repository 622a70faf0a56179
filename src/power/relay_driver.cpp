#include "power/relay_driver.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace slumber::power {

Result<void> RelayDriver::soft() {
    return fail(ErrorKind::unsupported, m_device + ": a relay cannot ask its load to shut down cleanly; use off");
}

Result<void> RelayDriver::cycle() {
    if (auto off = set_relay(PowerState::off); !off) return std::unexpected(off.error());
    std::this_thread::sleep_for(kCycleOff);
    return switch_to(PowerState::on);
}

Result<void> RelayDriver::switch_to(PowerState wanted) {
    auto now = read_relay();
    if (!now) return std::unexpected(now.error());
    if (*now == wanted) return {};
    auto answered = set_relay(wanted);
    if (!answered) return std::unexpected(answered.error());
    auto after = *answered == wanted ? read_relay() : answered;
    if (!after) return std::unexpected(after.error());
    if (*after != wanted) {
        return fail(ErrorKind::protocol, fmt::format("{}: asked to switch {}, it answered {} but reads {}", m_device,
                                                     to_string(wanted), to_string(*answered), to_string(*after)));
    }
    return {};
}

}  // namespace slumber::power
