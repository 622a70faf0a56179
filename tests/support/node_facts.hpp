// What the recovery engine knows of one node, made by hand for unit tests:
// Slurm's view of it (node_state()), the rest left unset.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/recovery.hpp"
#include "node_state.hpp"

namespace slumber::testing {

inline engine::NodeFacts node_facts(std::string name, std::string base, std::vector<std::string> flags,
                                    std::string reason = {}) {
    engine::NodeFacts facts;
    facts.slurm = node_state(std::move(name), std::move(base), std::move(flags), std::move(reason));
    return facts;
}

}  // namespace slumber::testing
