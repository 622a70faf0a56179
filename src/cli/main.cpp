// slumber: lights-out power management for Slurm clusters.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "slurm/hook.hpp"
#include "util/process_start.hpp"

#include <string_view>
#include <vector>

namespace {

// Slurm's hooks are paths without arguments: slumber-suspend, slumber-resume
// and slumber-resume-fail are links to this binary that name the subcommand.
// So is slumberd, the daemon's name in the docs, the unit and ps.
std::vector<char*> program_alias(int argc, char** argv) {
    std::vector<char*> args(argv, argv + argc);
    std::string_view name = argv[0];
    name = name.substr(name.rfind('/') + 1);
    if (name == "slumberd") {
        static char daemon[] = "daemon";
        args.insert(args.begin() + 1, daemon);
        return args;
    }
    for (const slumber::slurm::HookInfo& hook : slumber::slurm::kHooks) {
        if (name.starts_with("slumber-") && name.substr(8) == hook.name) {
            // The table's names are string literals: null-terminated, and
            // CLI11 only reads them.
            args.insert(args.begin() + 1, const_cast<char*>(hook.name.data()));
            break;
        }
    }
    return args;
}

// `--version` on every verb too: a hook path (slumber-resume --version) and
// slumberd answer it like slumber.
void add_version_flags(CLI::App& app) {
    for (CLI::App* sub : app.get_subcommands({})) {
        sub->set_version_flag("--version", SLUMBER_VERSION);
        add_version_flags(*sub);
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace slumber::cli;
    // Slurm 22.05 runs the hooks with descriptors 0-2 closed and signals
    // blocked (util/process_start.hpp): whatever slumber runs as, it starts
    // from a clean state, and so does every process it starts.
    slumber::util::open_closed_standard_fds();
    slumber::util::reset_signals();
    // Power calls in flight at once need descriptors ([daemon] fanout).
    (void)slumber::util::raise_open_files_limit();
    std::vector<char*> args = program_alias(argc, argv);
    CLI::App app{"slumber: lights-out power management for Slurm clusters", "slumber"};
    app.require_subcommand(1);
    app.set_version_flag("--version", SLUMBER_VERSION);

    Outcome outcome;
    add_hostlist_command(app, outcome);
    add_config_command(app, outcome);
    add_power_command(app, outcome);
    add_slurm_commands(app, outcome);
    add_status_commands(app, outcome);
    add_slurm_config_command(app, outcome);
    add_doctor_command(app, outcome);
    add_simulate_command(app, outcome);
    add_report_command(app, outcome);
    add_version_flags(app);

    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : to_int(ExitCode::usage);
    }
    return outcome.exit_code;
}
