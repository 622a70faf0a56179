// Per-node BMC addresses: given in step with the node names, or made from a
// pattern, and checked against what the driver expects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/table_reader.hpp"
#include "power/catalog.hpp"

namespace slumber::config {

/// `bmc` as one hostlist or a list of strings (each may be a hostlist),
/// expanded to one address per name; reports a count mismatch.
std::vector<std::string> expand_addresses(TableReader& reader, const std::vector<std::string>& items,
                                          const std::vector<std::string>& names);

/// `bmc_pattern` with {name}, {number} (trailing digits as a number) and
/// {suffix} (trailing digits as written) replaced for each name.
std::vector<std::string> apply_pattern(TableReader& reader, const std::string& pattern,
                                       const std::vector<std::string>& names);

/// What is wrong with an address for this kind of driver, if anything.
std::optional<std::string> check_address(power::AddressKind kind, const std::string& address);

}  // namespace slumber::config
