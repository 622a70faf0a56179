// The thermal guard: whether a room too warm holds back new power-ons, from
// the temperatures the BMCs report (inlet or ambient sensors). Pure, like the
// rest of engine/: the daemon passes its latest readings and the time.
//
// A guard with hysteresis: power-ons stop once the warmest fresh reading
// reaches `limit_celsius` and start again only when every fresh reading is
// below `resume_celsius`, so that a reading that wavers around the limit does
// not let one node through per sample. A guard with no fresh reading holds
// nothing back: a broken sensor or a BMC that stopped answering must not keep
// a cluster from running jobs (the daemon journals that it cannot see).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace slumber::engine {

struct ThermalPolicy {
    double limit_celsius = 0;     ///< hold power-ons once a reading is at or above this
    double resume_celsius = 0;    ///< release once every reading is below this (≤ limit)
    std::int64_t max_age_ms = 0;  ///< older readings count as none; > 0
};

/// One temperature reading: which target's sensor, what it said, when (ms
/// since the epoch, the journal's clock).
struct Temperature {
    std::string target;
    std::string sensor;
    double celsius = 0;
    std::int64_t at_ms = 0;
};

struct ThermalVerdict {
    bool hold = false;
    /// The warmest fresh reading, which the verdict rests on; none when no
    /// reading is fresh (then `hold` is false).
    std::optional<Temperature> warmest;
};

/// `holding`: whether power-ons were held at the last verdict (the hysteresis).
ThermalVerdict judge_temperature(const ThermalPolicy& policy, std::span<const Temperature> readings,
                                 std::int64_t now_ms, bool holding);

}  // namespace slumber::engine
