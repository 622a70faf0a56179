// Shelly plugs and relays through their HTTP APIs: Gen1 (`/relay/<n>`,
// `/status`, `/shelly`; Basic authentication) and Gen2+ (RPC over GET:
// `Switch.Set`, `Switch.GetStatus`, `Shelly.GetDeviceInfo`; Digest
// authentication with SHA-256, user "admin").
#pragma once

#include <memory>

#include "power/driver.hpp"
#include "power/factory.hpp"

namespace slumber::power::shelly {

/// Checks the target's options (generation, channel) and builds the driver.
/// The address is the device's URL; credentials are optional.
Result<std::unique_ptr<Driver>> make(const TargetSettings& settings);

}  // namespace slumber::power::shelly
