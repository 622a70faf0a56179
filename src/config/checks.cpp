// Checks that need the whole file: each name once, each BMC once, and
// dependencies that point at things that exist.
#include <fmt/format.h>
#include <map>
#include <set>
#include <tuple>
#include <variant>

#include "config/addresses.hpp"
#include "config/sections.hpp"
#include "hostlist/hostlist.hpp"
#include "util/suggest.hpp"

namespace slumber::config {
namespace {

std::string_view kind_name(TargetKind kind) { return kind == TargetKind::node ? "[[node]]" : "[[device]]"; }

void check_unique_names(const Config& config, std::vector<ConfigError>& errors) {
    const std::string file = config.file.string();
    std::map<std::string_view, const PowerTarget*> seen;
    for (const auto* targets : {&config.nodes, &config.devices}) {
        for (const PowerTarget& target : *targets) {
            const auto [it, inserted] = seen.emplace(target.name, &target);
            if (inserted) continue;
            errors.push_back(ConfigError{file, target.line, fmt::format("{} {}", kind_name(target.kind), target.name),
                                         fmt::format("\"{}\" is defined twice: also in the {} at line {}", target.name,
                                                     kind_name(it->second->kind), it->second->line),
                                         "define each node or device once"});
        }
    }
}

// The options that pick this target among others behind its address, as
// written: "system Blade1", "relay 2"; empty where there are none.
std::string target_selector(const PowerTarget& target) {
    const power::DriverInfo* driver = power::find_driver(target.driver);
    if (driver == nullptr) return {};
    std::string selector;
    for (const std::string_view key : driver->target_options) {
        const auto it = target.options.find(key);
        if (it == target.options.end()) continue;
        std::string value;
        if (const auto* number = std::get_if<std::int64_t>(&it->second)) value = std::to_string(*number);
        if (const auto* text = std::get_if<std::string>(&it->second)) value = *text;
        selector += fmt::format("{}{} {}", selector.empty() ? "" : ", ", key, value);
    }
    return selector;
}

// Two nodes on one power controller is the "crossed addresses" mistake
// waiting to happen: switching one off would switch the other. A target is
// its whole address: a blade chassis' manager serves several systems, a power
// strip several relays, so the system, relay, channel or port is part of it.
// Addresses are compared as the controller they reach (address_identity):
// "BMC1.lan." is bmc1.lan (an IPv4 address not written as a plain dotted
// quad is refused before: check_address).
void check_unique_addresses(const Config& config, std::vector<ConfigError>& errors) {
    std::map<std::tuple<std::string_view, std::string, std::string>, const PowerTarget*> seen;
    for (const auto* targets : {&config.nodes, &config.devices}) {
        for (const PowerTarget& target : *targets) {
            if (target.address.empty()) continue;
            const power::DriverInfo* driver = power::find_driver(target.driver);
            std::string identity =
                driver == nullptr ? target.address : address_identity(driver->address, target.address);
            std::string selector = target_selector(target);
            const auto [it, inserted] =
                seen.emplace(std::tuple(std::string_view(target.driver), std::move(identity), selector), &target);
            if (inserted) continue;
            const std::string& first = it->second->address;
            const std::string address = first == target.address
                                            ? first
                                            : fmt::format("{} (written {} for {})", first, target.address, target.name);
            const std::string where = selector.empty() ? address : fmt::format("{} ({})", address, selector);
            errors.push_back(ConfigError{
                config.file.string(), target.line, fmt::format("{} {}", kind_name(target.kind), target.name),
                fmt::format("{} and {} both have the address {}", it->second->name, target.name, where),
                "every target needs its own power controller address (or its own system, relay or port behind "
                "one); check for a copy-paste slip"});
        }
    }
}

void check_dependencies(const Config& config, std::vector<ConfigError>& errors) {
    std::vector<std::string_view> devices;
    for (const PowerTarget& device : config.devices) devices.push_back(device.name);
    std::set<std::string_view> nodes;
    for (const PowerTarget& node : config.nodes) nodes.insert(node.name);

    int index = 0;
    for (const Dependency& dependency : config.dependencies) {
        const std::string key = fmt::format("[[dependency]] #{}", ++index);
        if (std::find(devices.begin(), devices.end(), dependency.device) == devices.end()) {
            auto near = util::closest_match(dependency.device, devices);
            errors.push_back(
                ConfigError{config.file.string(), dependency.line, key + ", device",
                            fmt::format("no [[device]] is named \"{}\"", dependency.device),
                            near ? fmt::format("did you mean \"{}\"?", *near) : "define it in a [[device]] section"});
        }
        std::vector<std::string> unknown;
        for (const std::string& node : dependency.nodes) {
            if (!nodes.contains(node)) unknown.push_back(node);
        }
        if (!unknown.empty()) {
            auto expression = hostlist::compress(unknown, false);
            errors.push_back(ConfigError{
                config.file.string(), dependency.line, key + ", nodes",
                fmt::format("{} not defined in any [[node]] group", expression ? *expression : unknown.front()),
                "list only nodes that slumber manages"});
        }
    }
}

}  // namespace

void check_consistency(const Config& config, std::vector<ConfigError>& errors) {
    check_unique_names(config, errors);
    check_unique_addresses(config, errors);
    check_dependencies(config, errors);
}

}  // namespace slumber::config
