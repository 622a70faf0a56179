// The cluster's controllers: one slurmctld, or two in Slurm's own high
// availability (a primary vctl1 and a backup vctl2), each with slumber's
// daemon beside it when the cluster runs one. Two controllers are two hosts
// on this machine: each its own UTS and mount namespace (its host name, its
// /etc/hosts, its own disk for the PID file and the log) and its own cgroup,
// so that killing one is a host dying.
#pragma once

#include <expected>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// Points Slurm's commands, and the processes started from here, at the cluster.
void use_cluster_conf(const RunDir& dir);

/// Whether this run directory's slurmctld answers (by its StateSaveLocation):
/// not one of another cluster that holds the port, which `scontrol ping`
/// alone cannot tell apart. With two controllers, the one in control answers.
bool slurmctld_answers(const RunDir& dir);

/// `scontrol ping`'s word for each controller, by SlurmctldHost name:
/// "UP" or "DOWN". Slurm 22.05 prints one line per controller,
/// "Slurmctld(primary) at vctl1 is UP", "Slurmctld(backup) at vctl2 is DOWN",
/// and says UP for a backup in standby as for the controller in control.
/// For SlurmctldHost=localhost it names the machine ("at vm is UP").
std::map<std::string, std::string> parse_ping(std::string_view output);

/// `scontrol ping` for the cluster, parsed; empty when it printed nothing.
std::map<std::string, std::string> ping(const RunDir& dir);

/// Starts controller INDEX's (from 0) slurmctld, in its host with two
/// controllers, and waits until `scontrol ping` says it is UP (and, for the
/// primary, until it answers). Fails when it does not come up.
std::expected<void, std::string> start_slurmctld(const Spec& spec, const RunDir& dir, int index);

/// Starts slumber's daemon beside controller INDEX, with its configuration
/// (slumber_conf_of), and waits for its socket.
std::expected<void, std::string> start_daemon(const Spec& spec, const RunDir& dir, int index);

/// Stops every controller's daemons, then their slurmctld, the backup before
/// the primary (so that none takes control meanwhile); true if any ran.
bool stop_controllers(const Spec& spec, const RunDir& dir);

/// What `slumber-vcluster controller ACTION N` does; one table for parsing and help.
enum class ControllerAction { kill, stop, start };

struct ControllerActionInfo {
    ControllerAction action;
    std::string_view name;
    std::string_view help;
};
std::span<const ControllerActionInfo> controller_actions();
const ControllerActionInfo* find_controller_action(std::string_view name);

/// Acts on controller NUMBER (1 or 2, as in vctl1, vctl2) of a running
/// cluster: kill (its slurmctld and daemon SIGKILLed at once, and anything
/// else in its host: the host dies), stop (SIGTERM both), start (both again,
/// as `up` started them; what already runs is left alone). Returns what it
/// did, in words.
std::expected<std::string, std::string> act_on_controller(const RunDir& dir, ControllerAction action, int number);

struct ControllerStatus {
    std::string name;     // vctl1, or localhost with one controller
    std::string address;  // its ControlAddr
    bool slurmctld_running = false;
    bool daemon_running = false;
    std::string ping;  // "UP", "DOWN", or "" when scontrol ping did not name it
};

std::vector<ControllerStatus> controller_status(const Spec& spec, const RunDir& dir);

}  // namespace slumber::vcluster
