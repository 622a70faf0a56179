// `slumber slurm-config`: the slurm.conf lines for this setup, and what
// SlurmUser, who runs the hooks, must be able to reach.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "service/slurm_setup.hpp"
#include "slurm/hook.hpp"
#include "slurm/power_save.hpp"
#include "slurm/scontrol.hpp"
#include "slurm/slurm_conf.hpp"
#include "slurm/slurm_user.hpp"

namespace slumber::cli {
namespace {

namespace fs = std::filesystem;

std::string seconds_text(std::int64_t ms) { return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0); }

// Where the hooks' links are: beside the binary in a build tree, in sbin
// beside bin when installed (/usr/bin/slumber, /usr/sbin/slumber-suspend:
// packaging/CMakeLists.txt). Where neither has them, beside the binary.
fs::path hook_directory(const fs::path& own) {
    const fs::path first = fmt::format("slumber-{}", slurm::kHooks[0].name);
    std::error_code error;
    for (const fs::path& dir : {own, own.parent_path() / "sbin"}) {
        if (fs::exists(dir / first, error)) return dir.lexically_normal();
    }
    return own;
}

// The hooks' lines. With the default configuration file the hooks are links
// to the binary; with another, Slurm (which passes no arguments of a site's
// own) needs a script per hook naming the file, and the lines name those
// scripts, so no link is offered. slurmctld runs the hooks from its own
// working directory: every path is absolute.
void print_hooks(const fs::path& bin_dir, const fs::path& config_file, bool default_config) {
    if (default_config) {
        const fs::path hook_dir = hook_directory(bin_dir);
        for (const slurm::HookInfo& hook : slurm::kHooks) {
            const fs::path path = hook_dir / fmt::format("slumber-{}", hook.name);
            fmt::print("{}={}{}\n", hook.conf_key, path.string(),
                       fs::exists(path) ? "" : fmt::format("   # create it: ln -s slumber {}", path.string()));
        }
        return;
    }
    fmt::print("# The hooks read {} by default; with this file, make each hook\n# {}:\n", config::kDefaultPath,
               service::kHookScriptRule);
    for (const slurm::HookInfo& hook : slurm::kHooks) {
        const service::HookScript script = service::hook_script(hook.name, bin_dir, config_file);
        fmt::print("#   {}:\n", script.path.string());
        for (const std::string& line : script.lines) fmt::print("#     {}\n", line);
    }
    for (const slurm::HookInfo& hook : slurm::kHooks) {
        fmt::print("{}={}\n", hook.conf_key, service::hook_script(hook.name, bin_dir, config_file).path.string());
    }
}

// An Access in the words slurm-config prints, for `user` who wants `want`.
std::string access_words(const service::Access& access, const slurm::SlurmUser& user, int want) {
    switch (access.verdict) {
        case service::Access::Verdict::ok:
            return "ok";
        case service::Access::Verdict::missing:
            return "does not exist yet";
        case service::Access::Verdict::unreachable:
            return fmt::format("NOT reachable by {}: {} (fix: {})", user.name, access.where, access.fix);
        case service::Access::Verdict::denied:
            return fmt::format("NOT {} by {}: {}", want == service::kRead ? "readable" : "readable and writable",
                               user.name, access.where);
        case service::Access::Verdict::refused:
            return fmt::format("NOT usable: {} (fix: {})", access.where, access.fix);
    }
    return "?";
}

// What SlurmUser, who runs the hooks, must be able to read and write, and
// whether it can now; credentials only when no daemon runs (docs/slurm.md).
void print_slurm_user_needs(const config::Config& config, const fs::path& config_file) {
    const auto needs = service::slurm_user_needs(config, config_file);
    if (!needs) {
        fmt::print("# SlurmUser runs the hooks, but who that is cannot be told: {}\n", needs.error());
        return;
    }
    const slurm::SlurmUser& user = needs->user;
    fmt::print("# SlurmUser {} (from {}) runs the hooks; it needs:\n", user.name, user.source);
    fmt::print("#   to read {}: {}\n", config_file.string(), access_words(needs->config_file, user, service::kRead));
    const std::string state = needs->state_dir.string();
    std::string state_access = access_words(needs->state, user, service::kReadWriteSearch);
    if (needs->state.verdict == service::Access::Verdict::missing) {
        state_access += "; the daemon, or any slumber command run as root, makes it for SlurmUser's group";
    } else if (!needs->state.ok()) {
        state_access += fmt::format(" (chgrp {} {}; chmod 2770 {}; the daemon, run as root, does it at start)",
                                    user.name, state, state);
    }
    fmt::print("#   to read and write {} (the journal, its -wal and -shm files, the daemon's socket): {}\n", state,
               state_access);
    if (needs->credentials.empty()) return;
    fmt::print(
        "#   no credentials file while the daemon runs; without a daemon the hooks switch nodes themselves\n"
        "#   and must read these (make each {}'s, mode 600: chown {} FILE; chmod 600 FILE):\n",
        user.name, user.name);
    for (const auto& [file, access] : needs->credentials) {
        fmt::print("#     {}: {}\n", file.string(), access_words(access, user, service::kRead));
    }
}

int run_slurm_config(const std::string& file) {
    // Nothing here needs a BMC password.
    auto loaded = config::load(file, {.credentials = false});
    if (!loaded) {
        for (const auto& error : loaded.error()) fmt::print(stderr, "{}\n", config::format(error));
        return to_int(ExitCode::config);
    }
    const config::Config& config = *loaded;
    std::error_code error;
    const fs::path config_file = fs::absolute(config.file, error).lexically_normal();
    fmt::print("# slurm.conf lines for slumber, from {}\n", config_file.string());
    print_hooks(service::own_directory(), config_file, fs::path(file) == config::kDefaultPath);
    if (!config.slurm.exclude_expression.empty()) {
        fmt::print("SuspendExcNodes={}   # [slurm] exclude: never powered off\n", config.slurm.exclude_expression);
    }
    std::vector<std::string> nodes;
    nodes.reserve(config.nodes.size());
    for (const auto& target : config.nodes) nodes.push_back(target.name);
    // What Slurm holds in force (scontrol show config: Include files and
    // scontrol update count), where it disagrees with [slurm] exclude.
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    for (const std::string& line :
         slurm::check_exclusions_in_force(config.slurm.conf, scontrol.show_config(), nodes, config.slurm.exclude)) {
        fmt::print("# {}\n", line);
    }
    // Settings of Slurm's in force (scontrol show config) that work against slumber.
    if (auto rules = scontrol.power_save_rules()) {
        for (const std::string& line : slurm::describe_conflicts(*rules)) fmt::print("# {}\n", line);
    }
    if (const auto advice = service::resume_timeout_advice(config)) {
        const engine::BootStats& all = advice->all;
        fmt::print("ResumeTimeout={}   # 1.5 x the slowest of {} measured boots (median {}, p95 {}, max {})\n",
                   advice->seconds, all.count, seconds_text(all.median_ms), seconds_text(all.p95_ms),
                   seconds_text(all.max_ms));
    } else {
        fmt::print("# ResumeTimeout: no boots measured yet; run the daemon through a few resumes, then ask again\n");
    }
    print_slurm_user_needs(config, config_file);
    return to_int(ExitCode::ok);
}

}  // namespace

void add_slurm_config_command(CLI::App& app, Outcome& outcome) {
    auto file = std::make_shared<std::string>(config::kDefaultPath);
    auto* slurm_config = app.add_subcommand("slurm-config", "The slurm.conf lines for this setup, ready to paste");
    slurm_config->add_option("-c,--config", *file, "configuration file")->capture_default_str();
    slurm_config->callback([file, &outcome] { outcome.exit_code = run_slurm_config(*file); });
}

}  // namespace slumber::cli
