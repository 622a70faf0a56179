// Each subcommand registers itself on the root command; main.cpp stays thin.
#pragma once

namespace CLI {
class App;
}

namespace slumber::cli {

/// Set by a subcommand's callback; main() returns it.
struct Outcome {
    int exit_code = 0;
};

void add_hostlist_command(CLI::App& app, Outcome& outcome);
void add_config_command(CLI::App& app, Outcome& outcome);
void add_power_command(CLI::App& app, Outcome& outcome);
void add_slurm_commands(CLI::App& app, Outcome& outcome);
void add_status_commands(CLI::App& app, Outcome& outcome);
void add_slurm_config_command(CLI::App& app, Outcome& outcome);
void add_simulate_command(CLI::App& app, Outcome& outcome);
void add_report_command(CLI::App& app, Outcome& outcome);
void add_doctor_command(CLI::App& app, Outcome& outcome);

}  // namespace slumber::cli
