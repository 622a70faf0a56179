// slumber: lights-out power management for Slurm clusters.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"

int main(int argc, char** argv) {
    using namespace slumber::cli;
    CLI::App app{"slumber: lights-out power management for Slurm clusters", "slumber"};
    app.require_subcommand(1);
    app.set_version_flag("--version", SLUMBER_VERSION);

    Outcome outcome;
    add_hostlist_command(app, outcome);
    add_config_command(app, outcome);
    add_power_command(app, outcome);
    add_vcluster_command(app, outcome);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : to_int(ExitCode::usage);
    }
    return outcome.exit_code;
}
