#include "operate/fresh_boot.hpp"

#include <fmt/format.h>

#include "operate/diagnosis.hpp"

namespace slumber::operate {
namespace {

// Up: the machine's own network stack answered for its address.
bool machine_answers(util::Reach reach) { return reach == util::Reach::open || reach == util::Reach::refused; }

}  // namespace

util::ProbeResult probe_machine(const slurm::NodeState& node) {
    return util::probe_tcp(node.address.empty() ? node.name : node.address, node.port.value_or(kDefaultSlurmdPort),
                           std::chrono::milliseconds(1500));
}

bool RegisteredNodes::registered(const std::string& node) {
    std::call_once(m_read, [this] {
        auto nodes = m_slurm.nodes();
        if (!nodes) return;
        m_known = true;
        for (slurm::NodeState& state : *nodes) m_nodes.insert_or_assign(state.name, std::move(state));
    });
    const auto it = m_nodes.find(node);
    if (!m_known || it == m_nodes.end()) return true;
    const slurm::NodeState& state = it->second;
    return state.responding() && !state.powered_down() && !state.powering_up();
}

const slurm::NodeState* RegisteredNodes::find(const std::string& node) const {
    const auto it = m_nodes.find(node);
    return it == m_nodes.end() ? nullptr : &it->second;
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
    // A reboot Slurm asked for is of a node that registered: its machine's
    // own slurmd answered Slurm.
    const slurm::NodeState* node = m_registered.find(m_node);
    if (!facts.reboot && node != nullptr) {
        const util::ProbeResult answer = m_probe(*node);
        if (!machine_answers(answer.reach)) {
            const std::string address = node->address.empty() ? node->name : node->address;
            return power::fail(
                power::ErrorKind::crossed,
                fmt::format("{1}'s BMC says {0} while Slurm counts {1} as not registered ({2}), and nothing answers "
                            "at its NodeAddr ({3}:{4}: {5}): that BMC may drive another node's running machine "
                            "(crossed addresses), or {1}'s own machine hangs. Not power-cycled, which would restart "
                            "whichever machine it is, jobs included: find out which machine the BMC at {1}'s "
                            "address drives (`slumber power info {1}` shows its GUID; `slumber doctor {1}` with "
                            "[doctor] node_uuid_command compares it with the machines' own UUIDs); if it is {1}'s "
                            "own, `slumber power cycle {1}`; then `slumber unblock {1}`",
                            power::to_string(*state), m_node, node->state_text(), address,
                            node->port.value_or(kDefaultSlurmdPort),
                            answer.detail.empty() ? std::string("no answer") : answer.detail));
        }
    }
    m_cycled = true;
    return m_inner.cycle();
}

}  // namespace slumber::operate
