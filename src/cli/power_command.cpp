// `slumber power on|off|soft|cycle|status HOSTLIST`: switch nodes and devices
// from the configuration, many at once, and report each one's outcome grouped
// as ipmipower does: "node[002-004]: on".
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "config/config.hpp"
#include "hostlist/hostlist.hpp"
#include "power/executor.hpp"
#include "power/factory.hpp"
#include "util/duration.hpp"

namespace slumber::cli {
namespace {

struct PowerOptions {
    std::string action;
    std::string targets;
    std::string file{config::kDefaultPath};
    bool json = false;
    int fanout = 64;
    bool wait = false;
    std::string wait_timeout = "2m";
};

constexpr std::array kActions{power::Action::on, power::Action::off, power::Action::soft, power::Action::cycle,
                              power::Action::status};

power::TargetSettings settings_for(const config::Config& config, const config::PowerTarget& target) {
    power::TargetSettings settings{target.name, target.address, target.options, {}, {}, {}, target.policy};
    if (target.credentials) {
        if (const auto it = config.credentials.find(*target.credentials); it != config.credentials.end()) {
            settings.username = it->second.username;
            settings.password = it->second.password;
            settings.k_g = it->second.k_g;
        }
    }
    return settings;
}

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

int run_power(const PowerOptions& options) {
    const auto action = std::find_if(kActions.begin(), kActions.end(),
                                     [&](power::Action a) { return power::to_string(a) == options.action; });
    if (action == kActions.end()) {
        fmt::print(stderr, "slumber: unknown action \"{}\"; one of: on, off, soft, cycle, status\n", options.action);
        return to_int(ExitCode::usage);
    }
    auto wait = util::parse_duration(options.wait_timeout);
    if (!wait) {
        fmt::print(stderr, "slumber: --wait-timeout {}: {}\n", options.wait_timeout, wait.error());
        return to_int(ExitCode::usage);
    }
    if (options.fanout < 1) {
        fmt::print(stderr, "slumber: --fanout {}: give at least 1\n", options.fanout);
        return to_int(ExitCode::usage);
    }
    auto names = hostlist::expand(options.targets);
    if (!names) {
        fmt::print(stderr, "slumber: {}\n", hostlist::describe(names.error(), options.targets));
        return to_int(ExitCode::usage);
    }
    auto loaded = config::load(options.file);
    if (!loaded) {
        for (const auto& error : loaded.error()) fmt::print(stderr, "{}\n", config::format(error));
        return to_int(ExitCode::config);
    }
    const config::Config& config = *loaded;

    std::vector<std::string> unknown;
    std::vector<const config::PowerTarget*> targets;
    for (const std::string& name : *names) {
        const config::PowerTarget* target = config.find(name);
        if (target == nullptr) {
            unknown.push_back(name);
        } else if (std::find(targets.begin(), targets.end(), target) == targets.end()) {
            targets.push_back(target);
        }
    }
    if (!unknown.empty()) {
        fmt::print(stderr, "slumber: not in {}: {}\n", config.file.string(),
                   hostlist::compress(unknown, false).value_or("?"));
        return to_int(ExitCode::usage);
    }

    // Targets whose driver cannot be built fail alone; the others go ahead.
    std::vector<std::unique_ptr<power::Driver>> drivers;
    std::vector<power::Task> tasks;
    std::vector<power::Outcome> outcomes(targets.size());
    std::vector<std::size_t> task_index;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        auto driver = power::make_driver(targets[i]->driver, settings_for(config, *targets[i]));
        if (!driver) {
            outcomes[i] = power::Outcome{targets[i]->name, std::unexpected(driver.error()), false, 0, {}};
            continue;
        }
        tasks.push_back(power::Task{targets[i]->name, driver->get(), targets[i]->policy});
        task_index.push_back(i);
        drivers.push_back(std::move(*driver));
    }
    power::Executor executor;
    power::ExecutorOptions run_options{.fanout = options.fanout};
    if (options.wait) run_options.wait = *wait;
    auto done = executor.run(*action, tasks, run_options);
    for (std::size_t i = 0; i < done.size(); ++i) outcomes[task_index[i]] = std::move(done[i]);

    const bool all_ok =
        std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.result.has_value(); });
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& outcome : outcomes) list.push_back(outcome_json(*action, outcome));
        fmt::print("{}\n", list.dump(2));
    } else {
        // Grouped by identical text, in the order the texts first appear.
        std::vector<std::pair<std::string, std::vector<std::string>>> groups;
        for (const auto& outcome : outcomes) {
            const std::string text = outcome_text(*action, outcome);
            auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == text; });
            if (group == groups.end()) group = groups.insert(groups.end(), {text, {}});
            group->second.push_back(outcome.target);
        }
        for (const auto& [text, members] : groups) {
            fmt::print("{}: {}\n", hostlist::compress(members, true).value_or("?"), text);
        }
    }
    return to_int(all_ok ? ExitCode::ok : ExitCode::partial);
}

}  // namespace

void add_power_command(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<PowerOptions>();
    auto* command = app.add_subcommand("power", "Switch nodes and devices on or off, or ask their power state");
    command->add_option("action", options->action, "on, off, soft (ACPI shutdown), cycle or status")->required();
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
