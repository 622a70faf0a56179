// `slumber slurm-config`: the slurm.conf lines for this setup, and what
// SlurmUser, who runs the hooks, must be able to reach.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "daemon/reconciler.hpp"
#include "daemon/shared_journal.hpp"
#include "engine/boot_stats.hpp"
#include "engine/recovery.hpp"
#include "slurm/hook.hpp"
#include "slurm/power_save.hpp"
#include "slurm/scontrol.hpp"
#include "slurm/slurm_conf.hpp"
#include "slurm/slurm_user.hpp"

namespace slumber::cli {
namespace {

namespace fs = std::filesystem;

std::string seconds_text(std::int64_t ms) { return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0); }

// Where the running binary lives: the hooks are links beside it.
fs::path own_directory() {
    std::error_code error;
    const auto self = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::path("/usr/sbin") : self.parent_path();
}

// The hooks' lines. With the default configuration file the hooks are links
// to the binary; with another, Slurm (which passes no arguments of a site's
// own) needs a script per hook naming the file, and the lines name those
// scripts, so no link is offered. slurmctld runs the hooks from its own
// working directory: every path is absolute.
void print_hooks(const fs::path& bin_dir, const fs::path& config_file, bool default_config) {
    if (default_config) {
        for (const slurm::HookInfo& hook : slurm::kHooks) {
            const fs::path path = bin_dir / fmt::format("slumber-{}", hook.name);
            fmt::print("{}={}{}\n", hook.conf_key, path.string(),
                       fs::exists(path) ? "" : fmt::format("   # create it: ln -s slumber {}", path.string()));
        }
        return;
    }
    fmt::print(
        "# The hooks read {} by default; with this file, make each hook an executable script\n"
        "# (not a link; owned by root, mode 755: Slurm refuses a program others may write):\n",
        config::kDefaultPath);
    for (const slurm::HookInfo& hook : slurm::kHooks) {
        // "$@": ResumeProgram may get the features a job needs as $2.
        fmt::print("#   {}:\n#     #!/bin/sh\n#     exec {}/slumber {} --config {} \"$@\"\n",
                   (config_file.parent_path() / fmt::format("slumber-{}", hook.name)).string(), bin_dir.string(),
                   hook.name, config_file.string());
    }
    for (const slurm::HookInfo& hook : slurm::kHooks) {
        fmt::print("{}={}\n", hook.conf_key,
                   (config_file.parent_path() / fmt::format("slumber-{}", hook.name)).string());
    }
}

// Whether `user` may reach `path` with the permission bits of `want`
// (4 read, 2 write, 1 search or execute): each directory above it searched,
// then the path itself, as the kernel decides for a user who is not root.
std::string access_of(const fs::path& path, const slurm::SlurmUser& user, int want) {
    if (user.uid == 0) return "ok";
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) count = 0;
    groups.resize(static_cast<std::size_t>(count));
    groups.push_back(user.gid);
    auto allowed = [&](const struct stat& status, int bits) {
        const bool in_group = std::find(groups.begin(), groups.end(), status.st_gid) != groups.end();
        const int shift = status.st_uid == user.uid ? 6 : in_group ? 3 : 0;
        return ((static_cast<int>(status.st_mode) >> shift) & bits) == bits;
    };
    auto describe = [](const fs::path& where, const struct stat& status) {
        const passwd* owner = ::getpwuid(status.st_uid);
        const group* owning = ::getgrgid(status.st_gid);
        return fmt::format("{} is {}:{} {:04o}", where.string(), owner ? owner->pw_name : std::to_string(status.st_uid),
                           owning ? owning->gr_name : std::to_string(status.st_gid), status.st_mode & 07777);
    };
    struct stat status {};
    for (fs::path above = path.parent_path(); !above.empty(); above = above.parent_path()) {
        if (::stat(above.c_str(), &status) == 0 && !allowed(status, 1)) {
            return fmt::format("NOT reachable by {}: {}", user.name, describe(above, status));
        }
        if (above == above.root_path()) break;
    }
    if (::stat(path.c_str(), &status) != 0) return "does not exist yet";
    if (!allowed(status, want)) {
        return fmt::format("NOT {} by {}: {}", want == 4 ? "readable" : "readable and writable", user.name,
                           describe(path, status));
    }
    return "ok";
}

// What SlurmUser, who runs the hooks, must be able to read and write, and
// whether it can now; credentials only when no daemon runs (docs/slurm.md).
void print_slurm_user_needs(const config::Config& config, const fs::path& config_file) {
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    const auto user = slurm::find_slurm_user(scontrol, config.slurm.conf);
    if (!user) {
        fmt::print("# SlurmUser runs the hooks, but who that is cannot be told: {}\n", user.error());
        return;
    }
    fmt::print("# SlurmUser {} (from {}) runs the hooks; it needs:\n", user->name, user->source);
    fmt::print("#   to read {}: {}\n", config_file.string(), access_of(config_file, *user, 4));
    const fs::path state = config.daemon.state_dir;
    std::string state_access = access_of(state, *user, 7);
    if (state_access == "does not exist yet") {
        state_access += "; the daemon, or any slumber command run as root, makes it for SlurmUser's group";
    } else if (state_access.starts_with("NOT")) {
        state_access += fmt::format(" (chgrp {} {}; chmod 2770 {}; the daemon, run as root, does it at start)",
                                    user->name, state.string(), state.string());
    }
    fmt::print("#   to read and write {} (the journal, its -wal and -shm files, the daemon's socket): {}\n",
               state.string(), state_access);
    std::set<fs::path> files;
    for (const auto& targets : {&config.nodes, &config.devices}) {
        for (const config::PowerTarget& target : *targets) {
            if (target.credentials) files.insert(*target.credentials);
        }
    }
    if (files.empty()) return;
    fmt::print(
        "#   no credentials file while the daemon runs; without a daemon the hooks switch nodes themselves\n"
        "#   and must read these (make each {}'s, mode 600: chown {} FILE; chmod 600 FILE):\n",
        user->name, user->name);
    for (const fs::path& file : files) {
        fmt::print("#     {}: {}\n", file.string(), access_of(file, *user, 4));
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
    print_hooks(own_directory(), config_file, fs::path(file) == config::kDefaultPath);
    if (!config.slurm.exclude_expression.empty()) {
        fmt::print("SuspendExcNodes={}   # [slurm] exclude: never powered off\n", config.slurm.exclude_expression);
    }
    std::vector<std::string> nodes;
    nodes.reserve(config.nodes.size());
    for (const auto& target : config.nodes) nodes.push_back(target.name);
    // What slurm.conf says today, where it disagrees with [slurm] exclude.
    for (const std::string& line : slurm::check_exclusions(config.slurm.conf, nodes, config.slurm.exclude)) {
        fmt::print("# {}\n", line);
    }
    // Settings of Slurm's in force (scontrol show config) that work against slumber.
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    if (auto rules = scontrol.power_save_rules()) {
        for (const std::string& line : slurm::describe_conflicts(*rules)) fmt::print("# {}\n", line);
    }
    std::vector<engine::BootStats> stats;
    if (auto journal = daemon::open_journal(config.daemon, config.slurm)) {
        stats = daemon::measured_boots(*journal, nodes);
    }
    if (auto timeout = engine::suggested_resume_timeout(stats)) {
        const engine::BootStats& all = stats.back();
        fmt::print("ResumeTimeout={}   # 1.5 x the slowest of {} measured boots (median {}, p95 {}, max {})\n",
                   *timeout, all.count, seconds_text(all.median_ms), seconds_text(all.p95_ms),
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
