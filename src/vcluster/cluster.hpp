// `slumber-vcluster`: bringing a whole virtual cluster up and down, asking
// what runs, and breaking nodes on purpose.
#pragma once

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vcluster/controllers.hpp"
#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// Starts BMCs, slurmctld and every node, and waits until Slurm sees them
/// idle. On failure, stops what it started.
std::expected<void, std::string> up(const Spec& spec, const RunDir& dir);

/// Stops everything recorded in the run directory, and only that. Returns
/// false when nothing was running.
std::expected<bool, std::string> down(const RunDir& dir);

struct NodeStatus {
    std::string name;
    bool powered = false;
    std::string bmc_address;
    std::string bmc;  // "answering", "silent" (stopped), "not running"
    std::vector<std::string> faults;
    std::string slurm_state;  // as sinfo prints it, "" when slurmctld is down
};

struct ClusterStatus {
    Spec spec;
    bool slurmctld_running = false;  // any controller's
    std::vector<ControllerStatus> controllers;
    std::vector<NodeStatus> nodes;
};

std::expected<ClusterStatus, std::string> status(const RunDir& dir);

/// The faults a node can be given; one table for parsing and for help.
enum class Fault { slow_boot, never_registers, reboot, bmc_silent, bmc_password, crossed, clear };

struct FaultInfo {
    Fault fault;
    std::string_view name;
    bool takes_duration;
    std::string_view help;
};
std::span<const FaultInfo> faults();
const FaultInfo* find_fault(std::string_view name);

/// Applies a fault to every node of the hostlist; `crossed` to the pair it
/// must name.
std::expected<void, std::string> inject(const RunDir& dir, std::string_view nodes, Fault fault,
                                        std::optional<Duration> value);

/// What ipmi_sim runs for a chassis request: `get power` prints power:0|1;
/// `set power 0|1`, `set shutdown 1`, `set reset 1` act. Returns the exit code.
int chassis(const RunDir& dir, std::string_view node, std::span<const std::string> request);

/// The hidden helpers the machine starts: `boot [DELAY_MS]`, `shutdown`.
int machine_helper(const RunDir& dir, std::string_view node, std::span<const std::string> request);

}  // namespace slumber::vcluster
