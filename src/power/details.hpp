// Everything a target can tell about itself beyond its power state: who made
// its BMC, its GUID, its power draw and sensors. For `slumber power info`,
// inventories and `doctor`; each part is absent where the driver cannot
// provide it and an error where the target would not.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "power/driver.hpp"

namespace slumber::power {

struct Details {
    std::string target;
    Result<PowerState> state;
    std::optional<Result<Identity>> identity;
    std::optional<Result<std::string>> guid;
    std::optional<Result<double>> watts;
    std::optional<Result<std::vector<SensorReading>>> sensors;
};

/// Reads the target's power state and meter (Driver::sample()), with
/// sensor names and units made safe to print (util::safe_text).
Sample read_sample(Driver& driver);

/// Whether read_details() reads the meter (power draw and sensors) too.
enum class ReadMeter { yes, no };

/// Asks the driver everything its capabilities promise; with ReadMeter::no,
/// all but the meter (`doctor` needs no power draw, and an IPMI BMC's SDR
/// takes a session and many commands to walk). After an unreachable or
/// authentication failure it asks nothing more (BMCs lock accounts; a
/// silent BMC would cost a timeout per question).
/// Device text in it (identity, GUID, sensor names) is made safe to print
/// (util::safe_text).
Details read_details(const std::string& target, Driver& driver, ReadMeter meter = ReadMeter::yes);

/// "IANA 343, product 0x0f02, firmware 9.08", as `power info` shows it: a
/// part the device left empty is left out; none at all reads "not reported".
std::string identity_text(const Identity& identity);

}  // namespace slumber::power
