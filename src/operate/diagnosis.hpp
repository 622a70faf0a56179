// Why a node that its BMC shows powered on has not registered with Slurm, as
// far as the head node can tell: does its NodeAddr resolve, does the machine
// answer on the network, does slurmd listen on its port. The answer names
// what an admin checks next; it goes into the journal and, if the node ends
// up drained, into the drain reason.
#pragma once

#include <chrono>
#include <string>

#include "slurm/node_state.hpp"

namespace slumber::operate {

/// slurmd's port when Slurm shows none (SlurmdPort's default).
constexpr int kDefaultSlurmdPort = 6818;

std::string diagnose_unregistered(const slurm::NodeState& node, std::chrono::milliseconds timeout);

}  // namespace slumber::operate
