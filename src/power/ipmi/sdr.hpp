// The BMC's sensors, read through its Sensor Data Record repository: every
// threshold sensor with a reading (inlet temperature, power draw …).
#pragma once

#include <vector>

#include "power/driver.hpp"
#include "power/ipmi/session.hpp"

namespace slumber::power::ipmi {

/// A BMC with more records than this is answering garbage (a record list
/// that loops); real ones hold a few hundred.
inline constexpr int kMaxSdrRecords = 4096;

Result<std::vector<SensorReading>> read_sensors(const Session& session);

}  // namespace slumber::power::ipmi
