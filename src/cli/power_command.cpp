// `slumber power on|off|soft|cycle|status HOSTLIST`: switch nodes and devices
// from the configuration, many at once, and report each one's outcome grouped
// as ipmipower does: "node[002-004]: on". A node Slurm shows running a job is
// not powered off (off, soft, cycle). `info` is in power_info.cpp.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/power_targets.hpp"
#include "hostlist/hostlist.hpp"
#include "operate/blocks.hpp"
#include "service/power_action.hpp"
#include "service/power_json.hpp"
#include "slurm/scontrol.hpp"
#include "util/duration.hpp"

namespace slumber::cli {
namespace {

// What one target's line says: its state, "ok" for an action not read back,
// or the error in words.
std::string outcome_text(power::Action action, const power::Outcome& outcome) {
    if (!outcome.result) return "error: " + power::describe(outcome.result.error());
    if (action == power::Action::status || outcome.confirmed) return std::string(power::to_string(*outcome.result));
    return "ok";
}

// For `status`: each target under a crossed block, with its partner. The
// state its BMC address reads may be the partner's machine's (a tester's
// `power status` of a blocked node said a bare "on", its partner's).
// Nothing when the journal cannot be read: the state is shown as read.
std::map<std::string, std::string> crossed_partners(const config::Config& config,
                                                    const std::vector<power::Outcome>& outcomes) {
    std::map<std::string, std::string> partners;
    auto journal = store::JournalReader::open(config.daemon.journal());
    if (!journal) return partners;
    std::vector<std::string> targets;
    for (const auto& outcome : outcomes) targets.push_back(outcome.target);
    for (const store::Block& block : (*journal)->blocks(targets).value_or(std::vector<store::Block>{})) {
        if (const auto partner = operate::crossed_partner(block)) partners.emplace(block.target, *partner);
    }
    return partners;
}

// For an action that powers off: the nodes Slurm shows running a job are
// taken out of `resolved`, refused. When Slurm cannot be asked, every node
// is refused too: a slurmctld that is down leaves the jobs running. An
// admin who knows (a rig without Slurm, a hung node while slurmctld is
// down) says --without-slurm, and standard error says what was not checked.
std::vector<service::Refused> refuse_busy_nodes(power::Action action, const PowerOptions& options,
                                                PowerTargets& resolved) {
    if (!service::powers_off(action)) return {};
    std::vector<std::string> nodes;
    for (const config::PowerTarget* target : resolved.targets) {
        if (target->kind == config::TargetKind::node) nodes.push_back(target->name);
    }
    if (nodes.empty()) return {};
    const slurm::Scontrol scontrol(resolved.config.slurm.bin_dir, resolved.config.slurm.conf);
    const auto view = scontrol.nodes();
    if (!view && !options.without_slurm)
        return service::refuse_unchecked_nodes(resolved, action, view.error(), "slumber power");
    if (!view) {
        fmt::print(stderr,
                   "slumber: cannot ask Slurm whether {} run a job ({}); switching as asked (--without-slurm)\n",
                   hostlist::compress(nodes, false).value_or("the nodes"), view.error());
        return {};
    }
    return service::refuse_busy_nodes(resolved, action, *view, "slumber power");
}

int run_action(power::Action action, const PowerOptions& options, std::chrono::milliseconds wait,
               PowerTargets& resolved) {
    const std::vector<service::Refused> refused = refuse_busy_nodes(action, options, resolved);
    service::PowerRequest request{.action = action, .fanout = options.fanout};
    if (options.wait) request.wait = wait;
    request.crossed_look = !options.without_slurm;
    request.warn = [](const std::string& line) { fmt::print(stderr, "slumber: {}\n", line); };
    if (!options.json) {
        request.devices = [](const store::Event& event) { fmt::print("{}: {}\n", event.node, event.detail); };
    }
    const std::vector<power::Outcome> outcomes =
        resolved.targets.empty() ? std::vector<power::Outcome>{} : service::switch_power(resolved, request);

    const bool all_ok = refused.empty() && std::all_of(outcomes.begin(), outcomes.end(),
                                                       [](const auto& o) { return o.result.has_value(); });
    const auto partners = action == power::Action::status ? crossed_partners(resolved.config, outcomes)
                                                          : std::map<std::string, std::string>{};
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& outcome : outcomes) {
            nlohmann::json entry = service::to_json(action, outcome);
            if (const auto partner = partners.find(outcome.target); partner != partners.end()) {
                entry["crossed_with"] = partner->second;
            }
            list.push_back(std::move(entry));
        }
        for (const auto& node : refused) {
            list.push_back(
                {{"target", node.target}, {"action", power::to_string(action)}, {"ok", false}, {"refused", node.why}});
        }
        fmt::print("{}\n", list.dump(2));
    } else {
        std::vector<std::pair<std::string, std::string>> lines;
        for (const auto& outcome : outcomes) {
            std::string text = outcome_text(action, outcome);
            if (const auto partner = partners.find(outcome.target); partner != partners.end()) {
                text += fmt::format(" (its BMC address is blocked as crossed with {0}'s: this may be {0}'s machine)",
                                    partner->second);
            }
            lines.emplace_back(outcome.target, std::move(text));
        }
        for (const auto& node : refused) lines.emplace_back(node.target, "refused: " + node.why);
        print_grouped(lines);
    }
    return to_int(all_ok ? ExitCode::ok : ExitCode::partial);
}

int run_power(const PowerOptions& options) {
    if (options.action == "info") {
        auto resolved = resolve_targets(options);
        return resolved ? run_power_info(options, *resolved) : to_int(resolved.error());
    }
    const std::optional<power::Action> action = power::action_from(options.action);
    if (!action) {
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
    command->add_flag("--without-slurm", options->without_slurm,
                      "off, soft, cycle: switch nodes even when Slurm cannot say whether they run a job "
                      "(slurmctld down, a rig without Slurm); refused otherwise. Every action: no look at "
                      "Slurm after it for the crossed-address watch");
    command->add_flag("--wait", options->wait, "confirm each change by polling its status until it holds");
    command->add_option("--wait-timeout", options->wait_timeout, "give up waiting after this long")
        ->capture_default_str();
    command->callback([options, &outcome] { outcome.exit_code = run_power(*options); });
}

}  // namespace slumber::cli
