// Slurm's controllers: the SlurmctldHost lines of slurm.conf, in order, and
// which of them answer `scontrol ping`. With more than one, the first is the
// primary and the others backups (slurm.conf(5), SlurmctldHost, 22.05 to
// 24.11): a backup takes control when the primary has not answered for
// SlurmctldTimeout, and a primary that starts again asks the backup to give
// control back. Slurm runs ResumeProgram and SuspendProgram on the
// controller in control.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/conf_file.hpp"
#include "slurm/node_state.hpp"

namespace slumber::slurm {

/// The controllers slurm.conf names, in its order: the name of each
/// SlurmctldHost line ("ctl1" of "SlurmctldHost=ctl1(10.0.0.1)"). Empty
/// when it has none (Slurm then refuses to start).
std::vector<std::string> controller_hosts(const SlurmConf& conf);

/// This machine's name as slurmctld and slurmd find their own entries in
/// slurm.conf: the host name (gethostname(2)) up to its first dot. Empty
/// when it cannot be read.
std::string this_host();

/// The controller of `hosts` (controller_hosts()) that a daemon on the
/// machine `short_name` (this_host()) runs beside, as slurm.conf names it:
/// the one named `short_name`, or whose name up to its first dot is
/// (slurmctld takes its own entry by the short or the long host name,
/// slurm.conf(5) SlurmctldHost). Nothing when none is.
std::optional<std::string> own_controller(const std::vector<std::string>& hosts, std::string_view short_name);

/// One line of `scontrol ping`: "Slurmctld(primary) at ctl1 is UP".
struct ControllerPing {
    std::string mode;  ///< "primary", "backup", "backup2" …: its place in SlurmctldHost's order
    std::string host;  ///< its SlurmctldHost name; untrusted text
    bool up = false;   ///< it answered the ping (a backup in standby answers too)
};

/// Every controller of `scontrol ping`'s output, in its order (Slurm 22.05
/// to 24.11 print "Slurmctld(MODE) at HOST is UP|DOWN", and, run as root
/// with one DOWN, a banner of asterisks, which is skipped). Any other line
/// is an error naming it, and nothing is returned then.
std::expected<std::vector<ControllerPing>, ParseError> parse_ping(std::string_view text);

}  // namespace slumber::slurm
