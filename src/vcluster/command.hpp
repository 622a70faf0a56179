// The command line of slumber-vcluster, the test rig's own binary (never in
// slumber's package): each subcommand registers itself on the root command.
#pragma once

namespace CLI {
class App;
}

namespace slumber::vcluster {

/// Registers up, down, status, fault, env, plug and redfish on `app`, and the
/// hidden helpers that the BMCs and the nodes call back into (chassis,
/// machine, redfish-bmc). A subcommand's callback sets `exit_code` (the codes
/// of docs/exit-codes.md); `app` and `exit_code` must outlive the parse.
void add_commands(CLI::App& app, int& exit_code);

}  // namespace slumber::vcluster
