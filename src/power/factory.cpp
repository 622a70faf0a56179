#include "power/factory.hpp"

#include <fmt/format.h>

namespace slumber::power {

Result<std::unique_ptr<Driver>> make_driver(std::string_view driver_name, const TargetSettings& settings) {
    const DriverInfo* driver = find_driver(driver_name);
    if (driver == nullptr) return fail(ErrorKind::config, fmt::format("unknown driver \"{}\"", driver_name));
    return driver->make(settings);
}

}  // namespace slumber::power
