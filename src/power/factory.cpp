#include "power/factory.hpp"

#include <fmt/format.h>

#include "power/exec/exec_driver.hpp"
#include "power/ipmi/ipmi_driver.hpp"
#include "power/redfish/redfish_driver.hpp"
#include "power/shelly/shelly_driver.hpp"
#include "power/tasmota/tasmota_driver.hpp"
#include "power/wol/wol_driver.hpp"

namespace slumber::power {

Result<std::unique_ptr<Driver>> make_driver(std::string_view driver_name, const TargetSettings& settings) {
    if (driver_name == "ipmi") return ipmi::make(settings);
    if (driver_name == "redfish") return redfish::make(settings);
    if (driver_name == "tasmota") return tasmota::make(settings);
    if (driver_name == "shelly") return shelly::make(settings);
    if (driver_name == "exec") return exec::make(settings);
    if (driver_name == "wol") return wol::make(settings);
    return fail(ErrorKind::config, fmt::format("unknown driver \"{}\"", driver_name));
}

}  // namespace slumber::power
