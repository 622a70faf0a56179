// Redfish BMCs (DMTF DSP0266): the ComputerSystem's PowerState and its
// ComputerSystem.Reset action, power and temperature from the chassis, the
// manager's identity. Where a vendor keeps the system (Systems/1,
// Systems/Self, Systems/System.Embedded.1 …) and which ResetTypes it takes
// are discovered from the service, never configured.
#pragma once

#include <memory>

#include "power/driver.hpp"
#include "power/factory.hpp"

namespace slumber::power::redfish {

/// Checks the target's options (auth, verify_tls, ca_file, system) and
/// builds the driver. The address is the BMC's host[:port]; HTTPS always.
Result<std::unique_ptr<Driver>> make(const TargetSettings& settings);

}  // namespace slumber::power::redfish
