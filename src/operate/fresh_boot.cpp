#include "operate/fresh_boot.hpp"

namespace slumber::operate {

bool RegisteredNodes::registered(const std::string& node) {
    std::call_once(m_read, [this] {
        auto nodes = m_slurm.nodes();
        if (!nodes) return;
        m_known = true;
        for (const slurm::NodeState& state : *nodes) {
            m_up[state.name] = state.responding() && !state.powered_down() && !state.powering_up();
        }
    });
    const auto it = m_up.find(node);
    return !m_known || it == m_up.end() || it->second;
}

power::Result<void> FreshBootDriver::on() {
    if (m_cycled) return m_inner.on();  // a retry: the cycle may have taken effect
    auto state = m_inner.status();
    if (!state) {
        // A driver that cannot read (Wake-on-LAN, a command without a status
        // template) switches on as it always did; any other error is the
        // power-on's too (its on() would read the state first).
        const auto kind = state.error().kind;
        if (kind == power::ErrorKind::unsupported || kind == power::ErrorKind::config) return m_inner.on();
        return std::unexpected(state.error());
    }
    engine::PowerOnFacts facts = m_facts;
    facts.bmc = *state;
    auto step = engine::power_on_step(facts, m_deadline, m_now);
    if (step == engine::PowerOnStep::read_slurm) {
        facts.registered = m_registered.registered(m_node);
        step = engine::power_on_step(facts, m_deadline, m_now);
    }
    if (step != engine::PowerOnStep::cycle) return m_inner.on();
    m_cycled = true;
    return m_inner.cycle();
}

}  // namespace slumber::operate
