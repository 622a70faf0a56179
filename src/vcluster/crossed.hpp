// The `crossed` fault: two nodes whose BMC addresses were swapped in the
// site's inventory (slumber.toml, the hooks' table), so that the BMC reached
// at A's address is B's, and suspending B powers off A, jobs included.
#pragma once

#include <expected>
#include <string>

#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// Swaps the BMCs of nodes A and B (indexes): each restarts at its own
/// address as the other machine's BMC, with that machine's GUID, power and
/// sensors. A BMC keeps its other faults (a changed password, stopped).
/// Refuses a node already crossed, a node with itself, and an IPMI node with
/// a Redfish one (their protocols differ: that is no swap of addresses).
std::expected<void, std::string> cross(const Spec& spec, const RunDir& dir, int a, int b);

/// Undoes the crossing of the node (index) and of its partner; nothing when
/// it is not crossed.
std::expected<void, std::string> uncross(const Spec& spec, const RunDir& dir, int index);

}  // namespace slumber::vcluster
