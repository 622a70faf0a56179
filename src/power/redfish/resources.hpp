// Reading the Redfish resources the driver uses, apart from fetching them:
// every function takes whatever JSON a BMC sent and never throws, so that
// they can be fuzzed and a BMC's odd answer is a clear error, not a crash.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "power/driver.hpp"

namespace slumber::power::redfish {

/// The "@odata.id" of `object[key]`, a link or a list of links (the first);
/// empty if there is none.
std::string link(const nlohmann::json& object, std::string_view key);

/// The member paths of a collection (Systems, Chassis …).
std::vector<std::string> members(const nlohmann::json& collection);

/// A ComputerSystem's #ComputerSystem.Reset action.
struct ResetAction {
    std::string target;              ///< where to POST; empty: no such action
    std::vector<std::string> types;  ///< ResetType@Redfish.AllowableValues, if listed inline
    std::string action_info;         ///< @Redfish.ActionInfo, where the types are listed otherwise
};
ResetAction reset_action(const nlohmann::json& system);

/// The ResetType parameter's AllowableValues in an ActionInfo resource.
std::vector<std::string> reset_types_in(const nlohmann::json& action_info);

/// The system's PowerState, each of DSP0268's Resource.PowerState values as
/// its own state (PoweringOff is not off); nullopt when it is missing or not
/// one of them.
std::optional<PowerState> power_state(const nlohmann::json& system);

/// Readings from a chassis' EnvironmentMetrics, Power or Thermal resource.
std::vector<SensorReading> environment_readings(const nlohmann::json& metrics);
std::vector<SensorReading> power_readings(const nlohmann::json& power);
std::vector<SensorReading> thermal_readings(const nlohmann::json& thermal);

}  // namespace slumber::power::redfish
