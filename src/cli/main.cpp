// slumber: lights-out power management for Slurm clusters.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"

#include <string_view>
#include <vector>

namespace {

// Slurm's hooks are paths without arguments: slumber-suspend, slumber-resume
// and slumber-resume-fail are links to this binary that name the subcommand.
std::vector<char*> hook_alias(int argc, char** argv) {
    std::vector<char*> args(argv, argv + argc);
    std::string_view name = argv[0];
    name = name.substr(name.rfind('/') + 1);
    static char suspend[] = "suspend";
    static char resume[] = "resume";
    static char resume_fail[] = "resume-fail";
    char* verb = name == "slumber-suspend"       ? suspend
                 : name == "slumber-resume"      ? resume
                 : name == "slumber-resume-fail" ? resume_fail
                                                 : nullptr;
    if (verb != nullptr) args.insert(args.begin() + 1, verb);
    return args;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace slumber::cli;
    std::vector<char*> args = hook_alias(argc, argv);
    CLI::App app{"slumber: lights-out power management for Slurm clusters", "slumber"};
    app.require_subcommand(1);
    app.set_version_flag("--version", SLUMBER_VERSION);

    Outcome outcome;
    add_hostlist_command(app, outcome);
    add_config_command(app, outcome);
    add_power_command(app, outcome);
    add_vcluster_command(app, outcome);
    add_slurm_commands(app, outcome);
    add_status_commands(app, outcome);

    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : to_int(ExitCode::usage);
    }
    return outcome.exit_code;
}
