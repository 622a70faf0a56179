// A node as scontrol shows it, made by hand for the slurm tests.
#pragma once

#include <string>
#include <vector>

#include "slurm/node_state.hpp"

namespace slumber::slurm::testing {

inline NodeState node(std::string name, std::string base, std::vector<std::string> flags = {}) {
    NodeState state;
    state.name = std::move(name);
    state.base = std::move(base);
    state.flags = std::move(flags);
    return state;
}

}  // namespace slumber::slurm::testing
