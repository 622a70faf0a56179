// Slurm's view for unit tests of the daemon's core: the nodes a test sets,
// a release it picks, and every change asked of Slurm logged, so that a test
// asserts what Slurm was told without a slurmctld.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <mutex>
#include <string>
#include <vector>

#include "slurm/slurm_view.hpp"

namespace slumber::testing {

class FakeSlurm final : public slurm::SlurmView {
  public:
    explicit FakeSlurm(slurm::Version version = {22, 5, 8}) : m_version(version) {}

    /// What nodes() shows from now on.
    void show(std::vector<slurm::NodeState> nodes) {
        const std::lock_guard lock(m_guard);
        m_nodes = std::move(nodes);
    }
    /// What reservations() shows from now on.
    void reserve(std::vector<slurm::Reservation> reservations) {
        const std::lock_guard lock(m_guard);
        m_reservations = std::move(reservations);
    }
    /// What power_save_rules() answers from now on.
    void rules(slurm::PowerSaveRules rules) {
        const std::lock_guard lock(m_guard);
        m_rules = std::move(rules);
    }
    /// Every call asked of Slurm, as scontrol's arguments: "update
    /// NodeName=n1 State=DRAIN Reason=…", "reconfigure".
    std::vector<std::string> calls() const {
        const std::lock_guard lock(m_guard);
        return m_calls;
    }

    std::expected<std::vector<slurm::NodeState>, std::string> nodes() const override {
        const std::lock_guard lock(m_guard);
        return m_nodes;
    }
    std::expected<std::vector<slurm::Reservation>, std::string> reservations() const override {
        const std::lock_guard lock(m_guard);
        return m_reservations;
    }
    std::expected<void, std::string> update(const std::string& hostlist, const std::string& state,
                                            const std::string& reason = {}) const override {
        return log(reason.empty() ? fmt::format("update NodeName={} State={}", hostlist, state)
                                  : fmt::format("update NodeName={} State={} Reason={}", hostlist, state, reason));
    }
    std::expected<void, std::string> call(const slurm::ScontrolCall& arguments) const override {
        return log(fmt::format("{}", fmt::join(arguments, " ")));
    }
    std::expected<slurm::Version, std::string> version() const override { return m_version; }
    std::expected<slurm::PowerSaveRules, std::string> power_save_rules() const override {
        const std::lock_guard lock(m_guard);
        return m_rules;
    }

  private:
    std::expected<void, std::string> log(std::string call) const {
        const std::lock_guard lock(m_guard);
        m_calls.push_back(std::move(call));
        return {};
    }

    mutable std::mutex m_guard;
    std::vector<slurm::NodeState> m_nodes;
    std::vector<slurm::Reservation> m_reservations;
    mutable std::vector<std::string> m_calls;
    slurm::Version m_version;
    slurm::PowerSaveRules m_rules;
};

/// A node as `scontrol show node` shows it: "IDLE" with flags
/// {"POWERED_DOWN"} is idle~.
inline slurm::NodeState node_state(std::string name, std::string base, std::vector<std::string> flags = {},
                                   std::optional<std::int64_t> boot_time = std::nullopt) {
    slurm::NodeState state;
    state.name = std::move(name);
    state.base = std::move(base);
    state.flags = std::move(flags);
    state.boot_time = boot_time;
    return state;
}

}  // namespace slumber::testing
