// `slumber status` (each node as Slurm, its BMC and the journal see it) and
// `slumber unblock`.
#include <unistd.h>

#include <fmt/format.h>

#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/nodes_argument.hpp"
#include "cli/power_targets.hpp"
#include "hostlist/hostlist.hpp"
#include "service/node_view.hpp"
#include "service/node_view_json.hpp"
#include "service/unblock.hpp"
#include "slurm/caller.hpp"
#include "store/journal.hpp"
#include "util/safe_text.hpp"
#include "util/wake_socket.hpp"

namespace slumber::cli {
namespace {

struct StatusOptions {
    std::string file{config::kDefaultPath};
    std::string nodes;
    bool json = false;
};

std::string seconds_text(std::int64_t ms) { return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0); }

// Crossed addresses apart: no new password lifts them, and each pair is
// said once, with what the daemon saw.
void print_crossed(const std::vector<store::Block>& blocks, store::TimeMs now) {
    std::vector<const store::Block*> pairs;
    for (const store::Block& block : blocks) {
        if (block.kind != power::ErrorKind::crossed) continue;
        const bool partner_shown = std::any_of(pairs.begin(), pairs.end(),
                                               [&](const store::Block* shown) { return shown->words == block.words; });
        if (!partner_shown) pairs.push_back(&block);
    }
    if (pairs.empty()) return;
    fmt::print(
        "\nCROSSED: BMC addresses that look crossed, from what slumber's power changes did; slumber does nothing\n"
        "automatically to these nodes until `slumber unblock` lifts them (a new credentials file does not):\n");
    for (const store::Block* block : pairs) {
        fmt::print("{} min ago: {}\n", (now - block->since) / 60000, util::safe_text(block->words));
    }
}

void print_blocks(const std::vector<store::Block>& blocks, store::TimeMs now) {
    print_crossed(blocks, now);
    std::vector<const store::Block*> others;
    for (const store::Block& block : blocks) {
        if (block.kind != power::ErrorKind::crossed) others.push_back(&block);
    }
    if (others.empty()) return;
    fmt::print(
        "\nBLOCKED: failures that cannot heal by themselves; slumber does not call these again until their\n"
        "credentials file (a refused password) or settings in slumber.toml change, or `slumber unblock TARGETS`:\n");
    for (const store::Block* block : others) {
        fmt::print("{:<12} {} for {} min: {} (met by {})\n", block->target,
                   block->action ? fmt::format("{} blocked", power::to_string(*block->action)) : "blocked",
                   (now - block->since) / 60000, util::safe_text(block->words), util::safe_text(block->source));
    }
}

void print_table(const service::ClusterView& view) {
    struct Row {
        std::string node, slurm, power, request, boots, disagreement;
    };
    std::vector<Row> rows;
    // Columns as wide as their longest entry, and at least as wide as a
    // cluster's usual names and states need: a long node name or a state
    // with many flags (IDLE+DRAIN+POWERED_DOWN+NOT_RESPONDING) shifts the
    // columns after it instead of running into them.
    std::size_t node_width = 12;
    std::size_t slurm_width = 34;
    std::size_t power_width = 6;
    for (const service::NodeView& node : view.nodes) {
        Row row{util::safe_text(node.name),
                util::safe_text(node.slurm ? node.slurm->state_text() : "?"),
                util::safe_text(node.power.text()),
                "-",
                "-",
                util::safe_text(node.disagreement)};
        if (node.last_request) {
            const store::Request& r = *node.last_request;
            row.request =
                util::safe_text(fmt::format("{} by {} {}s ago: {}", power::to_string(r.action),
                                            store::to_string(r.source), (view.time - r.time) / 1000,
                                            r.outcome.empty() ? std::string(store::to_string(r.state)) : r.outcome))
                    .substr(0, 40);
        }
        if (node.boots) {
            row.boots = fmt::format("{} ({}/{})", node.boots->count, seconds_text(node.boots->median_ms),
                                    seconds_text(node.boots->max_ms));
        }
        node_width = std::max(node_width, row.node.size());
        slurm_width = std::max(slurm_width, row.slurm.size());
        power_width = std::max(power_width, row.power.size());
        rows.push_back(std::move(row));
    }
    const auto line = [&](std::string_view node, std::string_view slurm, std::string_view power,
                          std::string_view request, std::string_view boots) {
        fmt::print("{:<{}} {:<{}} {:<{}} {:<40} {}\n", node, node_width, slurm, slurm_width, power, power_width,
                   request, boots);
    };
    line("NODE", "SLURM", "POWER", "LAST REQUEST", "BOOTS (median/max)");
    for (const Row& row : rows) {
        line(row.node, row.slurm, row.power, row.request, row.boots);
        if (!row.disagreement.empty()) fmt::print("{:<{}} ! {}\n", "", node_width, row.disagreement);
    }
    print_blocks(view.blocks, view.time);
}

int run_status(const StatusOptions& options) {
    // Anyone may look: the BMCs of credentials files this user may not read
    // (the daemon's, mode 600) or that slumber refuses (group-readable) are
    // not asked, and their POWER shows "-" with the reason below the table.
    auto loaded = config::load(options.file, {.unreadable_credentials = true, .refused_credentials = true});
    if (!loaded) {
        for (const auto& error : loaded.error()) fmt::print(stderr, "{}\n", config::format(error));
        return to_int(ExitCode::config);
    }
    const auto nodes = nodes_argument(options.nodes);
    if (!nodes) return to_int(nodes.error());
    // A typo must not pass for a node that Slurm and its BMC know nothing of.
    std::vector<std::string> unknown;
    for (const std::string& node : *nodes) {
        if (loaded->find(node) == nullptr) unknown.push_back(node);
    }
    if (!unknown.empty()) {
        fmt::print(stderr, "slumber: not in {}: {}\n", loaded->file.string(),
                   hostlist::compress(unknown, false).value_or("?"));
        return to_int(ExitCode::usage);
    }
    const auto view = service::view_nodes(*loaded, *nodes);
    if (!view) {
        fmt::print(stderr, "slumber: {}\n", view.error());
        return to_int(ExitCode::partial);
    }
    for (const std::string& warning : view->warnings) {
        fmt::print(stderr, "slumber: warning: {}\n", util::safe_text(warning));
    }
    if (options.json) {
        fmt::print("{}\n", service::to_json(*view).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        print_table(*view);
    }
    if (!view->unread_credentials.empty()) {
        std::vector<std::string> files;
        for (const auto& file : view->unread_credentials) files.push_back(file.string());
        fmt::print(stderr, "slumber: POWER -: BMCs not asked, {} cannot read {} (the daemon reads it)\n",
                   slurm::user_name(::geteuid()), fmt::join(files, ", "));
    }
    for (const auto& [file, refusal] : view->refused_credentials) {
        fmt::print(stderr, "slumber: POWER -: BMCs not asked, {} {}; fix: {}\n", file.string(), refusal.message,
                   refusal.fix);
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
    auto names = hostlist_argument(options.targets);
    if (!names) return to_int(names.error());
    const auto result = service::unblock(*loaded, *names);
    if (!result) {
        fmt::print(stderr, "slumber: {}\n", result.error().words);
        return to_int(result.error().kind == service::UnblockError::Kind::unknown ? ExitCode::usage
                                                                                  : ExitCode::partial);
    }
    std::vector<std::pair<std::string, std::string>> lines;
    bool all_ok = true;
    for (const service::Unblocked& target : result->targets) {
        lines.emplace_back(target.target, target.words);
        all_ok = all_ok && target.ok;
    }
    print_grouped(lines);
    // Woken for a lifted block too: it reads the nodes' BMCs at once, not
    // at its next look (up to idle_poll later).
    const bool daemon_woken = (result->woken || result->lifted) && util::wake_daemon(loaded->daemon.socket());
    if (result->woken && !daemon_woken) {
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
