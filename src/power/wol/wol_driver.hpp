// Wake-on-LAN, for machines with no BMC: `on` broadcasts the magic packet to
// the machine's MAC address; `off` and `soft` run the configured off_command
// (a packet cannot switch anything off); `status` asks the network whether
// the machine answers on a TCP port (its SSH port unless told otherwise),
// which is the best a machine without a BMC can tell.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "power/driver.hpp"
#include "power/factory.hpp"

namespace slumber::power::wol {

/// "aa:bb:cc:dd:ee:ff" (or with '-') as six bytes.
std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text);

/// The 102-byte magic packet: six 0xFF bytes, then the MAC sixteen times.
std::array<std::uint8_t, 102> magic_packet(const std::array<std::uint8_t, 6>& mac);

/// Checks the target's options and builds the driver.
Result<std::unique_ptr<Driver>> make(const TargetSettings& settings);

}  // namespace slumber::power::wol
