// Drivers for a set of configured nodes, ready for the executor: shared by
// the carrier, the reconciler and `slumber status`.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "power/executor.hpp"

namespace slumber::daemon {

struct DriverSet {
    std::vector<std::unique_ptr<power::Driver>> drivers;
    std::vector<power::Task> tasks;  ///< one per node that has a driver, in the order given
    /// Nodes without a driver, and why (not in the configuration, bad settings).
    std::map<std::string, std::string> failed;
};

DriverSet build_drivers(const config::Config& config, const std::vector<std::string>& nodes);

/// Every node's power state, or the error in words.
std::map<std::string, std::string> read_power(const config::Config& config, const std::vector<std::string>& nodes);

}  // namespace slumber::daemon
