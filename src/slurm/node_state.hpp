// Slurm's view of its nodes, parsed from `scontrol --oneliner show node`:
// the base state, the power-saving flags, the reason and the boot time.
//
// Field order (src/api/node_info.c slurm_sprint_node_table()): every field
// whose value has no spaces of its own comes before Reason=, except these,
// which follow it when set: Comment= and Extra= (22.05 and 24.11), then
// InstanceId=, InstanceType= and ReservationName= (24.11; checked against
// libslurmfull of 22.05.8 and 24.11.5). A reason of several lines goes on
// after its " [user@time]" suffix, each further line after seven spaces.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slumber::slurm {

struct NodeState {
    std::string name;
    std::string base;                ///< IDLE, ALLOCATED, MIXED, DOWN, FUTURE, UNKNOWN, ERROR
    std::vector<std::string> flags;  ///< POWERED_DOWN, POWERING_UP, DRAIN, NOT_RESPONDING …
    std::string reason;              ///< without Slurm's " [user@time]" suffix
    /// When the reason was last set, Unix seconds (the suffix's time). Slurm
    /// 23.02 and later update it when an event repeats a reason the node
    /// already has without appending the words again, so it tells a reason
    /// set now from one left over from an earlier episode.
    std::optional<std::int64_t> reason_time;
    /// ReservationName=, printed after Reason= by Slurm 24.11 (not by 22.05).
    std::string reservation;
    std::optional<std::int64_t> boot_time;  ///< Unix seconds, as slurmd reported it (util::parse_slurm_time)
    int cpus_allocated = 0;
    std::vector<std::string> partitions;  ///< Partitions=, for SuspendExcParts
    std::string address;                  ///< NodeAddr: where slurmctld reaches its slurmd
    std::optional<int> port;              ///< slurmd's port (Port=, SlurmdPort when the node has none)

    [[nodiscard]] bool has(std::string_view flag) const;
    /// Slurm shows jobs on it (or finishing there): it must never be powered off.
    [[nodiscard]] bool running_jobs() const;
    [[nodiscard]] bool powered_down() const { return has("POWERED_DOWN"); }
    [[nodiscard]] bool powering_up() const { return has("POWERING_UP"); }
    [[nodiscard]] bool responding() const { return !has("NOT_RESPONDING"); }
    /// "IDLE+POWERED_DOWN", as scontrol writes it.
    [[nodiscard]] std::string state_text() const;
};

struct ParseError {
    int line = 0;
    std::string message;
};

/// Every node in the output; a line that is not a node record is an error
/// naming its line, and nothing is returned then (a half-read cluster view
/// would make the daemon act on nodes it cannot see).
std::expected<std::vector<NodeState>, ParseError> parse_show_node(std::string_view text);

}  // namespace slumber::slurm
