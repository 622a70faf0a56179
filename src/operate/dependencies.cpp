#include "operate/dependencies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "hostlist/hostlist.hpp"
#include "operate/switching.hpp"
#include "util/duration.hpp"

namespace slumber::operate {
namespace {

// A device that failed to switch off is tried again this much later.
constexpr store::TimeMs kRetryOffAfter = 60'000;

// One lock per device, for the whole process: two batches that need the same
// switch must not both switch it and both wait out its settle time.
std::mutex& device_lock(const std::string& device) {
    static std::mutex guard;
    static std::map<std::string, std::unique_ptr<std::mutex>> locks;
    const std::lock_guard lock(guard);
    auto& slot = locks[device];
    if (!slot) slot = std::make_unique<std::mutex>();
    return *slot;
}

std::string names(const std::vector<std::string>& nodes) {
    auto compressed = hostlist::compress(nodes, true);
    return compressed ? *compressed : fmt::format("{}", fmt::join(nodes, ","));
}

// Runs one action on one device through the executor (retries, backoff,
// confirmation); the outcome. A blocked device is not contacted.
power::Outcome switch_device(const Switcher& switcher, const config::Config& config, const std::string& device,
                             power::Action action, Blocks& blocks, std::string_view source) {
    const SwitchPlan plan{
        .action = action, .targets = {device}, .fanout = 1, .wait = kConfirmWithin, .source = [source](std::size_t) {
            return std::string(source);
        }};
    return switcher.run(config, blocks, plan).front().outcome;
}

}  // namespace

std::vector<engine::DeviceGroup> device_groups(std::span<const config::Dependency> dependencies) {
    std::vector<engine::DeviceGroup> groups;
    groups.reserve(dependencies.size());
    for (const config::Dependency& dependency : dependencies) {
        groups.push_back({dependency.device, dependency.nodes,
                          std::chrono::duration_cast<std::chrono::milliseconds>(dependency.off_after).count()});
    }
    return groups;
}

std::map<std::string, power::PowerError> bring_up_dependencies(const config::Config& config,
                                                               const std::vector<std::string>& nodes,
                                                               const DeviceLog& log,
                                                               const std::function<store::TimeMs()>& now,
                                                               Blocks& blocks, const Switcher* switcher) {
    const Switcher real;
    const Switcher& use = switcher != nullptr ? *switcher : real;
    std::map<std::string, power::PowerError> blocked;
    for (const DeviceNeed& need : engine::devices_needed(device_groups(config.dependencies), nodes)) {
        const std::string who = names(need.nodes);
        const std::lock_guard lock(device_lock(need.device));
        const std::string source = fmt::format("a power-on of {}", who);
        const power::Outcome status = switch_device(use, config, need.device, power::Action::status, blocks, source);
        if (status.result && *status.result == power::PowerState::on) continue;
        const power::Outcome on = switch_device(use, config, need.device, power::Action::on, blocks, source);
        if (!on.result) {
            const std::string why = power::describe(on.result.error());
            log({0, now(), need.device, std::nullopt, store::EventKind::failed,
                 fmt::format("{} did not come on for {}, which depend on it: {}", need.device, who, why),
                 store::OutcomeKind::error, power::Action::on});
            for (const std::string& node : need.nodes) {
                blocked[node] = {on.result.error().kind,
                                 fmt::format("{}, which it depends on, did not come on: {}", need.device, why),
                                 {}};
            }
            continue;
        }
        const config::PowerTarget* device = config.find(need.device);
        const auto settle = device != nullptr ? device->settle : util::Duration{0};
        log({0, now(), need.device, std::nullopt, store::EventKind::power_on,
             fmt::format("switched on for {}, which depend on it, after {} attempt(s), {} ms{}", who, on.attempts,
                         on.elapsed.count(),
                         settle.count() > 0 ? fmt::format("; settling for {}", util::format_duration(settle)) : ""),
             store::OutcomeKind::ok, power::Action::on});
        use.clock->sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(settle));
    }
    return blocked;
}

std::vector<std::string> DeviceKeeper::run(const std::vector<slurm::NodeState>& nodes, store::TimeMs now,
                                           const DeviceLog& log, Blocks& blocks) {
    std::vector<std::string> done;
    if (m_config->dependencies.empty()) return done;
    for (const slurm::NodeState& node : nodes) {
        // POWER_UP: a power-up asked of Slurm and queued for its next
        // power-saving pass; the node still shows POWERED_DOWN, and its
        // resume would wait for the device switched off under it.
        const bool asleep =
            node.powered_down() && !node.powering_up() && !node.has("POWER_UP") && !node.has("POWERING_DOWN");
        if (!asleep) {
            m_asleep_since.erase(node.name);
        } else {
            m_asleep_since.try_emplace(node.name, now);
        }
    }
    auto asleep_since = [&](const std::string& node) -> std::optional<store::TimeMs> {
        const auto it = m_asleep_since.find(node);
        return it == m_asleep_since.end() ? std::nullopt : std::optional(it->second);
    };
    const std::vector<std::string> idle =
        engine::devices_idle(device_groups(m_config->dependencies), asleep_since, now);
    // A device that is needed again may be switched off again later.
    std::erase_if(m_switched_off,
                  [&](const std::string& device) { return std::find(idle.begin(), idle.end(), device) == idle.end(); });
    for (const std::string& device : idle) {
        if (m_switched_off.contains(device)) continue;
        if (const auto failed = m_failed_at.find(device);
            failed != m_failed_at.end() && now - failed->second < kRetryOffAfter) {
            continue;
        }
        const std::lock_guard lock(device_lock(device));
        const power::Outcome off = switch_device(Switcher{.drivers = m_drivers, .clock = m_clock}, *m_config, device,
                                                 power::Action::off, blocks, "the daemon, its nodes asleep");
        if (!off.result) {
            m_failed_at[device] = now;
            const std::string why = power::describe(off.result.error());
            // A blocked device fails alike every time: journaled once.
            if (off.attempts > 0 || std::exchange(m_last_failure[device], why) != why) {
                log({0, now, device, std::nullopt, store::EventKind::failed,
                     fmt::format("switching {} off failed: {}", device, why), store::OutcomeKind::error,
                     power::Action::off});
            }
            done.push_back(fmt::format("{}: switching off failed: {}", device, why));
            continue;
        }
        m_switched_off.insert(device);
        m_failed_at.erase(device);
        m_last_failure.erase(device);
        log({0, now, device, std::nullopt, store::EventKind::power_off,
             "every node that depends on it asleep for its off_after", store::OutcomeKind::ok, power::Action::off});
        done.push_back(fmt::format("{}: switched off, every node that depends on it asleep", device));
    }
    return done;
}

}  // namespace slumber::operate
