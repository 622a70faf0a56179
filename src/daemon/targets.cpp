#include "daemon/targets.hpp"

#include <fmt/format.h>

#include "power/factory.hpp"

namespace slumber::daemon {

DriverSet build_drivers(const config::Config& config, const std::vector<std::string>& nodes) {
    DriverSet set;
    for (const std::string& node : nodes) {
        const config::PowerTarget* target = config.find(node);
        if (target == nullptr) {
            set.failed[node] = fmt::format("not in {}", config.file.string());
            continue;
        }
        auto driver = power::make_driver(target->driver, config.settings_for(*target));
        if (!driver) {
            set.failed[node] = power::describe(driver.error());
            continue;
        }
        set.tasks.push_back({node, driver->get(), target->policy});
        set.drivers.push_back(std::move(*driver));
    }
    return set;
}

std::map<std::string, std::string> read_power(const config::Config& config, const std::vector<std::string>& nodes) {
    DriverSet set = build_drivers(config, nodes);
    std::map<std::string, std::string> states;
    for (const auto& [node, why] : set.failed) states[node] = "error: " + why;
    power::Executor executor;
    for (const power::Outcome& outcome : executor.run(power::Action::status, set.tasks, {.fanout = 64})) {
        states[outcome.target] = outcome.result ? std::string(power::to_string(*outcome.result))
                                                : "error: " + power::describe(outcome.result.error());
    }
    return states;
}

}  // namespace slumber::daemon
