#include "daemon/reconciler.hpp"

#include <fmt/format.h>

#include <memory>

#include "power/executor.hpp"
#include "power/factory.hpp"

namespace slumber::daemon {

Reconciler::Reconciler(const config::Config& config, store::Journal& journal, const slurm::Scontrol& slurm, Now now)
    : m_config(config), m_journal(journal), m_slurm(slurm), m_now(std::move(now)) {
    m_policy.max_failures = config.daemon.max_failures;
    m_policy.late_boot_grace_ms = config.daemon.late_boot_grace.count();
}

std::map<std::string, power::PowerState> Reconciler::read_bmcs(const std::vector<std::string>& names,
                                                               std::map<std::string, std::string>& errors) {
    std::vector<std::unique_ptr<power::Driver>> drivers;
    std::vector<power::Task> tasks;
    for (const std::string& name : names) {
        const config::PowerTarget* target = m_config.find(name);
        if (target == nullptr) continue;
        auto driver = power::make_driver(target->driver, m_config.settings_for(*target));
        if (!driver) {
            errors[name] = power::describe(driver.error());
            continue;
        }
        tasks.push_back({name, driver->get(), target->policy});
        drivers.push_back(std::move(*driver));
    }
    std::map<std::string, power::PowerState> states;
    power::Executor executor;
    for (const power::Outcome& outcome : executor.run(power::Action::status, tasks, {.fanout = 64})) {
        if (outcome.result) {
            states[outcome.target] = *outcome.result;
        } else {
            errors[outcome.target] = power::describe(outcome.result.error());
        }
    }
    return states;
}

std::expected<std::vector<engine::Step>, std::string> Reconciler::run(const std::vector<slurm::NodeState>& nodes) {
    auto streaks = m_journal.failure_streaks();
    if (!streaks) return std::unexpected("journal: " + streaks.error());
    auto open = m_journal.open_requests();
    if (!open) return std::unexpected("journal: " + open.error());

    const engine::TimeMs now = m_now();
    std::vector<engine::NodeFacts> facts;
    for (const slurm::NodeState& node : nodes) {
        if (m_config.find(node.name) == nullptr) continue;  // not slumber's to manage
        engine::NodeFacts fact;
        fact.slurm = node;
        fact.request_open = open->contains(node.name);
        fact.excluded = m_config.excluded(node.name);
        if (const auto it = streaks->find(node.name); it != streaks->end()) {
            fact.failed_resumes = it->second.failed_resumes;
            fact.last_failure = it->second.last_failure;
            fact.failed_at = it->second.failed_at;
        }
        if (const auto it = m_last_recovery.find(node.name); it != m_last_recovery.end()) {
            fact.last_recovery = it->second;
        }
        facts.push_back(std::move(fact));
    }
    // The BMCs are asked only about the nodes whose next step depends on them.
    const std::vector<std::string> ask = engine::needs_bmc(facts, m_policy, now);
    if (!ask.empty()) {
        std::map<std::string, std::string> errors;
        const auto states = read_bmcs(ask, errors);
        for (engine::NodeFacts& fact : facts) {
            if (const auto it = states.find(fact.slurm.name); it != states.end()) fact.bmc = it->second;
            if (const auto it = errors.find(fact.slurm.name); it != errors.end()) {
                fact.bmc_error = it->second;
                (void)m_journal.record({0, now, fact.slurm.name, std::nullopt, "diagnosis",
                                        fmt::format("{} ({}): BMC unreadable: error: {}", fact.slurm.state_text(),
                                                    fact.slurm.reason, it->second)});
            }
        }
    }
    auto steps = engine::reconcile(facts, m_policy, now);
    for (const engine::Step& step : steps) take(step);
    return steps;
}

void Reconciler::take(const engine::Step& step) {
    const engine::TimeMs now = m_now();
    m_last_recovery[step.node] = now;
    std::expected<void, std::string> done;
    switch (step.kind) {
        case engine::StepKind::slurm_resume:
            done = m_slurm.update(step.node, "RESUME");
            break;
        case engine::StepKind::slurm_drain:
            done = m_slurm.update(step.node, "DRAIN", step.why);
            break;
        case engine::StepKind::power_off: {
            const std::vector<std::string> node{step.node};
            if (auto added = m_journal.add_requests(node, power::Action::off, "recovery", now, step.why); !added) {
                done = std::unexpected("journal: " + added.error());
            }
            break;
        }
    }
    (void)m_journal.record({0, now, step.node, std::nullopt, "recovery",
                            fmt::format("{}: {}{}", engine::to_string(step.kind), step.why,
                                        done ? "" : " (failed: " + done.error() + ")")});
}

}  // namespace slumber::daemon
