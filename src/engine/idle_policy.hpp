// When an idle node should be switched off: the decision Slurm makes with
// SuspendTime, and slumber's refinement of it that keeps a few nodes warm
// for the next job. Pure, like the rest of engine/: the simulator asks it
// about simulated nodes, and the answer is the same for real ones.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace slumber::engine {

using Seconds = std::int64_t;

struct IdlePolicy {
    enum class Kind {
        never,       ///< nodes stay on (no power saving): the baseline
        after_idle,  ///< off once idle for `suspend_after` (Slurm's SuspendTime)
        keep_warm,   ///< as after_idle, but the `warm` most recently busy idle nodes stay on
    };
    Kind kind = Kind::never;
    Seconds suspend_after = 0;
    int warm = 0;
};

struct IdleNode {
    int node = 0;            ///< the caller's index
    Seconds idle_since = 0;  ///< when its last job ended (or it came up)
};

struct IdleDecision {
    std::vector<int> power_off;  ///< nodes to switch off now
    Seconds next_check = -1;     ///< when the answer may change without new events; -1: never
};

/// Of the nodes idle at `now` (in any order), which to switch off now.
IdleDecision decide_idle(const IdlePolicy& policy, std::span<const IdleNode> idle, Seconds now);

}  // namespace slumber::engine
