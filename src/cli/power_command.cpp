// `slumber power on|off|soft|cycle|status HOSTLIST`: switch nodes and devices
// from the configuration, many at once, and report each one's outcome grouped
// as ipmipower does: "node[002-004]: on". `info` is in power_info.cpp.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <filesystem>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/power_targets.hpp"
#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/switching.hpp"
#include "util/duration.hpp"

namespace slumber::cli {
namespace {

constexpr std::array kActions{power::Action::on, power::Action::off, power::Action::soft, power::Action::cycle,
                              power::Action::status};

// What one target's line says: its state, "ok" for an action not read back,
// or the error in words.
std::string outcome_text(power::Action action, const power::Outcome& outcome) {
    if (!outcome.result) return "error: " + power::describe(outcome.result.error());
    if (action == power::Action::status || outcome.confirmed) return std::string(power::to_string(*outcome.result));
    return "ok";
}

nlohmann::json outcome_json(power::Action action, const power::Outcome& outcome) {
    nlohmann::json item{{"target", outcome.target},         {"action", power::to_string(action)},
                        {"ok", outcome.result.has_value()}, {"confirmed", outcome.confirmed},
                        {"attempts", outcome.attempts},     {"elapsed_ms", outcome.elapsed.count()}};
    if (outcome.result) {
        item["state"] = outcome.confirmed || action == power::Action::status
                            ? nlohmann::json(power::to_string(*outcome.result))
                            : nlohmann::json(nullptr);
    } else {
        const power::PowerError& error = outcome.result.error();
        item["error"] = {
            {"kind", power::to_string(error.kind)}, {"message", error.message}, {"bmc_said", error.bmc_said}};
    }
    return item;
}

// The drivers for `names`: those resolve_targets() built for the targets on
// the command line (`slumber power info` uses them too; one that could not be
// built fails its target with its own error, run_action()), and the devices
// they depend on from the configuration.
operate::DriverSet drivers_of(const PowerTargets& resolved, const std::vector<std::string>& names) {
    operate::DriverSet set;
    std::vector<std::string> others;
    for (const std::string& name : names) {
        const auto named = std::find_if(resolved.targets.begin(), resolved.targets.end(),
                                        [&](const config::PowerTarget* target) { return target->name == name; });
        if (named == resolved.targets.end()) {
            others.push_back(name);
            continue;
        }
        const auto& driver = resolved.drivers[static_cast<std::size_t>(named - resolved.targets.begin())];
        if (driver) {
            set.tasks.push_back(power::Task{name, driver->get(), (*named)->policy});
        } else {
            set.failed[name] = power::describe(driver.error());
        }
    }
    if (others.empty()) return set;
    operate::DriverSet built = operate::build_drivers(resolved.config, others);
    std::move(built.tasks.begin(), built.tasks.end(), std::back_inserter(set.tasks));
    std::move(built.drivers.begin(), built.drivers.end(), std::back_inserter(set.drivers));
    set.failed.merge(built.failed);
    return set;
}

int run_action(power::Action action, const PowerOptions& options, std::chrono::milliseconds wait,
               PowerTargets& resolved) {
    // An admin's command is one deliberate attempt, on a blocked target too:
    // its outcome updates the blocks the daemon and the hooks obey
    // (docs/power.md, "Blocked targets"). Without the journal (not readable
    // by this user) it only switches.
    std::error_code error;
    auto journal = std::filesystem::exists(resolved.config.daemon.journal(), error)
                       ? store::Journal::open(resolved.config.daemon.journal())
                       : std::unexpected(std::string("no journal"));
    operate::Blocks blocks(resolved.config, journal ? &*journal : nullptr, operate::Caller::deliberate,
                           operate::wall_clock_ms);
    operate::SwitchPlan plan{.action = action, .fanout = options.fanout};
    for (const config::PowerTarget* target : resolved.targets) plan.targets.push_back(target->name);
    if (options.wait) plan.wait = wait;
    // Devices the nodes depend on ([[dependency]]) go on first, as they do
    // for Slurm's resumes; a cycle ends with the node on too.
    if (action == power::Action::on || action == power::Action::cycle) {
        plan.dependencies = [&](const store::Event& event) {
            if (!options.json) fmt::print("{}: {}\n", event.node, event.detail);
        };
    }
    plan.source = [](std::size_t) { return std::string("slumber power"); };
    const operate::Switcher switcher{
        .drivers = [&resolved](const config::Config&, const std::vector<std::string>& names) {
            return drivers_of(resolved, names);
        }};
    std::vector<power::Outcome> outcomes;
    const auto switched = switcher.run(resolved.config, blocks, plan);
    for (std::size_t i = 0; i < switched.size(); ++i) {
        if (switched[i].not_called == operate::NotCalled::no_driver) {
            outcomes.push_back({plan.targets[i], std::unexpected(resolved.drivers[i].error()), false, 0, {}});
        } else {
            outcomes.push_back(switched[i].outcome);
        }
    }

    const bool all_ok =
        std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.result.has_value(); });
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& outcome : outcomes) list.push_back(outcome_json(action, outcome));
        fmt::print("{}\n", list.dump(2));
    } else {
        std::vector<std::pair<std::string, std::string>> lines;
        for (const auto& outcome : outcomes) lines.emplace_back(outcome.target, outcome_text(action, outcome));
        print_grouped(lines);
    }
    return to_int(all_ok ? ExitCode::ok : ExitCode::partial);
}

int run_power(const PowerOptions& options) {
    if (options.action == "info") {
        auto resolved = resolve_targets(options);
        return resolved ? run_power_info(options, *resolved) : to_int(resolved.error());
    }
    const auto action = std::find_if(kActions.begin(), kActions.end(),
                                     [&](power::Action a) { return power::to_string(a) == options.action; });
    if (action == kActions.end()) {
        fmt::print(stderr, "slumber: unknown action \"{}\"; one of: on, off, soft, cycle, status, info\n",
                   options.action);
        return to_int(ExitCode::usage);
    }
    auto wait = util::parse_duration(options.wait_timeout);
    if (!wait) {
        fmt::print(stderr, "slumber: --wait-timeout {}: {}\n", options.wait_timeout, wait.error());
        return to_int(ExitCode::usage);
    }
    auto resolved = resolve_targets(options);
    if (!resolved) return to_int(resolved.error());
    return run_action(*action, options, *wait, *resolved);
}

}  // namespace

void add_power_command(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<PowerOptions>();
    auto* command = app.add_subcommand("power", "Switch nodes and devices on or off, or ask their power state");
    command
        ->add_option("action", options->action,
                     "on, off, soft (ACPI shutdown), cycle, status, or info (BMC identity, GUID, power draw, sensors)")
        ->required();
    command->add_option("targets", options->targets, "node or device names, as a hostlist")->required();
    command->add_option("-c,--config", options->file, "configuration file")->capture_default_str();
    command->add_flag("--json", options->json, "one JSON object per target");
    command->add_option("--fanout", options->fanout, "targets switched at the same time")->capture_default_str();
    command->add_flag("--wait", options->wait, "confirm each change by polling its status until it holds");
    command->add_option("--wait-timeout", options->wait_timeout, "give up waiting after this long")
        ->capture_default_str();
    command->callback([options, &outcome] { outcome.exit_code = run_power(*options); });
}

}  // namespace slumber::cli
