// `slumber status` (each node as Slurm, its BMC and the journal see it) and
// `slumber unblock`.
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/power_targets.hpp"
#include "daemon/blocks.hpp"
#include "daemon/carrier.hpp"
#include "daemon/reconciler.hpp"
#include "daemon/reload.hpp"
#include "daemon/shared_journal.hpp"
#include "daemon/targets.hpp"
#include "daemon/wake.hpp"
#include "engine/boot_stats.hpp"
#include "engine/recovery.hpp"
#include "hostlist/hostlist.hpp"
#include "slurm/caller.hpp"
#include "slurm/hook.hpp"
#include "slurm/scontrol.hpp"
#include "slurm/slurm_conf.hpp"
#include "store/journal.hpp"
#include "util/safe_text.hpp"

namespace slumber::cli {
namespace {

struct StatusOptions {
    std::string file{config::kDefaultPath};
    std::string nodes;
    bool json = false;
};

std::string seconds_text(std::int64_t ms) { return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0); }

nlohmann::json block_json(const store::Block& block) {
    return {{"action", block.action ? nlohmann::json(power::to_string(*block.action)) : nlohmann::json("every")},
            {"kind", power::to_string(block.kind)},
            {"error", block.words},
            {"since_ms", block.since},
            {"met_by", block.source}};
}

void print_blocks(const std::vector<store::Block>& blocks, store::TimeMs now) {
    if (blocks.empty()) return;
    fmt::print(
        "\nBLOCKED: failures that cannot heal by themselves; slumber does not call these again until their\n"
        "credentials file changes or `slumber unblock TARGETS`:\n");
    for (const store::Block& block : blocks) {
        fmt::print("{:<12} {} for {} min: {} (met by {})\n", block.target,
                   block.action ? fmt::format("{} blocked", power::to_string(*block.action)) : "blocked",
                   (now - block.since) / 60000, block.words, block.source);
    }
}

int run_status(const StatusOptions& options) {
    // Anyone may look: the BMCs of credentials files this user may not read
    // (the daemon's, mode 600) are not asked, and their POWER shows "-".
    auto loaded = config::load(options.file, {.unreadable_credentials = true});
    if (!loaded) {
        for (const auto& error : loaded.error()) fmt::print(stderr, "{}\n", config::format(error));
        return to_int(ExitCode::config);
    }
    const config::Config& config = *loaded;
    // The daemon decides with the configuration it loaded, not with the file.
    if (auto warning = daemon::running_config_warning(config)) fmt::print(stderr, "slumber: warning: {}\n", *warning);
    std::vector<std::string> nodes;
    if (options.nodes.empty()) {
        for (const auto& target : config.nodes) nodes.push_back(target.name);
    } else {
        auto names = hostlist::expand(options.nodes);
        if (!names) {
            fmt::print(stderr, "slumber: {}\n", hostlist::describe(names.error(), options.nodes));
            return to_int(ExitCode::usage);
        }
        nodes = std::move(*names);
    }
    auto journal = daemon::open_journal(config.daemon, config.slurm);
    if (!journal) {
        fmt::print(stderr, "slumber: {}\n", journal.error());
        return to_int(ExitCode::partial);
    }
    std::map<std::string, slurm::NodeState> slurm_view;
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    if (auto states = scontrol.nodes()) {
        for (auto& state : *states) slurm_view.emplace(state.name, std::move(state));
    } else {
        fmt::print(stderr, "slumber: {}\n", states.error());
    }
    // Blocked targets are not asked (a `watch slumber status` must not
    // hammer a BMC that refused the password); they are listed below.
    daemon::Blocks gate(config, &*journal, daemon::Caller::automatic, daemon::wall_clock_ms);
    std::vector<std::string> asked;
    std::set<std::string> unread;
    for (const std::string& node : nodes) {
        const config::PowerTarget* target = config.find(node);
        if (target != nullptr && target->credentials && config.unreadable_credentials.contains(*target->credentials)) {
            unread.insert(target->credentials->string());
        } else {
            asked.push_back(node);
        }
    }
    auto power = daemon::read_power(config, asked, gate, "slumber status");
    for (const std::string& node : nodes) power.emplace(node, "-");
    const auto blocks = journal->blocks(options.nodes.empty() ? std::vector<std::string>{} : nodes)
                            .value_or(std::vector<store::Block>{});
    const auto latest = journal->latest_requests().value_or(std::map<std::string, store::Request>{});
    std::map<std::string, engine::BootStats> boots;
    for (auto& stats : daemon::measured_boots(*journal, nodes)) {
        if (!stats.node.empty()) boots[stats.node] = stats;
    }

    nlohmann::json list = nlohmann::json::array();
    if (!options.json) {
        fmt::print("{:<12} {:<34} {:<6} {:<40} {}\n", "NODE", "SLURM", "POWER", "LAST REQUEST", "BOOTS (median/max)");
    }
    const store::TimeMs now = daemon::wall_clock_ms();
    for (const std::string& node : nodes) {
        const auto state = slurm_view.find(node);
        const std::string slurm_text = state == slurm_view.end() ? "?" : state->second.state_text();
        const auto power_it = power.find(node);
        const bool blocked = std::any_of(blocks.begin(), blocks.end(), [&](const store::Block& block) {
            return block.target == node && (!block.action || *block.action == power::Action::status);
        });
        const std::string power_text = blocked ? "blocked" : power_it == power.end() ? "?" : power_it->second;
        std::string request_text = "-";
        if (const auto it = latest.find(node); it != latest.end()) {
            const store::Request& r = it->second;
            request_text =
                fmt::format("{} by {} {}s ago: {}", power::to_string(r.action), r.source, (now - r.time) / 1000,
                            r.outcome.empty() ? std::string(store::to_string(r.state)) : r.outcome);
        }
        const auto boot = boots.find(node);
        // Slurm's view against the BMC's: a drained node kept on, a power loss.
        std::string disagreement;
        if (state != slurm_view.end() && (power_text == "on" || power_text == "off")) {
            disagreement = engine::power_disagreement(
                state->second, power_text == "on" ? power::PowerState::on : power::PowerState::off);
        }
        if (options.json) {
            nlohmann::json item{{"node", node}, {"slurm", slurm_text}, {"power", power_text}};
            if (!disagreement.empty()) item["disagreement"] = disagreement;
            if (state != slurm_view.end()) {
                item["reason"] = state->second.reason;
                item["sinfo"] = slurm::sinfo_state(state->second);  // "idle~", as sinfo %t prints it
            }
            if (const auto it = latest.find(node); it != latest.end()) {
                item["last_request"] = {{"action", power::to_string(it->second.action)},
                                        {"source", it->second.source},
                                        {"time_ms", it->second.time},
                                        {"state", store::to_string(it->second.state)},
                                        {"outcome", it->second.outcome}};
            }
            for (const store::Block& block : blocks) {
                if (block.target == node) item["blocked"].push_back(block_json(block));
            }
            if (boot != boots.end()) {
                item["boots"] = {{"count", boot->second.count},
                                 {"median_ms", boot->second.median_ms},
                                 {"p95_ms", boot->second.p95_ms},
                                 {"max_ms", boot->second.max_ms}};
            }
            list.push_back(std::move(item));
        } else {
            const std::string boot_text = boot == boots.end() ? "-"
                                                              : fmt::format("{} ({}/{})", boot->second.count,
                                                                            seconds_text(boot->second.median_ms),
                                                                            seconds_text(boot->second.max_ms));
            fmt::print("{:<12} {:<34} {:<6} {:<40} {}\n", node, util::safe_text(slurm_text), power_text,
                       util::safe_text(request_text).substr(0, 40), boot_text);
            if (!disagreement.empty()) fmt::print("{:<12} ! {}\n", "", util::safe_text(disagreement));
        }
    }
    if (options.json) {
        fmt::print("{}\n", list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        print_blocks(blocks, now);
    }
    if (!unread.empty()) {
        fmt::print(stderr, "slumber: POWER -: BMCs not asked, {} cannot read {} (the daemon reads it)\n",
                   slurm::user_name(::geteuid()), fmt::join(unread, ", "));
    }
    return to_int(ExitCode::ok);
}

struct UnblockOptions {
    std::string file{config::kDefaultPath};
    std::string targets;
};

// `slumber unblock TARGETS`: an admin clears blocks (after fixing the BMC's
// account, say), and returns to service the nodes slumber drained for them.
int run_unblock(const UnblockOptions& options) {
    auto loaded = config::load(options.file);
    if (!loaded) {
        for (const auto& error : loaded.error()) fmt::print(stderr, "{}\n", config::format(error));
        return to_int(ExitCode::config);
    }
    auto names = hostlist::expand(options.targets);
    if (!names) {
        fmt::print(stderr, "slumber: {}\n", hostlist::describe(names.error(), options.targets));
        return to_int(ExitCode::usage);
    }
    auto journal = daemon::open_journal(loaded->daemon, loaded->slurm);
    if (!journal) {
        fmt::print(stderr, "slumber: {}\n", journal.error());
        return to_int(ExitCode::partial);
    }
    // A name that is neither in the configuration nor blocked is a typo:
    // refused before anything changes. A block left by a target since
    // removed from the file can still be lifted.
    const auto blocked = journal->blocks(*names);
    if (!blocked) {
        fmt::print(stderr, "slumber: journal: {}\n", blocked.error());
        return to_int(ExitCode::partial);
    }
    std::vector<std::string> unknown;
    for (const std::string& target : *names) {
        const bool has_block = std::any_of(blocked->begin(), blocked->end(),
                                           [&](const store::Block& block) { return block.target == target; });
        if (loaded->find(target) == nullptr && !has_block) unknown.push_back(target);
    }
    if (!unknown.empty()) {
        fmt::print(stderr, "slumber: not in {} and not blocked: {}\n", loaded->file.string(),
                   hostlist::compress(unknown, false).value_or("?"));
        return to_int(ExitCode::usage);
    }
    const slurm::Scontrol scontrol(loaded->slurm.bin_dir, loaded->slurm.conf);
    std::map<std::string, slurm::NodeState> slurm_view;
    if (auto states = scontrol.nodes()) {
        for (auto& state : *states) slurm_view.emplace(state.name, std::move(state));
    }
    std::vector<std::pair<std::string, std::string>> lines;
    bool all_ok = true;
    bool woken = false;
    for (const std::string& target : *names) {
        auto lifted =
            journal->remove_blocks(target, std::nullopt, "lifted by `slumber unblock`", daemon::wall_clock_ms());
        if (!lifted) {
            all_ok = false;
            lines.emplace_back(target, "error: journal: " + lifted.error());
            continue;
        }
        std::string text = *lifted > 0 ? "unblocked" : "was not blocked";
        const auto state = slurm_view.find(target);
        if (state != slurm_view.end() && state->second.has("DRAIN") &&
            state->second.reason.starts_with(daemon::kBlockDrainPrefix)) {
            const auto resumed = scontrol.update(target, "RESUME");
            text += resumed ? "; back in service in Slurm" : "; could not resume it in Slurm: " + resumed.error();
            all_ok = all_ok && resumed.has_value();
        }
        // Slurm is still waking it for a job: the power-on the block refused
        // is asked for again, or the job would wait out ResumeTimeout.
        if (*lifted > 0 && state != slurm_view.end() && state->second.powering_up()) {
            const std::vector<std::string> node{target};
            const auto asked = journal->add_requests(node, power::Action::on, "unblock", daemon::wall_clock_ms(),
                                                     "Slurm is waking it and its block was lifted");
            text += asked ? "; power-on asked again" : "; could not ask for its power-on: " + asked.error();
            all_ok = all_ok && asked.has_value();
            woken = woken || asked.has_value();
        }
        lines.emplace_back(target, text);
    }
    print_grouped(lines);
    if (woken && !daemon::wake_daemon(loaded->daemon.socket())) {
        fmt::print(stderr, "slumber: no daemon listening on {}: run `slumber power on` for the nodes above\n",
                   loaded->daemon.socket().string());
    }
    return to_int(all_ok ? ExitCode::ok : ExitCode::partial);
}

}  // namespace

void add_status_commands(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<StatusOptions>();
    auto* status = app.add_subcommand("status", "Each node as Slurm, its BMC and slumber's journal see it");
    status->add_option("nodes", options->nodes, "only these nodes (hostlist); default every configured node");
    status->add_option("-c,--config", options->file, "configuration file")->capture_default_str();
    status->add_flag("--json", options->json, "one JSON object per node");
    status->callback([options, &outcome] { outcome.exit_code = run_status(*options); });

    auto unblock_options = std::make_shared<UnblockOptions>();
    auto* unblock = app.add_subcommand(
        "unblock", "Let slumber call these targets again after a failure that cannot heal (e.g. a refused password)");
    unblock->add_option("targets", unblock_options->targets, "node or device names, as a hostlist")->required();
    unblock->add_option("-c,--config", unblock_options->file, "configuration file")->capture_default_str();
    unblock->callback([unblock_options, &outcome] { outcome.exit_code = run_unblock(*unblock_options); });
}

}  // namespace slumber::cli
