// The commands Slurm and the admin run around power saving: the three hooks
// (also reachable as slumber-suspend, slumber-resume, slumber-resume-fail),
// the daemon, and the journal.
#include <csignal>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/nodes_argument.hpp"
#include "config/config.hpp"
#include "daemon/controller_watch.hpp"
#include "daemon/daemon.hpp"
#include "daemon/hook.hpp"
#include "daemon/log.hpp"
#include "operate/carrier.hpp"
#include "operate/hook_carrier.hpp"
#include "operate/shared_journal.hpp"
#include "service/journal_events.hpp"
#include "service/journal_json.hpp"
#include "store/journal.hpp"
#include "util/duration.hpp"
#include "util/safe_text.hpp"

namespace slumber::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

extern "C" void request_stop(int /*signal*/) { g_stop = true; }
extern "C" void request_reload(int /*signal*/) { g_reload = true; }

struct JournalOptions {
    std::string file{config::kDefaultPath};
    std::string nodes;
    std::string since = "1d";
    bool json = false;
};

std::string local_time(store::TimeMs ms) {
    const std::time_t seconds = ms / 1000;
    std::tm tm{};
    ::localtime_r(&seconds, &tm);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M:%S", &tm);
    return fmt::format("{}.{:03}", text.data(), ms % 1000);
}

int run_journal(const JournalOptions& options) {
    const auto since = util::parse_duration(options.since);
    if (!since) {
        fmt::print(stderr, "slumber: --since {}: {}\n", options.since, since.error());
        return to_int(ExitCode::usage);
    }
    const auto nodes = nodes_argument(options.nodes);
    if (!nodes) return to_int(nodes.error());
    const auto read = service::journal_events(options.file, *nodes, operate::wall_clock_ms() - since->count());
    const service::JournalNotes& notes = read ? read->notes : read.error().notes;
    if (notes.fallback) {
        fmt::print(stderr, "slumber: warning: {} does not load ({}); reading the journal in {}\n", options.file,
                   config::format(notes.fallback->error), notes.fallback->state_dir.string());
    }
    if (notes.missing) fmt::print(stderr, "slumber: {}\n", *notes.missing);
    if (!read) {
        for (const auto& error : read.error().config) fmt::print(stderr, "{}\n", config::format(error));
        if (!read.error().config.empty()) return to_int(ExitCode::config);
        fmt::print(stderr, "slumber: {}\n", util::safe_text(read.error().words));
        return to_int(read.error().unknown_nodes ? ExitCode::usage : ExitCode::partial);
    }
    const std::vector<store::Event>& events = read->events;
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& event : events) list.push_back(service::to_json(event));
        fmt::print("{}\n", list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return to_int(ExitCode::ok);
    }
    // A journal written before its texts were made safe may still hold a
    // device's control characters: never printed as they are.
    for (const auto& event : events) {
        fmt::print("{}  {:<9} {:<13} {}\n", local_time(event.time),
                   event.node.empty() ? "-" : util::safe_text(event.node), store::to_string(event.kind),
                   util::safe_text(event.detail));
    }
    return to_int(ExitCode::ok);
}

void add_hook(CLI::App& app, Outcome& outcome, daemon::Hook hook, const char* help) {
    struct HookOptions {
        std::string file{config::kDefaultPath};
        std::string nodes;
        std::string features;
    };
    auto options = std::make_shared<HookOptions>();
    auto* command = app.add_subcommand(std::string(slurm::to_string(hook)), help);
    command->add_option("nodes", options->nodes, "the hostlist Slurm passes")->required();
    if (hook == daemon::Hook::resume) {
        // Slurm adds the features a job needs as a second argument when it
        // asks for nodes with them (a node_features plugin's reboot).
        command->add_option("features", options->features, "the node features a job needs, as Slurm passes them");
    }
    command->add_option("-c,--config", options->file, "configuration file")->capture_default_str();
    command->callback([options, &outcome, hook] {
        auto loaded = config::load(options->file, {.credentials = false});
        if (loaded) {
            outcome.exit_code = daemon::run_hook(hook, options->nodes, *loaded, options->features);
            return;
        }
        for (const auto& error : loaded.error()) daemon::report_hook_error(hook, config::format(error));
        // Slurm's request is still recorded for the daemon, which runs the
        // configuration it loaded last.
        const int code =
            daemon::run_hook_unconfigured(hook, options->nodes, options->file, loaded.error(), options->features);
        outcome.exit_code = code == 0 ? 0 : to_int(ExitCode::config);
    });
}

}  // namespace

void add_slurm_commands(CLI::App& app, Outcome& outcome) {
    add_hook(app, outcome, daemon::Hook::suspend, "Slurm's SuspendProgram: power these nodes off");
    add_hook(app, outcome, daemon::Hook::resume, "Slurm's ResumeProgram: power these nodes on");
    add_hook(app, outcome, daemon::Hook::resume_fail, "Slurm's ResumeFailProgram: these nodes missed ResumeTimeout");

    auto daemon_file = std::make_shared<std::string>(config::kDefaultPath);
    auto* daemon_command = app.add_subcommand("daemon", "Run slumberd: carry out requests, follow boots, recover");
    daemon_command->add_option("-c,--config", *daemon_file, "configuration file")->capture_default_str();
    daemon_command->callback([daemon_file, &outcome] {
        // The token as its web server will read it: an unusable one is a
        // configuration error (exit 3), found before anything starts.
        auto config = config::load(*daemon_file, {.web_token = true});
        if (!config) {
            // At the journal's error priority: `journalctl -u slumberd -p err` shows why it stopped.
            for (const auto& error : config.error()) daemon::log(daemon::Priority::error, config::format(error));
            outcome.exit_code = to_int(ExitCode::config);
            return;
        }
        // With several controllers, this daemon's must be one of them.
        if (auto controllers = daemon::ControllerWatch::make(*config); !controllers) {
            daemon::log(daemon::Priority::error, controllers.error());
            outcome.exit_code = to_int(ExitCode::config);
            return;
        }
        std::signal(SIGTERM, request_stop);
        std::signal(SIGINT, request_stop);
        std::signal(SIGHUP, request_reload);  // systemctl reload
        outcome.exit_code = daemon::run_daemon(std::move(*config), g_stop, g_reload);
    });

    // What a hook that finds no daemon starts detached (hook_carrier.hpp);
    // an admin may run it too, to carry out what waits in the journal.
    auto carry_file = std::make_shared<std::string>(config::kDefaultPath);
    auto* carry = app.add_subcommand(
        "carry", "Carry out the journal's pending requests once, without a daemon (what a hook starts when none runs)");
    carry->add_option("-c,--config", *carry_file, "configuration file")->capture_default_str();
    carry->callback([carry_file, &outcome] {
        // Started by a hook, it runs as SlurmUser: the requests of targets
        // whose credentials it may not read are refused and Slurm is told
        // (operate::unreadable_credentials), never tried without a password.
        auto config = config::load(*carry_file, {.unreadable_credentials = true});
        if (!config) {
            for (const auto& error : config.error()) fmt::print(stderr, "{}\n", config::format(error));
            // A hook's carrier writes to /dev/null: the journal the file
            // names, if it exists, says why the requests wait there.
            operate::journal_unloadable_config(*carry_file, config::format(config.error().front()));
            outcome.exit_code = to_int(ExitCode::config);
            return;
        }
        auto journal = operate::open_journal(config->daemon, config->slurm);
        if (!journal) {
            fmt::print(stderr, "slumber: {}\n", journal.error());
            outcome.exit_code = to_int(ExitCode::partial);
            return;
        }
        outcome.exit_code =
            operate::carry_without_daemon(*config, *journal) == 0 ? to_int(ExitCode::ok) : to_int(ExitCode::partial);
    });

    auto options = std::make_shared<JournalOptions>();
    auto* journal = app.add_subcommand("journal", "What slumber was asked, what it did and why");
    journal->add_option("nodes", options->nodes, "only these nodes (hostlist)");
    journal->add_option("-c,--config", options->file, "configuration file")->capture_default_str();
    journal->add_option("--since", options->since, "how far back")->capture_default_str();
    journal->add_flag("--json", options->json,
                      "a JSON array, one object per event, oldest first (docs/web.md, /api/events)");
    journal->callback([options, &outcome] { outcome.exit_code = run_journal(*options); });
}

}  // namespace slumber::cli
