// A self-signed TLS certificate, as a BMC makes for itself on first boot:
// the emulated Redfish BMCs serve HTTPS with one, and tests trust it through
// the target's ca_file, as an admin would.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace slumber::vcluster {

/// Writes a new key (`key`, mode 0600) and a certificate for `names` (IP
/// addresses or DNS names, the first also its common name) valid for a
/// year.
std::expected<void, std::string> make_self_signed(const std::filesystem::path& certificate,
                                                  const std::filesystem::path& key,
                                                  const std::vector<std::string>& names);

}  // namespace slumber::vcluster
