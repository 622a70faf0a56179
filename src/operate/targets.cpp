#include "operate/targets.hpp"

#include <fmt/format.h>

#include <mutex>

#include "operate/blocks.hpp"
#include "operate/switching.hpp"
#include "power/factory.hpp"

namespace slumber::operate {
namespace {

// The credentials as the file says now: read again whenever its
// fingerprint changes; the configuration's copy when it cannot be read.
// Without either (a configuration loaded without credentials, a file this
// user may not read), no driver: it would log in without the password, and
// a refused login blocks the BMC (docs/power.md).
std::expected<power::TargetSettings, std::string> current_settings(const config::Config& config,
                                                                   const config::PowerTarget& target) {
    power::TargetSettings settings = config.settings_for(target);
    if (!target.credentials) return settings;
    const bool loaded = config.credentials.contains(*target.credentials);
    static std::mutex guard;
    static std::map<std::filesystem::path, std::pair<std::string, config::Credentials>> read;
    const std::string fingerprint = file_fingerprint(*target.credentials);
    const std::lock_guard lock(guard);
    auto it = read.find(*target.credentials);
    if (it == read.end() || it->second.first != fingerprint) {
        auto fresh = config::read_credentials(*target.credentials);
        if (!fresh && loaded) return settings;
        if (!fresh) return std::unexpected(fresh.error().message);
        it = read.insert_or_assign(*target.credentials, std::pair{fingerprint, std::move(*fresh)}).first;
    }
    settings.username = it->second.second.username;
    settings.password = it->second.second.password;
    settings.k_g = it->second.second.k_g;
    return settings;
}

}  // namespace

DriverSet build_drivers(const config::Config& config, const std::vector<std::string>& nodes) {
    DriverSet set;
    for (const std::string& node : nodes) {
        const config::PowerTarget* target = config.find(node);
        if (target == nullptr) {
            set.failed[node] = fmt::format("not in {}", config.file.string());
            continue;
        }
        const auto settings = current_settings(config, *target);
        if (!settings) {
            set.failed[node] = fmt::format("{}: {}", target->credentials->string(), settings.error());
            continue;
        }
        auto driver = power::make_driver(target->driver, *settings);
        if (!driver) {
            set.failed[node] = power::describe(driver.error());
            continue;
        }
        set.tasks.push_back({node, driver->get(), target->policy});
        set.drivers.push_back(std::move(*driver));
    }
    return set;
}

std::map<std::string, PowerReading> read_power(const config::Config& config, const std::vector<std::string>& nodes,
                                               Blocks& blocks, std::string_view source) {
    const SwitchPlan plan{.action = power::Action::status, .targets = nodes, .source = [source](std::size_t) {
                              return std::string(source);
                          }};
    std::map<std::string, PowerReading> states;
    for (const TargetOutcome& read : Switcher{}.run(config, blocks, plan)) {
        const power::Outcome& outcome = read.outcome;
        if (read.not_called == NotCalled::no_driver) {
            states[outcome.target] = std::unexpected(read.no_driver);
        } else {
            states[outcome.target] = outcome.result ? PowerReading(*outcome.result)
                                                    : std::unexpected(power::describe(outcome.result.error()));
        }
    }
    return states;
}

}  // namespace slumber::operate
