// slumber-vcluster: the virtual cluster that slumber's demo, tests and
// benchmarks run on. Its own binary, so that slumber's package carries none
// of it (its HTTP servers, OpenSSL, the chassis and machine helpers); it runs
// the `slumber` beside it for slumber's own commands (machine.hpp).
#include <CLI/CLI.hpp>

#include "cli/exit_code.hpp"
#include "util/process_start.hpp"
#include "vcluster/command.hpp"

int main(int argc, char** argv) {
    using slumber::cli::ExitCode;
    // ipmi_sim and Slurm start the helpers (chassis, machine) and the hooks'
    // children with whatever they had: start from a clean state, as slumber does.
    slumber::util::open_closed_standard_fds();
    slumber::util::reset_signals();
    CLI::App app{
        "slumber-vcluster: a Slurm cluster with IPMI, Redfish BMCs and smart plugs on this machine (root), "
        "for trying slumber and for its tests",
        "slumber-vcluster"};
    app.require_subcommand(1);
    int exit_code = 0;
    slumber::vcluster::add_commands(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : slumber::cli::to_int(ExitCode::usage);
    }
    return exit_code;
}
