// A virtual node's Redfish BMC: the emulated Redfish BMC on the node's BMC
// address, whose system power is the node's machine, as ipmi_sim's chassis
// is for the other nodes. It runs as `slumber-vcluster redfish-bmc DIR NODE`,
// started and recorded by start_bmc().
#pragma once

#include <string_view>

#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// Serves the node's Redfish BMC until SIGTERM; the exit code.
int run_redfish_bmc(const RunDir& dir, std::string_view node);

}  // namespace slumber::vcluster
