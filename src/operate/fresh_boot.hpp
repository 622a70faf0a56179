// A power-on that Slurm asked for, carried out so that the node boots afresh:
// a node whose BMC says on but whose slurmd never registered (left on after
// a failed resume, an off that failed, switched on by hand) is power-cycled,
// since a plain "on" would change nothing and slurmctld ignores a
// registration whose boot time is older than its resume request. The rule
// is engine::power_on_step; this is where it meets the BMC and Slurm, per
// node, inside the executor's call, so that one slow BMC holds up no other.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/recovery.hpp"
#include "power/driver.hpp"
#include "slurm/slurm_view.hpp"

namespace slumber::operate {

/// Which nodes Slurm shows registered and up, read once, when a node first
/// needs it, by whichever thread asks first.
class RegisteredNodes {
  public:
    explicit RegisteredNodes(const slurm::SlurmView& slurm) : m_slurm(slurm) {}
    /// Responding and neither powered down nor powering up. A node Slurm could
    /// not be asked about counts as registered: it is never reset blind.
    bool registered(const std::string& node);

  private:
    const slurm::SlurmView& m_slurm;
    std::once_flag m_read;
    std::unordered_map<std::string, bool> m_up;
    bool m_known = false;
};

/// One node's driver for a power-on Slurm asked for, when no boot of
/// slumber's is under way (engine::power_on_step said read_bmc).
class FreshBootDriver final : public power::Driver {
  public:
    FreshBootDriver(power::Driver& inner, std::string node, engine::PowerOnFacts facts, engine::TimeMs boot_deadline_ms,
                    engine::TimeMs now, RegisteredNodes& registered)
        : m_inner(inner),
          m_node(std::move(node)),
          m_facts(facts),
          m_deadline(boot_deadline_ms),
          m_now(now),
          m_registered(registered) {}

    /// Reads the BMC; off: on; on and not registered: a power cycle, once
    /// (a retry after it switches on, never cycles twice).
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
    std::atomic<bool> m_cycled{false};
};

}  // namespace slumber::operate
