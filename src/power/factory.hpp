// Building a driver for one target from its settings, through the driver
// table in catalog.hpp (each row's make).
#pragma once

#include <memory>
#include <string>

#include "power/catalog.hpp"
#include "power/driver.hpp"
#include "power/policy.hpp"
#include "util/secret.hpp"

namespace slumber::power {

/// Everything a driver needs to reach one target, as the configuration
/// resolved it. Secrets stay wrapped until the driver hands them to the wire.
struct TargetSettings {
    std::string name;
    std::string address;
    DriverOptions options;
    std::string username;
    util::Secret password;
    util::Secret k_g;
    CallPolicy policy;
};

/// The driver for `driver_name`, or why there is none: ErrorKind::config for
/// a name the catalog does not list or settings the driver refuses.
Result<std::unique_ptr<Driver>> make_driver(std::string_view driver_name, const TargetSettings& settings);

}  // namespace slumber::power
