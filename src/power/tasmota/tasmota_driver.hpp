// Tasmota smart plugs through their HTTP command API (`/cm?cmnd=…`): relay
// state, switching, and the energy monitor of plugs that have one. Tasmota
// takes its web password as query parameters; the URL never leaves the
// driver.
#pragma once

#include <memory>

#include "power/driver.hpp"
#include "power/factory.hpp"

namespace slumber::power::tasmota {

/// Checks the target's options (relay) and builds the driver. The address is
/// the plug's URL ("http://192.168.1.50"); credentials are optional.
Result<std::unique_ptr<Driver>> make(const TargetSettings& settings);

}  // namespace slumber::power::tasmota
