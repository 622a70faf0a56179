// What Slurm was told about power saving that slumber's own decisions must
// respect: the nodes, partitions and states Slurm never powers down, the
// cap on powered nodes, and idle_on_node_suspend. Read from `scontrol show
// config` (the values in force: 24.11 lets an admin change SuspendExc* with
// scontrol, and it follows Include lines), or from slurm.conf's text when
// slurmctld cannot be asked.
//
// Slurm applies these to its own suspends; slumber applies them to the
// power changes it decides itself (recovery's power-offs, switching off a
// drained node, the power-view fixes): keep_on_reason() and
// power_on_refusal() are the one place each of them asks. A power change
// Slurm asked for (its suspend and resume hooks) is Slurm's decision, made
// under these same rules, and is carried out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/dialect.hpp"
#include "slurm/node_state.hpp"

namespace slumber::slurm {

/// `scontrol show config` as "Key = value" pairs (keys as printed); lines
/// that are not such a pair (headings, blank lines) are skipped.
std::map<std::string, std::string, std::less<>> parse_show_config(std::string_view text);

/// One group of SuspendExcNodes: "nid[10-20]:4" keeps 4 powered-up nodes
/// of nid[10-20]; without ":N" every node of the group is kept.
struct ExcludedGroup {
    std::vector<std::string> nodes;
    std::optional<int> keep;  ///< ":N"; nothing: all of them
};

struct PowerSaveRules {
    /// SuspendExcNodes (slurm.conf(5) 22.05 and 24.11; ":N" counts in both).
    /// 22.05's man page reads "nid[1-3],nid[10-20]:4" as 4 of the union of
    /// the groups before a count; 24.11's documents a count per group. Read
    /// per group, a group without a count kept whole: that keeps at least as
    /// many nodes on as either reading.
    std::vector<ExcludedGroup> exc_nodes;
    std::vector<std::string> exc_parts;   ///< SuspendExcParts (22.05 and 24.11)
    std::vector<std::string> exc_states;  ///< SuspendExcStates (23.02 and later; not in 22.05's slurm.conf(5))
    /// SlurmctldParameters=max_powered_nodes=N (24.11's slurm.conf(5): "jobs
    /// requesting additional nodes will not start, and scontrol power up
    /// will fail"; not in 22.05).
    std::optional<int> max_powered_nodes;
    /// SlurmctldParameters=idle_on_node_suspend (22.05 and 24.11): "Mark
    /// nodes as idle, regardless of current state, when suspending nodes",
    /// which lifts a drain.
    bool idle_on_node_suspend = false;
    std::optional<Version> version;  ///< SLURM_VERSION, from show config
    std::string error;               ///< what could not be read (a bad hostlist), else empty
};

/// The rules from `scontrol show config` output.
PowerSaveRules rules_from_show_config(std::string_view text);
/// The rules from slurm.conf's text (Include lines are not followed).
PowerSaveRules rules_from_slurm_conf(std::string_view text);

/// Why slumber must not switch `node` off by a decision of its own, in
/// words for the journal ("in SuspendExcNodes"); empty when it may.
/// `cluster` is Slurm's whole view, for counted groups: a counted group
/// keeps a usable node (not DOWN, DRAIN or FAIL, not powered down or
/// powering down) while fewer than N other usable nodes of the group are up.
std::string keep_on_reason(const PowerSaveRules& rules, const NodeState& node, const std::vector<NodeState>& cluster);

/// Why slumber must not power `node` on by a decision of its own: the cap
/// max_powered_nodes is reached (nodes Slurm shows neither powered down nor
/// powering down; a node Slurm already counts as powered is never refused);
/// empty when it may.
std::string power_on_refusal(const PowerSaveRules& rules, const NodeState& node, const std::vector<NodeState>& cluster);

/// Lines for `slumber slurm-config` and the daemon's log about settings that
/// work against slumber (idle_on_node_suspend lifting its drains).
std::vector<std::string> describe_conflicts(const PowerSaveRules& rules);

}  // namespace slumber::slurm
