// A power-on that Slurm asked for, carried out so that the node boots afresh:
// a node whose BMC says on but whose slurmd never registered (left on after
// a failed resume, an off that failed, switched on by hand) is power-cycled,
// since a plain "on" would change nothing and slurmctld ignores a
// registration whose boot time is older than its resume request. The rule
// is engine::power_on_step; this is where it meets the BMC and Slurm, per
// node, inside the executor's call, so that one slow BMC holds up no other.
//
// Before the cycle, the machine at the node's NodeAddr must answer on
// slurmd's port (slurmd listens, or the host refuses the connection): the
// node's own machine runs, so the BMC saying on is about it. When nothing
// answers, the BMC may drive another node's running machine (crossed
// addresses: a tester's job on that other node was requeued by the cycle),
// or the node's own machine hangs; the cycle would restart whichever it is.
// It is refused with a block of kind crossed instead, so that nothing
// automatic switches the node until an admin has looked (docs/slurm.md).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/recovery.hpp"
#include "power/driver.hpp"
#include "slurm/slurm_view.hpp"
#include "util/probe.hpp"

namespace slumber::operate {

/// Whether the machine at a node's NodeAddr answers on slurmd's port (a TCP
/// connection, no message). Called from several threads at once.
using MachineProbe = std::function<util::ProbeResult(const slurm::NodeState&)>;

/// The probe the carrier uses: NodeAddr (else the node's name) and Port
/// (else slurmd's default, 6818), 1.5 s at most.
util::ProbeResult probe_machine(const slurm::NodeState& node);

/// Which nodes Slurm shows registered and up, read once, when a node first
/// needs it, by whichever thread asks first.
class RegisteredNodes {
  public:
    explicit RegisteredNodes(const slurm::SlurmView& slurm) : m_slurm(slurm) {}
    /// Responding and neither powered down nor powering up. A node Slurm could
    /// not be asked about counts as registered: it is never reset blind.
    bool registered(const std::string& node);
    /// The node as Slurm showed it, if it did (registered() has read it).
    [[nodiscard]] const slurm::NodeState* find(const std::string& node) const;

  private:
    const slurm::SlurmView& m_slurm;
    std::once_flag m_read;
    std::unordered_map<std::string, slurm::NodeState> m_nodes;
    bool m_known = false;
};

/// One node's driver for a power-on Slurm asked for, when no boot of
/// slumber's is under way (engine::power_on_step said read_bmc).
class FreshBootDriver final : public power::Driver {
  public:
    FreshBootDriver(power::Driver& inner, std::string node, engine::PowerOnFacts facts, engine::TimeMs boot_deadline_ms,
                    engine::TimeMs now, RegisteredNodes& registered, MachineProbe probe = probe_machine)
        : m_inner(inner),
          m_node(std::move(node)),
          m_facts(facts),
          m_deadline(boot_deadline_ms),
          m_now(now),
          m_registered(registered),
          m_probe(std::move(probe)) {}

    /// Reads the BMC; off: on; on and not registered: a power cycle, once
    /// (a retry after it switches on, never cycles twice), if the machine
    /// at the node's NodeAddr answers; else ErrorKind::crossed, nothing
    /// switched (the file's header says why).
    power::Result<void> on() override;
    power::Result<void> off() override { return m_inner.off(); }
    power::Result<void> soft() override { return m_inner.soft(); }
    power::Result<void> cycle() override { return m_inner.cycle(); }
    power::Result<power::PowerState> status() override { return m_inner.status(); }
    [[nodiscard]] std::uint32_t capabilities() const override { return m_inner.capabilities(); }
    power::Result<std::string> guid() override { return m_inner.guid(); }
    power::Result<double> power_reading() override { return m_inner.power_reading(); }
    power::Result<std::vector<power::SensorReading>> sensors() override { return m_inner.sensors(); }
    power::Result<power::Identity> identity() override { return m_inner.identity(); }

    /// Whether on() power-cycled the node.
    [[nodiscard]] bool cycled() const { return m_cycled; }

  private:
    power::Driver& m_inner;
    std::string m_node;
    engine::PowerOnFacts m_facts;
    engine::TimeMs m_deadline;
    engine::TimeMs m_now;
    RegisteredNodes& m_registered;
    MachineProbe m_probe;
    std::atomic<bool> m_cycled{false};
};

}  // namespace slumber::operate
