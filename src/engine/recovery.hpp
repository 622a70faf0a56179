// The recovery policy: a pure function from what Slurm, the BMCs and the
// journal say about each node to the steps that bring it back into service,
// or drain it with a reason instead of boot-looping. No I/O and no clock of
// its own, so the daemon and the simulator decide alike and tests are exact.
//
// The cases are DESIGN.md's table, as Slurm 22.05 shows them:
//   down  "Node unexpectedly rebooted" or "ResumeTimeout reached", slurmd
//         answering: the node booted (late, or by itself) -> resume it.
//   down~ (DOWN+POWERED_DOWN) after a failed or unasked boot: BMC off ->
//         resume it in Slurm, which powers it up again for the waiting job;
//         BMC on but slurmd silent past a grace -> power it off first (a
//         power cycle through Slurm); after max_failures failed resumes in a row ->
//         drain it with a reason naming the last error.
//   POWERING_UP with no resume request in the journal: Slurm ran the
//         resume hook but it never recorded the request (it failed to run):
//         power the node on.
//   idle~ (POWERED_DOWN) after a power-off that failed: the node may still
//         be on, burning power, and would not register when woken: try the
//         power-off again, backing off.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "power/result.hpp"
#include "slurm/node_state.hpp"

namespace slumber::engine {

using TimeMs = std::int64_t;

/// Everything known about one node at one moment.
struct NodeFacts {
    slurm::NodeState slurm;
    /// The BMC's answer, when the daemon asked (see needs_bmc()).
    std::optional<power::PowerState> bmc;
    std::string bmc_error;                ///< why the BMC could not be read, if it could not
    int failed_resumes = 0;               ///< in a row, since the node last registered
    std::string last_failure;             ///< the words of the latest failure, for a drain reason
    std::optional<TimeMs> failed_at;      ///< when Slurm last gave up on resuming it
    bool request_open = false;            ///< a power request for it is pending or running
    bool excluded = false;                ///< [slurm] exclude: never touched
    std::optional<TimeMs> last_recovery;  ///< when slumber last took a recovery step for it
    /// Power-offs that failed in a row (BMC errors, not refusals) since the
    /// node's last request that worked: it may still be on while Slurm
    /// counts it as powered down.
    /// How long Slurm has shown it POWERING_UP, as first seen by the daemon.
    std::optional<TimeMs> powering_up_since;
    /// Its latest request is a power-on (a resume slumber was asked for).
    bool latest_request_on = false;
    int failed_offs = 0;
    std::optional<TimeMs> last_failed_off;
    std::string failed_off_error;
};

struct RecoveryPolicy {
    int max_failures = 3;
    /// A node just acted on is left alone this long (Slurm and the BMC need
    /// a moment to show the change).
    TimeMs settle_ms = 10000;
    /// A node Slurm gave up on whose BMC says on may still be booting: it
    /// gets this long after the failure to register before it is switched
    /// off (a boot a little slower than ResumeTimeout is not a dead node).
    TimeMs late_boot_grace_ms = 120000;
    /// A failed power-off is tried again after this long, doubling with each
    /// failure in a row, up to 64 times as long.
    TimeMs off_retry_ms = 30000;
    /// Slurm waking a node whose resume never reached slumber (a hook that
    /// failed to run) gets a power-on of slumber's own after this long.
    TimeMs lost_wake_ms = 10000;
};

enum class StepKind {
    slurm_resume,  ///< scontrol update State=RESUME
    slurm_drain,   ///< scontrol update State=DRAIN Reason=…
    power_off,     ///< a journaled power request, carried out like Slurm's
    power_on,      ///< the same, to switch on
};
std::string_view to_string(StepKind kind);

struct Step {
    std::string node;
    StepKind kind;
    std::string why;  ///< for the journal and the drain reason
};

/// Nodes whose BMC must be read before reconcile() can decide for them.
std::vector<std::string> needs_bmc(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now);

/// The steps to take now, at most one per node.
std::vector<Step> reconcile(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now);

/// Slurm's reasons for a node it took out of service after a power event.
bool is_failed_boot_reason(std::string_view reason);

}  // namespace slumber::engine
