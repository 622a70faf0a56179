// Drivers for a set of configured nodes, ready for the executor: shared by
// the carrier, the reconciler and `slumber status`.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "power/executor.hpp"

namespace slumber::operate {

class Blocks;

struct DriverSet {
    std::vector<std::unique_ptr<power::Driver>> drivers;
    std::vector<power::Task> tasks;  ///< one per node that has a driver, in the order given
    /// Nodes without a driver, and why (not in the configuration, bad settings).
    std::map<std::string, std::string> failed;
    /// Nodes left alone because a failure that cannot heal blocks them
    /// (Blocks::hold), with the error their call fails with.
    std::map<std::string, power::PowerError> blocked;
};

/// A credentials file is read again when it has changed since it was last
/// read (the daemon outlives an admin's fix of a password), so a driver gets
/// what the file says now.
DriverSet build_drivers(const config::Config& config, const std::vector<std::string>& nodes);

/// Where the carrier gets its drivers: build_drivers(), or a test's.
using DriverSource = std::function<DriverSet(const config::Config&, const std::vector<std::string>&)>;

/// A node's power state as its controller said it, or why it could not be
/// read, in words (power::describe(); a device's text in it is untrusted).
using PowerReading = std::expected<power::PowerState, std::string>;

/// Every node's power state, or why not; a node that `blocks` holds is not
/// asked (its reading is the block's error).
std::map<std::string, PowerReading> read_power(const config::Config& config, const std::vector<std::string>& nodes,
                                               Blocks& blocks, std::string_view source);

}  // namespace slumber::operate
