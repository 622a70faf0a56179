#include "vcluster/redfish_system.hpp"

namespace slumber::vcluster {

SystemPower::SystemPower(std::string id, PowerTiming timing, std::function<bool()> read_power,
                         std::function<void(bool on, bool graceful)> on_power)
    : m_id(std::move(id)), m_timing(timing), m_read_power(std::move(read_power)), m_on_power(std::move(on_power)) {}

void SystemPower::advance() {
    if (m_change && !m_change->hangs && Clock::now() >= m_change->done_at) {
        const Change done = *m_change;
        m_change.reset();
        apply(done.on, done.graceful);
    }
}

void SystemPower::apply(bool on, bool graceful) {
    if (!on) m_paused = false;
    const bool now = m_read_power ? m_read_power() : m_powered;
    m_powered = on;
    if (now != on && m_on_power) m_on_power(on, graceful);
}

bool SystemPower::powered() {
    advance();
    return m_read_power ? m_read_power() : m_powered;
}

bool SystemPower::changing() {
    advance();
    return m_change.has_value();
}

int SystemPower::change_serial() {
    advance();
    return m_change ? m_change->serial : 0;
}

std::string SystemPower::power_state() {
    const bool on = powered();
    if (m_change && m_timing.report_transitions) return m_change->on ? "PoweringOn" : "PoweringOff";
    if (on && m_paused) return "Paused";
    return on ? "On" : "Off";
}

void SystemPower::change_to(bool on, bool graceful) {
    const bool hangs = !on && graceful && m_timing.shutdown_hangs;
    if (m_timing.transition.count() == 0 && !hangs) {
        force(on, graceful);
        return;
    }
    if (powered() == on) {
        m_change.reset();
        return;
    }
    m_change = Change{on, graceful, hangs, Clock::now() + m_timing.transition, ++m_serial};
}

void SystemPower::force(bool on, bool graceful) {
    m_change.reset();
    apply(on, graceful);
}

}  // namespace slumber::vcluster
