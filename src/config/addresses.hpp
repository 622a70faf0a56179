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

/// The fix for a problem check_address() found: what this kind of driver
/// takes, with an example (`config check --json` gives it as "fix").
std::string address_fix(power::AddressKind kind);

/// The controller an address reaches, written one way, so that two spellings
/// of one BMC are seen as one: host names and URL schemes in lower case
/// without a trailing dot (DNS names are case-insensitive: RFC 4343), IPv4
/// addresses as dotted quads (the resolver, glibc's getaddrinfo, reads
/// "127.211.1", "0x7f.1" and "0177.0.0.1" as inet_aton(3) does), IPv6
/// addresses as inet_ntop(3) writes them, MACs in lower case with ':'. A
/// port is kept as written: "bmc:623" and "bmc" are not told to be one.
/// For an address that check_address accepts; others come back as given.
std::string address_identity(power::AddressKind kind, const std::string& address);

}  // namespace slumber::config
