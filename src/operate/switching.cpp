#include "operate/switching.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace slumber::operate {

int bounded_fanout(int wanted, long open_files) {
    if (open_files < 0) return std::max(wanted, 1);  // the limit could not be read: no bound known
    const long room = (open_files - kFilesKept) / kFilesPerCall;
    return static_cast<int>(std::clamp<long>(room, 1, std::max(wanted, 1)));
}

std::vector<TargetOutcome> Switcher::run(const config::Config& config, Blocks& blocks, const SwitchPlan& plan) const {
    const power::Action action = plan.action;
    DriverSet set = drivers(config, plan.targets);
    blocks.hold(set, action);
    std::map<std::string, power::PowerError> no_device;
    if (plan.dependencies) {
        no_device = bring_up_dependencies(config, plan.targets, plan.dependencies, clock->wall(), blocks, this);
    }
    std::unordered_map<std::string_view, const power::Task*> task_of;
    for (const power::Task& task : set.tasks) task_of.emplace(task.target, &task);

    std::vector<TargetOutcome> outcomes(plan.targets.size());
    std::vector<std::size_t> called;
    std::vector<power::Task> tasks;
    for (std::size_t i = 0; i < plan.targets.size(); ++i) {
        const std::string& target = plan.targets[i];
        TargetOutcome& result = outcomes[i];
        result.outcome.target = target;
        if (const auto it = set.failed.find(target); it != set.failed.end()) {
            result.not_called = NotCalled::no_driver;
            result.no_driver = it->second;
            result.outcome.result = power::fail(power::ErrorKind::config, it->second);
        } else if (const auto held = set.blocked.find(target); held != set.blocked.end()) {
            result.not_called = NotCalled::blocked;
            result.outcome.result = std::unexpected(held->second);
        } else if (const auto dead = no_device.find(target); dead != no_device.end()) {
            result.not_called = NotCalled::no_device;
            result.outcome.result = std::unexpected(dead->second);
        } else {
            called.push_back(i);
            tasks.push_back(*task_of.at(target));
            continue;
        }
        if (plan.on_target) plan.on_target(i, result);
    }
    if (plan.prepare) plan.prepare(called, tasks);

    power::ExecutorOptions options{.fanout = plan.fanout, .wait = plan.wait};
    options.on_outcome = [&](std::size_t k, const power::Outcome& outcome) {
        TargetOutcome& result = outcomes[called[k]];
        result.outcome = outcome;
        if (plan.on_target) plan.on_target(called[k], result);
    };
    power::Executor executor(*clock);
    executor.run(action, tasks, options);
    if (plan.settled) plan.settled();
    for (const std::size_t i : called) {
        outcomes[i].block = blocks.record(action, outcomes[i].outcome, plan.source ? plan.source(i) : "");
    }
    return outcomes;
}

}  // namespace slumber::operate
