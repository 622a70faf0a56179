// Which daemon acts when Slurm has more than one controller (docs/ha.md):
// the one beside the slurmctld in control. Slurm's own model decides that:
// the first controller of slurm.conf's SlurmctldHost order that answers is
// in control (a backup takes over only from a primary that stopped
// answering for SlurmctldTimeout, and gives control back when the primary
// starts again; slurm.conf(5), SlurmctldHost, 22.05 to 24.11).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "slurm/controllers.hpp"

namespace slumber::engine {

struct ControllerRole {
    bool acting = false;
    /// The controller in control ("" when none answers).
    std::string acting_host;
    /// In words, for the log, the journal and systemd's STATUS.
    std::string why;

    bool operator==(const ControllerRole&) const = default;
};

/// The role of the daemon beside controller `self` (its SlurmctldHost
/// name), from `scontrol ping` (`pings`, in Slurm's order). One controller
/// or none listed: acting (nothing to share). `self` not among them:
/// standing by, saying so, since acting on a guess could switch every node
/// twice.
ControllerRole controller_role(std::span<const slurm::ControllerPing> pings, std::string_view self);

}  // namespace slumber::engine
