// Slurm's view of one node, made by hand for unit tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "slurm/node_state.hpp"

namespace slumber::testing {

/// A node as Slurm shows it: its base state ("IDLE"), flags ("POWERED_DOWN")
/// and reason, the rest left unset.
inline slurm::NodeState node_state(std::string name, std::string base, std::vector<std::string> flags,
                                   std::string reason = {}) {
    slurm::NodeState state;
    state.name = std::move(name);
    state.base = std::move(base);
    state.flags = std::move(flags);
    state.reason = std::move(reason);
    return state;
}

}  // namespace slumber::testing
